//! Installing, enabling, removing and revoking, and the views, through the module's ABI entry.

use crate::support;

use alloy_primitives::{aliases::U48, Address, Bytes, FixedBytes, B256, U256};
use alloy_sol_types::{eip712_domain, SolCall, SolInterface, SolStruct, SolValue};
use session_core::{
    eip712::{DOMAIN_NAME, DOMAIN_VERSION},
    interface::{Action, ActionState, Error, ISmartSessions::*, Session, SessionRevocation},
};
use support::*;

fn installed(account: Address) -> Harness {
    let mut harness = Harness::new();
    harness.install(account);
    harness
}

#[test]
fn on_install_marks_the_account_and_emits_module_installed() {
    let mut harness = Harness::new();
    assert!(!harness.call(ALICE, isInitializedCall { smartAccount: ALICE }).unwrap());
    harness.install(ALICE);
    assert!(harness.call(ALICE, isInitializedCall { smartAccount: ALICE }).unwrap());
    assert!(!harness.call(ALICE, isInitializedCall { smartAccount: BOB }).unwrap());
    assert_eq!(harness.events::<ModuleInstalled>(), vec![ModuleInstalled { account: ALICE }]);
}

#[test]
fn on_install_fails_when_already_installed_as_validator_and_executor() {
    let mut harness = installed(ALICE);
    // The account installs the module a second time as the other module type.
    harness.install(ALICE);
    assert_eq!(
        harness.call(ALICE, onInstallCall { data: Bytes::new() }).err(),
        Some(AlreadyInitialized { account: ALICE }.into())
    );
}

#[test]
fn on_install_enables_the_sessions_it_is_given() {
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    let first = game_session(ALICE, &key);
    let mut second = game_session(ALICE, &key);
    second.salt = B256::with_last_byte(9);
    let data = vec![first.clone(), second.clone()].abi_encode();
    harness.call(ALICE, onInstallCall { data: data.into() }).unwrap();
    let enabled = harness.events::<SessionEnabled>();
    assert_eq!(enabled.len(), 2);
    for (event, session) in enabled.iter().zip([&first, &second]) {
        let id = session.permission_id(CHAIN_ID, MODULE);
        assert_eq!(event.permissionId, id);
        assert!(harness.session(ALICE, id).enabled);
    }
}

#[test]
fn on_install_fails_and_installs_nothing_when_the_data_is_not_sessions() {
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    let mut data = vec![game_session(ALICE, &key)].abi_encode();
    data.truncate(data.len() - 32);
    assert_eq!(
        harness.call(ALICE, onInstallCall { data: data.into() }).err(),
        Some(InvalidInstallData { account: ALICE }.into())
    );
    assert!(!harness.call(ALICE, isInitializedCall { smartAccount: ALICE }).unwrap());
}

#[test]
fn on_install_fails_whole_when_one_session_is_refused() {
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    let mut bad = game_session(ALICE, &key);
    bad.maxUses = 0;
    let data = vec![game_session(ALICE, &key), bad].abi_encode();
    assert_eq!(
        harness.call(ALICE, onInstallCall { data: data.into() }).err(),
        Some(SessionHasNoUses {}.into())
    );
    assert!(!harness.call(ALICE, isInitializedCall { smartAccount: ALICE }).unwrap());
}

#[test]
fn on_uninstall_of_one_type_ends_every_session_and_keeps_the_other_type() {
    let key = SessionKey::from_seed(1);
    let mut harness = installed(ALICE);
    harness.install(ALICE);
    let session = game_session(ALICE, &key);
    let id = harness.enable(&session).unwrap();
    harness.call(ALICE, onUninstallCall { data: Bytes::new() }).unwrap();
    assert!(!harness.session(ALICE, id).enabled, "uninstalling either type ends the session");
    assert!(harness.call(ALICE, isInitializedCall { smartAccount: ALICE }).unwrap());
    // Still installed as the other type: a session can be enabled again, then the last
    // uninstall leaves the account uninitialized.
    assert_eq!(harness.enable(&session), Ok(id));
    harness.call(ALICE, onUninstallCall { data: Bytes::new() }).unwrap();
    assert!(!harness.call(ALICE, isInitializedCall { smartAccount: ALICE }).unwrap());
    assert_eq!(
        harness.call(ALICE, onUninstallCall { data: Bytes::new() }).err(),
        Some(NotInitialized { account: ALICE }.into())
    );
}

