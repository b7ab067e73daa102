//! Session keys: their types, and how a UserOperation's signature carries a key's proof.
//!
//! USE mode: `signature = 0x00 ‖ permissionId (32) ‖ key proof`, where the key proof is the
//! key's signature over the [`session_op_hash`] — `userOpHash`, the permission id and the
//! period index, so that neither the session nor the period can be changed under a signed
//! operation — as long as its [`KeyType`] signs, followed, for a session with periods, by
//! the period index (4 bytes, big-endian). ENABLE mode (`0x01 ‖ abi.encode(EnableSession)`)
//! carries the same key proof in `EnableSession.keySignature`.
//!
//! A key type's code, name, signature length and key id are all here: a new key type is
//! added to this file, and to the programs' check of its signatures.

use alloy_primitives::{keccak256, Address, B256};

use crate::{
    codec::{array_at, hash_words, uint_word},
    eip712::PermissionId,
    Keyword,
};

/// Mode byte of a signature that uses an enabled session.
pub const MODE_USE: u8 = 0x00;
/// Mode byte of a signature that enables an owner-signed grant, then uses it.
pub const MODE_ENABLE: u8 = 0x01;

/// How a session key signs (`Session.keyType`, the type's code, is its discriminant).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(u8)]
pub enum KeyType {
    /// secp256k1, `r ‖ s ‖ v` (65 bytes), checked through the ecrecover precompile; the key's
    /// id is its address.
    #[default]
    Secp256k1 = 0,
    /// P-256, `r ‖ s ‖ x ‖ y` (128 bytes: the signature, then the public key), checked
    /// through the RIP-7212 precompile; the key's id is derived from `x ‖ y` (see [`key_id`]).
    P256 = 1,
    /// A P-256 passkey signing WebAuthn assertions (see [`crate::webauthn`]): the user must be
    /// present; the key's id as for [`KeyType::P256`].
    WebAuthn = 2,
    /// [`KeyType::WebAuthn`], and the authenticator must also have verified the user (PIN,
    /// biometrics).
    WebAuthnUserVerified = 3,
    /// k of n secp256k1 keys (see [`crate::multisig`]); the key's id commits to `k` and the
    /// sorted signers.
    Multisig = 4,
}

impl KeyType {
    /// `Session.keyType`: the type's code.
    #[inline]
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The key type of `code`; `None` for a code no type has (the module refuses it).
    #[inline]
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::Secp256k1),
            1 => Some(Self::P256),
            2 => Some(Self::WebAuthn),
            3 => Some(Self::WebAuthnUserVerified),
            4 => Some(Self::Multisig),
            _ => None,
        }
    }

    /// Bytes of a signature by a key of this type; `None` for the types whose signatures
    /// vary in length (their layouts say it themselves).
    #[inline]
    pub const fn signature_len(self) -> Option<usize> {
        match self {
            Self::Secp256k1 => Some(65),
            Self::P256 => Some(128),
            Self::WebAuthn | Self::WebAuthnUserVerified | Self::Multisig => None,
        }
    }
}

impl Keyword for KeyType {
    const ALL: &'static [Self] =
        &[Self::Secp256k1, Self::P256, Self::WebAuthn, Self::WebAuthnUserVerified, Self::Multisig];

    /// How a policy names the type: `secp256k1`, `p256`, `webauthn`, `webauthn-uv`,
    /// `multisig`.
    fn keyword(self) -> &'static str {
        match self {
            Self::Secp256k1 => "secp256k1",
            Self::P256 => "p256",
            Self::WebAuthn => "webauthn",
            Self::WebAuthnUserVerified => "webauthn-uv",
            Self::Multisig => "multisig",
        }
    }
}

/// The id of the key whose public key is `x ‖ y`, as `Session.key` holds it (left-padded):
/// the last 20 bytes of `keccak256(x ‖ y)` — a secp256k1 key's Ethereum address, and a P-256
/// key's id, derived the same way.
#[inline]
pub fn key_id(public_key: &[u8; 64]) -> Address {
    Address::new(array_at(&keccak256(public_key).0, 12))
}

/// What a session key signs for a UserOperation, USE and ENABLE mode alike:
/// `keccak256(abi.encode(userOpHash, permissionId, uint256(periodIndex)))` (the period index
/// is 0 for a session without periods).
///
/// `userOpHash` excludes the operation's signature, where the permission id and the period
/// index travel: signing the hash alone would let whoever relays the operation point it at
/// another live session of the same account and key, or move it to another period.
#[inline]
pub fn session_op_hash(user_op_hash: B256, permission_id: PermissionId, period_index: u32) -> B256 {
    hash_words(&[user_op_hash, permission_id, uint_word(period_index.into())])
}

/// A USE-mode signature: the session it claims, and the key proof.
#[inline]
pub fn parse_use(signature: &[u8]) -> Option<(PermissionId, &[u8])> {
    let (mode, rest) = signature.split_first()?;
    let (permission_id, proof) = rest.split_first_chunk::<32>()?;
    (*mode == MODE_USE).then_some((B256::new(*permission_id), proof))
}

/// Splits a key proof into the key's signature and the period index: the signature (exactly
/// the signature length of `key_type`, when it has one), then 4 bytes of index when the
/// session is `periodic`.
#[inline]
pub fn split_proof(proof: &[u8], key_type: KeyType, periodic: bool) -> Option<(&[u8], u32)> {
    let (signature, index) = match periodic {
        false => (proof, 0),
        // Not `split_last_chunk`: its unreachable `split_at` panic would put a message, a
        // location and a source path (~100 bytes) in the validator's data, paid on every call.
        true => {
            let (signature, index) = proof.split_at_checked(proof.len().checked_sub(4)?)?;
            (signature, u32::from_be_bytes(index.try_into().ok()?))
        }
    };
    let fits = key_type.signature_len().is_none_or(|len| signature.len() == len);
    fits.then_some((signature, index))
}

