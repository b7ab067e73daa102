//! k-of-n secp256k1 session keys ([`KeyType::Multisig`]): a bot fleet or several devices that
//! must agree, inside the session itself.
//!
//! The session's key id commits to the threshold and the signer set:
//! `keccak256(k (1) ‖ n (1) ‖ signer₁ (20) ‖ … ‖ signerₙ (20))[12..]`, signers strictly
//! ascending. The set travels in each signature rather than in storage: one keccak over at
//! most 102 bytes instead of up to five cold slots (2,100 gas each), and no storage to keep
//! associated with the account (ERC-7562).
//!
//! Layout: `k (1) ‖ n (1) ‖ signers (20 × n, strictly ascending) ‖ k × (index (1) ‖ r ‖ s ‖ v)`,
//! the indices strictly ascending (so no signer counts twice) and below `n`; each `r ‖ s ‖ v`
//! is a canonical secp256k1 signature of the message by the signer at its index. Exactly `k`
//! signatures: no more, no fewer.
//!
//! [`KeyType::Multisig`]: crate::session_key::KeyType::Multisig

use alloy_primitives::{keccak256, Address};

use crate::codec::array_at;

/// The most signers a multisig session key may have.
pub const MAX_SIGNERS: usize = 5;

/// Bytes of one signature entry: `index ‖ r ‖ s ‖ v`.
const ENTRY_LEN: usize = 66;

/// A k-of-n signature, borrowed from the key proof (see the module docs for its layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Multisig<'a> {
    /// `k ‖ n ‖ signers`: what the key id hashes.
    header: &'a [u8],
    /// The `k` entries `index ‖ r ‖ s ‖ v`.
    entries: &'a [u8],
}

impl<'a> Multisig<'a> {
    /// Reads `signature`: `None` unless `1 ≤ k ≤ n ≤ 5`, the signers are strictly ascending
    /// and exactly `k` entries follow.
    #[inline]
    pub fn parse(signature: &'a [u8]) -> Option<Self> {
        let (&[k, n], _) = signature.split_first_chunk::<2>()?;
        let (k, n) = (usize::from(k), usize::from(n));
        if k == 0 || k > n || n > MAX_SIGNERS || signature.len() != 2 + 20 * n + ENTRY_LEN * k {
            return None;
        }
        let (header, entries) = signature.split_at_checked(2 + 20 * n)?;
        let signers = header.get(2..)?;
        // Strictly ascending: 20-byte big-endian compare of neighbours.
        let ascending =
            (1..n).all(|i| signers.get(20 * (i - 1)..20 * i) < signers.get(20 * i..20 * (i + 1)));
        ascending.then_some(Self { header, entries })
    }

    /// The key id the signer set and the threshold commit to (see the module docs).
    #[inline]
    pub fn key_id(&self) -> Address {
        Address::new(array_at(&keccak256(self.header).0, 12))
    }

    /// Each of the `k` signatures with the signer it must recover to; `None` in its place
    /// when the indices are not strictly ascending below `n`.
    #[inline]
    pub fn signatures(&self) -> impl Iterator<Item = Option<(Address, &'a [u8; 65])>> + '_ {
        let signers = self.header.get(2..).unwrap_or_default();
        let mut next = 0;
        self.entries.chunks_exact(ENTRY_LEN).map(move |entry| {
            let (&index, ecdsa) = entry.split_first()?;
            let index = usize::from(index);
            if index < next {
                return None;
            }
            next = index + 1;
            let signer = signers.get(20 * index..20 * index + 20)?;
            let signer = Address::new(signer.try_into().ok()?);
            Some((signer, ecdsa.try_into().ok()?))
        })
    }
}

/// The key id of `k` of `signers` (sorted here): what a session of this multisig key holds.
/// `None` unless `1 ≤ k ≤ n ≤ 5` and the signers are distinct.
#[inline]
pub fn key_id(k: u8, signers: &[Address]) -> Option<Address> {
    header(k, signers).map(|header| Address::new(array_at(&keccak256(&header).0, 12)))
}

/// `k ‖ n ‖ signers` sorted: the signature's header, and what its key id hashes.
#[inline]
pub fn header(k: u8, signers: &[Address]) -> Option<alloc::vec::Vec<u8>> {
    let mut sorted = signers.to_vec();
    sorted.sort();
    sorted.dedup();
    let n = sorted.len();
    if k == 0 || usize::from(k) > n || n > MAX_SIGNERS || n != signers.len() {
        return None;
    }
    let mut out = vec![k, n as u8];
    for signer in sorted {
        out.extend_from_slice(signer.as_slice());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(byte: u8) -> Address {
        Address::repeat_byte(byte)
    }

    fn signature(k: u8, signers: &[Address], indices: &[u8]) -> Vec<u8> {
        let mut out = vec![k, signers.len() as u8];
        for s in signers {
            out.extend_from_slice(s.as_slice());
        }
        for &index in indices {
            out.push(index);
            out.extend([index; 65]);
        }
        out
    }

    #[test]
    fn parse_takes_k_of_n_sorted_signers_and_exactly_k_entries() {
        let set = [signer(1), signer(2), signer(3)];
        let bytes = signature(2, &set, &[0, 2]);
        let multisig = Multisig::parse(&bytes).unwrap();
        assert_eq!(multisig.key_id(), key_id(2, &[signer(3), signer(1), signer(2)]).unwrap());
        let found: Vec<_> = multisig.signatures().map(|entry| entry.map(|(s, _)| s)).collect();
        assert_eq!(found, [Some(signer(1)), Some(signer(3))]);

        assert_eq!(Multisig::parse(&signature(2, &set, &[0])), None, "k − 1 entries");
        assert_eq!(Multisig::parse(&signature(2, &set, &[0, 1, 2])), None, "k + 1 entries");
        assert_eq!(Multisig::parse(&signature(0, &set, &[])), None, "k = 0");
        assert_eq!(Multisig::parse(&signature(4, &set, &[0, 1, 2, 2])), None, "k > n");
        let unsorted = [signer(2), signer(1), signer(3)];
        assert_eq!(Multisig::parse(&signature(2, &unsorted, &[0, 1])), None, "unsorted");
        let doubled = [signer(1), signer(1), signer(3)];
        assert_eq!(Multisig::parse(&signature(2, &doubled, &[0, 2])), None, "a signer twice");
        let six: Vec<_> = (1..=6).map(signer).collect();
        assert_eq!(Multisig::parse(&signature(1, &six, &[0])), None, "six signers");
    }

    #[test]
    fn signatures_refuse_repeated_descending_or_outside_indices() {
        let set = [signer(1), signer(2), signer(3)];
        for indices in [[1u8, 1], [2, 0], [0, 3]] {
            let bytes = signature(2, &set, &indices);
            let multisig = Multisig::parse(&bytes).unwrap();
            assert!(multisig.signatures().any(|entry| entry.is_none()), "{indices:?}");
        }
    }

    #[test]
    fn key_id_needs_a_threshold_within_distinct_signers() {
        assert!(key_id(1, &[signer(1)]).is_some());
        assert_eq!(key_id(2, &[signer(1)]), None);
        assert_eq!(key_id(1, &[signer(1), signer(1)]), None);
        assert_eq!(key_id(1, &(1..=6).map(signer).collect::<Vec<_>>()), None);
        assert_ne!(key_id(1, &[signer(1), signer(2)]), key_id(2, &[signer(1), signer(2)]));
    }
}
