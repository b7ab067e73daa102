//! ENABLE mode: the owner signs a grant off-chain, the delegate's first UserOperation enables
//! it and is validated under it in the same call. Every replay and every unsigned field.

use crate::support;

use alloy_primitives::{address, aliases::U48, Bytes, B256, U256};
use alloy_sol_types::SolValue;
use session_core::{
    eip712::multi_chain_digest,
    interface::{ChainDigest, EnableSession, ISmartSessions::*, PackedUserOperation, SessionGrant},
};
use support::*;

/// The grant's deadline: one hour before the session would end.
const DEADLINE: u64 = NOW + TWO_HOURS - 3600;

struct Setup {
    harness: Harness,
    owner: SessionKey,
    key: SessionKey,
    grant: SessionGrant,
}

/// Alice's account (owner key `owner`) installed the module; the owner signed a grant of the
/// game session to `key`, not enabled yet.
fn granted() -> Setup {
    let (owner, key) = (SessionKey::from_seed(0x0a), SessionKey::from_seed(0x0b));
    let mut harness = Harness::new();
    harness.install(ALICE);
    harness.set_owner(ALICE, &owner);
    let grant = SessionGrant {
        session: game_session(ALICE, &key),
        nonce: U256::ZERO,
        deadline: U48::from(DEADLINE),
    };
    Setup { harness, owner, key, grant }
}

fn first_move() -> Bytes {
    execute_single(GAME, ETHER / 100, &move_data(1, 2))
}

impl Setup {
    fn enable_data(&self) -> EnableSession {
        single_chain_enable(self.grant.clone(), &self.owner, CHAIN_ID, MODULE)
    }

    fn enable_op(&self) -> PackedUserOperation {
        enable_op(ALICE, self.enable_data(), &self.key, first_move())
    }

    fn permission_id(&self) -> B256 {
        self.grant.session.permission_id(CHAIN_ID, MODULE)
    }

    fn grant_digest(&self) -> B256 {
        self.grant.digest(CHAIN_ID, MODULE)
    }
}

#[test]
fn enable_mode_enables_the_grant_and_validates_the_first_operation() {
    let mut setup = granted();
    let op = setup.enable_op();
    // The deadline caps the window: the EntryPoint refuses the operation after it.
    assert_eq!(setup.harness.validate(ALICE, &op), Ok(window(NOW, DEADLINE)));
    let permission_id = setup.permission_id();
    let state = setup.harness.session(ALICE, permission_id);
    assert!(state.enabled);
    assert_eq!((state.uses, state.spent), (1, U256::from(ETHER / 100)));
    assert_eq!(
        setup.harness.events::<SessionEnabled>(),
        vec![SessionEnabled {
            account: ALICE,
            permissionId: permission_id,
            keyType: 0,
            key: setup.key.address().into_word(),
            validAfter: U48::from(NOW),
            validUntil: U48::from(NOW + TWO_HOURS),
        }]
    );
    // The owner's signature went to the account, over the grant digest, and nowhere else.
    assert_eq!(
        setup.harness.vm.erc1271_calls.borrow().clone(),
        vec![(ALICE, setup.grant_digest(), setup.enable_data().ownerSignature.to_vec())]
    );
}

#[test]
fn enabled_grant_then_validates_in_use_mode() {
    let mut setup = granted();
    let op = setup.enable_op();
    setup.harness.validate(ALICE, &op).unwrap();
    let permission_id = setup.permission_id();
    let op = signed_op(ALICE, permission_id, &setup.key, first_move());
    // In USE mode the session's own window applies; the grant's deadline was for enabling.
    assert_eq!(setup.harness.validate(ALICE, &op), Ok(window(NOW, NOW + TWO_HOURS)));
    assert_eq!(setup.harness.session(ALICE, permission_id).uses, 2);
}

