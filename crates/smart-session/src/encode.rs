//! The bytes the module and the account read: UserOperation signatures (USE and ENABLE mode),
//! `execute` calldata, the module calls of the executor path and of a relayed revocation,
//! and session-key signatures as the module checks them, over the raw 32-byte hash:
//! secp256k1 `r ‖ s ‖ v` (65 bytes, low-s, v ∈ {27, 28}) and P-256 `r ‖ s ‖ x ‖ y` (128 bytes,
//! for the RIP-7212 precompile).
//!
//! A session with periods (`Session.period ≠ 0`) proves its key in a UserOperation with the
//! key's signature followed by the index of the period the operation counts in (4 bytes,
//! big-endian): [`key_proof`] computes it from the time the operation is meant for. Relayed
//! executions, revocations and ERC-1271 signatures carry the key's signature alone.

use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{SolCall, SolValue};
use k256::ecdsa::SigningKey;
use session_core::{
    interface::{
        EnableSession, Execution,
        IERC7579Execution::executeCall,
        ISmartSessions::{
            executeAsSessionBySignatureCall, executeAsSessionCall, revokeSessionBySignatureCall,
        },
        Session, SessionExecution, SessionGrant, SessionRevocation,
    },
    period::Periods,
    session_key::{key_id, KeyType, MODE_ENABLE, MODE_USE},
};

/// A secp256k1 key that signs raw hashes.
pub struct Signer(SigningKey);

/// A private key that is not one, by the curve it was read for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadKey {
    /// Not a secp256k1 scalar.
    Secp256k1,
    /// Not a P-256 scalar.
    P256,
}

impl std::fmt::Display for BadKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let curve = match self {
            Self::Secp256k1 => "secp256k1",
            Self::P256 => "P-256",
        };
        write!(f, "not a {curve} private key (expected 32 bytes of hex)")
    }
}

impl std::error::Error for BadKey {}

impl Signer {
    /// The key in `hex` (32 bytes, `0x` optional).
    ///
    /// # Errors
    /// [`BadKey`] for anything else.
    pub fn from_hex(hex: &str) -> Result<Self, BadKey> {
        let bytes: B256 = hex.trim().parse().map_err(|_| BadKey::Secp256k1)?;
        SigningKey::from_slice(bytes.as_slice()).map(Self).map_err(|_| BadKey::Secp256k1)
    }

    /// The key's address.
    pub fn address(&self) -> Address {
        Address::from_public_key(self.0.verifying_key())
    }

    /// `r ‖ s ‖ v` over `hash` as is (k256 signs low-s).
    pub fn sign(&self, hash: B256) -> [u8; 65] {
        let (signature, id) =
            self.0.sign_prehash_recoverable(hash.as_slice()).expect("a 32-byte prehash signs");
        let mut out = [0u8; 65];
        out[..64].copy_from_slice(&signature.to_bytes());
        out[64] = 27 + id.to_byte();
        out
    }
}

/// A P-256 key that signs raw hashes, as the RIP-7212 precompile verifies them: the hash is
/// the message digest itself (no further hashing).
pub struct P256Signer(p256::ecdsa::SigningKey);

impl P256Signer {
    /// The key in `hex` (a 32-byte scalar, `0x` optional).
    ///
    /// # Errors
    /// [`BadKey::P256`] for anything else (zero, or not below the curve's order).
    pub fn from_hex(hex: &str) -> Result<Self, BadKey> {
        let bytes: B256 = hex.trim().parse().map_err(|_| BadKey::P256)?;
        p256::ecdsa::SigningKey::from_slice(bytes.as_slice()).map(Self).map_err(|_| BadKey::P256)
    }

    /// The public key `x ‖ y` (uncompressed SEC1 without its `0x04`).
    pub fn public_key(&self) -> [u8; 64] {
        let point = self.0.verifying_key().to_encoded_point(false);
        point.as_bytes()[1..].try_into().expect("an uncompressed point is 0x04 ‖ x ‖ y")
    }

    /// The key's id, as `Session.key` holds it (left-padded): see [`key_id`].
    pub fn key_id(&self) -> Address {
        key_id(&self.public_key())
    }

