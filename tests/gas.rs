//! What a session's operations may make the account pay for gas: the per-operation cap
//! (`maxGasCostPerOp`, counted as the EntryPoint's prefund from the signed figures), the total
//! (`maxTotalValue`, which counts gas with the calls' value), and paymasters (none unless
//! listed; a listed one's operations cost the account nothing). Each refusal asserts the exact
//! error and its figures.

use crate::support;

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use session_core::interface::{ISmartSessions::*, PackedUserOperation, Session};
use support::*;

const GWEI: u128 = 1_000_000_000;
const PAYMASTER: Address = Address::repeat_byte(0xa5);

/// Alice installed the module and enabled `session` (for `key`).
fn enabled(session: &Session) -> (Harness, B256) {
    let mut harness = Harness::new();
    harness.install(ALICE);
    let permission_id = harness.enable(session).unwrap();
    (harness, permission_id)
}

/// A free move (no value) priced at `pre_verification_gas`, the two limits and `max_fee`.
fn priced(
    pre_verification_gas: U256,
    (verification, call): (u128, u128),
    max_fee: u128,
) -> PackedUserOperation {
    let mut op = user_op(ALICE, execute_single(GAME, 0, &move_data(1, 1)), Bytes::new());
    op.preVerificationGas = pre_verification_gas;
    op.accountGasLimits = packed_gas(verification, call);
    op.gasFees = packed_gas(max_fee, max_fee);
    op
}

/// The attack of issue 14: a key whose holder also bundles prices a free move at
/// 5,000,000 pre-verification gas and 1,000 gwei.
fn drain() -> PackedUserOperation {
    priced(U256::from(5_000_000), (500_000, 500_000), 1_000 * GWEI)
}

#[test]
fn an_operation_that_may_cost_more_gas_than_the_cap_is_refused_with_its_figures() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = enabled(&game_session(ALICE, &key));
    let op = signed_for(drain(), id, &key, None);
    assert_eq!(
        harness.validate(ALICE, &op),
        Err(GasCostAboveLimit {
            permissionId: id,
            maxCost: U256::from(6_000_000 * 1_000 * GWEI),
            limit: U256::from(GAS_COST_PER_OP),
        }
        .into())
    );
    assert_eq!(harness.session(ALICE, id).uses, 0, "nothing counted");
}

#[test]
fn the_cap_holds_to_the_wei() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = enabled(&game_session(ALICE, &key));
    // (pvg + 1,000,000) × 1 wei = the cap exactly: passes, and counts.
    let at_cap = U256::from(GAS_COST_PER_OP - 1_000_000);
    let op = signed_for(priced(at_cap, (600_000, 400_000), 1), id, &key, None);
    assert_eq!(harness.validate(ALICE, &op), Ok(window(NOW, NOW + TWO_HOURS)));
    assert_eq!(harness.session(ALICE, id).spent, U256::from(GAS_COST_PER_OP));
    // One wei more: refused.
    let op = signed_for(priced(at_cap + U256::from(1), (600_000, 400_000), 1), id, &key, None);
    assert_eq!(
        harness.validate(ALICE, &op),
        Err(GasCostAboveLimit {
            permissionId: id,
            maxCost: U256::from(GAS_COST_PER_OP + 1),
            limit: U256::from(GAS_COST_PER_OP),
        }
        .into())
    );
}

#[test]
fn gas_and_value_add_up_to_max_total_value_over_many_small_operations() {
    let key = SessionKey::from_seed(1);
    let mut session = game_session(ALICE, &key);
    // Five operations' worth: each may cost 0.001 ether of gas and sends 1 wei.
    session.maxTotalValue = U256::from(5 * (GAS_COST_PER_OP + 1));
    let (mut harness, id) = enabled(&session);
    let op = || {
        let mut op = priced(U256::from(50_000), (450_000, 500_000), GAS_COST_PER_OP / 1_000_000);
        op.callData = execute_single(GAME, 1, &move_data(1, 1));
        op
    };
    for uses in 1..=5 {
        let signed = signed_for(op(), id, &key, None);
        assert_eq!(harness.validate(ALICE, &signed), Ok(window(NOW, NOW + TWO_HOURS)));
        let state = harness.session(ALICE, id);
        assert_eq!(
            (state.uses, state.spent),
            (uses, U256::from(uses as u128 * (GAS_COST_PER_OP + 1)))
        );
    }
    let signed = signed_for(op(), id, &key, None);
    assert_eq!(
        harness.validate(ALICE, &signed),
        Err(SpendLimitExceeded {
            permissionId: id,
            spent: U256::from(6 * (GAS_COST_PER_OP + 1)),
            limit: session.maxTotalValue,
        }
        .into())
    );
}

