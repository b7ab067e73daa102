//! Recurring periods through the module's ABI entry: the key names the period its operation
//! counts in, the module answers with that period's window and starts the counters over in
//! each new period; the executor path counts in the block's period.

use crate::support;

use alloy_primitives::{address, aliases::U48, Address, Bytes, B256, U256};
use alloy_sol_types::SolValue;
use session_core::interface::{
    Action, Error, ISmartSessions::*, PackedUserOperation, Session, TokenLimit,
};
use support::*;

const HOUR: u64 = 3_600;
const USDC: Address = address!("00000000000000000000000000000000000005dc");
const TRANSFER: [u8; 4] = [0xa9, 0x05, 0x9c, 0xbb];

/// Alice's game session over three hours, in periods of one hour: two moves and 0.015 ether
/// per period (0.01 per move), and 100 USDC per period.
fn hourly_session(key: &SessionKey) -> Session {
    Session {
        validUntil: U48::from(NOW + 3 * HOUR),
        period: U48::from(HOUR),
        maxUses: 2,
        maxTotalValue: U256::from(ETHER / 1000 * 15),
        actions: vec![
            game_session(ALICE, key).actions[0].clone(),
            Action { target: USDC, selector: TRANSFER.into(), maxValuePerCall: U256::ZERO },
        ],
        tokenLimits: vec![TokenLimit { token: USDC, maxAmount: U256::from(100) }],
        ..game_session(ALICE, key)
    }
}

fn enabled(key: &SessionKey) -> (Harness, B256) {
    let mut harness = Harness::new();
    harness.install(ALICE);
    let id = harness.enable(&hourly_session(key)).unwrap();
    (harness, id)
}

/// A USE operation signed by `key`, counting in period `index`.
fn in_period(id: B256, key: &SessionKey, index: u32, call_data: Bytes) -> PackedUserOperation {
    signed_op_in(ALICE, id, key, call_data, Some(index))
}

fn a_move(wei: u128) -> Bytes {
    execute_single(GAME, wei, &move_data(1, 1))
}

fn usdc_transfer(amount: u64) -> Bytes {
    let data = [&TRANSFER[..], BOB.into_word().as_slice(), &U256::from(amount).to_be_bytes::<32>()]
        .concat();
    execute_single(USDC, 0, &data)
}

/// The window of period `index`: one hour from `NOW + index` hours.
fn period_window(index: u64) -> U256 {
    window(NOW + index * HOUR, NOW + (index + 1) * HOUR - 1)
}

#[test]
fn each_period_answers_its_own_window_and_starts_the_counters_over() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = enabled(&key);
    for _ in 0..2 {
        let op = in_period(id, &key, 0, a_move(ETHER / 200));
        assert_eq!(harness.validate(ALICE, &op), Ok(period_window(0)));
    }
    let third = in_period(id, &key, 0, a_move(0));
    assert_eq!(
        harness.validate(ALICE, &third),
        Err(UsageLimitReached { permissionId: id, maxUses: 2 }.into())
    );
    let next = in_period(id, &key, 1, a_move(ETHER / 100));
    assert_eq!(harness.validate(ALICE, &next), Ok(period_window(1)), "a fresh period");
    let state = harness.session(ALICE, id);
    assert_eq!(
        (state.period, state.periodIndex, state.uses, state.spent),
        (U48::from(HOUR), 1, 1, U256::from(ETHER / 100))
    );
    let over = in_period(id, &key, 1, a_move(ETHER / 100));
    assert_eq!(
        harness.validate(ALICE, &over),
        Err(SpendLimitExceeded {
            permissionId: id,
            spent: U256::from(ETHER / 50),
            limit: U256::from(ETHER / 1000 * 15)
        }
        .into())
    );
}