#[test]
fn on_uninstall_fails_when_not_installed() {
    let mut harness = Harness::new();
    assert_eq!(
        harness.call(ALICE, onUninstallCall { data: Bytes::new() }).err(),
        Some(NotInitialized { account: ALICE }.into())
    );
    assert_eq!(
        harness.call(ALICE, revokeAllSessionsCall {}).err(),
        Some(NotInitialized { account: ALICE }.into())
    );
}

#[test]
fn on_uninstall_emits_module_uninstalled() {
    let mut harness = installed(ALICE);
    harness.call(ALICE, onUninstallCall { data: Bytes::new() }).unwrap();
    assert_eq!(harness.events::<ModuleUninstalled>(), vec![ModuleUninstalled { account: ALICE }]);
}

#[test]
fn enable_session_returns_the_eip712_hash_and_emits_session_enabled() {
    let key = SessionKey::from_seed(1);
    let mut harness = installed(ALICE);
    let session = game_session(ALICE, &key);
    let permission_id = harness.enable(&session).unwrap();
    let domain = eip712_domain! {
        name: DOMAIN_NAME,
        version: DOMAIN_VERSION,
        chain_id: CHAIN_ID,
        verifying_contract: MODULE,
    };
    assert_eq!(permission_id, session.eip712_signing_hash(&domain));
    assert_eq!(
        harness.events::<SessionEnabled>(),
        vec![SessionEnabled {
            account: ALICE,
            permissionId: permission_id,
            keyType: 0,
            key: key.address().into_word(),
            validAfter: session.validAfter,
            validUntil: session.validUntil,
        }]
    );
}

#[test]
fn get_session_reports_the_live_session_and_zero_once_removed() {
    let key = SessionKey::from_seed(1);
    let mut harness = installed(ALICE);
    let session = game_session(ALICE, &key);
    let permission_id = harness.enable(&session).unwrap();
    assert_eq!(
        harness.call(ALICE, getSessionCall { account: ALICE, permissionId: permission_id }),
        Ok(session_core::interface::SessionState {
            enabled: true,
            keyType: 0,
            signer: key.address(),
            validAfter: session.validAfter,
            validUntil: session.validUntil,
            period: U48::ZERO,
            periodIndex: 0,
            uses: 0,
            spent: U256::ZERO,
        })
    );
    // Removed: all zero.
    harness.call(ALICE, removeSessionCall { permissionId: permission_id }).unwrap();
    let state = harness.session(ALICE, permission_id);
    assert_eq!(state, Default::default());
}

#[test]
fn get_action_reports_the_action_and_the_sessions_caps_and_zero_for_others() {
    let key = SessionKey::from_seed(1);
    let mut harness = installed(ALICE);
    let mut session = game_session(ALICE, &key);
    session.maxGasCostPerOp = U256::from(3_000_000_000_000_000u64);
    let permission_id = harness.enable(&session).unwrap();
    let action = &session.actions[0];
    assert_eq!(
        harness.action(ALICE, permission_id, action.target, action.selector),
        ActionState {
            allowed: true,
            maxValuePerCall: action.maxValuePerCall,
            ruleCount: 0,
            maxUses: session.maxUses,
            maxTotalValue: session.maxTotalValue,
            maxGasCostPerOp: session.maxGasCostPerOp,
        }
    );
    // An action the session does not allow, and another account: all zero.
    assert_eq!(harness.action(ALICE, permission_id, OTHER, action.selector), Default::default());
    assert_eq!(
        harness.action(BOB, permission_id, action.target, action.selector),
        Default::default()
    );
    // Revoked: all zero.
    harness.call(ALICE, revokeAllSessionsCall {}).unwrap();
    assert_eq!(
        harness.action(ALICE, permission_id, action.target, action.selector),
        Default::default()
    );
}

