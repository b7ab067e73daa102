//! EVM precompiles the programs of this project call, implemented natively.

use alloy_primitives::{address, keccak256, Address, U256};
use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
use p256::ecdsa::signature::hazmat::PrehashVerifier;

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

/// The SHA-256 precompile's address.
pub const SHA256: Address = address!("0000000000000000000000000000000000000002");

/// The SHA-256 precompile: the hash of the input, as a word.
pub fn sha256(input: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(input).to_vec()
}

/// The SHA-256 precompile's gas: 60, and 12 a word of input.
pub fn sha256_gas(input: &[u8]) -> u64 {
    60 + 12 * input.len().div_ceil(32) as u64
}

/// The P256VERIFY precompile's address (RIP-7212; on Arbitrum since ArbOS 30).
pub const P256VERIFY: Address = address!("0000000000000000000000000000000000000100");

/// The P256VERIFY precompile (RIP-7212): input `hash ‖ r ‖ s ‖ x ‖ y`, exactly 160 bytes;
/// output the word 1 when `(r, s)` is a valid secp256r1 signature of `hash` by the key
/// `(x, y)`, nothing otherwise (wrong length, `r` or `s` zero or ≥ n, a point off the curve, a
/// bad signature). As RIP-7212 requires, high-`s` signatures verify too.
pub fn p256verify(input: &[u8]) -> Vec<u8> {
    match <&[u8; 160]>::try_from(input) {
        Ok(input) if p256_valid(input) => U256::from(1).to_be_bytes::<32>().to_vec(),
        _ => Vec::new(),
    }
}

/// Whether a P256VERIFY input holds a valid signature.
fn p256_valid(input: &[u8; 160]) -> bool {
    let (hash, rest) = input.split_at(32);
    let (rs, xy) = rest.split_at(64);
    // Refuses r or s zero or not below the group order.
    let Ok(signature) = p256::ecdsa::Signature::from_slice(rs) else { return false };
    // SEC1 uncompressed form; decoding refuses a point off the curve.
    let mut sec1 = [0x04; 65];
    sec1[1..].copy_from_slice(xy);
    let Ok(key) = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1) else { return false };
    // (r, s) and (r, n − s) verify alike. p256 0.13 accepts high s as is; verifying the low-s
    // twin keeps both halves valid should a p256 release adopt k256's low-s rule.
    let signature = signature.normalize_s().unwrap_or(signature);
    key.verify_prehash(hash, &signature).is_ok()
}

#[cfg(test)]
mod tests {
    use k256::ecdsa::SigningKey;
    use p256::ecdsa::signature::hazmat::PrehashSigner;

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

    /// A P256VERIFY input: `hash` signed by a fixed secp256r1 key, its signature in low-s form.
    fn p256_signed(hash: [u8; 32]) -> Vec<u8> {
        let key = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
        let signature: p256::ecdsa::Signature = key.sign_prehash(&hash).unwrap();
        let signature = signature.normalize_s().unwrap_or(signature);
        let point = key.verifying_key().to_encoded_point(false);
        [&hash[..], &signature.to_bytes(), &point.as_bytes()[1..]].concat()
    }

    /// The word P256VERIFY answers for a valid signature.
    fn one() -> Vec<u8> {
        let mut word = vec![0u8; 32];
        word[31] = 1;
        word
    }

    #[test]
    fn p256verify_returns_one_for_a_valid_signature() {
        assert_eq!(p256verify(&p256_signed([9u8; 32])), one());
    }

    #[test]
    fn p256verify_returns_one_for_the_high_s_twin() {
        let mut input = p256_signed([9u8; 32]);
        let (r, s) = p256::ecdsa::Signature::from_slice(&input[32..96]).unwrap().split_scalars();
        let twin = p256::ecdsa::Signature::from_scalars(r, -s).unwrap();
        // The twin really is the high half: normalizing changes it.
        assert!(twin.normalize_s().is_some());
        input[32..96].copy_from_slice(&twin.to_bytes());
        assert_eq!(p256verify(&input), one());
    }

    #[test]
    fn p256verify_returns_nothing_for_a_flipped_hash_bit() {
        let mut input = p256_signed([9u8; 32]);
        input[31] ^= 1;
        assert_eq!(p256verify(&input), Vec::<u8>::new());
    }

    #[test]
    fn p256verify_returns_nothing_for_159_or_161_bytes() {
        let input = p256_signed([9u8; 32]);
        assert_eq!(p256verify(&input[..159]), Vec::<u8>::new());
        assert_eq!(p256verify(&[&input[..], &[0]].concat()), Vec::<u8>::new());
    }

    #[test]
    fn p256verify_returns_nothing_for_r_zero_or_the_group_order() {
        let mut input = p256_signed([9u8; 32]);
        input[32..64].fill(0);
        assert_eq!(p256verify(&input), Vec::<u8>::new());
        // n: one past the largest valid r.
        let n = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
        input[32..64].copy_from_slice(&alloy_primitives::hex::decode(n).unwrap());
        assert_eq!(p256verify(&input), Vec::<u8>::new());
    }

    #[test]
    fn p256verify_returns_nothing_for_a_point_off_the_curve() {
        let mut input = p256_signed([9u8; 32]);
        input[159] ^= 1;
        assert_eq!(p256verify(&input), Vec::<u8>::new());
    }
}