    /// The signing key itself (for [`crate::passkey`]).
    pub(crate) fn signing_key(&self) -> &p256::ecdsa::SigningKey {
        &self.0
    }

    /// `r ‖ s ‖ x ‖ y` over `hash` as is: the signature, then the public key the module checks
    /// against the session's key id.
    pub fn sign(&self, hash: B256) -> [u8; 128] {
        use p256::ecdsa::{signature::hazmat::PrehashSigner, Signature};
        let signature: Signature =
            self.0.sign_prehash(hash.as_slice()).expect("a 32-byte prehash signs");
        let mut out = [0u8; 128];
        out[..64].copy_from_slice(&signature.to_bytes());
        out[64..].copy_from_slice(&self.public_key());
        out
    }
}

/// `threshold` of the secp256k1 `signers` (a multisig session key), of which `keys` sign.
pub struct MultisigSigner {
    /// How many must sign.
    pub threshold: u8,
    /// Every signer of the set (any order).
    pub signers: Vec<Address>,
    /// The keys that sign: `threshold` of the signers' keys.
    pub keys: Vec<Signer>,
}

impl MultisigSigner {
    /// The set's key id (see `session_core::multisig`); zero for a set that cannot be one.
    pub fn key_id(&self) -> Address {
        session_core::multisig::key_id(self.threshold, &self.signers).unwrap_or_default()
    }

    /// `k ‖ n ‖ signers (sorted) ‖ k × (index ‖ r ‖ s ‖ v)`, the signatures in signer order.
    ///
    /// # Panics
    /// When the set cannot be a multisig key or a key is not one of its signers.
    pub fn sign(&self, hash: B256) -> Vec<u8> {
        let header = session_core::multisig::header(self.threshold, &self.signers)
            .expect("1 ≤ threshold ≤ signers ≤ 5, distinct");
        let sorted: Vec<Address> = header[2..].chunks(20).map(Address::from_slice).collect();
        let mut signed: Vec<(u8, [u8; 65])> = self
            .keys
            .iter()
            .map(|key| {
                let index =
                    sorted.iter().position(|s| *s == key.address()).expect("a signer's key");
                (index as u8, key.sign(hash))
            })
            .collect();
        signed.sort_by_key(|(index, _)| *index);
        let mut out = header;
        for (index, signature) in signed {
            out.push(index);
            out.extend(signature);
        }
        out
    }
}

/// A session key of any type the module verifies.
pub enum SessionSigner {
    /// Key type 0.
    Secp256k1(Signer),
    /// Key type 1.
    P256(P256Signer),
    /// Key types 2 and 3: a passkey's WebAuthn assertions.
    WebAuthn(crate::passkey::Passkey, KeyType, Address),
    /// Key type 4.
    Multisig(MultisigSigner),
}

impl SessionSigner {
    /// The key's type.
    pub fn key_type(&self) -> KeyType {
        match self {
            Self::Secp256k1(_) => KeyType::Secp256k1,
            Self::P256(_) => KeyType::P256,
            Self::WebAuthn(_, key_type, _) => *key_type,
            Self::Multisig(_) => KeyType::Multisig,
        }
    }

    /// The key's id, `Session.key`'s address: secp256k1, the signer's address; P-256, see
    /// [`key_id`].
    pub fn key_id(&self) -> Address {
        match self {
            Self::Secp256k1(key) => key.address(),
            Self::P256(key) => key.key_id(),
            Self::WebAuthn(_, _, id) => *id,
            Self::Multisig(key) => key.key_id(),
        }
    }

    /// The key's signature of `hash`, as the module reads it for the key's type: 65 bytes
    /// `r ‖ s ‖ v`, 128 bytes `r ‖ s ‖ x ‖ y`, a WebAuthn assertion or a k-of-n signature.
    pub fn sign(&self, hash: B256) -> Vec<u8> {
        match self {
            Self::Secp256k1(key) => key.sign(hash).to_vec(),
            Self::P256(key) => key.sign(hash).to_vec(),
            Self::WebAuthn(passkey, ..) => passkey.assert(hash).encode(),
            Self::Multisig(key) => key.sign(hash),
        }
    }

