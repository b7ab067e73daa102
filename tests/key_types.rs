//! WebAuthn passkeys (key types 2 and 3) and k-of-n multisig keys (key type 4) through the
//! module's ABI entry, on every path that takes a key signature: UserOperations (USE, and
//! ENABLE's key proof), relayed executions, relayed revocations and ERC-1271 session
//! signatures. Every bent signature is asserted to fail exactly: `SIG_VALIDATION_FAILED` in
//! validation, the path's own error elsewhere.

use crate::support;

use alloy_primitives::{aliases::U48, Bytes, B256, U256};
use alloy_sol_types::{SolStruct, SolValue};
use session_core::{
    interface::{
        Error, ISmartSessions::*, Session, SessionExecution, SessionGrant, SessionRevocation,
        SigningScope,
    },
    session_key::KeyType,
    webauthn::base64url,
};
use smart_session::{
    encode::{MultisigSigner, SessionSigner, Signer},
    passkey::{Assertion, Passkey},
};
use support::{
    erc7739::{account_domain, answer_account_domain, PersonalSign},
    *,
};

const RP_ID: &str = "game.example";

/// Alice's game session held by `signer`.
fn session_of(signer: &SessionSigner) -> Session {
    Session {
        keyType: signer.key_type().code(),
        key: signer.key_id().into_word(),
        ..game_session(ALICE, &SessionKey::from_seed(1))
    }
}

fn enabled(signer: &SessionSigner) -> (Harness, B256) {
    alice_with(&session_of(signer))
}

fn passkey(seed: u8, user_verified: bool) -> (Passkey, SessionSigner) {
    let key = P256Key::from_seed(seed);
    let key_type = if user_verified { KeyType::WebAuthnUserVerified } else { KeyType::WebAuthn };
    let passkey = || Passkey::new(key.signer(), RP_ID, user_verified);
    (passkey(), SessionSigner::WebAuthn(passkey(), key_type, key.id()))
}

fn multisig(threshold: u8, signers: &[u8], signing: &[u8]) -> SessionSigner {
    let key = |seed: u8| Signer::from_hex(&B256::repeat_byte(seed).to_string()).unwrap();
    SessionSigner::Multisig(MultisigSigner {
        threshold,
        signers: signers.iter().map(|&seed| key(seed).address()).collect(),
        keys: signing.iter().map(|&seed| key(seed)).collect(),
    })
}

/// One way of bending a signature: from what is signed (or the good signature) to the bent one.
type Bend<'a, From, To> = Box<dyn Fn(From) -> To + 'a>;

/// A bend and what it is called.
type Case<'a, From, To> = (&'static str, Bend<'a, From, To>);

/// The P-256 order: `n − s` is the high twin of a low `s`.
const P256_ORDER: U256 = U256::from_be_bytes(alloy_primitives::hex!(
    "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"
));

