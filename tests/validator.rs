//! USE-mode validation through the module's ABI entry, with real ECDSA signatures and real
//! ABI encodings: the 2-hour game session and every refusal, each asserting the exact outcome.

use crate::support;

use alloy_primitives::{Bytes, B256, U256};
use session_core::interface::{Action, ISmartSessions::*};
use support::*;

/// Alice installed the module and enabled the game session for `key`.
fn alice_playing(key: &SessionKey) -> (Harness, B256) {
    let mut harness = Harness::new();
    harness.install(ALICE);
    let permission_id = harness.enable(&game_session(ALICE, key)).unwrap();
    (harness, permission_id)
}

fn one_move(value: u128) -> Bytes {
    execute_single(GAME, value, &move_data(1, 2))
}

#[test]
fn game_session_validates_moves_within_the_two_hour_window() {
    let key = SessionKey::from_seed(1);
    let (mut harness, permission_id) = alice_playing(&key);
    for value in [0, ETHER / 100] {
        let op = signed_op(ALICE, permission_id, &key, one_move(value));
        // The window travels in the validation data: the EntryPoint refuses the move after
        // 2 hours (and before the start) without the module reading the clock.
        assert_eq!(harness.validate(ALICE, &op), Ok(window(NOW, NOW + TWO_HOURS)));
    }
    let state = harness.session(ALICE, permission_id);
    assert!(state.enabled);
    assert_eq!((state.uses, state.spent), (2, U256::from(ETHER / 100)));
}

#[test]
fn validate_user_op_fails_when_the_call_goes_to_another_contract() {
    let key = SessionKey::from_seed(1);
    let (mut harness, permission_id) = alice_playing(&key);
    let op = signed_op(ALICE, permission_id, &key, execute_single(OTHER, 0, &move_data(1, 2)));
    assert_eq!(
        harness.validate(ALICE, &op),
        Err(ActionNotAllowed { permissionId: permission_id, target: OTHER, selector: MOVE }.into())
    );
    assert_eq!(harness.session(ALICE, permission_id).uses, 0, "a refused operation is not counted");
}

#[test]
fn validate_user_op_fails_when_the_selector_is_not_allowed() {
    let key = SessionKey::from_seed(1);
    let (mut harness, permission_id) = alice_playing(&key);
    let op = signed_op(ALICE, permission_id, &key, execute_single(GAME, 0, CLAIM.as_slice()));
    assert_eq!(
        harness.validate(ALICE, &op),
        Err(ActionNotAllowed { permissionId: permission_id, target: GAME, selector: CLAIM }.into())
    );
}

#[test]
fn validate_user_op_fails_when_a_move_sends_more_than_the_per_call_limit() {
    let key = SessionKey::from_seed(1);
    let (mut harness, permission_id) = alice_playing(&key);
    let op = signed_op(ALICE, permission_id, &key, one_move(2 * ETHER / 100));
    assert_eq!(
        harness.validate(ALICE, &op),
        Err(CallValueAboveLimit {
            target: GAME,
            selector: MOVE,
            value: U256::from(2 * ETHER / 100),
            limit: U256::from(ETHER / 100),
        }
        .into())
    );
}

#[test]
fn validate_user_op_checks_every_call_of_a_batch() {
    let key = SessionKey::from_seed(1);
    let (mut harness, permission_id) = alice_playing(&key);
    let moves = execute_batch(&[
        execution(GAME, ETHER / 100, move_data(1, 1)),
        execution(GAME, ETHER / 200, move_data(2, 2)),
        execution(GAME, 0, move_data(3, 3)),
    ]);
    let op = signed_op(ALICE, permission_id, &key, moves);
    assert_eq!(harness.validate(ALICE, &op), Ok(window(NOW, NOW + TWO_HOURS)));
    let state = harness.session(ALICE, permission_id);
    assert_eq!(state.uses, 1, "a batch is one use");
    assert_eq!(state.spent, U256::from(ETHER / 100 + ETHER / 200), "a batch spends its total");
}

