//! The executor path through the module's ABI entry: the session key (or a relayer with its
//! signature) has the module call the account's `executeFromExecutor`, under the same rules
//! as validation, with the block's time.

use crate::support;

use alloy_primitives::{aliases::U48, Bytes, B256, U256};
use alloy_sol_types::{SolCall, SolError, SolValue};
use session_core::interface::{
    Error,
    IERC7579Execution::{executeCall, executeFromExecutorCall},
    ISmartSessions::*,
    SessionExecution,
};
use support::*;

/// What the account returns from `executeFromExecutor`: one return value per call.
fn account_returns(values: &[&[u8]]) -> Vec<u8> {
    values.iter().map(|value| Bytes::copy_from_slice(value)).collect::<Vec<_>>().abi_encode()
}

/// Alice installed the module (as validator and executor) and enabled the game session; the
/// block time is the session's start and her account answers every execution.
fn alice_playing(key: &SessionKey) -> (Harness, B256) {
    let mut harness = Harness::new();
    harness.install(ALICE);
    harness.install(ALICE);
    let id = harness.enable(&game_session(ALICE, key)).unwrap();
    harness.vm.clock.set(Some(NOW));
    harness.vm.call_answers.borrow_mut().insert(ALICE, Ok(account_returns(&[b"moved"])));
    (harness, id)
}

fn by_key(id: B256, call_data: Bytes) -> executeAsSessionCall {
    executeAsSessionCall { account: ALICE, permissionId: id, callData: call_data }
}

/// The account call the module must make for `call_data` (an `execute` call).
fn forwarded(call_data: &[u8]) -> Vec<u8> {
    let execute = executeCall::abi_decode(call_data).unwrap();
    executeFromExecutorCall { mode: execute.mode, executionCalldata: execute.executionCalldata }
        .abi_encode()
}

/// The key's relayed execution of `call_data` with `nonce`, valid until `deadline`.
fn relayed(
    key: &SessionKey,
    id: B256,
    nonce: u64,
    deadline: u64,
    call_data: Bytes,
) -> executeAsSessionBySignatureCall {
    let execution = SessionExecution {
        account: ALICE,
        permissionId: id,
        nonce: U256::from(nonce),
        deadline: U48::from(deadline),
        callData: call_data.clone(),
    };
    let signature = key.sign(execution.digest(CHAIN_ID, MODULE));
    executeAsSessionBySignatureCall {
        account: ALICE,
        permissionId: id,
        nonce: U256::from(nonce),
        deadline: U48::from(deadline),
        callData: call_data,
        signature: signature.to_vec().into(),
    }
}

#[test]
fn the_key_runs_an_allowed_call_through_execute_from_executor_and_gets_its_return_data() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = alice_playing(&key);
    let call_data = execute_single(GAME, ETHER / 100, &move_data(1, 2));

    let returned = harness.call(key.address(), by_key(id, call_data.clone())).unwrap();

    assert_eq!(returned, vec![Bytes::from_static(b"moved")]);
    assert_eq!(
        *harness.vm.calls_out.borrow(),
        vec![(ALICE, forwarded(&call_data), U256::ZERO)],
        "one call, to the account, with execute's arguments and no value"
    );
    let state = harness.session(ALICE, id);
    assert_eq!((state.uses, state.spent), (1, U256::from(ETHER / 100)));
    assert_eq!(
        harness.events::<SessionUsed>(),
        vec![SessionUsed {
            account: ALICE,
            permissionId: id,
            uses: 1,
            spent: U256::from(ETHER / 100)
        }]
    );
}

#[test]
fn a_batch_is_checked_call_by_call_and_forwarded_whole() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = alice_playing(&key);
    let call_data =
        execute_batch(&[execution(GAME, 1, move_data(1, 1)), execution(GAME, 2, move_data(2, 2))]);
    harness.call(key.address(), by_key(id, call_data.clone())).unwrap();
    assert_eq!(harness.vm.calls_out.borrow()[0].1, forwarded(&call_data));
    assert_eq!(harness.session(ALICE, id).spent, U256::from(3));
}

#[test]
fn anybody_but_the_key_is_refused() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = alice_playing(&key);
    let call_data = execute_single(GAME, 0, &move_data(1, 2));
    for stranger in [BOB, ALICE, SessionKey::from_seed(2).address()] {
        assert_eq!(
            harness.call(stranger, by_key(id, call_data.clone())).err(),
            Some(NotSessionKey { permissionId: id, caller: stranger }.into())
        );
    }
    assert!(harness.vm.calls_out.borrow().is_empty());
}