#[test]
fn a_passkey_signs_user_operations_and_each_bent_assertion_fails() {
    let (passkey, signer) = passkey(7, false);
    let (mut harness, id) = enabled(&signer);
    let ok = Ok(window(NOW, NOW + TWO_HOURS));
    let failed = Ok(sig_failed(NOW, NOW + TWO_HOURS));
    let op = op_signed_with(id, |hash| signer.sign(hash));
    assert_eq!(harness.validate(ALICE, &op), ok);

    let bent = |bend: &dyn Fn(B256) -> Assertion| op_signed_with(id, |hash| bend(hash).encode());
    let data = passkey.authenticator_data();
    let cases: Vec<Case<'_, B256, Assertion>> = vec![
        ("another challenge", Box::new(|_| passkey.assert(B256::repeat_byte(9)))),
        (
            "webauthn.create",
            Box::new(|hash| {
                let json =
                    passkey.client_data_json(hash).replace("webauthn.get", "webauthn.create");
                passkey.sign_parts(data.clone(), json, 26, 1)
            }),
        ),
        (
            "user not present",
            Box::new(|hash| {
                let mut data = data.clone();
                data[32] = 0x04;
                passkey.sign_parts(data, passkey.client_data_json(hash), 23, 1)
            }),
        ),
        (
            "36 bytes of authenticator data",
            Box::new(|hash| {
                passkey.sign_parts(data[..36].to_vec(), passkey.client_data_json(hash), 23, 1)
            }),
        ),
        (
            "clientDataJSON cut inside the challenge",
            Box::new(|hash| {
                passkey.sign_parts(data.clone(), passkey.client_data_json(hash)[..50].into(), 23, 1)
            }),
        ),
        (
            "challenge with padding",
            Box::new(|hash| {
                let encoded = String::from_utf8(base64url(&hash).to_vec()).unwrap();
                let json = passkey.client_data_json(hash).replace(&encoded, &format!("{encoded}="));
                passkey.sign_parts(data.clone(), json, 23, 1)
            }),
        ),
        (
            "challenge in standard base64",
            Box::new(|hash| {
                let encoded = String::from_utf8(base64url(&hash).to_vec()).unwrap();
                let standard = encoded.replace('-', "+").replace('_', "/");
                let json = passkey.client_data_json(hash).replace(&encoded, &standard);
                passkey.sign_parts(data.clone(), json, 23, 1)
            }),
        ),
        (
            "type index elsewhere",
            Box::new(|hash| {
                passkey.sign_parts(data.clone(), passkey.client_data_json(hash), 23, 2)
            }),
        ),
        (
            "challenge index past the end",
            Box::new(|hash| {
                passkey.sign_parts(data.clone(), passkey.client_data_json(hash), u16::MAX, 1)
            }),
        ),
        (
            "high s",
            Box::new(|hash| {
                let mut assertion = passkey.assert(hash);
                let s = U256::from_be_slice(&assertion.signature[32..]);
                assertion.signature[32..].copy_from_slice(&(P256_ORDER - s).to_be_bytes::<32>());
                assertion
            }),
        ),
        (
            "another passkey",
            Box::new(|hash| {
                Passkey::new(P256Key::from_seed(8).signer(), RP_ID, false).assert(hash)
            }),
        ),
    ];
    for (what, bend) in &cases {
        assert_eq!(harness.validate(ALICE, &bent(bend.as_ref())), failed, "{what}");
    }
    // The standard-base64 case means something only if the challenge has `-` or `_`.
    let op = op_signed_with(id, |hash| {
        assert!(base64url(&hash).iter().any(|c| *c == b'-' || *c == b'_'));
        signer.sign(hash)
    });
    assert_eq!(harness.validate(ALICE, &op), ok);
    // Shorter than its own lengths: refused, never a revert.
    let op = op_signed_with(id, |hash| signer.sign(hash)[..130].to_vec());
    assert_eq!(harness.validate(ALICE, &op), failed, "truncated");
}

#[test]
fn a_user_verified_session_refuses_an_assertion_without_verification() {
    let (_, signer) = passkey(7, true);
    let (mut harness, id) = enabled(&signer);
    let op = op_signed_with(id, |hash| signer.sign(hash));
    assert_eq!(harness.validate(ALICE, &op), Ok(window(NOW, NOW + TWO_HOURS)));
    // The same key, present but not verified.
    let present = Passkey::new(P256Key::from_seed(7).signer(), RP_ID, false);
    let op = op_signed_with(id, |hash| present.assert(hash).encode());
    assert_eq!(harness.validate(ALICE, &op), Ok(sig_failed(NOW, NOW + TWO_HOURS)));
}