#[test]
fn validate_user_op_fails_when_one_call_of_a_batch_is_not_allowed() {
    let key = SessionKey::from_seed(1);
    let (mut harness, permission_id) = alice_playing(&key);
    let moves =
        execute_batch(&[execution(GAME, 0, move_data(1, 1)), execution(OTHER, 0, move_data(2, 2))]);
    let op = signed_op(ALICE, permission_id, &key, moves);
    assert_eq!(
        harness.validate(ALICE, &op),
        Err(ActionNotAllowed { permissionId: permission_id, target: OTHER, selector: MOVE }.into())
    );
    assert_eq!(harness.session(ALICE, permission_id).uses, 0);
}

#[test]
fn validate_user_op_fails_when_the_batch_is_empty() {
    let key = SessionKey::from_seed(1);
    let (mut harness, permission_id) = alice_playing(&key);
    let op = signed_op(ALICE, permission_id, &key, execute_batch(&[]));
    assert_eq!(harness.validate(ALICE, &op), Err(BatchEmpty {}.into()));
}

#[test]
fn validate_user_op_fails_for_every_execution_mode_but_single_and_batch() {
    let key = SessionKey::from_seed(1);
    let (mut harness, permission_id) = alice_playing(&key);
    let single = one_move(0);
    // delegatecall, staticcall, try (exec type 0x01), unknown call type, a mode selector, a payload.
    for (byte, value) in [(0usize, 0xffu8), (0, 0xfe), (1, 0x01), (0, 0x02), (6, 0x01), (31, 0x01)]
    {
        let mut call_data = single.to_vec();
        call_data[4 + byte] = value;
        let mut mode = B256::ZERO;
        mode[byte] = value;
        let op = signed_op(ALICE, permission_id, &key, call_data.into());
        assert_eq!(
            harness.validate(ALICE, &op),
            Err(ExecutionModeUnsupported { mode }.into()),
            "mode byte {byte} = {value:#04x}"
        );
    }
}

#[test]
fn validate_user_op_fails_when_the_account_call_is_not_execute() {
    let key = SessionKey::from_seed(1);
    let (mut harness, permission_id) = alice_playing(&key);
    // executeFromExecutor(bytes32,bytes), a valid ERC-7579 call the session may not make.
    let mut call_data = one_move(0).to_vec();
    call_data[..4].copy_from_slice(selector("executeFromExecutor(bytes32,bytes)").as_slice());
    let op = signed_op(ALICE, permission_id, &key, call_data.into());
    assert_eq!(
        harness.validate(ALICE, &op),
        Err(ExecuteSelectorUnsupported {
            selector: selector("executeFromExecutor(bytes32,bytes)")
        }
        .into())
    );
}

#[test]
fn validate_user_op_fails_when_execute_call_data_is_not_canonical() {
    let key = SessionKey::from_seed(1);
    let (mut harness, permission_id) = alice_playing(&key);
    let canonical =
        execute_batch(&[execution(GAME, 0, move_data(1, 1)), execution(GAME, 0, move_data(2, 2))]);
    type Mutation = Box<dyn Fn(&mut Vec<u8>)>;
    let cases: [(&str, Mutation, usize); 5] = [
        ("outer offset points into the mode", Box::new(|d| d[4 + 63] = 0x20), 36),
        ("second element aliases the first", Box::new(|d| d[100 + 64 + 63] = 0x40), 100 + 96),
        ("length claims more than the buffer", Box::new(|d| d[4 + 95] = 0xff), 68),
        ("truncated", Box::new(|d| d.truncate(d.len() - 1)), 68),
        ("trailing bytes", Box::new(|d| d.extend_from_slice(&[0; 32])), 0),
    ];
    for (what, mutate, position) in cases {
        let mut call_data = canonical.to_vec();
        let end = call_data.len();
        mutate(&mut call_data);
        let op = signed_op(ALICE, permission_id, &key, call_data.into());
        let position = if position == 0 { end } else { position };
        assert_eq!(
            harness.validate(ALICE, &op),
            Err(CalldataMalformed { position: U256::from(position) }.into()),
            "{what}"
        );
    }
}

