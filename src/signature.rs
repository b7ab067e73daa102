//! Session-key signatures.
//!
//! USE mode: `signature = 0x00 ‖ permissionId (32) ‖ key proof`, where the key proof is the
//! key's signature over `userOpHash` — secp256k1 `r ‖ s ‖ v` (65 bytes), P-256
//! `r ‖ s ‖ x ‖ y` (128 bytes) — followed, for a session with periods, by the index of the
//! period the operation counts in (4 bytes, big-endian). ENABLE mode carries the same key
//! proof in `EnableSession.keySignature`.
//!
//! The key signs `userOpHash` itself, with no EIP-191 prefix: the hash is already bound to the
//! EntryPoint and the chain, and session keys are machine keys that never show it to a person.
//! secp256k1 signatures must be canonical (`s` in the lower half of the curve order,
//! `v ∈ {27, 28}`); anything else is `SIG_VALIDATION_FAILED`. The period index needs no
//! signature: a wrong one only moves the operation's validity window.

use alloy_primitives::{address, keccak256, Address, B256, U256};
use stylus_sdk::prelude::*;

use crate::{
    codec::array_at,
    eip712::{PermissionId, KEY_TYPE_P256},
    storage::SessionRecord,
};

/// Mode byte of a signature that uses an enabled session.
pub const MODE_USE: u8 = 0x00;
/// Mode byte of a signature that enables an owner-signed grant, then uses it
/// (see [`crate::grant`]).
pub const MODE_ENABLE: u8 = 0x01;
/// The RIP-7212 P-256 verifier (Arbitrum since ArbOS 30): 3,450 gas, where verifying in WASM
/// would cost far more gas and several kilobytes of the size limit.
const P256_VERIFY: Address = address!("0000000000000000000000000000000000000100");

/// The ecrecover precompile. Recovery there costs 3,000 gas; the same recovery in WASM with
/// `k256` would not fit the 24 KiB limit with the module beside it (see README, "Size").
const ECRECOVER: Address = address!("0000000000000000000000000000000000000001");
/// ⌊secp256k1 order / 2⌋: a larger `s` is the malleable twin of a canonical signature.
const HALF_ORDER: U256 = U256::from_be_bytes(alloy_primitives::hex!(
    "7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0"
));

/// A USE-mode signature: the session it claims, and the key proof.
pub fn parse_use(signature: &[u8]) -> Option<(PermissionId, &[u8])> {
    let (mode, rest) = signature.split_first()?;
    let (permission_id, proof) = rest.split_first_chunk::<32>()?;
    (*mode == MODE_USE).then_some((B256::new(*permission_id), proof))
}

/// Bytes of a signature by a key of `key_type`: P-256 `r ‖ s ‖ x ‖ y`, secp256k1 `r ‖ s ‖ v`.
pub fn signature_len(key_type: u8) -> usize {
    if key_type == KEY_TYPE_P256 {
        128
    } else {
        65
    }
}

/// Splits a key proof into the key's signature and the period index: exactly the signature
/// length of the session's key type, then 4 bytes of index when the session has periods.
pub fn split_proof<'a>(proof: &'a [u8], session: &SessionRecord) -> Option<(&'a [u8], u32)> {
    let (signature, index) = match session.period {
        0 => (proof, 0),
        // Not `split_last_chunk`: its unreachable `split_at` panic would put a message, a
        // location and a source path (~100 bytes) in the validator's data, paid on every call.
        _ => {
            let (signature, index) = proof.split_at_checked(proof.len().checked_sub(4)?)?;
            (signature, u32::from_be_bytes(index.try_into().ok()?))
        }
    };
    (signature.len() == signature_len(session.key_type)).then_some((signature, index))
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
    let word = precompile(host, ECRECOVER, input.as_flattened())?;
    if word.iter().take(12).any(|&byte| byte != 0) {
        return None;
    }
    Some(Address::new(array_at(&word.0, 12))).filter(|signer| !signer.is_zero())
}