/// Splits `bytes` into a key signature of `key_type` and what follows it, where a signature is
/// followed by more data (ERC-7739 session signatures): the type's fixed length, or for the
/// types whose signatures vary, a 2-byte big-endian length and then that many bytes.
#[inline]
pub fn split_signature(bytes: &[u8], key_type: KeyType) -> Option<(&[u8], &[u8])> {
    match key_type.signature_len() {
        Some(len) => bytes.split_at_checked(len),
        None => {
            let (len, rest) = bytes.split_first_chunk::<2>()?;
            rest.split_at_checked(usize::from(u16::from_be_bytes(*len)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_types_round_trip_their_codes_and_keywords() {
        for &key_type in KeyType::ALL {
            assert_eq!(KeyType::from_code(key_type.code()), Some(key_type));
            assert_eq!(KeyType::from_keyword(key_type.keyword()), Some(key_type));
        }
        let codes: Vec<u8> = KeyType::ALL.iter().map(|key_type| key_type.code()).collect();
        assert_eq!(codes, [0, 1, 2, 3, 4]);
        let lengths: Vec<Option<usize>> =
            KeyType::ALL.iter().map(|key_type| key_type.signature_len()).collect();
        assert_eq!(lengths, [Some(65), Some(128), None, None, None]);
        assert_eq!(KeyType::from_code(5), None);
        assert_eq!(KeyType::from_keyword("ed25519"), None);
    }

    #[test]
    fn session_op_hash_is_the_keccak_of_the_abi_encoded_hash_id_and_period() {
        use alloy_sol_types::SolValue;
        let (hash, id) = (B256::repeat_byte(0x11), B256::repeat_byte(0x22));
        for period in [0u32, 1, u32::MAX] {
            let encoded = (hash, id, alloy_primitives::U256::from(period)).abi_encode();
            assert_eq!(session_op_hash(hash, id, period), keccak256(encoded));
        }
        assert_ne!(session_op_hash(hash, id, 0), session_op_hash(hash, B256::ZERO, 0));
        assert_ne!(session_op_hash(hash, id, 0), session_op_hash(hash, id, 1));
    }

    #[test]
    fn key_id_is_the_address_of_the_public_key() {
        // The secp256k1 generator point G, whose private key is 1.
        let g = alloy_primitives::hex!(
            "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
            "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8"
        );
        let expected = alloy_primitives::address!("7e5f4552091a69125d5dfcb7b8c2659029395bdf");
        assert_eq!(key_id(&g), expected);
    }

    #[test]
    fn parse_use_returns_the_session_and_the_proof_in_use_mode_only() {
        let mut signature = vec![MODE_USE];
        signature.extend([7u8; 32]);
        signature.extend([9u8; 65]);
        let (permission_id, proof) = parse_use(&signature).unwrap();
        assert_eq!(permission_id, B256::repeat_byte(7));
        assert_eq!(proof, &[9u8; 65][..]);
        signature[0] = MODE_ENABLE;
        assert!(parse_use(&signature).is_none());
        assert!(parse_use(&[MODE_USE; 32]).is_none(), "too short for a permission id");
        assert!(parse_use(&[]).is_none());
    }

    #[test]
    fn split_signature_reads_a_length_prefix_only_for_variable_lengths() {
        let bytes = [[5u8; 65].as_slice(), b"rest"].concat();
        assert_eq!(split_signature(&bytes, KeyType::Secp256k1), Some((&bytes[..65], &b"rest"[..])));
        assert_eq!(split_signature(&bytes[..64], KeyType::Secp256k1), None);
        let bytes = [[0u8, 3].as_slice(), b"sigrest"].concat();
        assert_eq!(split_signature(&bytes, KeyType::WebAuthn), Some((&b"sig"[..], &b"rest"[..])));
        assert_eq!(
            split_signature(&bytes[..4], KeyType::Multisig),
            None,
            "shorter than its length"
        );
        assert_eq!(split_signature(&[0], KeyType::Multisig), None);
    }

    #[test]
    fn split_proof_takes_the_period_index_only_with_periods() {
        let proof = [[5u8; 65].as_slice(), &[0, 0, 1, 2]].concat();
        let secp256k1 = KeyType::Secp256k1;
        assert_eq!(split_proof(&proof[..65], secp256k1, false), Some((&proof[..65], 0)));
        assert_eq!(split_proof(&proof, secp256k1, false), None, "4 bytes too many without periods");
        assert_eq!(split_proof(&proof, secp256k1, true), Some((&proof[..65], 0x0102)));
        assert_eq!(split_proof(&proof[..65], secp256k1, true), None, "no period index");
        let p256 = KeyType::P256;
        assert_eq!(split_proof(&proof, p256, true), None, "a secp256k1 length for a P-256 key");
        let proof = [[5u8; 128].as_slice(), &[0, 0, 0, 9]].concat();
        assert_eq!(split_proof(&proof, p256, true), Some((&proof[..128], 9)));
        // Variable lengths: everything before the index is the signature.
        let webauthn = KeyType::WebAuthn;
        assert_eq!(split_proof(&proof, webauthn, true), Some((&proof[..128], 9)));
        assert_eq!(split_proof(&proof, webauthn, false), Some((&proof[..], 0)));
        assert_eq!(split_proof(&proof[..3], KeyType::Multisig, true), None, "no index");
    }
}