#[test]
fn validate_user_op_fails_when_the_signer_is_not_the_session_key() {
    let key = SessionKey::from_seed(1);
    let (mut harness, permission_id) = alice_playing(&key);
    let op = signed_op(ALICE, permission_id, &SessionKey::from_seed(2), one_move(0));
    assert_eq!(harness.validate(ALICE, &op), Ok(sig_failed(NOW, NOW + TWO_HOURS)));
}

#[test]
fn validate_user_op_returns_sig_failed_when_the_signature_is_malformed() {
    let key = SessionKey::from_seed(1);
    let (mut harness, permission_id) = alice_playing(&key);
    let good = signed_op(ALICE, permission_id, &key, one_move(0));
    let signature = good.signature.to_vec();
    let malformed: [(&str, Vec<u8>); 4] = [
        ("empty", vec![]),
        ("truncated", signature[..97].to_vec()),
        ("oversized", [signature.clone(), vec![0]].concat()),
        ("unknown mode byte", [vec![0x07], signature[1..].to_vec()].concat()),
    ];
    for (what, signature) in malformed {
        let mut op = good.clone();
        op.signature = signature.into();
        assert_eq!(harness.validate(ALICE, &op), Ok(U256::from(1)), "{what}");
    }
}

#[test]
fn validate_user_op_returns_sig_failed_for_high_s_and_bad_v_without_recovering() {
    let key = SessionKey::from_seed(1);
    let (mut harness, permission_id) = alice_playing(&key);
    let good = signed_op(ALICE, permission_id, &key, one_move(0));
    let order = U256::from_be_bytes(alloy_primitives::hex!(
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
    ));
    // The malleable twin (n - s, v flipped) recovers the same signer at the precompile.
    let mut twin = good.signature.to_vec();
    let s = U256::from_be_slice(&twin[65..97]);
    twin[65..97].copy_from_slice(&(order - s).to_be_bytes::<32>());
    twin[97] = 55 - twin[97]; // 27 <-> 28
    assert_eq!(
        support::ecrecover(&{
            let mut input = session_op_hash(op_hash(&good), permission_id, 0).to_vec();
            input.extend_from_slice(&U256::from(twin[97]).to_be_bytes::<32>());
            input.extend_from_slice(&twin[33..97]);
            input
        }),
        key.address().into_word().to_vec(),
        "the twin is a working signature at the precompile"
    );
    let mut bad_v = good.signature.to_vec();
    bad_v[97] -= 27; // 0 or 1
    for (what, signature) in [("high s", twin), ("v not 27/28", bad_v)] {
        let mut op = good.clone();
        op.signature = signature.into();
        harness.vm.ecrecover_inputs.borrow_mut().clear();
        assert_eq!(harness.validate(ALICE, &op), Ok(sig_failed(NOW, NOW + TWO_HOURS)), "{what}");
        assert!(harness.vm.ecrecover_inputs.borrow().is_empty(), "{what}: refused before recovery");
    }
}

#[test]
fn validate_user_op_sends_the_precompile_hash_v_r_s() {
    let key = SessionKey::from_seed(1);
    let (mut harness, permission_id) = alice_playing(&key);
    let op = signed_op(ALICE, permission_id, &key, one_move(0));
    harness.validate(ALICE, &op).unwrap();
    let ecdsa = &op.signature[33..];
    // The key signed the operation for this session and period (`session_op_hash`).
    let message = session_op_hash(op_hash(&op), permission_id, 0);
    let expected =
        [message.as_slice(), &U256::from(ecdsa[64]).to_be_bytes::<32>(), &ecdsa[..64]].concat();
    assert_eq!(harness.vm.ecrecover_inputs.borrow().as_slice(), &[expected]);
}