    /// [`Self::sign`] as an ERC-1271 session signature carries it, before the message: with
    /// its length first (2 bytes) for the key types whose signatures vary in length.
    pub fn sign_with_length(&self, hash: B256) -> Vec<u8> {
        let signature = self.sign(hash);
        match self.key_type().signature_len() {
            Some(_) => signature,
            None => {
                let length = u16::try_from(signature.len()).expect("a key signature fits");
                [length.to_be_bytes().as_slice(), &signature].concat()
            }
        }
    }
}

/// A time for which a periodic session's key proof cannot be made: outside the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutsideWindow {
    /// The time asked about, unix seconds.
    pub at: u64,
    /// The session's first second.
    pub valid_after: u64,
    /// The session's last second.
    pub valid_until: u64,
}

impl std::fmt::Display for OutsideWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is outside the session's window ({} to {}): no period to count in",
            self.at, self.valid_after, self.valid_until
        )
    }
}

impl std::error::Error for OutsideWindow {}

/// The index of the period of `session` that second `at` falls in, counted from `validAfter`
/// as the module counts it; `None` for a session without periods (`period = 0`).
///
/// # Errors
/// [`OutsideWindow`] for a periodic session when `at` is before `validAfter` or after
/// `validUntil`.
pub fn period_index(session: &Session, at: u64) -> Result<Option<u32>, OutsideWindow> {
    let periods = session.periods();
    if periods.length == 0 {
        return Ok(None);
    }
    let Periods { valid_after, valid_until, .. } = periods;
    if at < valid_after || at > valid_until {
        return Err(OutsideWindow { at, valid_after, valid_until });
    }
    Ok(Some(periods.index_at(at)))
}

/// The key proof of a UserOperation of `session` meant for second `at`: the key's signature
/// over the operation's [`session_op_hash`](session_core::session_key::session_op_hash)
/// (`userOpHash`, the permission id and `at`'s period index), then, for a session with
/// periods, that index (4 bytes, big-endian). Without periods, the signature alone, whatever
/// `at`.
///
/// # Errors
/// [`OutsideWindow`] for a periodic session and a time outside its window.
pub fn key_proof(session: &Session, key_signature: &[u8], at: u64) -> Result<Bytes, OutsideWindow> {
    Ok(key_proof_with_index(key_signature, period_index(session, at)?))
}

/// The key proof of a UserOperation whose period index is already known: the key's signature,
/// then `index` (4 bytes, big-endian) for a session with periods, nothing more without
/// (`None`). [`key_proof`] finds the index from a time; this is for callers that keep it.
pub fn key_proof_with_index(key_signature: &[u8], index: Option<u32>) -> Bytes {
    let index = index.map(u32::to_be_bytes);
    [key_signature, index.as_ref().map_or(&[][..], |bytes| &bytes[..])].concat().into()
}

/// USE mode: `0x00 ‖ permissionId ‖ key proof` (the key's signature, and for a session with
/// periods the period index: see [`key_proof`]).
pub fn use_signature(permission_id: B256, key_proof: &[u8]) -> Bytes {
    [&[MODE_USE][..], permission_id.as_slice(), key_proof].concat().into()
}

/// ENABLE mode, one chain: `0x01 ‖ abi.encode(EnableSession)`. `owner_signature` is what the
/// account's ERC-1271 accepts for the grant's digest (for OpenZeppelin's account: the owner
/// validator's address followed by the owner's signature); `key_proof` is as for
/// [`use_signature`].
pub fn enable_signature(grant: SessionGrant, owner_signature: Bytes, key_proof: &[u8]) -> Bytes {
    let enable = EnableSession {
        grant,
        chains: vec![],
        chainIndex: U256::ZERO,
        ownerSignature: owner_signature,
        keySignature: Bytes::copy_from_slice(key_proof),
    };
    [vec![MODE_ENABLE], enable.abi_encode()].concat().into()
}

