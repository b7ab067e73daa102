//! Argument rules through the module's ABI entry: conditions on the words of an allowed call's
//! arguments, on both paths (validation and executor).

use crate::support;

use alloy_primitives::{Bytes, B256, U256};
use alloy_sol_types::SolValue;
use session_core::{
    interface::{Error, ISmartSessions::*, Session},
    layout::action_key,
};
use support::*;

const EQUAL: u8 = 0;
const LESS_OR_EQUAL: u8 = 1;
const GREATER_OR_EQUAL: u8 = 2;
const NOT_EQUAL: u8 = 3;

/// The game session whose moves must keep `x ≤ 7` (rule 0) and `y ≠ 3` (rule 1).
fn ruled_session(key: &SessionKey) -> Session {
    Session {
        argRules: vec![game_rule(MOVE, 0, LESS_OR_EQUAL, 7), game_rule(MOVE, 32, NOT_EQUAL, 3)],
        ..game_session(ALICE, key)
    }
}

fn enabled(session: &Session) -> (Harness, B256) {
    let mut harness = Harness::new();
    harness.install(ALICE);
    let id = harness.enable(session).unwrap();
    (harness, id)
}

fn play(
    harness: &mut Harness,
    id: B256,
    key: &SessionKey,
    call_data: Bytes,
) -> Result<U256, Error> {
    harness.validate(ALICE, &signed_op(ALICE, id, key, call_data))
}

/// One move to (x, y) on the game, sending nothing.
fn one_move_to(x: u8, y: u8) -> Bytes {
    execute_single(GAME, 0, &move_data(x, y))
}

fn violated(id: B256, rule: u64) -> Error {
    ArgumentRuleViolated {
        permissionId: id,
        target: GAME,
        selector: MOVE,
        ruleIndex: U256::from(rule),
    }
    .into()
}

#[test]
fn a_move_keeping_every_rule_validates_and_a_broken_rule_is_named() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = enabled(&ruled_session(&key));
    let window = window(NOW, NOW + TWO_HOURS);
    let mut play = |x, y| play(&mut harness, id, &key, one_move_to(x, y));
    assert_eq!(play(7, 4), Ok(window), "x at its limit");
    assert_eq!(play(0, 0), Ok(window));
    assert_eq!(play(8, 4), Err(violated(id, 0)), "x one above its limit");
    assert_eq!(play(2, 3), Err(violated(id, 1)), "y the forbidden value");
    assert_eq!(play(9, 3), Err(violated(id, 0)), "the first broken rule is named");
}

#[test]
fn equal_and_greater_or_equal_compare_the_whole_word_unsigned() {
    let key = SessionKey::from_seed(1);
    let session = Session {
        argRules: vec![game_rule(MOVE, 0, EQUAL, 5), game_rule(MOVE, 32, GREATER_OR_EQUAL, 2)],
        ..game_session(ALICE, &key)
    };
    let (mut harness, id) = enabled(&session);
    let window = window(NOW, NOW + TWO_HOURS);
    assert_eq!(play(&mut harness, id, &key, one_move_to(5, 2)), Ok(window));
    assert_eq!(play(&mut harness, id, &key, one_move_to(4, 2)), Err(violated(id, 0)));
    assert_eq!(play(&mut harness, id, &key, one_move_to(5, 1)), Err(violated(id, 1)));
    // A word with its high bit set is a large unsigned number, not a negative one.
    let high = [&MOVE[..], &[0u8; 32], &[0x80; 32]].concat();
    assert_eq!(play(&mut harness, id, &key, execute_single(GAME, 0, &high)), Err(violated(id, 0)));
    let high = [&MOVE[..], &U256::from(5).to_be_bytes::<32>(), &[0x80; 32]].concat();
    assert_eq!(play(&mut harness, id, &key, execute_single(GAME, 0, &high)), Ok(window));
}

#[test]
fn a_call_too_short_to_hold_the_word_breaks_the_rule() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = enabled(&ruled_session(&key));
    // `move` with only its first argument: rule 1 reads bytes 32..64 of the arguments.
    let short = [&MOVE[..], &U256::from(1).to_be_bytes::<32>()].concat();
    assert_eq!(play(&mut harness, id, &key, execute_single(GAME, 0, &short)), Err(violated(id, 1)));
    // One byte short of the second word.
    let short = &move_data(1, 1)[..67];
    assert_eq!(play(&mut harness, id, &key, execute_single(GAME, 0, short)), Err(violated(id, 1)));
}

#[test]
fn every_call_of_a_batch_must_keep_the_rules() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = enabled(&ruled_session(&key));
    let batch = |second: (u8, u8)| {
        execute_batch(&[
            execution(GAME, 0, move_data(1, 1)),
            execution(GAME, 0, move_data(second.0, second.1)),
        ])
    };
    assert_eq!(play(&mut harness, id, &key, batch((2, 2))), Ok(window(NOW, NOW + TWO_HOURS)));
    assert_eq!(play(&mut harness, id, &key, batch((2, 3))), Err(violated(id, 1)));
    assert_eq!(harness.session(ALICE, id).uses, 1, "the refused batch counted nothing");
}

#[test]
fn the_executor_path_keeps_the_rules_too() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = enabled(&ruled_session(&key));
    harness.install(ALICE);
    harness.vm.clock.set(Some(NOW));
    let returned = vec![Bytes::from_static(b"moved")].abi_encode();
    harness.vm.call_answers.borrow_mut().insert(ALICE, Ok(returned));
    let by_key =
        |call_data| executeAsSessionCall { account: ALICE, permissionId: id, callData: call_data };
    assert!(harness.call(key.address(), by_key(one_move_to(3, 4))).is_ok());
    assert_eq!(harness.call(key.address(), by_key(one_move_to(3, 3))), Err(violated(id, 1)));
    assert_eq!(
        harness.vm.calls_out.borrow().len(),
        1,
        "the refused move never reached the account"
    );
}

#[test]
fn validation_with_rules_touches_only_storage_associated_with_the_account() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = enabled(&ruled_session(&key));
    let (result, slots) = harness.trace(|harness| play(harness, id, &key, one_move_to(1, 1)));
    assert!(result.is_ok());
    // The rules sit in the slots right after their action's record.
    let action = mapping(action_key(id, 1, GAME, MOVE), 2);
    assert!(slots.len() >= 6, "account, session (2), action, headers, values: {slots:?}");
    assert_associated(ALICE, &slots, &[B256::ZERO, mapping(id, 1), action]);
}