#[test]
fn validate_user_op_fails_when_the_total_spend_cap_is_reached_by_small_moves() {
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    harness.install(ALICE);
    let mut session = game_session(ALICE, &key);
    session.maxTotalValue = U256::from(3 * ETHER / 100);
    let permission_id = harness.enable(&session).unwrap();
    for _ in 0..3 {
        let op = signed_op(ALICE, permission_id, &key, one_move(ETHER / 100));
        assert_eq!(harness.validate(ALICE, &op), Ok(window(NOW, NOW + TWO_HOURS)));
    }
    let op = signed_op(ALICE, permission_id, &key, one_move(1));
    assert_eq!(
        harness.validate(ALICE, &op),
        Err(SpendLimitExceeded {
            permissionId: permission_id,
            spent: U256::from(3 * ETHER / 100 + 1),
            limit: U256::from(3 * ETHER / 100),
        }
        .into())
    );
    // Moves that send nothing still go through.
    let op = signed_op(ALICE, permission_id, &key, one_move(0));
    assert_eq!(harness.validate(ALICE, &op), Ok(window(NOW, NOW + TWO_HOURS)));
}

#[test]
fn validate_user_op_fails_when_the_session_is_used_up() {
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    harness.install(ALICE);
    let mut session = game_session(ALICE, &key);
    session.maxUses = 2;
    let permission_id = harness.enable(&session).unwrap();
    for _ in 0..2 {
        let op = signed_op(ALICE, permission_id, &key, one_move(0));
        assert!(harness.validate(ALICE, &op).is_ok());
    }
    let op = signed_op(ALICE, permission_id, &key, one_move(0));
    assert_eq!(
        harness.validate(ALICE, &op),
        Err(UsageLimitReached { permissionId: permission_id, maxUses: 2 }.into())
    );
}

#[test]
fn validate_user_op_fails_when_the_session_was_removed() {
    let key = SessionKey::from_seed(1);
    let (mut harness, permission_id) = alice_playing(&key);
    harness.call(ALICE, removeSessionCall { permissionId: permission_id }).unwrap();
    let op = signed_op(ALICE, permission_id, &key, one_move(0));
    assert_eq!(
        harness.validate(ALICE, &op),
        Err(SessionNotEnabled { permissionId: permission_id, account: ALICE }.into())
    );
    assert_eq!(
        harness.events::<SessionRemoved>(),
        vec![SessionRemoved { account: ALICE, permissionId: permission_id }]
    );
    assert_eq!(
        harness.call(ALICE, removeSessionCall { permissionId: permission_id }).err(),
        Some(SessionNotEnabled { permissionId: permission_id, account: ALICE }.into())
    );
}

#[test]
fn validate_user_op_fails_for_every_session_after_revoke_all() {
    let key = SessionKey::from_seed(1);
    let (mut harness, first) = alice_playing(&key);
    let mut other = game_session(ALICE, &key);
    other.salt = B256::with_last_byte(1);
    let second = harness.enable(&other).unwrap();
    harness.call(ALICE, revokeAllSessionsCall {}).unwrap();
    for permission_id in [first, second] {
        let op = signed_op(ALICE, permission_id, &key, one_move(0));
        assert_eq!(
            harness.validate(ALICE, &op),
            Err(SessionNotEnabled { permissionId: permission_id, account: ALICE }.into())
        );
    }
    assert_eq!(harness.events::<AllSessionsRevoked>(), vec![AllSessionsRevoked { account: ALICE }]);
    // The module stays installed: new sessions work.
    let mut fresh = game_session(ALICE, &key);
    fresh.salt = B256::with_last_byte(2);
    let permission_id = harness.enable(&fresh).unwrap();
    let op = signed_op(ALICE, permission_id, &key, one_move(0));
    assert!(harness.validate(ALICE, &op).is_ok());
}

#[test]
fn uninstall_kills_every_session_and_reinstall_starts_from_zero() {
    let key = SessionKey::from_seed(1);
    let (mut harness, permission_id) = alice_playing(&key);
    let op = signed_op(ALICE, permission_id, &key, one_move(ETHER / 100));
    harness.validate(ALICE, &op).unwrap();

    harness.call(ALICE, onUninstallCall { data: Bytes::new() }).unwrap();
    assert!(!harness.call(ALICE, isInitializedCall { smartAccount: ALICE }).unwrap());
    assert_eq!(
        harness.validate(ALICE, &op),
        Err(SessionNotEnabled { permissionId: permission_id, account: ALICE }.into())
    );

    harness.install(ALICE);
    assert_eq!(
        harness.validate(ALICE, &op),
        Err(SessionNotEnabled { permissionId: permission_id, account: ALICE }.into()),
        "a session from before the uninstall stays dead"
    );
    // Enabling the very same session again starts with fresh counters.
    assert_eq!(harness.enable(&game_session(ALICE, &key)), Ok(permission_id));
    let state = harness.session(ALICE, permission_id);
    assert_eq!((state.uses, state.spent), (0, U256::ZERO));
}

