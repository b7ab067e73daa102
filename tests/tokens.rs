//! ERC-20 budgets through the module's ABI entry: a session's counted amounts (`transfer`, `approve`, `increaseAllowance`, `transferFrom` from the account)
//! per token, summed over its uses, on both paths (validation and executor).

use crate::support;

use alloy_primitives::{address, keccak256, Address, Bytes, B256, U256};
use session_core::interface::{Action, Error, ISmartSessions::*, Session, TokenLimit};
use support::*;

const USDC: Address = address!("00000000000000000000000000000000000005dc");
const DAI: Address = address!("0000000000000000000000000000000000000da1");
const TRANSFER: [u8; 4] = [0xa9, 0x05, 0x9c, 0xbb];
const APPROVE: [u8; 4] = [0x09, 0x5e, 0xa7, 0xb3];

fn token_call(selector: [u8; 4], amount: u64) -> Vec<u8> {
    [&selector[..], BOB.into_word().as_slice(), &U256::from(amount).to_be_bytes::<32>()].concat()
}

/// Alice's session that may `transfer` and `approve` USDC (budget 100) and `transfer` DAI
/// (no budget).
fn token_session(key: &SessionKey) -> Session {
    let action = |target, selector: [u8; 4]| Action {
        target,
        selector: selector.into(),
        maxValuePerCall: U256::ZERO,
    };
    Session {
        actions: vec![action(USDC, TRANSFER), action(USDC, APPROVE), action(DAI, TRANSFER)],
        tokenLimits: vec![TokenLimit { token: USDC, maxAmount: U256::from(100) }],
        ..game_session(ALICE, key)
    }
}

fn enabled(key: &SessionKey) -> (Harness, B256) {
    let mut harness = Harness::new();
    harness.install(ALICE);
    let id = harness.enable(&token_session(key)).unwrap();
    (harness, id)
}

fn validate(harness: &mut Harness, id: B256, key: &SessionKey, call: Bytes) -> Result<U256, Error> {
    let op = signed_op(ALICE, id, key, call);
    harness.validate(ALICE, &op)
}

fn exceeded(id: B256, token: Address, spent: u64, limit: u64) -> Error {
    TokenSpendLimitExceeded {
        permissionId: id,
        token,
        spent: U256::from(spent),
        limit: U256::from(limit),
    }
    .into()
}

#[test]
fn transfers_and_approvals_add_up_to_the_tokens_budget() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = enabled(&key);
    let window = window(NOW, NOW + TWO_HOURS);
    let transfer_60 = execute_single(USDC, 0, &token_call(TRANSFER, 60));
    assert_eq!(validate(&mut harness, id, &key, transfer_60.clone()), Ok(window));
    let approve_40 = execute_single(USDC, 0, &token_call(APPROVE, 40));
    assert_eq!(validate(&mut harness, id, &key, approve_40), Ok(window));
    let one_more = execute_single(USDC, 0, &token_call(TRANSFER, 1));
    assert_eq!(validate(&mut harness, id, &key, one_more), Err(exceeded(id, USDC, 101, 100)));
    assert_eq!(harness.session(ALICE, id).uses, 2, "the refused operation counted nothing");

    let budget = |harness: &mut Harness, token| {
        let call = getTokenBudgetCall { account: ALICE, permissionId: id, token };
        let budget = harness.call(BOB, call).unwrap();
        (budget.spent, budget.limit)
    };
    assert_eq!(budget(&mut harness, USDC), (U256::from(100), U256::from(100)));
    assert_eq!(budget(&mut harness, DAI), (U256::ZERO, U256::ZERO), "no limit, no budget");
    harness.call(ALICE, removeSessionCall { permissionId: id }).unwrap();
    assert_eq!(budget(&mut harness, USDC), (U256::ZERO, U256::ZERO), "a dead session has none");
}

#[test]
fn a_batch_passing_the_budget_is_refused_whole() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = enabled(&key);
    let batch = execute_batch(&[
        execution(USDC, 0, token_call(TRANSFER, 70)),
        execution(USDC, 0, token_call(TRANSFER, 31)),
    ]);
    assert_eq!(validate(&mut harness, id, &key, batch), Err(exceeded(id, USDC, 101, 100)));
    let within = execute_single(USDC, 0, &token_call(TRANSFER, 100));
    assert!(validate(&mut harness, id, &key, within).is_ok(), "a refused operation spends nothing");
}

