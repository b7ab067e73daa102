//! Session-key signatures on UserOperations.
//!
//! USE mode: `signature = 0x00 ‖ permissionId (32) ‖ r (32) ‖ s (32) ‖ v (1)` — 98 bytes.
//! The session key signs `userOpHash` itself, with no EIP-191 prefix: the hash is already bound
//! to the EntryPoint and the chain, and session keys are machine keys that never show it to a
//! person. Only canonical signatures pass: `s` in the lower half of the curve order and
//! `v ∈ {27, 28}`; anything else is `SIG_VALIDATION_FAILED`.

use alloy_primitives::{address, Address, B256, U256};
use stylus_sdk::{call::static_call, prelude::*};

use crate::{codec::array_at, eip712::PermissionId};

/// Mode byte of a signature that uses an enabled session.
pub const MODE_USE: u8 = 0x00;
/// Mode byte of a signature that enables an owner-signed grant, then uses it
/// (see [`crate::grant`]).
pub const MODE_ENABLE: u8 = 0x01;
/// Length of a USE-mode signature: mode, permission id, `r ‖ s ‖ v`.
pub const USE_SIGNATURE_LEN: usize = 1 + 32 + 65;

/// The ecrecover precompile. Recovery there costs 3,000 gas; the same recovery in WASM with
/// `k256` would not fit the 24 KiB limit with the module beside it (see README, "Size").
const ECRECOVER: Address = address!("0000000000000000000000000000000000000001");
/// ⌊secp256k1 order / 2⌋: a larger `s` is the malleable twin of a canonical signature.
const HALF_ORDER: U256 = U256::from_be_bytes(alloy_primitives::hex!(
    "7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0"
));

/// A parsed USE-mode signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UseSignature<'a> {
    /// The session the UserOperation claims.
    pub permission_id: PermissionId,
    /// `r ‖ s ‖ v` of the session key.
    pub ecdsa: &'a [u8; 65],
}

impl<'a> UseSignature<'a> {
    /// Parses `signature`; `None` for any other mode or length.
    pub fn parse(signature: &'a [u8]) -> Option<Self> {
        let (mode, rest) = signature.split_first()?;
        let (permission_id, ecdsa) = rest.split_first_chunk::<32>()?;
        if *mode != MODE_USE {
            return None;
        }
        Some(Self { permission_id: B256::new(*permission_id), ecdsa: ecdsa.try_into().ok()? })
    }
}

/// The signer of `hash` under the 65-byte `r ‖ s ‖ v` signature, or `None` when the
/// signature is not canonical or does not recover.
pub fn recover_signer<H: Host + ?Sized>(host: &H, hash: B256, ecdsa: &[u8; 65]) -> Option<Address> {
    let (r, rest) = ecdsa.split_first_chunk::<32>()?;
    let (s, v) = rest.split_first_chunk::<32>()?;
    let v = *v.first()?;
    if !(v == 27 || v == 28) || U256::from_be_bytes(*s) > HALF_ORDER {
        return None;
    }
    let input = [hash.0, B256::with_last_byte(v).0, *r, *s];
    // A failed recovery returns no data; a successful one the address in a 32-byte word.
    let output = static_call(host, Call::new(), ECRECOVER, input.as_flattened()).ok()?;
    let word: &[u8; 32] = output.as_slice().try_into().ok()?;
    if word.iter().take(12).any(|&byte| byte != 0) {
        return None;
    }
    Some(Address::new(array_at(word, 12))).filter(|signer| !signer.is_zero())
}

/// Whether `signature` is exactly a canonical 65-byte `r ‖ s ‖ v` by `signer` over `hash`.
pub fn signed_by<H: Host + ?Sized>(
    host: &H,
    hash: B256,
    signature: &[u8],
    signer: Address,
) -> bool {
    <&[u8; 65]>::try_from(signature)
        .ok()
        .and_then(|ecdsa| recover_signer(host, hash, ecdsa))
        .is_some_and(|recovered| recovered == signer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_returns_the_parts_when_use_mode_and_exact_length() {
        let mut signature = [0u8; USE_SIGNATURE_LEN];
        signature[1..33].copy_from_slice(&[7u8; 32]);
        signature[97] = 27;
        let parsed = UseSignature::parse(&signature).unwrap();
        assert_eq!(parsed.permission_id, B256::repeat_byte(7));
        assert_eq!(parsed.ecdsa.len(), 65);
        assert_eq!(parsed.ecdsa[64], 27);
    }

    #[test]
    fn parse_returns_none_when_mode_is_unknown_or_length_is_off() {
        let mut signature = vec![0u8; USE_SIGNATURE_LEN];
        assert!(UseSignature::parse(&signature[..USE_SIGNATURE_LEN - 1]).is_none());
        signature.push(0);
        assert!(UseSignature::parse(&signature).is_none());
        signature.pop();
        signature[0] = 0x02;
        assert!(UseSignature::parse(&signature).is_none());
        assert!(UseSignature::parse(&[]).is_none());
    }

    #[test]
    fn half_order_is_half_the_secp256k1_order() {
        let order = U256::from_be_bytes(alloy_primitives::hex!(
            "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
        ));
        assert_eq!(HALF_ORDER, order >> 1);
    }
}