#[test]
fn enable_mode_fails_when_the_grant_was_enabled_before() {
    let mut setup = granted();
    let op = setup.enable_op();
    setup.harness.validate(ALICE, &op).unwrap();
    let again = setup.enable_op();
    assert_eq!(
        setup.harness.validate(ALICE, &again),
        Err(GrantAlreadyUsed { grantDigest: setup.grant_digest() }.into())
    );
    // Not after the session is removed either.
    setup.harness.call(ALICE, removeSessionCall { permissionId: setup.permission_id() }).unwrap();
    assert_eq!(
        setup.harness.validate(ALICE, &again),
        Err(GrantAlreadyUsed { grantDigest: setup.grant_digest() }.into())
    );
}

#[test]
fn enable_mode_refuses_a_new_grant_of_a_session_enabled_before_unless_salted_anew() {
    // The session was enabled and ended (removed, revoked by its key, or all revoked); a grant
    // signed afterwards under the current nonce still names a session this account stored
    // once, and a grant enables a session once. A new salt makes a new session.
    for end in ["removeSession", "revokeSessionByKey", "revokeAllSessions"] {
        let mut setup = granted();
        setup.harness.validate(ALICE, &setup.enable_op()).unwrap();
        let permission_id = setup.permission_id();
        let harness = &mut setup.harness;
        let ended = match end {
            "removeSession" => {
                harness.call(ALICE, removeSessionCall { permissionId: permission_id }).map(drop)
            }
            "revokeSessionByKey" => harness
                .call(
                    setup.key.address(),
                    revokeSessionByKeyCall { account: ALICE, permissionId: permission_id },
                )
                .map(drop),
            _ => harness.call(ALICE, revokeAllSessionsCall {}).map(drop),
        };
        assert_eq!(ended, Ok(()), "{end}");
        setup.grant.nonce = setup.harness.call(BOB, grantNonceCall { account: ALICE }).unwrap();
        assert_eq!(
            setup.harness.validate(ALICE, &setup.enable_op()),
            Err(GrantAlreadyUsed { grantDigest: setup.grant_digest() }.into()),
            "{end}"
        );
        assert!(!setup.harness.session(ALICE, permission_id).enabled, "{end}");
        setup.grant.session.salt = B256::repeat_byte(0x5a);
        assert_eq!(
            setup.harness.validate(ALICE, &setup.enable_op()),
            Ok(window(NOW, DEADLINE)),
            "{end}"
        );
        assert!(setup.harness.session(ALICE, setup.permission_id()).enabled, "{end}");
    }
}

#[test]
fn enable_mode_fails_after_revoke_all_or_reinstall() {
    for end in ["revokeAllSessions", "uninstall and reinstall"] {
        let mut setup = granted();
        let op = setup.enable_op();
        setup.harness.validate(ALICE, &op).unwrap();
        if end == "revokeAllSessions" {
            setup.harness.call(ALICE, revokeAllSessionsCall {}).unwrap();
        } else {
            setup.harness.call(ALICE, onUninstallCall { data: Bytes::new() }).unwrap();
            setup.harness.install(ALICE);
        }
        assert_eq!(
            setup.harness.validate(ALICE, &setup.enable_op()),
            Err(GrantNonceMismatch { nonce: U256::ZERO, expected: U256::from(1) }.into()),
            "{end}"
        );
    }
}

#[test]
fn invalidate_grants_kills_outstanding_grants() {
    let mut setup = granted();
    setup.harness.call(ALICE, invalidateGrantsCall {}).unwrap();
    assert_eq!(
        setup.harness.events::<GrantsInvalidated>(),
        vec![GrantsInvalidated { account: ALICE, nonce: U256::from(1) }]
    );
    assert_eq!(setup.harness.call(BOB, grantNonceCall { account: ALICE }), Ok(U256::from(1)));
    assert_eq!(
        setup.harness.validate(ALICE, &setup.enable_op()),
        Err(GrantNonceMismatch { nonce: U256::ZERO, expected: U256::from(1) }.into())
    );
    // A grant signed under the new nonce enables.
    setup.grant.nonce = U256::from(1);
    let op = setup.enable_op();
    assert_eq!(setup.harness.validate(ALICE, &op), Ok(window(NOW, DEADLINE)));
}