#[test]
fn enable_session_stores_wei_caps_beyond_88_bits_as_2_pow_88_minus_1() {
    let key = SessionKey::from_seed(1);
    let mut harness = installed(ALICE);
    let mut session = game_session(ALICE, &key);
    session.maxTotalValue = U256::MAX;
    session.actions[0].maxValuePerCall = U256::MAX;
    session.maxGasCostPerOp = U256::MAX;
    let permission_id = harness.enable(&session).unwrap();
    let state = harness.action(ALICE, permission_id, GAME, MOVE);
    let most = U256::from((1u128 << 88) - 1);
    assert_eq!(state.maxValuePerCall, most);
    assert_eq!(state.maxTotalValue, most);
    // The gas cap in whole gwei, at most 2^40 - 1 of them.
    assert_eq!(state.maxGasCostPerOp, U256::from(((1u128 << 40) - 1) * 1_000_000_000));
    // Per-call cap saturated too: 2^88 - 1 wei passes, one wei more does not.
    let big = |value: U256| {
        let execution = [GAME.as_slice(), &value.to_be_bytes::<32>(), &move_data(0, 0)].concat();
        session_core::interface::IERC7579Execution::executeCall {
            mode: B256::ZERO,
            executionCalldata: execution.into(),
        }
        .abi_encode()
        .into()
    };
    let op = signed_op(ALICE, permission_id, &key, big(most));
    assert!(harness.validate(ALICE, &op).is_ok());
    let over = most + U256::from(1);
    let op = signed_op(ALICE, permission_id, &key, big(over));
    assert_eq!(
        harness.validate(ALICE, &op),
        Err(CallValueAboveLimit { target: GAME, selector: MOVE, value: over, limit: most }.into())
    );
}

#[test]
fn enable_session_refuses_every_malformed_session() {
    let key = SessionKey::from_seed(1);
    let mut harness = installed(ALICE);
    let base = game_session(ALICE, &key);
    let with = |change: &dyn Fn(&mut Session)| {
        let mut session = base.clone();
        change(&mut session);
        session
    };
    let high_key = {
        let mut word = key.address().into_word();
        word[0] = 1;
        word
    };
    let cases: Vec<(&str, Session, Error)> = vec![
        (
            "another account",
            with(&|s| s.account = BOB),
            SessionAccountMismatch { sessionAccount: BOB, caller: ALICE }.into(),
        ),
        (
            "no expiry",
            with(&|s| s.validUntil = U48::ZERO),
            SessionWindowInvalid { validAfter: base.validAfter, validUntil: U48::ZERO }.into(),
        ),
        (
            "ends before it starts",
            with(&|s| s.validUntil = s.validAfter),
            SessionWindowInvalid { validAfter: base.validAfter, validUntil: base.validAfter }
                .into(),
        ),
        (
            "unknown key type",
            with(&|s| s.keyType = 5),
            SessionKeyTypeUnsupported { keyType: 5 }.into(),
        ),
        (
            "2^32 periods of one second",
            with(&|s| {
                s.period = U48::from(1);
                s.validUntil = s.validAfter + U48::from(1u64 << 32);
            }),
            SessionWindowInvalid {
                validAfter: base.validAfter,
                validUntil: base.validAfter + U48::from(1u64 << 32),
            }
            .into(),
        ),
        (
            "a rule for an action the session does not list",
            with(&|s| s.argRules.push(game_rule(CLAIM, 0, 0, 0))),
            ArgumentRuleInvalid { ruleIndex: U256::ZERO }.into(),
        ),
        (
            "an unknown condition",
            with(&|s| {
                s.argRules.push(game_rule(MOVE, 0, 0, 0));
                s.argRules.push(game_rule(MOVE, 32, 4, 0));
            }),
            ArgumentRuleInvalid { ruleIndex: U256::from(1) }.into(),
        ),
        (
            "a ninth rule for one action",
            with(&|s| s.argRules = (0..9).map(|i| game_rule(MOVE, 32 * i, 1, 0)).collect()),
            ArgumentRuleInvalid { ruleIndex: U256::from(8) }.into(),
        ),
        (
            "zero key",
            with(&|s| s.key = B256::ZERO),
            SessionKeyInvalid { keyType: 0, key: B256::ZERO }.into(),
        ),
        (
            "dirty key word",
            with(&|s| s.key = high_key),
            SessionKeyInvalid { keyType: 0, key: high_key }.into(),
        ),
        ("no actions", with(&|s| s.actions.clear()), SessionHasNoActions {}.into()),
        ("no uses", with(&|s| s.maxUses = 0), SessionHasNoUses {}.into()),
        (
            "calls the account",
            with(&|s| s.actions[0].target = ALICE),
            ActionTargetForbidden { target: ALICE }.into(),
        ),
        (
            "calls the module",
            with(&|s| s.actions[0].target = MODULE),
            ActionTargetForbidden { target: MODULE }.into(),
        ),
        (
            "same action twice",
            with(&|s| s.actions.push(s.actions[0].clone())),
            ActionDuplicated { target: GAME, selector: MOVE }.into(),
        ),
    ];
    for (what, session, error) in cases {
        assert_eq!(harness.call(ALICE, enableSessionCall { session }), Err(error), "{what}");
    }
    assert!(harness.events::<SessionEnabled>().is_empty(), "nothing was enabled");
}

