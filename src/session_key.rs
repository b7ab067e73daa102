//! Checking session-key signatures on chain, through the chain's precompiles (the key proof's
//! layout and the key types are `session_core::session_key`'s).
//!
//! The key signs `userOpHash` itself, with no EIP-191 prefix: the hash is already bound to the
//! EntryPoint and the chain, and session keys are machine keys that never show it to a person.
//! secp256k1 signatures must be canonical (`s` in the lower half of the curve order,
//! `v ∈ {27, 28}`); anything else is `SIG_VALIDATION_FAILED`. The period index needs no
//! signature: a wrong one only moves the operation's validity window.

use alloy_primitives::{address, Address, B256, U256};
use session_core::{
    codec::array_at,
    session_key::{key_id, KeyType},
};
use stylus_sdk::prelude::*;

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

/// The signer of `hash` under the 65-byte `r ‖ s ‖ v` signature, or `None` when the
/// signature is not canonical or does not recover.
fn recover_signer<H: Host + ?Sized>(host: &H, hash: B256, ecdsa: &[u8; 65]) -> Option<Address> {
    let (r, rest) = ecdsa.split_first_chunk::<32>()?;
    let (s, v) = rest.split_first_chunk::<32>()?;
    let v = *v.first()?;
    if !(v == 27 || v == 28) || U256::from_be_bytes(*s) > HALF_ORDER {
        return None;
    }
    let input = [hash.0, B256::with_last_byte(v).0, *r, *s];
    // A failed recovery returns no data; a successful one the address in a 32-byte word.
    let word = static_word(host, ECRECOVER, input.as_flattened())?;
    if word.iter().take(12).any(|&byte| byte != 0) {
        return None;
    }
    Some(Address::new(array_at(&word.0, 12))).filter(|signer| !signer.is_zero())
}

/// The one-word answer of a STATICCALL to `to` with `input` (a precompile, or an account's
/// ERC-1271): `None` when it fails or answers anything but 32 bytes.
///
/// The hostios themselves rather than the SDK's `static_call`, whose return data comes in a
/// vector (and with it std's panic code), and which flushes the storage cache first: a
/// precompile never reads this program's storage (a hostio saved on every validation); a
/// caller that calls a contract flushes itself.
pub(crate) fn static_word<H: Host + ?Sized>(host: &H, to: Address, input: &[u8]) -> Option<B256> {
    let mut output_len = 0;
    // SAFETY: `to` and `input` are valid for their lengths during the call; a static call
    // cannot change this program's storage.
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
    read_word(host)
}

/// The last call's 32-byte answer. On chain straight into a word on the stack (the SDK's
/// `read_return_data` allocates a vector, whose panics would link std's panic handler in).
#[cfg(target_arch = "wasm32")]
fn read_word<H: Host + ?Sized>(_host: &H) -> Option<B256> {
    let mut word = [0u8; 32];
    // SAFETY: `word` has room for the 32 bytes asked for.
    let written = unsafe { stylus_sdk::hostio::read_return_data(word.as_mut_ptr(), 0, 32) };
    (written == 32).then_some(B256::new(word))
}

/// The last call's 32-byte answer, from the test host.
#[cfg(not(target_arch = "wasm32"))]
fn read_word<H: Host + ?Sized>(host: &H) -> Option<B256> {
    host.read_return_data(0, Some(32)).first_chunk::<32>().map(|word| B256::new(*word))
}

/// Whether `signature` is exactly a signature of `hash` by the key `signer` of `key_type`:
/// secp256k1, a canonical 65-byte `r ‖ s ‖ v` recovering to `signer`; P-256, a 128-byte
/// `r ‖ s ‖ x ‖ y` whose public key `(x, y)` has the id `signer` and which the RIP-7212
/// precompile accepts.
pub(crate) fn signed_by<H: Host + ?Sized>(
    host: &H,
    hash: B256,
    signature: &[u8],
    key_type: KeyType,
    signer: Address,
) -> bool {
    match key_type {
        KeyType::P256 => {
            let Ok(rsxy) = <&[u8; 128]>::try_from(signature) else { return false };
            let Some((_, public_key)) = rsxy.split_last_chunk::<64>() else { return false };
            if key_id(public_key) != signer {
                return false;
            }
            let Ok([r, s, x, y]) = <&[[u8; 32]; 4]>::try_from(rsxy.as_chunks::<32>().0) else {
                return false;
            };
            // `hash ‖ r ‖ s ‖ x ‖ y` on the stack: no allocation (nor its growth code).
            let input = [hash.0, *r, *s, *x, *y];
            // A valid signature returns the word 1, anything else no data.
            static_word(host, P256_VERIFY, input.as_flattened()) == Some(B256::with_last_byte(1))
        }
        KeyType::Secp256k1 => <&[u8; 65]>::try_from(signature)
            .ok()
            .and_then(|ecdsa| recover_signer(host, hash, ecdsa))
            .is_some_and(|recovered| recovered == signer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_order_is_half_the_secp256k1_order() {
        let order = U256::from_be_bytes(alloy_primitives::hex!(
            "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
        ));
        assert_eq!(HALF_ORDER, order >> 1);
    }
}