#[test]
fn enable_mode_fails_on_another_account_even_with_the_same_owner() {
    let mut setup = granted();
    setup.harness.install(BOB);
    let owner = SessionKey::from_seed(0x0a);
    setup.harness.set_owner(BOB, &owner);
    // Bob's account would accept the owner's signature, but the grant names Alice's account.
    let op = enable_op(BOB, setup.enable_data(), &setup.key, first_move());
    assert_eq!(
        setup.harness.validate(BOB, &op),
        Err(SessionAccountMismatch { sessionAccount: ALICE, caller: BOB }.into())
    );
}

#[test]
fn enable_mode_fails_under_another_deployment_or_chain() {
    let setup = granted();
    for (module, chain_id) in
        [(address!("00000000000000000000000000000000005e5511"), CHAIN_ID), (MODULE, 42_161)]
    {
        let mut other = Harness::deployed(module, chain_id);
        other.install(ALICE);
        other.set_owner(ALICE, &setup.owner);
        // The owner signed the digest for MODULE on CHAIN_ID: here the digest differs.
        let op = enable_op(ALICE, setup.enable_data(), &setup.key, first_move());
        assert_eq!(
            other.validate(ALICE, &op),
            Ok(sig_failed(NOW, DEADLINE)),
            "{module} on {chain_id}"
        );
    }
}

#[test]
fn enable_mode_refuses_a_wrong_owner_signature() {
    let mut setup = granted();
    let mut enable = setup.enable_data();
    enable.ownerSignature = SessionKey::from_seed(0x66).sign(setup.grant_digest()).to_vec().into();
    let op = enable_op(ALICE, enable, &setup.key, first_move());
    assert_eq!(setup.harness.validate(ALICE, &op), Ok(sig_failed(NOW, DEADLINE)));
}

#[test]
fn enable_mode_refuses_a_wrong_session_key_signature() {
    let mut setup = granted();
    let before = setup.harness.snapshot();
    let op = enable_op(ALICE, setup.enable_data(), &SessionKey::from_seed(0x66), first_move());
    assert_eq!(setup.harness.validate(ALICE, &op), Ok(sig_failed(NOW, DEADLINE)));
    // The EntryPoint reverts an operation whose signature failed (AA24).
    setup.harness.restore(before);
    let mut op = setup.enable_op();
    let mut enable = EnableSession::abi_decode(&op.signature[1..]).unwrap();
    enable.keySignature = enable.keySignature[..64].to_vec().into();
    op.signature = [vec![0x01], enable.abi_encode()].concat().into();
    assert_eq!(setup.harness.validate(ALICE, &op), Ok(U256::from(1)), "a 64-byte key signature");
}

#[test]
fn enable_mode_refuses_a_key_proof_signed_for_another_session() {
    let mut setup = granted();
    // The right key, the right operation, but signed for another permission id (the key signs
    // `session_op_hash(userOpHash, permissionId, periodIndex)`): SIG_VALIDATION_FAILED.
    let mut op = setup.enable_op();
    let mut enable = EnableSession::abi_decode(&op.signature[1..]).unwrap();
    let elsewhere = session_op_hash(op_hash(&op), B256::repeat_byte(0x77), 0);
    enable.keySignature = setup.key.sign(elsewhere).to_vec().into();
    op.signature = [vec![0x01], enable.abi_encode()].concat().into();
    assert_eq!(setup.harness.validate(ALICE, &op), Ok(sig_failed(NOW, DEADLINE)));
}