#[test]
fn every_rule_of_validation_refuses_here_too_and_nothing_is_called() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = alice_playing(&key);
    let cases: Vec<(Bytes, Error)> = vec![
        (
            execute_single(GAME, 0, CLAIM.as_slice()),
            ActionNotAllowed { permissionId: id, target: GAME, selector: CLAIM }.into(),
        ),
        (
            execute_single(OTHER, 0, &move_data(1, 2)),
            ActionNotAllowed { permissionId: id, target: OTHER, selector: MOVE }.into(),
        ),
        (
            execute_single(GAME, ETHER / 100 + 1, &move_data(1, 2)),
            CallValueAboveLimit {
                target: GAME,
                selector: MOVE,
                value: U256::from(ETHER / 100 + 1),
                limit: U256::from(ETHER / 100),
            }
            .into(),
        ),
        (
            // A single call of 51 bytes: shorter than its target and value.
            executeCall { mode: B256::ZERO, executionCalldata: vec![0u8; 51].into() }
                .abi_encode()
                .into(),
            CalldataMalformed { position: U256::from(4 + 32 + 32 + 32 + 51) }.into(),
        ),
    ];
    for (call_data, error) in cases {
        assert_eq!(harness.call(key.address(), by_key(id, call_data)).err(), Some(error));
    }
    assert!(harness.vm.calls_out.borrow().is_empty());
    assert_eq!(harness.session(ALICE, id).uses, 0);
}

#[test]
fn the_caps_on_total_spend_and_uses_hold() {
    let key = SessionKey::from_seed(1);
    let mut session = game_session(ALICE, &key);
    session.maxTotalValue = U256::from(ETHER / 50);
    session.maxUses = 2;
    let mut harness = Harness::new();
    harness.install(ALICE);
    let id = harness.enable(&session).unwrap();
    harness.vm.clock.set(Some(NOW));
    harness.vm.call_answers.borrow_mut().insert(ALICE, Ok(account_returns(&[b""])));
    let paid_move = execute_single(GAME, ETHER / 100, &move_data(1, 2));
    harness.call(key.address(), by_key(id, paid_move.clone())).unwrap();
    harness.call(key.address(), by_key(id, execute_single(GAME, 0, &move_data(3, 4)))).unwrap();
    assert_eq!(
        harness.call(key.address(), by_key(id, paid_move.clone())).err(),
        Some(UsageLimitReached { permissionId: id, maxUses: 2 }.into())
    );

    session.maxUses = 10;
    session.salt = B256::with_last_byte(1);
    let id = harness.enable(&session).unwrap();
    harness.call(key.address(), by_key(id, paid_move.clone())).unwrap();
    harness.call(key.address(), by_key(id, paid_move.clone())).unwrap();
    assert_eq!(
        harness.call(key.address(), by_key(id, paid_move)).err(),
        Some(
            SpendLimitExceeded {
                permissionId: id,
                spent: U256::from(3 * ETHER / 100),
                limit: U256::from(ETHER / 50),
            }
            .into()
        )
    );
}

#[test]
fn the_window_is_held_to_the_block_time_both_ends_inclusive() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = alice_playing(&key);
    let call_data = execute_single(GAME, 0, &move_data(1, 2));
    harness.vm.clock.set(Some(NOW - 1));
    assert_eq!(
        harness.call(key.address(), by_key(id, call_data.clone())).err(),
        Some(SessionNotYetValid { permissionId: id, validAfter: U48::from(NOW) }.into())
    );
    for inside in [NOW, NOW + TWO_HOURS] {
        harness.vm.clock.set(Some(inside));
        harness.call(key.address(), by_key(id, call_data.clone())).unwrap();
    }
    harness.vm.clock.set(Some(NOW + TWO_HOURS + 1));
    assert_eq!(
        harness.call(key.address(), by_key(id, call_data)).err(),
        Some(SessionExpired { permissionId: id, validUntil: U48::from(NOW + TWO_HOURS) }.into())
    );
}

#[test]
fn a_removed_session_executes_nothing() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = alice_playing(&key);
    harness.call(ALICE, removeSessionCall { permissionId: id }).unwrap();
    assert_eq!(
        harness.call(key.address(), by_key(id, execute_single(GAME, 0, &move_data(1, 2)))).err(),
        Some(SessionNotEnabled { permissionId: id, account: ALICE }.into())
    );
}

#[test]
fn an_account_revert_is_passed_on_unchanged_and_undoes_the_use() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = alice_playing(&key);
    // What OpenZeppelin's account says when the module is not installed as its executor.
    let account_error =
        [&[0x12, 0x34, 0x56, 0x78][..], &U256::from(2).to_be_bytes::<32>()].concat();
    harness.vm.call_answers.borrow_mut().insert(ALICE, Err(account_error.clone()));
    let call = by_key(id, execute_single(GAME, 0, &move_data(1, 2)));
    assert_eq!(harness.call_raw(key.address(), &call.abi_encode()), Err(account_error));
    assert_eq!(harness.session(ALICE, id).uses, 0);
    assert!(harness.events::<SessionUsed>().is_empty());
}