/// The account's `execute(mode, executionCalldata)` for one call (single, default exec type).
pub fn execute_single(target: Address, value: U256, data: &[u8]) -> Bytes {
    let execution = [target.as_slice(), &value.to_be_bytes::<32>(), data].concat();
    executeCall { mode: B256::ZERO, executionCalldata: execution.into() }.abi_encode().into()
}

/// The account's `execute(mode, executionCalldata)` for a batch.
pub fn execute_batch(executions: &[Execution]) -> Bytes {
    let mut mode = B256::ZERO;
    mode[0] = 0x01;
    executeCall { mode, executionCalldata: executions.to_vec().abi_encode().into() }
        .abi_encode()
        .into()
}

/// The module's `executeAsSession(account, permissionId, callData)`, which the session key
/// sends itself: the module runs `call_data`, the account's `execute` calldata
/// ([`execute_single`], [`execute_batch`]), under the session's rules.
pub fn execute_as_session(account: Address, permission_id: B256, call_data: Bytes) -> Bytes {
    executeAsSessionCall { account, permissionId: permission_id, callData: call_data }
        .abi_encode()
        .into()
}

/// The module's `executeAsSessionBySignature`, which anyone may send: `execution` and the
/// session key's signature of it (its [`SessionSigner::sign`] of
/// `execution.digest(chain_id, module)`, or a wallet's signature of
/// [`execution_typed_data`](crate::typed_data::execution_typed_data)); no period index.
pub fn execute_as_session_by_signature(execution: SessionExecution, key_signature: &[u8]) -> Bytes {
    executeAsSessionBySignatureCall {
        account: execution.account,
        permissionId: execution.permissionId,
        nonce: execution.nonce,
        deadline: execution.deadline,
        callData: execution.callData,
        signature: Bytes::copy_from_slice(key_signature),
    }
    .abi_encode()
    .into()
}

