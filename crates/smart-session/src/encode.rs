//! The bytes the module and the account read: UserOperation signatures (USE and ENABLE mode),
//! `execute` calldata, and secp256k1 signatures as the module checks them (65 bytes `r‖s‖v`,
//! low-s, v ∈ {27, 28}, over the raw 32-byte hash).

use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{SolCall, SolValue};
use k256::ecdsa::SigningKey;
use stylus_smart_sessions::{
    interface::{EnableSession, Execution, IERC7579Execution::executeCall, SessionGrant},
    signature::{MODE_ENABLE, MODE_USE},
};

/// A secp256k1 key that signs raw hashes.
pub struct Signer(SigningKey);

/// A private key that is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadKey;

impl std::fmt::Display for BadKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a secp256k1 private key (expected 32 bytes of hex)")
    }
}

impl std::error::Error for BadKey {}

impl Signer {
    /// The key in `hex` (32 bytes, `0x` optional).
    ///
    /// # Errors
    /// [`BadKey`] for anything else.
    pub fn from_hex(hex: &str) -> Result<Self, BadKey> {
        let bytes: B256 = hex.trim().parse().map_err(|_| BadKey)?;
        SigningKey::from_slice(bytes.as_slice()).map(Self).map_err(|_| BadKey)
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

/// USE mode: `0x00 ‖ permissionId ‖ signature`.
pub fn use_signature(permission_id: B256, key_signature: &[u8; 65]) -> Bytes {
    [&[MODE_USE][..], permission_id.as_slice(), key_signature].concat().into()
}

/// ENABLE mode, one chain: `0x01 ‖ abi.encode(EnableSession)`. `owner_signature` is what the
/// account's ERC-1271 accepts for the grant's digest (for OpenZeppelin's account: the owner
/// validator's address followed by the owner's signature).
pub fn enable_signature(
    grant: SessionGrant,
    owner_signature: Bytes,
    key_signature: &[u8; 65],
) -> Bytes {
    let enable = EnableSession {
        grant,
        chains: vec![],
        chainIndex: U256::ZERO,
        ownerSignature: owner_signature,
        keySignature: Bytes::copy_from_slice(key_signature),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_recover_to_the_signer_and_are_low_s() {
        let signer = Signer::from_hex(&format!("0x{}", "47".repeat(32))).unwrap();
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
            assert_eq!(Signer::from_hex(bad).err(), Some(BadKey), "{bad}");
        }
    }

    #[test]
    fn use_signature_layout_is_mode_id_signature() {
        let id = B256::repeat_byte(0x11);
        let bytes = use_signature(id, &[0x22; 65]);
        assert_eq!(bytes.len(), 1 + 32 + 65);
        assert_eq!((bytes[0], &bytes[1..33], bytes[33]), (MODE_USE, id.as_slice(), 0x22));
    }
}