#[test]
fn enable_mode_refuses_a_swapped_session_under_the_owner_signature() {
    let mut setup = granted();
    let mut enable = setup.enable_data();
    // Same owner signature, a session with a bigger cap: the digest no longer matches.
    enable.grant.session.actions[0].maxValuePerCall = U256::from(ETHER);
    let op = enable_op(ALICE, enable, &setup.key, first_move());
    assert_eq!(setup.harness.validate(ALICE, &op), Ok(sig_failed(NOW, DEADLINE)));
}

#[test]
fn enable_mode_operation_with_mode_byte_changed_fails() {
    let mut setup = granted();
    let mut op = setup.enable_op();
    let mut signature = op.signature.to_vec();
    signature[0] = 0x00;
    op.signature = signature.into();
    // Read as USE, it names the session 0x20 (the ABI offset word), which nobody enabled.
    assert_eq!(
        setup.harness.validate(ALICE, &op),
        Err(SessionNotEnabled { permissionId: B256::with_last_byte(0x20), account: ALICE }.into()),
        "not a USE signature"
    );
    signature = op.signature.to_vec();
    signature[0] = 0x02;
    op.signature = signature.into();
    assert_eq!(setup.harness.validate(ALICE, &op), Ok(U256::from(1)), "unknown mode");
}

#[test]
fn enable_mode_caps_the_window_at_the_deadline() {
    let mut setup = granted();
    setup.grant.deadline = U48::ZERO;
    let op = setup.enable_op();
    // A deadline of 0 has passed: validUntil 1, never "no expiry".
    assert_eq!(setup.harness.validate(ALICE, &op), Ok(window(NOW, 1)));
    let mut setup = granted();
    setup.grant.deadline = U48::from(NOW + 10 * TWO_HOURS);
    let op = setup.enable_op();
    assert_eq!(
        setup.harness.validate(ALICE, &op),
        Ok(window(NOW, NOW + TWO_HOURS)),
        "a later deadline leaves the session's own end"
    );
}

#[test]
fn one_owner_signature_enables_on_every_listed_chain() {
    let setup = granted();
    let other_chain = 42_161;
    let chains = vec![
        ChainDigest {
            chainId: U256::from(CHAIN_ID),
            grantDigest: setup.grant.digest(CHAIN_ID, MODULE),
        },
        ChainDigest {
            chainId: U256::from(other_chain),
            grantDigest: setup.grant.digest(other_chain, MODULE),
        },
    ];
    let owner_signature: Bytes = setup.owner.sign(multi_chain_digest(&chains)).to_vec().into();
    for (index, chain_id) in [(0u64, CHAIN_ID), (1, other_chain)] {
        let mut harness = Harness::deployed(MODULE, chain_id);
        harness.install(ALICE);
        harness.set_owner(ALICE, &setup.owner);
        let enable = EnableSession {
            grant: setup.grant.clone(),
            chains: chains.clone(),
            chainIndex: U256::from(index),
            ownerSignature: owner_signature.clone(),
            keySignature: Bytes::new(),
        };
        let op = enable_op_on(chain_id, ALICE, enable, &setup.key, first_move());
        assert_eq!(harness.validate(ALICE, &op), Ok(window(NOW, DEADLINE)), "chain {chain_id}");
        // On each chain, the wrong entry is refused before anything is asked of the account.
        let enable = EnableSession {
            grant: setup.grant.clone(),
            chains: chains.clone(),
            chainIndex: U256::from(1 - index),
            ownerSignature: owner_signature.clone(),
            keySignature: Bytes::new(),
        };
        let op = enable_op(ALICE, enable, &setup.key, first_move());
        assert_eq!(
            harness.validate(ALICE, &op),
            Err(GrantChainMismatch { chainIndex: U256::from(1 - index) }.into())
        );
    }
}