#[test]
fn two_accounts_never_share_sessions_or_counters() {
    let key = SessionKey::from_seed(1);
    let (mut harness, alice_id) = alice_playing(&key);
    harness.install(BOB);
    let bob_id = harness.enable(&game_session(BOB, &key)).unwrap();
    assert_ne!(alice_id, bob_id, "the account is part of the permission id");

    // Bob's account cannot use Alice's session, nor validate Alice's operations.
    let op = signed_op(BOB, alice_id, &key, one_move(0));
    assert_eq!(
        harness.validate(BOB, &op),
        Err(SessionNotEnabled { permissionId: alice_id, account: BOB }.into())
    );
    let alice_op = signed_op(ALICE, alice_id, &key, one_move(0));
    assert_eq!(
        harness.validate(BOB, &alice_op),
        Err(UserOpSenderMismatch { sender: ALICE, caller: BOB }.into())
    );

    let op = signed_op(BOB, bob_id, &key, one_move(ETHER / 100));
    harness.validate(BOB, &op).unwrap();
    assert_eq!(harness.session(BOB, bob_id).uses, 1);
    assert_eq!(harness.session(ALICE, alice_id).uses, 0);

    // Removing Bob's session leaves Alice's alone.
    harness.call(BOB, removeSessionCall { permissionId: bob_id }).unwrap();
    assert!(harness.validate(ALICE, &alice_op).is_ok());
}

#[test]
fn two_sessions_of_one_account_keep_separate_actions() {
    let key = SessionKey::from_seed(1);
    let (mut harness, game_id) = alice_playing(&key);
    let mut other = game_session(ALICE, &key);
    other.actions = vec![Action { target: OTHER, selector: MOVE, maxValuePerCall: U256::ZERO }];
    let other_id = harness.enable(&other).unwrap();
    let op = signed_op(ALICE, other_id, &key, one_move(0));
    assert_eq!(
        harness.validate(ALICE, &op),
        Err(ActionNotAllowed { permissionId: other_id, target: GAME, selector: MOVE }.into())
    );
    let op = signed_op(ALICE, game_id, &key, execute_single(OTHER, 0, &move_data(0, 0)));
    assert_eq!(
        harness.validate(ALICE, &op),
        Err(ActionNotAllowed { permissionId: game_id, target: OTHER, selector: MOVE }.into())
    );
}

#[test]
fn plain_transfer_action_allows_only_empty_call_data() {
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    harness.install(ALICE);
    let mut session = game_session(ALICE, &key);
    session.actions = vec![Action {
        target: OTHER,
        selector: Default::default(),
        maxValuePerCall: U256::from(ETHER),
    }];
    let permission_id = harness.enable(&session).unwrap();
    let op = signed_op(ALICE, permission_id, &key, execute_single(OTHER, ETHER / 2, &[]));
    assert_eq!(harness.validate(ALICE, &op), Ok(window(NOW, NOW + TWO_HOURS)));
    for data in [vec![0u8; 4], vec![0u8, 0, 0, 0, 1], vec![0x12], vec![0x12, 0x34, 0x56]] {
        let op = signed_op(ALICE, permission_id, &key, execute_single(OTHER, 0, &data));
        assert_eq!(
            harness.validate(ALICE, &op),
            Err(CallSelectorInvalid { target: OTHER }.into()),
            "{data:?}"
        );
    }
}

#[test]
fn validate_user_op_fails_when_the_sender_is_not_the_calling_account() {
    let key = SessionKey::from_seed(1);
    let (mut harness, permission_id) = alice_playing(&key);
    let op = signed_op(ALICE, permission_id, &key, one_move(0));
    assert_eq!(
        harness.validate(BOB, &op),
        Err(UserOpSenderMismatch { sender: ALICE, caller: BOB }.into())
    );
}