#[test]
fn two_of_three_sign_user_operations_and_every_other_set_fails() {
    let signer = multisig(2, &[0x31, 0x32, 0x33], &[0x31, 0x33]);
    let (mut harness, id) = enabled(&signer);
    let op = op_signed_with(id, |hash| signer.sign(hash));
    assert_eq!(harness.validate(ALICE, &op), Ok(window(NOW, NOW + TWO_HOURS)));
    // Any two of the three.
    let other_two = multisig(2, &[0x31, 0x32, 0x33], &[0x32, 0x33]);
    let op = op_signed_with(id, |hash| other_two.sign(hash));
    assert_eq!(harness.validate(ALICE, &op), Ok(window(NOW, NOW + TWO_HOURS)));

    let failed = Ok(sig_failed(NOW, NOW + TWO_HOURS));
    let entry = 66;
    let header = 2 + 3 * 20;
    let bends: Vec<Case<'_, Vec<u8>, Vec<u8>>> = vec![
        ("k − 1 signatures", Box::new(|sig: Vec<u8>| sig[..header + entry].to_vec())),
        (
            "a duplicate signer",
            Box::new(|mut sig: Vec<u8>| {
                let first = sig[header..header + entry].to_vec();
                sig[header + entry..].copy_from_slice(&first);
                sig
            }),
        ),
        (
            "unsorted signatures",
            Box::new(|sig: Vec<u8>| {
                let (first, second) = (&sig[header..header + entry], &sig[header + entry..]);
                [&sig[..header], second, first].concat()
            }),
        ),
        (
            "a signature by no signer of the set",
            Box::new(|mut sig: Vec<u8>| {
                let hash_free = Signer::from_hex(&B256::repeat_byte(0x44).to_string()).unwrap();
                // Recovers to someone, but not the signer at its index.
                let stranger = hash_free.sign(B256::repeat_byte(1));
                sig[header + 1..header + entry].copy_from_slice(&stranger);
                sig
            }),
        ),
        (
            "threshold raised in the bytes",
            Box::new(|mut sig: Vec<u8>| {
                sig[0] = 1;
                sig[..header + entry].to_vec()
            }),
        ),
    ];
    for (what, bend) in &bends {
        let op = op_signed_with(id, |hash| bend(signer.sign(hash)));
        assert_eq!(harness.validate(ALICE, &op), failed, "{what}");
    }
    // A signer outside the set signs in place of one inside it.
    let outsider = multisig(2, &[0x31, 0x32, 0x34], &[0x31, 0x34]);
    let op = op_signed_with(id, |hash| outsider.sign(hash));
    assert_eq!(harness.validate(ALICE, &op), failed, "another set: another key id");
}

