//! P-256 session keys (key type 1) through the module's ABI entry: 128-byte `r ‖ s ‖ x ‖ y`
//! signatures, verified by the RIP-7212 precompile, for UserOperations, relayed executions and
//! relayed revocations.

use crate::support;

use alloy_primitives::{aliases::U48, Address, Bytes, B256, U256};
use alloy_sol_types::SolValue;
use session_core::interface::{
    Error, ISmartSessions::*, Session, SessionExecution, SessionRevocation,
};
use support::*;

const P256: u8 = 1;

fn p256_session(key: &P256Key) -> Session {
    Session {
        keyType: P256,
        key: key.id().into_word(),
        ..game_session(ALICE, &SessionKey::from_seed(1))
    }
}

fn enabled(key: &P256Key) -> (Harness, B256) {
    alice_with(&p256_session(key))
}

#[test]
fn a_p256_key_signs_user_operations() {
    let key = P256Key::from_seed(7);
    let (mut harness, id) = enabled(&key);
    let op = op_signed_with(id, |hash| key.sign(hash).to_vec());
    assert_eq!(harness.validate(ALICE, &op), Ok(window(NOW, NOW + TWO_HOURS)));
    assert_eq!(harness.session(ALICE, id).signer, key.id());
}

#[test]
fn another_key_a_tampered_signature_or_the_wrong_length_fails_the_signature() {
    let key = P256Key::from_seed(7);
    let (mut harness, id) = enabled(&key);
    let failed = Ok(sig_failed(NOW, NOW + TWO_HOURS));
    let other = P256Key::from_seed(8);
    let op = op_signed_with(id, |hash| other.sign(hash).to_vec());
    assert_eq!(harness.validate(ALICE, &op), failed, "another key: its id is not the session's");
    let op = op_signed_with(id, |hash| {
        // The other key's signature under this key's public key: the id matches, the
        // precompile refuses.
        let mut signature = other.sign(hash);
        signature[64..].copy_from_slice(&key.public_key());
        signature.to_vec()
    });
    assert_eq!(harness.validate(ALICE, &op), failed, "a signature by another key");
    let op = op_signed_with(id, |hash| {
        let mut signature = key.sign(hash);
        signature[40] ^= 1;
        signature.to_vec()
    });
    assert_eq!(harness.validate(ALICE, &op), failed, "s tampered");
    let op = op_signed_with(id, |hash| key.sign(hash)[..65].to_vec());
    assert_eq!(harness.validate(ALICE, &op), Ok(U256::from(1)), "a secp256k1 length");
}

#[test]
fn a_p256_key_relays_executions_and_its_own_revocation() {
    let key = P256Key::from_seed(7);
    let (mut harness, id) = enabled(&key);
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
    let relayed = executeAsSessionBySignatureCall {
        account: ALICE,
        permissionId: id,
        nonce: U256::ZERO,
        deadline: U48::from(NOW + 60),
        callData: call_data.clone(),
        signature: key.sign(execution.digest(CHAIN_ID, MODULE)).to_vec().into(),
    };
    assert!(harness.call(BOB, relayed).is_ok());
    // The id is no address anyone sends from: the key cannot be `msg.sender`.
    let direct = executeAsSessionCall { account: ALICE, permissionId: id, callData: call_data };
    let caller = Address::with_last_byte(0x99);
    assert_eq!(
        harness.call(caller, direct).err(),
        Some::<Error>(NotSessionKey { permissionId: id, caller }.into())
    );

    let revocation =
        SessionRevocation { account: ALICE, permissionId: id, deadline: U48::from(NOW + 60) };
    let by_other = P256Key::from_seed(8).sign(revocation.digest(CHAIN_ID, MODULE));
    let revoke = |signature: [u8; 128]| revokeSessionBySignatureCall {
        account: ALICE,
        permissionId: id,
        deadline: U48::from(NOW + 60),
        signature: signature.to_vec().into(),
    };
    assert_eq!(
        harness.call(BOB, revoke(by_other)).err(),
        Some(RevocationSignatureInvalid { permissionId: id }.into())
    );
    harness.call(BOB, revoke(key.sign(revocation.digest(CHAIN_ID, MODULE)))).unwrap();
    assert!(!harness.session(ALICE, id).enabled);
}

#[test]
fn a_p256_key_id_must_be_a_left_padded_address() {
    let key = P256Key::from_seed(7);
    let mut harness = Harness::new();
    harness.install(ALICE);
    let mut session = p256_session(&key);
    session.key = B256::from(keccak_of(&key.public_key()));
    let error = SessionKeyInvalid { keyType: P256, key: session.key };
    assert_eq!(harness.enable(&session), Err(error.into()), "the whole hash is not the id");
}

fn keccak_of(bytes: &[u8]) -> B256 {
    alloy_primitives::keccak256(bytes)
}
