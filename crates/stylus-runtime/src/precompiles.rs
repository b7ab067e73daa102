//! EVM precompiles the programs of this project call, implemented natively.

use alloy_primitives::{address, keccak256, Address, U256};
use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};

/// The ecrecover precompile's address.
pub const ECRECOVER: Address = address!("0000000000000000000000000000000000000001");

/// The ecrecover precompile: input `hash ‖ v ‖ r ‖ s` (words, short input zero-padded),
/// output the signer as a word, or nothing when the signature does not recover. As on the
/// EVM, `v` must be 27 or 28 and high-`s` signatures recover too.
pub fn ecrecover(input: &[u8]) -> Vec<u8> {
    let mut padded = input.to_vec();
    padded.resize(128, 0);
    let (hash, v, rs) = (&padded[..32], &padded[32..64], &padded[64..128]);
    let v = U256::from_be_slice(v);
    if v != U256::from(27) && v != U256::from(28) {
        return Vec::new();
    }
    let Ok(signature) = Signature::from_slice(rs) else { return Vec::new() };
    // k256 recovers normalized (low-s) signatures; the EVM accepts both halves.
    let (signature, flip) = match signature.normalize_s() {
        Some(low) => (low, 1),
        None => (signature, 0),
    };
    let Some(id) = RecoveryId::from_byte((v.to::<u8>() - 27) ^ flip) else { return Vec::new() };
    match VerifyingKey::recover_from_prehash(hash, &signature, id) {
        Ok(key) => key_address(&key).into_word().to_vec(),
        Err(_) => Vec::new(),
    }
}

/// The address of a secp256k1 public key.
pub fn key_address(key: &VerifyingKey) -> Address {
    let point = key.to_encoded_point(false);
    Address::from_slice(&keccak256(&point.as_bytes()[1..])[12..])
}

#[cfg(test)]
mod tests {
    use k256::ecdsa::SigningKey;

    use super::*;

    fn signed(hash: [u8; 32]) -> (Address, Vec<u8>) {
        let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let (signature, id) = key.sign_prehash_recoverable(&hash).unwrap();
        let v = U256::from(27 + id.to_byte()).to_be_bytes::<32>();
        (key_address(key.verifying_key()), [&hash[..], &v, &signature.to_bytes()].concat())
    }

    #[test]
    fn ecrecover_returns_the_signer_as_a_word() {
        let (signer, input) = signed([9u8; 32]);
        assert_eq!(ecrecover(&input), signer.into_word().to_vec());
    }

    #[test]
    fn ecrecover_returns_nothing_for_a_bad_v_or_zero_signature() {
        let (_, mut input) = signed([9u8; 32]);
        input[63] = 29;
        assert!(ecrecover(&input).is_empty());
        assert!(ecrecover(&[0u8; 128]).is_empty());
    }
}