#[test]
fn enable_session_fails_when_already_enabled_or_not_installed() {
    let key = SessionKey::from_seed(1);
    let mut harness = installed(ALICE);
    let session = game_session(ALICE, &key);
    let permission_id = harness.enable(&session).unwrap();
    assert_eq!(
        harness.enable(&session),
        Err(SessionAlreadyEnabled { permissionId: permission_id, account: ALICE }.into())
    );
    assert_eq!(
        harness.enable(&game_session(BOB, &key)),
        Err(NotInitialized { account: BOB }.into())
    );
}

#[test]
fn remove_session_only_touches_the_callers_session() {
    let key = SessionKey::from_seed(1);
    let mut harness = installed(ALICE);
    let permission_id = harness.enable(&game_session(ALICE, &key)).unwrap();
    assert_eq!(
        harness.call(BOB, removeSessionCall { permissionId: permission_id }).err(),
        Some(SessionNotEnabled { permissionId: permission_id, account: BOB }.into())
    );
    assert!(harness.session(ALICE, permission_id).enabled);
}

#[test]
fn permission_ids_differ_for_equal_grants_with_another_salt() {
    let key = SessionKey::from_seed(1);
    let mut harness = installed(ALICE);
    let first = harness.enable(&game_session(ALICE, &key)).unwrap();
    let mut salted = game_session(ALICE, &key);
    salted.salt = B256::with_last_byte(1);
    let second = harness.enable(&salted).unwrap();
    assert_ne!(first, second);
}

#[test]
fn transfer_selector_is_the_zero_selector() {
    assert_eq!(session_core::calls::TRANSFER_SELECTOR, FixedBytes::<4>::ZERO);
    let action = Action { target: GAME, selector: FixedBytes::ZERO, maxValuePerCall: U256::ZERO };
    assert_eq!(action.struct_hash(), action.eip712_hash_struct());
}

/// The session key's signature of a revocation, as a wallet signs the EIP-712 typed data.
fn revocation_signature(key: &SessionKey, account: Address, id: B256, deadline: u64) -> Bytes {
    let revocation = SessionRevocation { account, permissionId: id, deadline: U48::from(deadline) };
    let domain = eip712_domain! {
        name: DOMAIN_NAME,
        version: DOMAIN_VERSION,
        chain_id: CHAIN_ID,
        verifying_contract: MODULE,
    };
    Bytes::copy_from_slice(&key.sign(revocation.eip712_signing_hash(&domain)))
}