#[test]
fn enable_mode_fails_for_a_chain_index_out_of_the_list_or_a_list_without_this_chain() {
    let mut setup = granted();
    let elsewhere =
        vec![ChainDigest { chainId: U256::from(1), grantDigest: setup.grant.digest(1, MODULE) }];
    let owner_signature: Bytes = setup.owner.sign(multi_chain_digest(&elsewhere)).to_vec().into();
    for (chains, index) in [(elsewhere.clone(), 0u64), (elsewhere, 7), (vec![], 1)] {
        let enable = EnableSession {
            grant: setup.grant.clone(),
            chains,
            chainIndex: U256::from(index),
            ownerSignature: owner_signature.clone(),
            keySignature: Bytes::new(),
        };
        let op = enable_op(ALICE, enable, &setup.key, first_move());
        assert_eq!(
            setup.harness.validate(ALICE, &op),
            Err(GrantChainMismatch { chainIndex: U256::from(index) }.into())
        );
    }
}

#[test]
fn enable_mode_refuses_an_owner_signature_routed_to_this_module() {
    let mut setup = granted();
    for prefix in [vec![], vec![0x00]] {
        let mut enable = setup.enable_data();
        enable.ownerSignature =
            [prefix, MODULE.to_vec(), enable.ownerSignature.to_vec()].concat().into();
        let op = enable_op(ALICE, enable, &setup.key, first_move());
        assert_eq!(setup.harness.validate(ALICE, &op), Err(GrantSignedByModule {}.into()));
    }
}

#[test]
fn enable_mode_fails_with_enable_data_malformed_for_bad_encodings() {
    let mut setup = granted();
    let good = setup.enable_op().signature.to_vec();
    let end = good.len();
    let cases: [(&str, Vec<u8>, usize); 4] = [
        // The key signature's length word: its padded bytes no longer fit.
        ("truncated", good[..end - 1].to_vec(), end - 128),
        (
            "lying head offset",
            {
                let mut s = good.clone();
                s[32] = 0x40;
                s
            },
            1,
        ),
        (
            "lying grant offset",
            {
                let mut s = good.clone();
                s[1 + 63] = 0xc0;
                s
            },
            1 + 32,
        ),
        ("trailing word", [good.clone(), vec![0; 32]].concat(), end),
    ];
    for (what, signature, position) in cases {
        let mut op = setup.enable_op();
        op.signature = signature.into();
        assert_eq!(
            setup.harness.validate(ALICE, &op),
            Err(EnableDataMalformed { position: U256::from(position) }.into()),
            "{what}"
        );
    }
}

#[test]
fn enable_mode_fails_when_the_module_is_not_installed() {
    let mut setup = granted();
    setup.harness.call(ALICE, onUninstallCall { data: Bytes::new() }).unwrap();
    setup.grant.nonce = U256::from(1);
    assert_eq!(
        setup.harness.validate(ALICE, &setup.enable_op()),
        Err(NotInitialized { account: ALICE }.into())
    );
}

#[test]
fn enable_mode_touches_only_storage_associated_with_the_account() {
    let mut setup = granted();
    let op = setup.enable_op();
    let (result, slots) = setup.harness.trace(|harness| harness.validate(ALICE, &op));
    assert!(result.is_ok());
    assert!(slots.len() >= 7);
    assert_associated(ALICE, &slots, &game_layout_keys(setup.permission_id()));
}

#[test]
fn invalidate_grants_fails_when_not_installed_and_is_per_account() {
    let mut setup = granted();
    assert_eq!(
        setup.harness.call(BOB, invalidateGrantsCall {}).err(),
        Some(NotInitialized { account: BOB }.into())
    );
    setup.harness.install(BOB);
    setup.harness.call(BOB, invalidateGrantsCall {}).unwrap();
    assert_eq!(setup.harness.call(ALICE, grantNonceCall { account: BOB }), Ok(U256::from(1)));
    assert_eq!(setup.harness.call(BOB, grantNonceCall { account: ALICE }), Ok(U256::ZERO));
    // Alice's grant is untouched by Bob's invalidation.
    let op = setup.enable_op();
    assert_eq!(setup.harness.validate(ALICE, &op), Ok(window(NOW, DEADLINE)));
}
