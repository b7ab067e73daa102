//! Checking session-key signatures on chain, through the chain's precompiles (the key proof's
//! layout and the key types are `session_core::session_key`'s).
//!
//! What a key signs is `session_core::session_key::session_op_hash` for UserOperations, and
//! EIP-712 digests elsewhere, all with no EIP-191 prefix: session keys are machine keys that
//! never show it to a person. secp256k1 signatures must be canonical (`s` in the lower half
//! of the curve order, `v ∈ {27, 28}`); anything else is `SIG_VALIDATION_FAILED`.

use alloy_primitives::{address, Address, B256, U256};
use session_core::{
    codec::{array_at, joined},
    multisig::Multisig,
    session_key::{key_id, KeyType},
    webauthn::Assertion,
};
use stylus_sdk::prelude::*;

use crate::host_calls::static_word;

/// The RIP-7212 P-256 verifier (Arbitrum since ArbOS 30): 3,450 gas, where verifying in WASM
/// would cost far more gas and several kilobytes of the size limit.
const P256_VERIFY: Address = address!("0000000000000000000000000000000000000100");

/// The SHA-256 precompile: WebAuthn's hashes (60 gas and 12 a word, where SHA-256 in WASM
/// would add kilobytes).
const SHA256: Address = address!("0000000000000000000000000000000000000002");

/// The ecrecover precompile. Recovery there costs 3,000 gas; the same recovery in WASM with
/// `k256` would not fit the 24 KiB limit with the module beside it (see docs/gas-and-size.md).
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

/// Whether the RIP-7212 precompile accepts `r ‖ s` over `hash` by the public key `x ‖ y`
/// whose id is `signer`.
fn p256_signed<H: Host + ?Sized>(
    host: &H,
    hash: B256,
    rs: &[u8; 64],
    public_key: &[u8; 64],
    signer: Address,
) -> bool {
    if key_id(public_key) != signer {
        return false;
    }
    let (Ok([r, s]), Ok([x, y])) = (
        <&[[u8; 32]; 2]>::try_from(rs.as_chunks::<32>().0),
        <&[[u8; 32]; 2]>::try_from(public_key.as_chunks::<32>().0),
    ) else {
        return false;
    };
    // `hash ‖ r ‖ s ‖ x ‖ y` on the stack, copied word by word: no allocation (nor its growth
    // code), and no byte loop (which cost a P-256 USE 640 gas of ink).
    let input = [hash.0, *r, *s, *x, *y];
    // A valid signature returns the word 1, anything else no data.
    static_word(host, P256_VERIFY, input.as_flattened()) == Some(B256::with_last_byte(1))
}

/// Whether the WebAuthn `assertion` was made for `hash` (see `session_core::webauthn`) by the
/// passkey `signer`: its claims, then P-256 over `sha256(authenticatorData ‖
/// sha256(clientDataJSON))`.
fn webauthn_signed<H: Host + ?Sized>(
    host: &H,
    hash: B256,
    assertion: &Assertion<'_>,
    user_verified: bool,
    signer: Address,
) -> bool {
    if !assertion.claims(&hash, user_verified) {
        return false;
    }
    let Some(client_data_hash) = static_word(host, SHA256, assertion.client_data_json) else {
        return false;
    };
    let signed = joined(&[assertion.authenticator_data, client_data_hash.as_slice()]);
    let Some(message) = static_word(host, SHA256, &signed) else { return false };
    p256_signed(host, message, assertion.rs, assertion.public_key, signer)
}

/// Whether `signature` is exactly a signature of `hash` by the key `signer` of `key_type`:
/// secp256k1, a canonical 65-byte `r ‖ s ‖ v` recovering to `signer`; P-256, a 128-byte
/// `r ‖ s ‖ x ‖ y` whose public key `(x, y)` has the id `signer` and which the RIP-7212
/// precompile accepts; WebAuthn, an assertion for `hash` by such a key
/// (`session_core::webauthn`); multisig, `k` canonical signatures by distinct signers of the
/// set whose id is `signer` (`session_core::multisig`).
pub(crate) fn signed_by<H: Host + ?Sized>(
    host: &H,
    hash: B256,
    signature: &[u8],
    key_type: KeyType,
    signer: Address,
) -> bool {
    match key_type {
        KeyType::Secp256k1 => <&[u8; 65]>::try_from(signature)
            .ok()
            .and_then(|ecdsa| recover_signer(host, hash, ecdsa))
            .is_some_and(|recovered| recovered == signer),
        KeyType::P256 => {
            let Some((rs, public_key)) = signature.split_first_chunk::<64>() else { return false };
            let Ok(public_key) = <&[u8; 64]>::try_from(public_key) else { return false };
            p256_signed(host, hash, rs, public_key, signer)
        }
        KeyType::WebAuthn | KeyType::WebAuthnUserVerified => {
            let user_verified = key_type == KeyType::WebAuthnUserVerified;
            Assertion::parse(signature).is_some_and(|assertion| {
                webauthn_signed(host, hash, &assertion, user_verified, signer)
            })
        }
        KeyType::Multisig => Multisig::parse(signature).is_some_and(|multisig| {
            multisig.key_id() == signer
                && multisig.signatures().all(|entry| {
                    entry.is_some_and(|(expected, ecdsa)| {
                        recover_signer(host, hash, ecdsa) == Some(expected)
                    })
                })
        }),
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
