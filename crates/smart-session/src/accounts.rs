//! What differs between the ERC-7579 accounts a session lives on, for the client: how the
//! owner's ERC-1271 signature of a grant is framed, and the nonce key that makes the account
//! route a UserOperation to this module. (Facts from running each account's real bytecode; the
//! module itself is the same on all of them.)
//!
//! | account | owner signature of a grant digest | nonce key (uint192) for the module |
//! |---|---|---|
//! | OpenZeppelin `AccountERC7579` | owner validator (20 B) ‖ signature | module (20 B) ‖ key (4 B) |
//! | Nexus 1.0 | owner validator (20 B) ‖ signature | 0 (3 B) ‖ mode 0 (1 B) ‖ module (20 B) |
//! | Safe7579 1.0 | owner validator (20 B) ‖ signature | module (20 B) ‖ key (4 B) |
//! | Kernel 3.1 | `0x00` (root validator) ‖ signature of `Kernel(bytes32 hash)` under the account's EIP-712 domain (`"Kernel"`, `"0.3.1"`) | mode 0 (1 B) ‖ type `0x01` (1 B) ‖ module (20 B) ‖ key (2 B) |

use alloy_primitives::{aliases::U192, keccak256, Address, Bytes, B256};
use session_core::{
    codec::{address_word, hash_words, uint_word},
    eip712::{const_keccak, typed_data_digest, DOMAIN_TYPEHASH},
    Keyword,
};

use crate::encode::Signer;

/// An ERC-7579 account the module is known to run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountKind {
    /// OpenZeppelin's `AccountERC7579`.
    OpenZeppelin,
    /// Biconomy's Nexus 1.0.
    Nexus,
    /// Rhinestone's Safe7579 adapter on a Safe.
    Safe7579,
    /// ZeroDev's Kernel 3.1.
    Kernel,
}

impl Keyword for AccountKind {
    const ALL: &'static [Self] = &[Self::OpenZeppelin, Self::Nexus, Self::Safe7579, Self::Kernel];

    /// `oz`, `nexus`, `safe7579`, `kernel`.
    fn keyword(self) -> &'static str {
        match self {
            Self::OpenZeppelin => "oz",
            Self::Nexus => "nexus",
            Self::Safe7579 => "safe7579",
            Self::Kernel => "kernel",
        }
    }
}

/// Kernel 3.1's EIP-712 wrapper of the hash its owner signs.
const KERNEL_WRAPPER_TYPEHASH: B256 = const_keccak("Kernel(bytes32 hash)");

impl AccountKind {
    /// The owner's ERC-1271 signature of `hash` for the account `account` on `chain_id`:
    /// `owner_validator ‖ signature` where the account picks the validator from the first 20
    /// bytes, or Kernel's `0x00 ‖ signature` of its wrapped digest (its root validator).
    ///
    /// # Errors
    /// When the account picks a validator by address and `owner_validator` is not given.
    pub fn owner_signature(
        self,
        owner: &Signer,
        hash: B256,
        account: Address,
        chain_id: u64,
        owner_validator: Option<Address>,
    ) -> Result<Bytes, String> {
        match self {
            Self::Kernel => {
                let digest = kernel_digest(hash, account, chain_id);
                Ok([&[0x00][..], &owner.sign(digest)].concat().into())
            }
            _ => {
                let validator = owner_validator.ok_or_else(|| {
                    format!(
                        "{} picks the owner's validator from the signature's first 20 bytes: \
                         name it (--owner-validator)",
                        self.keyword()
                    )
                })?;
                Ok([validator.as_slice(), &owner.sign(hash)].concat().into())
            }
        }
    }

    /// The nonce key (the nonce's top 192 bits) that routes the account's UserOperation to
    /// the validator `module`, with `key` telling parallel nonce sequences apart (Nexus has
    /// none: its key is 0).
    pub fn nonce_key(self, module: Address, key: u16) -> U192 {
        let mut bytes = [0u8; 24];
        match self {
            Self::OpenZeppelin | Self::Safe7579 => {
                bytes[..20].copy_from_slice(module.as_slice());
                bytes[22..].copy_from_slice(&key.to_be_bytes());
            }
            Self::Nexus => bytes[4..].copy_from_slice(module.as_slice()),
            Self::Kernel => {
                bytes[1] = 0x01;
                bytes[2..22].copy_from_slice(module.as_slice());
                bytes[22..].copy_from_slice(&key.to_be_bytes());
            }
        }
        U192::from_be_bytes(bytes)
    }
}