#[test]
fn a_limit_above_96_bits_is_held_at_2_pow_96_minus_1() {
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    harness.install(ALICE);
    let mut session = token_session(&key);
    // 2^96 + 5: cut to 96 bits it would read as 5.
    session.tokenLimits[0].maxAmount = (U256::from(1) << 96) + U256::from(5);
    let id = harness.enable(&session).unwrap();
    let max = (1u128 << 96) - 1;
    let amount_word = U256::from(max).to_be_bytes::<32>();
    let data = [&TRANSFER[..], BOB.into_word().as_slice(), &amount_word].concat();
    assert!(validate(&mut harness, id, &key, execute_single(USDC, 0, &data)).is_ok());
    let one_more = execute_single(USDC, 0, &token_call(TRANSFER, 1));
    assert_eq!(
        validate(&mut harness, id, &key, one_more),
        Err(TokenSpendLimitExceeded {
            permissionId: id,
            token: USDC,
            spent: U256::from(max) + U256::from(1),
            limit: U256::from(max),
        }
        .into())
    );
}

#[test]
fn a_token_without_a_budget_moves_nothing() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = enabled(&key);
    let dai = execute_single(DAI, 0, &token_call(TRANSFER, 1));
    assert_eq!(validate(&mut harness, id, &key, dai), Err(exceeded(id, DAI, 1, 0)));
    let nothing = execute_single(DAI, 0, &token_call(TRANSFER, 0));
    assert!(validate(&mut harness, id, &key, nothing).is_ok());
}

#[test]
fn a_token_call_whose_amount_cannot_be_read_is_refused() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = enabled(&key);
    for data in [
        [token_call(TRANSFER, 1), vec![0]].concat(),
        token_call(TRANSFER, 1)[..67].to_vec(),
        TRANSFER.to_vec(),
    ] {
        let call = execute_single(USDC, 0, &data);
        assert_eq!(
            validate(&mut harness, id, &key, call),
            Err(TokenAmountUnreadable { token: USDC }.into())
        );
    }
}

#[test]
fn the_executor_path_spends_the_same_budget() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = enabled(&key);
    harness.install(ALICE);
    harness.vm.clock.set(Some(NOW));
    let returns = alloy_sol_types::SolValue::abi_encode(&vec![Bytes::new()]);
    harness.vm.call_answers.borrow_mut().insert(ALICE, Ok(returns));
    let call = |amount| executeAsSessionCall {
        account: ALICE,
        permissionId: id,
        callData: execute_single(USDC, 0, &token_call(TRANSFER, amount)),
    };
    harness.call(key.address(), call(90)).unwrap();
    assert_eq!(harness.call(key.address(), call(11)).err(), Some(exceeded(id, USDC, 101, 100)));
    let via_validation = execute_single(USDC, 0, &token_call(TRANSFER, 10));
    assert!(validate(&mut harness, id, &key, via_validation).is_ok());
}

#[test]
fn enabling_again_starts_a_fresh_budget_and_a_token_listed_twice_is_refused() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = enabled(&key);
    let all = execute_single(USDC, 0, &token_call(TRANSFER, 100));
    validate(&mut harness, id, &key, all.clone()).unwrap();
    harness.call(ALICE, removeSessionCall { permissionId: id }).unwrap();
    assert_eq!(harness.enable(&token_session(&key)), Ok(id));
    assert!(validate(&mut harness, id, &key, all).is_ok(), "a new enabling, a new budget");

    let mut twice = token_session(&key);
    twice.salt = B256::with_last_byte(2);
    twice.tokenLimits.push(TokenLimit { token: USDC, maxAmount: U256::from(1) });
    assert_eq!(harness.enable(&twice), Err(TokenLimitDuplicated { token: USDC }.into()));
}