/// The module's `revokeSessionBySignature`, which anyone may send: `revocation` and the session
/// key's signature of it (its [`SessionSigner::sign`] of `revocation.digest(chain_id, module)`,
/// or a wallet's signature of
/// [`revocation_typed_data`](crate::typed_data::revocation_typed_data)); no period index.
pub fn revoke_session_by_signature(revocation: SessionRevocation, key_signature: &[u8]) -> Bytes {
    revokeSessionBySignatureCall {
        account: revocation.account,
        permissionId: revocation.permissionId,
        deadline: revocation.deadline,
        signature: Bytes::copy_from_slice(key_signature),
    }
    .abi_encode()
    .into()
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{aliases::U48, Signature};
    use session_core::codec::Reader;

    use super::*;

    const MODULE: Address = Address::repeat_byte(0xc0);
    const CHAIN_ID: u64 = 421_614;

    fn session_key() -> Signer {
        Signer::from_hex(&format!("0x{}", "47".repeat(32))).unwrap()
    }

    fn recovered(signature: &[u8], digest: B256) -> Address {
        Signature::from_raw(signature).unwrap().recover_address_from_prehash(&digest).unwrap()
    }

    #[test]
    fn execute_as_session_carries_the_execute_calldata_when_read_by_the_module() {
        let call_data = execute_single(Address::repeat_byte(0x9a), U256::from(5), &[1, 2, 3, 4]);
        let bytes = execute_as_session(
            Address::repeat_byte(0xa1),
            B256::repeat_byte(0x11),
            call_data.clone(),
        );
        let call = executeAsSessionCall::abi_decode_validate(&bytes).unwrap();
        assert_eq!(
            (call.account, call.permissionId, &call.callData),
            (Address::repeat_byte(0xa1), B256::repeat_byte(0x11), &call_data)
        );
        let [read] = Reader::new(&bytes[4..], 4).trailing_bytes(3).unwrap();
        assert_eq!(read, &call_data[..], "the module's strict reader takes it");
    }

    #[test]
    fn execute_as_session_by_signature_recovers_to_the_key_when_signed_over_the_module_digest() {
        let key = session_key();
        let execution = SessionExecution {
            account: Address::repeat_byte(0xa1),
            permissionId: B256::repeat_byte(0x11),
            nonce: U256::from(3),
            deadline: U48::from(1_800_000_600u64),
            callData: execute_single(Address::repeat_byte(0x9a), U256::ZERO, &[]),
        };
        let digest = execution.digest(CHAIN_ID, MODULE);
        let bytes = execute_as_session_by_signature(execution.clone(), &key.sign(digest));
        let call = executeAsSessionBySignatureCall::abi_decode_validate(&bytes).unwrap();
        let relayed = SessionExecution {
            account: call.account,
            permissionId: call.permissionId,
            nonce: call.nonce,
            deadline: call.deadline,
            callData: call.callData,
        };
        assert_eq!(relayed, execution);
        assert_eq!(recovered(&call.signature, relayed.digest(CHAIN_ID, MODULE)), key.address());
        let [call_data, signature] = Reader::new(&bytes[4..], 4).trailing_bytes(6).unwrap();
        assert_eq!((call_data, signature), (&execution.callData[..], &call.signature[..]));
    }

    #[test]
    fn revoke_session_by_signature_recovers_to_the_key_when_signed_over_the_module_digest() {
        let key = session_key();
        let revocation = SessionRevocation {
            account: Address::repeat_byte(0xa1),
            permissionId: B256::repeat_byte(0x11),
            deadline: U48::from(1_800_000_600u64),
        };
        let digest = revocation.digest(CHAIN_ID, MODULE);
        let bytes = revoke_session_by_signature(revocation.clone(), &key.sign(digest));
        let call = revokeSessionBySignatureCall::abi_decode_validate(&bytes).unwrap();
        let relayed = SessionRevocation {
            account: call.account,
            permissionId: call.permissionId,
            deadline: call.deadline,
        };
        assert_eq!(relayed, revocation);
        assert_eq!(recovered(&call.signature, relayed.digest(CHAIN_ID, MODULE)), key.address());
        let [signature] = Reader::new(&bytes[4..], 4).trailing_bytes(4).unwrap();
        assert_eq!(signature, &call.signature[..]);
    }

    #[test]
    fn signatures_recover_to_the_signer_and_are_low_s() {
        let signer = session_key();
        let hash = alloy_primitives::keccak256(b"a user operation");
        let signature = signer.sign(hash);
        let parsed = alloy_primitives::Signature::from_raw_array(&signature).unwrap();
        assert_eq!(parsed.recover_address_from_prehash(&hash).unwrap(), signer.address());
        assert!(signature[64] == 27 || signature[64] == 28);
        assert!(parsed.normalize_s().is_none(), "already low-s");
    }

    #[test]
    fn keys_that_are_not_keys_are_refused() {
        for bad in ["", "0x12", &format!("0x{}", "00".repeat(32)), "zz"] {
            assert_eq!(Signer::from_hex(bad).err(), Some(BadKey::Secp256k1), "{bad}");
        }
    }

    /// The P-256 test key `0x4848…48` and its public key (computed apart, with Python's
    /// `cryptography`).
    const P256_KEY: &str = "0x4848484848484848484848484848484848484848484848484848484848484848";
    const P256_PUBLIC: &str =
        "0x0442a51e039eb9e0b5ce58c4f1b8ebcb281fae32b90729711640b0cad4fc5c38c1\
                               173c7e7b5be6ea94bb10e09fbee7c7b0838f3f4f88e01e911d30e44f4f3e9b32";

    #[test]
    fn p256_sign_is_r_s_x_y_verified_by_the_p256_crate_over_the_raw_hash() {
        use p256::ecdsa::{signature::hazmat::PrehashVerifier, Signature, VerifyingKey};
        let key = P256Signer::from_hex(P256_KEY).unwrap();
        let public: Bytes = P256_PUBLIC.parse().unwrap();
        assert_eq!(key.public_key(), public[1..], "x ‖ y of the known public key");
        let id = alloy_primitives::keccak256(&public[1..]);
        assert_eq!(key.key_id(), Address::from_slice(&id[12..]), "keccak256(x ‖ y)[12..]");

        let hash = alloy_primitives::keccak256(b"a user operation");
        let signed = key.sign(hash);
        assert_eq!(&signed[64..], &public[1..], "the public key follows r ‖ s");
        let verifier = VerifyingKey::from_sec1_bytes(&public).unwrap();
        let signature = Signature::from_slice(&signed[..64]).unwrap();
        verifier.verify_prehash(hash.as_slice(), &signature).expect("valid over the raw hash");
        let other = alloy_primitives::keccak256(b"another operation");
        assert!(verifier.verify_prehash(other.as_slice(), &signature).is_err());

        let p256_key = SessionSigner::P256(key);
        assert_eq!((p256_key.key_type().code(), p256_key.sign(hash)), (1, signed.to_vec()));
        let secp256k1 = SessionSigner::Secp256k1(session_key());
        assert_eq!((secp256k1.key_type().code(), secp256k1.sign(hash).len()), (0, 65));
    }

    #[test]
    fn p256_keys_that_are_not_keys_are_refused() {
        let order = "0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
        for bad in ["", "0x12", &format!("0x{}", "00".repeat(32)), order] {
            assert_eq!(P256Signer::from_hex(bad).err(), Some(BadKey::P256), "{bad}");
        }
        assert_eq!(BadKey::P256.to_string(), "not a P-256 private key (expected 32 bytes of hex)");
    }

    /// A session from `valid_after` to `valid_until` in periods of `period` seconds.
    fn periodic(valid_after: u64, valid_until: u64, period: u64) -> Session {
        Session {
            validAfter: U48::from(valid_after),
            validUntil: U48::from(valid_until),
            period: U48::from(period),
            ..Session::default()
        }
    }

    #[test]
    fn period_index_counts_from_valid_after_and_refuses_times_outside_the_window() {
        let day = 86_400;
        let session = periodic(1_000, 1_000 + 30 * day - 1, day);
        let index = |at| period_index(&session, at);
        assert_eq!(index(1_000), Ok(Some(0)));
        assert_eq!(index(1_000 + day - 1), Ok(Some(0)));
        assert_eq!(index(1_000 + day), Ok(Some(1)));
        assert_eq!(index(1_000 + 30 * day - 1), Ok(Some(29)));
        let outside =
            OutsideWindow { at: 999, valid_after: 1_000, valid_until: 1_000 + 30 * day - 1 };
        assert_eq!(index(999), Err(outside));
        assert_eq!(index(1_000 + 30 * day), Err(OutsideWindow { at: 1_000 + 30 * day, ..outside }));
        assert_eq!(
            outside.to_string(),
            "999 is outside the session's window (1000 to 2592999): no period to count in"
        );
        assert_eq!(period_index(&periodic(1_000, 2_000, 0), 5), Ok(None), "no periods: any time");
    }

    #[test]
    fn key_proof_appends_the_big_endian_period_index_that_the_module_splits_off() {
        use session_core::session_key::split_proof;
        let session = periodic(1_000, 1_000 + 10 * 60 - 1, 60);
        let signature = [0x22; 65];
        let proof = key_proof(&session, &signature, 1_000 + 3 * 60 + 7).unwrap();
        assert_eq!(proof, Bytes::from([&signature[..], &[0, 0, 0, 3]].concat()));
        assert_eq!(split_proof(&proof, KeyType::Secp256k1, true), Some((&signature[..], 3)));

        let plain = periodic(1_000, 2_000, 0);
        assert_eq!(key_proof(&plain, &signature, 0).unwrap(), Bytes::from(signature.to_vec()));
        assert_eq!(key_proof(&session, &signature, 999).unwrap_err().at, 999);

        let p256 = [0x33; 128];
        let proof = key_proof(&session, &p256, 1_000 + 9 * 60).unwrap();
        assert_eq!(split_proof(&proof, KeyType::P256, true), Some((&p256[..], 9)));
    }

    #[test]
    fn use_signature_layout_is_mode_id_signature() {
        let id = B256::repeat_byte(0x11);
        let bytes = use_signature(id, &[0x22; 65]);
        assert_eq!(bytes.len(), 1 + 32 + 65);
        assert_eq!((bytes[0], &bytes[1..33], bytes[33]), (MODE_USE, id.as_slice(), 0x22));
    }
}