#[test]
fn a_period_before_the_counters_or_after_the_window_is_refused() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = enabled(&key);
    let op = in_period(id, &key, 2, a_move(0));
    assert_eq!(harness.validate(ALICE, &op), Ok(period_window(2)));
    let refused = |index: u32| -> Result<U256, Error> {
        Err(SessionPeriodInvalid { permissionId: id, periodIndex: index }.into())
    };
    assert_eq!(harness.validate(ALICE, &in_period(id, &key, 1, a_move(0))), refused(1));
    // Period 3 starts at `validUntil`: one second of it is left.
    let last = in_period(id, &key, 3, a_move(0));
    assert_eq!(harness.validate(ALICE, &last), Ok(window(NOW + 3 * HOUR, NOW + 3 * HOUR)));
    assert_eq!(harness.validate(ALICE, &in_period(id, &key, 4, a_move(0))), refused(4));
    assert_eq!(
        harness.validate(ALICE, &in_period(id, &key, u32::MAX, a_move(0))),
        refused(u32::MAX)
    );
}

#[test]
fn a_periodic_proof_without_its_index_or_with_another_fails_the_signature() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = enabled(&key);
    let op = signed_op(ALICE, id, &key, a_move(0));
    assert_eq!(harness.validate(ALICE, &op), Ok(U256::from(1)), "SIG_VALIDATION_FAILED");
    // The key signs the index with the operation: a relayer moving a signed operation to
    // another period gets SIG_VALIDATION_FAILED (with that period's window).
    let signed_for_0 = in_period(id, &key, 0, a_move(0));
    let mut moved = signed_for_0.clone();
    let at = moved.signature.len() - 4;
    moved.signature = [&moved.signature[..at], &1u32.to_be_bytes()[..]].concat().into();
    assert_eq!(harness.validate(ALICE, &moved), Ok(period_window(1) | U256::from(1)));
    let op = in_period(id, &key, 1, a_move(0));
    assert_eq!(harness.validate(ALICE, &op), Ok(period_window(1)));
}

#[test]
fn token_budgets_start_over_each_period() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = enabled(&key);
    assert_eq!(
        harness.validate(ALICE, &in_period(id, &key, 0, usdc_transfer(100))),
        Ok(period_window(0))
    );
    assert_eq!(
        harness.validate(ALICE, &in_period(id, &key, 0, usdc_transfer(1))),
        Err(TokenSpendLimitExceeded {
            permissionId: id,
            token: USDC,
            spent: U256::from(101),
            limit: U256::from(100)
        }
        .into())
    );
    assert_eq!(
        harness.validate(ALICE, &in_period(id, &key, 1, usdc_transfer(70))),
        Ok(period_window(1))
    );
    let budget = harness
        .call(BOB, getTokenBudgetCall { account: ALICE, permissionId: id, token: USDC })
        .unwrap();
    assert_eq!(
        (budget.spent, budget.limit, budget.periodIndex),
        (U256::from(70), U256::from(100), 1)
    );
}

#[test]
fn the_executor_path_counts_in_the_blocks_period() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = enabled(&key);
    harness.install(ALICE);
    let returned = vec![Bytes::from_static(b"moved")].abi_encode();
    harness.vm.call_answers.borrow_mut().insert(ALICE, Ok(returned));
    let by_key = executeAsSessionCall { account: ALICE, permissionId: id, callData: a_move(0) };
    for _ in 0..2 {
        harness.vm.clock.set(Some(NOW + HOUR - 1));
        harness.call(key.address(), by_key.clone()).unwrap();
    }
    assert_eq!(
        harness.call(key.address(), by_key.clone()),
        Err(UsageLimitReached { permissionId: id, maxUses: 2 }.into())
    );
    harness.vm.clock.set(Some(NOW + 2 * HOUR + 5));
    harness.call(key.address(), by_key).unwrap();
    let state = harness.session(ALICE, id);
    assert_eq!((state.periodIndex, state.uses), (2, 1));
}

#[test]
fn a_period_ending_at_time_zero_never_reads_as_no_expiry() {
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    harness.install(ALICE);
    // One-second periods from time 0: period 0 is the second 0 alone.
    let session = Session {
        validAfter: U48::ZERO,
        validUntil: U48::from(HOUR),
        period: U48::from(1),
        ..hourly_session(&key)
    };
    let id = harness.enable(&session).unwrap();
    let op = in_period(id, &key, 0, a_move(0));
    assert_eq!(harness.validate(ALICE, &op), Ok(window(0, 1)), "validUntil 0 would never expire");
}