/// What Kernel 3.1's owner signs for `hash`: EIP-712 `Kernel(bytes32 hash)` under the account's
/// own domain (`"Kernel"`, `"0.3.1"`, the chain, the account).
pub fn kernel_digest(hash: B256, account: Address, chain_id: u64) -> B256 {
    let domain = hash_words(&[
        DOMAIN_TYPEHASH,
        keccak256("Kernel"),
        keccak256("0.3.1"),
        uint_word(chain_id.into()),
        address_word(account),
    ]);
    typed_data_digest(domain, hash_words(&[KERNEL_WRAPPER_TYPEHASH, hash]))
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{address, Signature};
    use alloy_sol_types::{eip712_domain, sol, SolStruct};

    use super::*;

    sol! {
        /// Kernel's wrapper, typed out from its source's type string.
        struct Kernel {
            bytes32 hash;
        }
    }

    const ACCOUNT: Address = address!("a11cea11cea11cea11cea11cea11cea11cea11ce");

    fn owner() -> Signer {
        Signer::from_hex(&B256::repeat_byte(0x0a).to_string()).unwrap()
    }

    #[test]
    fn kernel_signs_its_wrapped_digest_behind_the_root_validator_byte() {
        let hash = B256::repeat_byte(0x42);
        let domain = eip712_domain! {
            name: "Kernel",
            version: "0.3.1",
            chain_id: 421_614,
            verifying_contract: ACCOUNT,
        };
        let wrapped = Kernel { hash }.eip712_signing_hash(&domain);
        assert_eq!(kernel_digest(hash, ACCOUNT, 421_614), wrapped);
        let signature =
            AccountKind::Kernel.owner_signature(&owner(), hash, ACCOUNT, 421_614, None).unwrap();
        assert_eq!(signature[0], 0x00);
        let recovered = Signature::from_raw(&signature[1..]).unwrap();
        assert_eq!(recovered.recover_address_from_prehash(&wrapped).unwrap(), owner().address());
    }

    #[test]
    fn the_others_put_the_owner_validator_first_and_need_it() {
        let hash = B256::repeat_byte(0x42);
        let validator = Address::repeat_byte(0x0b);
        for kind in [AccountKind::OpenZeppelin, AccountKind::Nexus, AccountKind::Safe7579] {
            let signature =
                kind.owner_signature(&owner(), hash, ACCOUNT, 1, Some(validator)).unwrap();
            assert_eq!(&signature[..20], validator.as_slice());
            let recovered = Signature::from_raw(&signature[20..]).unwrap();
            assert_eq!(recovered.recover_address_from_prehash(&hash).unwrap(), owner().address());
            assert!(kind.owner_signature(&owner(), hash, ACCOUNT, 1, None).is_err());
        }
    }

    #[test]
    fn nonce_keys_put_the_module_where_each_account_reads_it() {
        let module = Address::repeat_byte(0x5e);
        let bytes = |kind: AccountKind| kind.nonce_key(module, 7).to_be_bytes::<24>();
        let oz = bytes(AccountKind::OpenZeppelin);
        assert_eq!((&oz[..20], &oz[20..]), (module.as_slice(), &[0, 0, 0, 7][..]));
        assert_eq!(bytes(AccountKind::Safe7579), oz);
        let nexus = bytes(AccountKind::Nexus);
        assert_eq!((&nexus[..4], &nexus[4..]), (&[0u8; 4][..], module.as_slice()));
        let kernel = bytes(AccountKind::Kernel);
        assert_eq!(
            (kernel[0], kernel[1], &kernel[2..22], &kernel[22..]),
            (0, 1, module.as_slice(), &[0, 7][..])
        );
    }
}