#[test]
fn the_session_key_ends_its_own_session_and_nobody_else_can_that_way() {
    let key = SessionKey::from_seed(1);
    let mut harness = installed(ALICE);
    let id = harness.enable(&game_session(ALICE, &key)).unwrap();
    for stranger in [BOB, ALICE, SessionKey::from_seed(2).address()] {
        assert_eq!(
            harness
                .call(stranger, revokeSessionByKeyCall { account: ALICE, permissionId: id })
                .err(),
            Some(NotSessionKey { permissionId: id, caller: stranger }.into())
        );
    }
    assert!(harness.session(ALICE, id).enabled);

    harness
        .call(key.address(), revokeSessionByKeyCall { account: ALICE, permissionId: id })
        .unwrap();
    assert!(!harness.session(ALICE, id).enabled);
    assert_eq!(
        harness.events::<SessionRevokedByKey>(),
        vec![SessionRevokedByKey { account: ALICE, permissionId: id }]
    );
    assert_eq!(
        harness
            .call(key.address(), revokeSessionByKeyCall { account: ALICE, permissionId: id })
            .err(),
        Some(SessionNotEnabled { permissionId: id, account: ALICE }.into())
    );
    // The account may enable it again: a revocation is not a ban.
    assert_eq!(harness.enable(&game_session(ALICE, &key)), Ok(id));
}

#[test]
fn anyone_relays_the_keys_signed_revocation_once_before_its_deadline() {
    let key = SessionKey::from_seed(1);
    let mut harness = installed(ALICE);
    harness.vm.clock.set(Some(NOW));
    let id = harness.enable(&game_session(ALICE, &key)).unwrap();
    let relay = |signature: Bytes, deadline: u64| revokeSessionBySignatureCall {
        account: ALICE,
        permissionId: id,
        deadline: U48::from(deadline),
        signature,
    };

    let expired = revocation_signature(&key, ALICE, id, NOW - 1);
    assert_eq!(
        harness.call(BOB, relay(expired, NOW - 1)).err(),
        Some(RevocationExpired { deadline: U48::from(NOW - 1) }.into())
    );
    let refused = Some(RevocationSignatureInvalid { permissionId: id }.into());
    let by_another_key = revocation_signature(&SessionKey::from_seed(2), ALICE, id, NOW);
    assert_eq!(harness.call(BOB, relay(by_another_key, NOW)).err(), refused);
    let for_another_account = revocation_signature(&key, BOB, id, NOW);
    assert_eq!(harness.call(BOB, relay(for_another_account, NOW)).err(), refused);
    let signature = revocation_signature(&key, ALICE, id, NOW);
    assert_eq!(
        harness.call(BOB, relay(signature.clone(), NOW + 1)).err(),
        refused,
        "deadline is signed"
    );
    assert_eq!(harness.call(BOB, relay(signature.slice(..64), NOW)).err(), refused, "64 bytes");
    assert!(harness.session(ALICE, id).enabled);

    harness.call(BOB, relay(signature.clone(), NOW)).unwrap();
    assert!(!harness.session(ALICE, id).enabled);
    assert_eq!(
        harness.events::<SessionRevokedByKey>(),
        vec![SessionRevokedByKey { account: ALICE, permissionId: id }]
    );
    assert_eq!(
        harness.call(BOB, relay(signature, NOW)).err(),
        Some(SessionNotEnabled { permissionId: id, account: ALICE }.into())
    );
}

#[test]
fn a_relayed_revocation_with_non_canonical_calldata_is_refused() {
    let key = SessionKey::from_seed(1);
    let mut harness = installed(ALICE);
    let id = harness.enable(&game_session(ALICE, &key)).unwrap();
    let call = revokeSessionBySignatureCall {
        account: ALICE,
        permissionId: id,
        deadline: U48::from(NOW),
        signature: revocation_signature(&key, ALICE, id, NOW),
    };
    let mut data = call.abi_encode();
    data.push(0);
    let error = Error::abi_decode(&harness.call_raw(BOB, &data).unwrap_err()).unwrap();
    assert_eq!(
        error,
        InvalidCalldata {
            selector: revokeSessionBySignatureCall::SELECTOR.into(),
            position: U256::from(data.len() - 1)
        }
        .into()
    );
    assert!(harness.session(ALICE, id).enabled);
}