/// The one-word answer of the precompile at `to` for `input`: `None` when it fails or
/// answers anything but 32 bytes.
///
/// The hostios themselves rather than the SDK's `static_call`: a precompile never reads this
/// program's storage, so the storage cache needs no flush (a hostio saved on every
/// validation), and the SDK's call machinery is left out of the validator.
fn precompile<H: Host + ?Sized>(host: &H, to: Address, input: &[u8]) -> Option<B256> {
    let mut output_len = 0;
    // SAFETY: `to` and `input` are valid for their lengths during the call; a precompile
    // cannot reenter the program.
    let status = unsafe {
        host.static_call_contract(
            to.as_ptr(),
            input.as_ptr(),
            input.len(),
            u64::MAX,
            &mut output_len,
        )
    };
    if status != 0 || output_len != 32 {
        return None;
    }
    host.read_return_data(0, Some(32)).first_chunk::<32>().map(|word| B256::new(*word))
}

/// Whether `signature` is exactly a signature of `hash` by the key `signer` of `key_type`:
/// secp256k1, a canonical 65-byte `r ‖ s ‖ v` recovering to `signer`; P-256, a 128-byte
/// `r ‖ s ‖ x ‖ y` whose public key `(x, y)` has the id `signer` and which the RIP-7212
/// precompile accepts.
pub fn signed_by<H: Host + ?Sized>(
    host: &H,
    hash: B256,
    signature: &[u8],
    key_type: u8,
    signer: Address,
) -> bool {
    if key_type == KEY_TYPE_P256 {
        let Ok(rsxy) = <&[u8; 128]>::try_from(signature) else { return false };
        let Some((_, public_key)) = rsxy.split_first_chunk::<64>() else { return false };
        if Address::new(array_at(&keccak256(public_key).0, 12)) != signer {
            return false;
        }
        let Ok([r, s, x, y]) = <&[[u8; 32]; 4]>::try_from(rsxy.as_chunks::<32>().0) else {
            return false;
        };
        // `hash ‖ r ‖ s ‖ x ‖ y` on the stack: no allocation (nor its growth code).
        let input = [hash.0, *r, *s, *x, *y];
        let input = input.as_flattened();
        // A valid signature returns the word 1, anything else no data.
        return precompile(host, P256_VERIFY, input) == Some(B256::with_last_byte(1));
    }
    <&[u8; 65]>::try_from(signature)
        .ok()
        .and_then(|ecdsa| recover_signer(host, hash, ecdsa))
        .is_some_and(|recovered| recovered == signer)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn split_proof_takes_the_period_index_only_with_periods() {
        let proof = [[5u8; 65].as_slice(), &[0, 0, 1, 2]].concat();
        let plain = SessionRecord::default();
        assert_eq!(split_proof(&proof[..65], &plain), Some((&proof[..65], 0)));
        assert_eq!(split_proof(&proof, &plain), None, "4 bytes too many without periods");
        let periodic = SessionRecord { period: 3_600, ..plain };
        assert_eq!(split_proof(&proof, &periodic), Some((&proof[..65], 0x0102)));
        assert_eq!(split_proof(&proof[..65], &periodic), None, "no period index");
        let p256 = SessionRecord { key_type: KEY_TYPE_P256, ..periodic };
        assert_eq!(split_proof(&proof, &p256), None, "a secp256k1 length for a P-256 key");
        let proof = [[5u8; 128].as_slice(), &[0, 0, 0, 9]].concat();
        assert_eq!(split_proof(&proof, &p256), Some((&proof[..128], 9)));
    }

    #[test]
    fn half_order_is_half_the_secp256k1_order() {
        let order = U256::from_be_bytes(alloy_primitives::hex!(
            "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
        ));
        assert_eq!(HALF_ORDER, order >> 1);
    }
}