#[test]
fn a_relayed_signature_runs_once_with_the_next_nonce() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = alice_playing(&key);
    let nonce = |harness: &mut Harness| {
        harness.call(BOB, executionNonceCall { account: ALICE, permissionId: id }).unwrap()
    };
    assert_eq!(nonce(&mut harness), U256::ZERO);
    let call_data = execute_single(GAME, 0, &move_data(1, 2));
    let first = relayed(&key, id, 0, NOW + 60, call_data.clone());

    // Anyone relays it.
    let returned = harness.call(BOB, first.clone()).unwrap();
    assert_eq!(returned, vec![Bytes::from_static(b"moved")]);
    assert_eq!(nonce(&mut harness), U256::from(1));
    assert_eq!(harness.vm.calls_out.borrow()[0].1, forwarded(&call_data));

    assert_eq!(
        harness.call(BOB, first).err(),
        Some(
            ExecutionNonceInvalid { permissionId: id, expected: U256::from(1), nonce: U256::ZERO }
                .into()
        )
    );
    assert_eq!(
        harness.call(BOB, relayed(&key, id, 2, NOW + 60, call_data.clone())).err(),
        Some(
            ExecutionNonceInvalid {
                permissionId: id,
                expected: U256::from(1),
                nonce: U256::from(2)
            }
            .into()
        )
    );
    harness.call(BOB, relayed(&key, id, 1, NOW + 60, call_data)).unwrap();
    assert_eq!(harness.vm.calls_out.borrow().len(), 2);
}

#[test]
fn a_relayed_signature_is_refused_after_its_deadline_or_from_another_key_or_for_other_calls() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = alice_playing(&key);
    let call_data = execute_single(GAME, 0, &move_data(1, 2));

    let late = relayed(&key, id, 0, NOW - 1, call_data.clone());
    assert_eq!(
        harness.call(BOB, late).err(),
        Some(ExecutionExpired { deadline: U48::from(NOW - 1) }.into())
    );

    let stranger = relayed(&SessionKey::from_seed(2), id, 0, NOW, call_data.clone());
    assert_eq!(
        harness.call(BOB, stranger).err(),
        Some(ExecutionSignatureInvalid { permissionId: id }.into())
    );

    // The key signed one move; the relayer sends another.
    let mut swapped = relayed(&key, id, 0, NOW, call_data.clone());
    swapped.callData = execute_single(GAME, ETHER / 100, &move_data(9, 9));
    assert_eq!(
        harness.call(BOB, swapped).err(),
        Some(ExecutionSignatureInvalid { permissionId: id }.into())
    );

    let mut cut = relayed(&key, id, 0, NOW, call_data);
    cut.signature = cut.signature.slice(..64);
    assert_eq!(
        harness.call(BOB, cut).err(),
        Some(ExecutionSignatureInvalid { permissionId: id }.into())
    );
    assert!(harness.vm.calls_out.borrow().is_empty());
    assert_eq!(
        harness.call(BOB, executionNonceCall { account: ALICE, permissionId: id }).unwrap(),
        U256::ZERO,
        "a refused signature does not move the nonce"
    );
}

#[test]
fn a_used_signature_stays_dead_when_the_session_is_enabled_again() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = alice_playing(&key);
    let first = relayed(&key, id, 0, NOW + 60, execute_single(GAME, 0, &move_data(1, 2)));
    harness.call(BOB, first.clone()).unwrap();
    harness.call(ALICE, removeSessionCall { permissionId: id }).unwrap();
    assert_eq!(harness.enable(&game_session(ALICE, &key)), Ok(id));
    assert_eq!(
        harness.call(BOB, first).err(),
        Some(
            ExecutionNonceInvalid { permissionId: id, expected: U256::from(1), nonce: U256::ZERO }
                .into()
        )
    );
}

#[test]
fn a_non_canonical_encoding_of_the_relayed_call_is_refused() {
    let key = SessionKey::from_seed(1);
    let (mut harness, id) = alice_playing(&key);
    let call = relayed(&key, id, 0, NOW + 60, execute_single(GAME, 0, &move_data(1, 2)));
    let mut encoded = call.abi_encode();
    // The signature's offset word (the sixth head word) moved by one.
    let offset_word = 4 + 5 * 32 + 31;
    encoded[offset_word] += 1;
    let revert = harness.call_raw(BOB, &encoded).unwrap_err();
    assert_eq!(
        revert,
        InvalidCalldata {
            selector: executeAsSessionBySignatureCall::SELECTOR.into(),
            position: U256::from(4 + 5 * 32),
        }
        .abi_encode()
    );
}
