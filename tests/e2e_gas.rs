//! Gas fees end to end, on the real EntryPoint v0.7 and OpenZeppelin account: the drain of
//! issue 14 (a key whose holder also bundles, pricing a free move at 5,000,000
//! pre-verification gas and 1,000 gwei) refused with nothing moved; the same move at a fee
//! within the session's cap run, its prefund counted; and a listed paymaster paying from its
//! own deposit while the account pays nothing.

use crate::support;

use alloy_primitives::{B256, U256};
use alloy_sol_types::{SolCall, SolError};
use session_core::interface::ISmartSessions;
use support::{
    evm::{failed_op_with_revert, PackedUserOperation, World, BUNDLER},
    execute_single, move_data, packed_gas, SessionKey, ETHER, GAS_COST_PER_OP, MODULE,
};

const GWEI: u128 = 1_000_000_000;

/// A free move of the world's account, priced by `price`, signed by `key` for the session.
fn a_move(
    world: &mut World,
    id: B256,
    key: &SessionKey,
    price: impl FnOnce(&mut PackedUserOperation),
) -> PackedUserOperation {
    let mut op = world.op(MODULE, execute_single(world.game, 0, &move_data(1, 2)).to_vec());
    price(&mut op);
    world.signed_for_session(op, id, key)
}

/// The drain's prices: (5,000,000 + 2,000,000 + 2,000,000) gas at 1,000 gwei = 9 ether.
fn drain_prices(op: &mut PackedUserOperation) {
    op.preVerificationGas = U256::from(5_000_000);
    op.gasFees = packed_gas(1_000 * GWEI, 1_000 * GWEI);
}

#[test]
fn the_bundling_key_holders_drain_is_refused_and_nothing_moves() {
    let key = SessionKey::from_seed(1);
    let (mut world, id) = World::playing(&key);
    let (account, bundler) = (world.chain.balance(world.account), world.chain.balance(BUNDLER));
    let op = a_move(&mut world, id, &key, drain_prices);
    let refused = ISmartSessions::GasCostAboveLimit {
        permissionId: id,
        maxCost: U256::from(9_000_000 * 1_000 * GWEI),
        limit: U256::from(GAS_COST_PER_OP),
    };
    assert_eq!(world.handle(op), Err(failed_op_with_revert(refused.abi_encode())));
    assert_eq!(world.chain.balance(world.account), account, "the account paid nothing");
    assert_eq!(world.chain.balance(BUNDLER), bundler, "the bundler gained nothing");
}

#[test]
fn a_move_priced_within_the_cap_runs_and_its_prefund_counts() {
    let key = SessionKey::from_seed(1);
    let (mut world, id) = World::playing(&key);
    let before = world.chain.balance(world.account);
    // 4,100,000 gas at 0.2 gwei: 0.00082 ether, within the 0.001 ether cap.
    let op = a_move(&mut world, id, &key, |op| op.gasFees = packed_gas(GWEI / 5, GWEI / 5));
    assert_eq!(world.handle(op), Ok(()));
    assert_eq!(world.moves(), U256::from(1));
    let max_cost = U256::from(4_100_000 * GWEI / 5);
    let paid = before - world.chain.balance(world.account);
    assert!(!paid.is_zero() && paid <= max_cost, "paid {paid}, at most {max_cost}");
    let call = ISmartSessions::getSessionCall { account: world.account, permissionId: id };
    let state = ISmartSessions::getSessionCall::abi_decode_returns(
        &world.call_module(support::evm::DEPLOYER, call.abi_encode()).unwrap(),
    )
    .unwrap();
    assert_eq!(state.spent, max_cost, "the prefund, not what was finally charged");
    assert!(state.spent < U256::from(ETHER));
}

#[test]
fn a_listed_paymaster_pays_the_drains_prices_and_the_account_pays_nothing() {
    let key = SessionKey::from_seed(1);
    let mut world = World::installed();
    let paymaster = world.deploy_paymaster(U256::from(20 * ETHER));
    let mut session = world.game_session(&key);
    session.paymasters = vec![paymaster];
    let id = world.enable_by_owner(session);
    world.chain.record_validations_of(world.account);
    let sponsored = |op: &mut PackedUserOperation| {
        drain_prices(op);
        let limits = packed_gas(100_000, 100_000);
        op.paymasterAndData = [paymaster.as_slice(), limits.as_slice()].concat().into();
    };
    let before = world.chain.balance(world.account);
    let deposit = world.deposit_of(paymaster);
    let op = a_move(&mut world, id, &key, sponsored);
    assert_eq!(world.handle(op), Ok(()));
    assert_eq!(world.moves(), U256::from(1));
    assert_eq!(world.chain.balance(world.account), before, "the account paid nothing");
    assert!(world.deposit_of(paymaster) < deposit, "the paymaster paid");
    // ERC-7562: the account's validation, the paymaster's word included, touched only storage
    // associated with the account.
    let validations = world.chain.validations().to_vec();
    assert_eq!(validations.len(), 1);
    assert_eq!(validations[0].unassociated(), vec![]);

    // Another paymaster: refused by the module.
    let other = world.deploy_paymaster(U256::from(ETHER));
    let op = a_move(&mut world, id, &key, |op| {
        drain_prices(op);
        let limits = packed_gas(100_000, 100_000);
        op.paymasterAndData = [other.as_slice(), limits.as_slice()].concat().into();
    });
    let refused = ISmartSessions::PaymasterNotAllowed { permissionId: id, paymaster: other };
    assert_eq!(world.handle(op), Err(failed_op_with_revert(refused.abi_encode())));
}
