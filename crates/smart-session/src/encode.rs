//! The bytes the module and the account read: UserOperation signatures (USE and ENABLE mode),
//! `execute` calldata, the module calls of the executor path and of a relayed revocation,
//! and secp256k1 signatures as the module checks them (65 bytes `r‖s‖v`, low-s,
//! v ∈ {27, 28}, over the raw 32-byte hash).

use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{SolCall, SolValue};
use k256::ecdsa::SigningKey;
use stylus_smart_sessions::{
    interface::{
        EnableSession, Execution,
        IERC7579Execution::executeCall,
        ISmartSessions::{
            executeAsSessionBySignatureCall, executeAsSessionCall, revokeSessionBySignatureCall,
        },
        SessionExecution, SessionGrant, SessionRevocation,
    },
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

/// The module's `executeAsSession(account, permissionId, callData)`, which the session key
/// sends itself: the module runs `call_data`, the account's `execute` calldata
/// ([`execute_single`], [`execute_batch`]), under the session's rules.
pub fn execute_as_session(account: Address, permission_id: B256, call_data: Bytes) -> Bytes {
    executeAsSessionCall { account, permissionId: permission_id, callData: call_data }
        .abi_encode()
        .into()
}

/// The module's `executeAsSessionBySignature`, which anyone may send: `execution` and the
/// session key's signature of it (its [`Signer::sign`] of `execution.digest(chain_id, module)`,
/// or a wallet's signature of
/// [`execution_typed_data`](crate::typed_data::execution_typed_data)).
pub fn execute_as_session_by_signature(
    execution: SessionExecution,
    key_signature: &[u8; 65],
) -> Bytes {
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
/// key's signature of it (its [`Signer::sign`] of `revocation.digest(chain_id, module)`, or a
/// wallet's signature of [`revocation_typed_data`](crate::typed_data::revocation_typed_data)).
pub fn revoke_session_by_signature(
    revocation: SessionRevocation,
    key_signature: &[u8; 65],
) -> Bytes {
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
    use stylus_smart_sessions::codec::Reader;

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