/// Every path that takes a key signature, for `signer`: ENABLE's key proof, a relayed
/// execution, an ERC-1271 session signature, a relayed revocation; each refused when signed by
/// `wrong`.
fn every_path(signer: &SessionSigner, wrong: &SessionSigner) {
    // ENABLE: the owner grants, the key proves itself in the same operation.
    let owner = SessionKey::from_seed(0x0a);
    let fresh = || {
        let mut harness = Harness::new();
        harness.install(ALICE);
        harness.install(ALICE);
        harness.set_owner(ALICE, &owner);
        harness
    };
    // Allowed to sign personal messages, for the ERC-1271 path.
    let session = Session {
        signing: vec![SigningScope { appDomain: B256::ZERO, contentsType: B256::ZERO }],
        ..session_of(signer)
    };
    let grant = SessionGrant { session, nonce: U256::ZERO, deadline: U48::from(NOW + 600) };
    let id = grant.session.permission_id(CHAIN_ID, MODULE);
    let enable_with = |key: &SessionSigner| {
        let mut enable = single_chain_enable(grant.clone(), &owner, CHAIN_ID, MODULE);
        let mut op = user_op(ALICE, execute_single(GAME, 0, &move_data(0, 0)), Bytes::new());
        enable.keySignature = key.sign(session_op_hash(op_hash(&op), id, 0)).into();
        op.signature = [vec![0x01], enable.abi_encode()].concat().into();
        op
    };
    let deadline = NOW + 600;
    // A failed key proof leaves the grant enabled in this harness (the EntryPoint would revert
    // the whole operation): the wrong key tries on a harness of its own.
    let wrong_enable = fresh().validate(ALICE, &enable_with(wrong));
    assert_eq!(wrong_enable, Ok(sig_failed(NOW, deadline)), "ENABLE, wrong key");
    let mut harness = fresh();
    assert_eq!(harness.validate(ALICE, &enable_with(signer)), Ok(window(NOW, deadline)), "ENABLE");

    // A relayed execution.
    harness.vm.clock.set(Some(NOW));
    let returned = vec![Bytes::from_static(b"moved")].abi_encode();
    harness.vm.call_answers.borrow_mut().insert(ALICE, Ok(returned));
    let call_data = execute_single(GAME, 0, &move_data(2, 2));
    let execution = SessionExecution {
        account: ALICE,
        permissionId: id,
        nonce: U256::ZERO,
        deadline: U48::from(NOW + 60),
        callData: call_data.clone(),
    };
    let relayed = |key: &SessionSigner| executeAsSessionBySignatureCall {
        account: ALICE,
        permissionId: id,
        nonce: U256::ZERO,
        deadline: U48::from(NOW + 60),
        callData: call_data.clone(),
        signature: key.sign(execution.digest(CHAIN_ID, MODULE)).into(),
    };
    assert_eq!(
        harness.call(BOB, relayed(wrong)).err(),
        Some::<Error>(ExecutionSignatureInvalid { permissionId: id }.into())
    );
    assert!(harness.call(BOB, relayed(signer)).is_ok(), "relayed execution");

    // An ERC-1271 session signature (personal message).
    assert!(erc1271_accepts(&mut harness, id, signer), "ERC-1271");
    assert!(!erc1271_accepts(&mut harness, id, wrong), "ERC-1271, wrong key");

    // A relayed revocation.
    let revocation =
        SessionRevocation { account: ALICE, permissionId: id, deadline: U48::from(NOW + 60) };
    let revoke = |key: &SessionSigner| revokeSessionBySignatureCall {
        account: ALICE,
        permissionId: id,
        deadline: U48::from(NOW + 60),
        signature: key.sign(revocation.digest(CHAIN_ID, MODULE)).into(),
    };
    assert_eq!(
        harness.call(BOB, revoke(wrong)).err(),
        Some(RevocationSignatureInvalid { permissionId: id }.into())
    );
    harness.call(BOB, revoke(signer)).unwrap();
    assert!(!harness.session(ALICE, id).enabled, "revoked");
}

/// Whether the module accepts `key`'s ERC-1271 session signature of a personal message for
/// Alice's account.
fn erc1271_accepts(harness: &mut Harness, id: B256, key: &SessionSigner) -> bool {
    answer_account_domain(harness, ALICE, ALICE);
    let message = b"gg, rematch?";
    let prefixed =
        [format!("\x19Ethereum Signed Message:\n{}", message.len()).as_bytes(), message].concat();
    let hash = alloy_primitives::keccak256(&prefixed);
    let digest =
        PersonalSign { prefixed: prefixed.into() }.eip712_signing_hash(&account_domain(ALICE));
    let signature =
        [&[0x00], id.as_slice(), &key.sign_with_length(digest), message.as_slice()].concat();
    let call = isValidSignatureWithSenderCall { sender: BOB, hash, signature: signature.into() };
    harness.call(ALICE, call).unwrap() == [0x16, 0x26, 0xba, 0x7e]
}

#[test]
fn a_passkey_signs_on_every_path() {
    let (_, signer) = passkey(7, true);
    let (_, wrong) = passkey(8, true);
    every_path(&signer, &wrong);
}

#[test]
fn a_multisig_key_signs_on_every_path() {
    let signer = multisig(2, &[0x31, 0x32, 0x33], &[0x32, 0x33]);
    // One of the two keys is outside the set.
    let wrong = multisig(2, &[0x31, 0x32, 0x34], &[0x32, 0x34]);
    every_path(&signer, &wrong);
}