#[test]
fn validate_user_op_fails_for_a_session_never_enabled() {
    let key = SessionKey::from_seed(1);
    let (mut harness, _) = alice_playing(&key);
    let unknown = B256::repeat_byte(0x42);
    let op = signed_op(ALICE, unknown, &key, one_move(0));
    assert_eq!(
        harness.validate(ALICE, &op),
        Err(SessionNotEnabled { permissionId: unknown, account: ALICE }.into())
    );
}

#[test]
fn validate_user_op_counts_in_storage_and_logs_nothing() {
    let key = SessionKey::from_seed(1);
    let (mut harness, permission_id) = alice_playing(&key);
    let logged = harness.vm.inner.get_emitted_logs().len();
    let op = signed_op(ALICE, permission_id, &key, one_move(ETHER / 100));
    harness.validate(ALICE, &op).unwrap();
    let state = harness.session(ALICE, permission_id);
    assert_eq!((state.uses, state.spent), (1, U256::from(ETHER / 100)));
    harness.validate(ALICE, &op).unwrap();
    let state = harness.session(ALICE, permission_id);
    assert_eq!((state.uses, state.spent), (2, U256::from(ETHER / 50)));
    // The EntryPoint logs each operation; the module's hot path writes one word and no log.
    assert_eq!(harness.vm.inner.get_emitted_logs().len(), logged);
    assert!(harness.events::<SessionUsed>().is_empty());
}

#[test]
fn validate_user_op_touches_only_storage_associated_with_the_account() {
    let key = SessionKey::from_seed(1);
    let (mut harness, permission_id) = alice_playing(&key);
    let moves = execute_batch(&[
        execution(GAME, ETHER / 100, move_data(1, 1)),
        execution(GAME, 0, move_data(2, 2)),
    ]);
    let op = signed_op(ALICE, permission_id, &key, moves);
    let (result, slots) = harness.trace(|harness| harness.validate(ALICE, &op));
    assert!(result.is_ok());
    assert!(slots.len() >= 5, "reads account state, three session words, one action");
    assert_associated(ALICE, &slots, &game_layout_keys(permission_id));
}

#[test]
fn validate_user_op_reads_no_clock() {
    // `PrecompileVM::block_timestamp` panics; every validation in this file runs through it,
    // and this one covers the longest path (batch, value, counters, signature).
    let key = SessionKey::from_seed(1);
    let (mut harness, permission_id) = alice_playing(&key);
    let op = signed_op(
        ALICE,
        permission_id,
        &key,
        execute_batch(&[execution(GAME, 1, move_data(0, 0))]),
    );
    assert_eq!(harness.validate(ALICE, &op), Ok(window(NOW, NOW + TWO_HOURS)));
}

#[test]
fn permission_id_names_the_session_whose_rules_apply() {
    // Same key, two sessions of one account: only the named session's rules apply.
    let key = SessionKey::from_seed(1);
    let (mut harness, game_id) = alice_playing(&key);
    let mut tight = game_session(ALICE, &key);
    tight.actions[0].maxValuePerCall = U256::ZERO;
    let tight_id = harness.enable(&tight).unwrap();
    let op = signed_op(ALICE, tight_id, &key, one_move(1));
    assert_eq!(
        harness.validate(ALICE, &op),
        Err(CallValueAboveLimit {
            target: GAME,
            selector: MOVE,
            value: U256::from(1),
            limit: U256::ZERO
        }
        .into())
    );
    let op = signed_op(ALICE, game_id, &key, one_move(1));
    assert!(harness.validate(ALICE, &op).is_ok());
    // The key signs the id with the operation (`session_op_hash`): a relayer pointing a signed
    // operation at another live session of the same account and key gets
    // SIG_VALIDATION_FAILED, which makes the EntryPoint drop the operation.
    let mut swapped = signed_op(ALICE, game_id, &key, one_move(0));
    let mut signature = swapped.signature.to_vec();
    signature[1..33].copy_from_slice(tight_id.as_slice());
    swapped.signature = signature.into();
    assert_eq!(harness.validate(ALICE, &swapped), Ok(sig_failed(NOW, NOW + TWO_HOURS)));
}