#[test]
fn figures_near_2_pow_256_saturate_and_never_wrap() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = enabled(&game_session(ALICE, &key));
    let refused = |max_cost| {
        Err(GasCostAboveLimit {
            permissionId: id,
            maxCost: max_cost,
            limit: U256::from(GAS_COST_PER_OP),
        }
        .into())
    };
    // A pre-verification gas that would wrap any sum, at 1 wei a gas.
    let op = signed_for(priced(U256::MAX, (1, 1), 1), id, &key, None);
    assert_eq!(harness.validate(ALICE, &op), refused(U256::MAX));
    // Limits and fee at 2^128 − 1: a product past 2^128 reads as 2^256 − 1.
    let op = signed_for(priced(U256::ZERO, (u128::MAX, u128::MAX), u128::MAX), id, &key, None);
    assert_eq!(harness.validate(ALICE, &op), refused(U256::MAX));
    // 2^64 gas at 2^64 wei a gas: 2^128 wei, past 128 bits, reads as 2^256 − 1 too.
    let op = signed_for(priced(U256::from(1u128 << 64), (0, 0), 1 << 64), id, &key, None);
    assert_eq!(harness.validate(ALICE, &op), refused(U256::MAX));
    // Huge figures at a fee of 0 cost the account nothing.
    let op = signed_for(priced(U256::MAX, (u128::MAX, u128::MAX), 0), id, &key, None);
    assert_eq!(harness.validate(ALICE, &op), Ok(window(NOW, NOW + TWO_HOURS)));
    assert_eq!(harness.session(ALICE, id).spent, U256::ZERO);
}

/// `op` paid for by `paymaster` (its gas limits and data after the address).
fn sponsored(mut op: PackedUserOperation, paymaster: Address) -> PackedUserOperation {
    let limits = packed_gas(100_000, 50_000);
    op.paymasterAndData = [paymaster.as_slice(), limits.as_slice(), b"sig"].concat().into();
    op
}

#[test]
fn a_paymaster_the_session_does_not_list_is_refused() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = enabled(&game_session(ALICE, &key));
    let op = signed_for(sponsored(drain(), PAYMASTER), id, &key, None);
    assert_eq!(
        harness.validate(ALICE, &op),
        Err(PaymasterNotAllowed { permissionId: id, paymaster: PAYMASTER }.into())
    );
    // `paymasterAndData` too short to name one: refused as the zero address.
    let mut op = drain();
    op.paymasterAndData = Bytes::from_static(&[0xa5; 19]);
    let op = signed_for(op, id, &key, None);
    assert_eq!(
        harness.validate(ALICE, &op),
        Err(PaymasterNotAllowed { permissionId: id, paymaster: Address::ZERO }.into())
    );
}

#[test]
fn a_listed_paymaster_pays_and_the_account_is_charged_nothing() {
    let key = SessionKey::from_seed(1);
    let mut session = game_session(ALICE, &key);
    session.paymasters = vec![PAYMASTER];
    let (mut harness, id) = enabled(&session);
    // The drain's prices are the paymaster's business: nothing counts against the account.
    let op = signed_for(sponsored(drain(), PAYMASTER), id, &key, None);
    let (result, slots) = harness.trace(|harness| harness.validate(ALICE, &op));
    assert_eq!(result, Ok(window(NOW, NOW + TWO_HOURS)));
    let state = harness.session(ALICE, id);
    assert_eq!((state.uses, state.spent), (1, U256::ZERO));
    // The paymaster's word is keyed by the account last, as ERC-7562 asks.
    let mut keys = game_layout_keys(id);
    keys.push(mapping(keccak256([id.0, PAYMASTER.into_word().0].concat()), 7));
    assert_associated(ALICE, &slots, &keys);
    // Another paymaster is still refused.
    let other = Address::repeat_byte(0xbb);
    let op = signed_for(sponsored(drain(), other), id, &key, None);
    assert_eq!(
        harness.validate(ALICE, &op),
        Err(PaymasterNotAllowed { permissionId: id, paymaster: other }.into())
    );
}

#[test]
fn a_sponsored_only_session_refuses_an_operation_the_account_would_pay_for() {
    let key = SessionKey::from_seed(1);
    let mut session = game_session(ALICE, &key);
    session.paymasters = vec![PAYMASTER];
    session.maxGasCostPerOp = U256::ZERO;
    let (mut harness, id) = enabled(&session);
    let op = signed_for(priced(U256::from(50_000), (500_000, 500_000), GWEI / 10), id, &key, None);
    assert_eq!(
        harness.validate(ALICE, &op),
        Err(GasCostAboveLimit {
            permissionId: id,
            maxCost: U256::from(105_000 * GWEI),
            limit: U256::ZERO
        }
        .into())
    );
    let op = signed_for(sponsored(drain(), PAYMASTER), id, &key, None);
    assert_eq!(harness.validate(ALICE, &op), Ok(window(NOW, NOW + TWO_HOURS)));
}