#[test]
fn validation_touches_only_storage_associated_with_the_account() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = enabled(&key);
    let op = signed_op(ALICE, id, &key, execute_single(USDC, 0, &token_call(TRANSFER, 5)));
    let (result, slots) = harness.trace(|harness| harness.validate(ALICE, &op));
    assert!(result.is_ok());
    let transfer_key = session_core::layout::action_key(id, 1, USDC, TRANSFER.into());
    let budget_key = keccak256([id.as_slice(), USDC.into_word().as_slice()].concat());
    let keys = [B256::ZERO, mapping(id, 1), mapping(transfer_key, 2), mapping(budget_key, 6)];
    assert_associated(ALICE, &slots, &keys);
    let budget_base =
        U256::from_be_bytes(keccak256([ALICE.into_word().0, mapping(budget_key, 6).0].concat()).0);
    assert!(slots.contains(&budget_base), "the budget's one word");
    assert!(!slots.contains(&(budget_base + U256::from(1))));
}

#[test]
fn an_amount_that_would_wrap_the_spend_is_past_the_budget() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = enabled(&key);
    // Spent 1, then an unlimited approval: 1 + (2^256 − 1) wraps to 0 in 256 bits.
    let batch = execute_batch(&[
        execution(USDC, 0, token_call(TRANSFER, 1)),
        execution(USDC, 0, [&APPROVE[..], BOB.into_word().as_slice(), &[0xff; 32]].concat()),
    ]);
    let refused = TokenSpendLimitExceeded {
        permissionId: id,
        token: USDC,
        spent: U256::MAX,
        limit: U256::from(100),
    };
    assert_eq!(validate(&mut harness, id, &key, batch), Err(refused.into()));
    let budget = harness
        .call(BOB, getTokenBudgetCall { account: ALICE, permissionId: id, token: USDC })
        .unwrap();
    assert_eq!(budget.spent, U256::ZERO, "nothing counted");
}

/// `increaseAllowance(address,uint256)` and `transferFrom(address,address,uint256)`.
const INCREASE_ALLOWANCE: [u8; 4] = [0x39, 0x50, 0x93, 0x51];
const TRANSFER_FROM: [u8; 4] = [0x23, 0xb8, 0x72, 0xdd];

/// `transferFrom(from, BOB, amount)`.
fn transfer_from(from: Address, amount: u64) -> Vec<u8> {
    let words = [from.into_word(), BOB.into_word(), U256::from(amount).into()];
    [&TRANSFER_FROM[..], words.concat().as_slice()].concat()
}

/// The token session, also allowed `increaseAllowance` and `transferFrom` on USDC.
fn every_path_enabled(key: &SessionKey) -> (Harness, B256) {
    let mut session = token_session(key);
    for selector in [INCREASE_ALLOWANCE, TRANSFER_FROM] {
        session.actions.push(Action {
            target: USDC,
            selector: selector.into(),
            maxValuePerCall: U256::ZERO,
        });
    }
    let mut harness = Harness::new();
    harness.install(ALICE);
    let id = harness.enable(&session).unwrap();
    (harness, id)
}

#[test]
fn increase_allowance_and_transfer_from_the_account_count_against_the_budget() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = every_path_enabled(&key);
    let window = window(NOW, NOW + TWO_HOURS);
    let increase_30 = execute_single(USDC, 0, &token_call(INCREASE_ALLOWANCE, 30));
    assert_eq!(validate(&mut harness, id, &key, increase_30), Ok(window));
    let from_alice_60 = execute_single(USDC, 0, &transfer_from(ALICE, 60));
    assert_eq!(validate(&mut harness, id, &key, from_alice_60), Ok(window));
    // Another holder's tokens (an allowance granted to the account) are not the account's.
    let from_carol = execute_single(
        USDC,
        0,
        &transfer_from(address!("00000000000000000000000000000000000ca401"), 1_000),
    );
    assert_eq!(validate(&mut harness, id, &key, from_carol), Ok(window));
    let from_alice_11 = execute_single(USDC, 0, &transfer_from(ALICE, 11));
    assert_eq!(validate(&mut harness, id, &key, from_alice_11), Err(exceeded(id, USDC, 101, 100)));
    let call = getTokenBudgetCall { account: ALICE, permissionId: id, token: USDC };
    assert_eq!(harness.call(BOB, call).unwrap().spent, U256::from(90));
}

#[test]
fn a_transfer_from_that_is_not_exactly_its_encoding_is_refused() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = every_path_enabled(&key);
    for data in
        [transfer_from(ALICE, 5)[..99].to_vec(), [transfer_from(ALICE, 5), vec![0]].concat()]
    {
        let call = execute_single(USDC, 0, &data);
        assert_eq!(
            validate(&mut harness, id, &key, call),
            Err(TokenAmountUnreadable { token: USDC }.into())
        );
    }
}

#[test]
fn approve_then_transfer_from_in_one_batch_counts_both() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = every_path_enabled(&key);
    // The session approves 60 and moves 60 more from the account itself: 120 of a 100 budget.
    let batch = execute_batch(&[
        execution(USDC, 0, token_call(APPROVE, 60)),
        execution(USDC, 0, transfer_from(ALICE, 60)),
    ]);
    assert_eq!(validate(&mut harness, id, &key, batch), Err(exceeded(id, USDC, 120, 100)));
}

#[test]
fn permit_and_permit2_need_an_action_of_their_own() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = every_path_enabled(&key);
    // EIP-2612 `permit(address,address,uint256,uint256,uint8,bytes32,bytes32)` on the token,
    // DAI's `permit(address,address,uint256,uint256,bool,uint8,bytes32,bytes32)`, and
    // Permit2's `approve(address,address,uint160,uint48)` on the Permit2 contract: no action
    // lists them, so the session cannot make them (uncounted when an action does).
    let permit2 = address!("000000000022d473030f116ddee9f6b43ac78ba3");
    for (target, signature) in [
        (USDC, "permit(address,address,uint256,uint256,uint8,bytes32,bytes32)"),
        (DAI, "permit(address,address,uint256,uint256,bool,uint8,bytes32,bytes32)"),
        (permit2, "approve(address,address,uint160,uint48)"),
    ] {
        let selector = selector(signature);
        let data = [selector.as_slice(), &[0u8; 7 * 32]].concat();
        assert_eq!(
            validate(&mut harness, id, &key, execute_single(target, 0, &data)),
            Err(ActionNotAllowed { permissionId: id, target, selector }.into()),
            "{signature}"
        );
    }
}

mod accounting {
    use proptest::prelude::*;

    use super::*;

    /// One ERC-20 call of a batch: which of the four counted kinds, and its amount; a
    /// `transferFrom` from the account or from someone else.
    fn call_data((kind, amount, from_account): (u8, u64, bool)) -> (Vec<u8>, u64) {
        match kind % 4 {
            0 => (token_call(TRANSFER, amount), amount),
            1 => (token_call(APPROVE, amount), amount),
            2 => (token_call(INCREASE_ALLOWANCE, amount), amount),
            _ if from_account => (transfer_from(ALICE, amount), amount),
            _ => (transfer_from(BOB, amount), 0),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// What validation counts is exactly what the batch can move out of the account: the
        /// sum of its counted amounts, refused whole past the budget.
        #[test]
        fn validation_counts_the_sum_of_what_the_batch_can_move(
            calls in proptest::collection::vec((any::<u8>(), 0u64..60, any::<bool>()), 1..6),
        ) {
            let key = SessionKey::from_seed(1);
            let (mut harness, id) = every_path_enabled(&key);
            let (batch, amounts): (Vec<_>, Vec<u64>) = calls
                .into_iter()
                .map(call_data)
                .map(|(data, counted)| (execution(USDC, 0, data), counted))
                .unzip();
            let result = validate(&mut harness, id, &key, execute_batch(&batch));
            let call = getTokenBudgetCall { account: ALICE, permissionId: id, token: USDC };
            let spent = harness.call(BOB, call).unwrap().spent;
            // The refusal names the running sum where it first passes the budget.
            let mut running = 0;
            let past = amounts.iter().find_map(|amount| {
                running += amount;
                (running > 100).then_some(running)
            });
            match past {
                None => {
                    prop_assert_eq!(result, Ok(window(NOW, NOW + TWO_HOURS)));
                    prop_assert_eq!(spent, U256::from(amounts.iter().sum::<u64>()));
                }
                Some(running) => {
                    prop_assert_eq!(result, Err(exceeded(id, USDC, running, 100)));
                    prop_assert_eq!(spent, U256::ZERO, "refused whole");
                }
            }
        }
    }
}
