//! EIP-712 hashing of sessions: the domain, the type hashes and the permission id.
//!
//! Hashing is written out here rather than taken from alloy's `SolStruct`, whose hasher is a
//! software keccak (the chain's native keccak is cheaper and adds no code); tests hold both to
//! the same answers, and the type hashes to the `sol!` definitions.

use alloy_primitives::{aliases::U48, keccak256, Address, B256, U256};
use keccak_const::Keccak256;

use crate::{
    codec::{
        address_word, buffer, bytes4_word, hash_words, push_within, right_aligned, uint_word,
        word_bytes,
    },
    interface::{Action, ChainDigest, Session, SessionExecution, SessionGrant, SessionRevocation},
};

/// EIP-712 type string of [`Action`].
const ACTION_TYPE: &str = "Action(address target,bytes4 selector,uint256 maxValuePerCall)";
/// EIP-712 type string of [`Session`] (referenced types appended, as EIP-712 requires).
pub const SESSION_TYPE: &str =
    "Session(address account,uint8 keyType,bytes32 key,uint48 validAfter,\
uint48 validUntil,uint48 period,Action[] actions,ArgRule[] argRules,SigningScope[] signing,\
TokenLimit[] tokenLimits,address[] paymasters,uint256 maxTotalValue,uint256 maxGasCostPerOp,\
uint64 maxUses,bytes32 salt)\
Action(address target,bytes4 selector,uint256 maxValuePerCall)\
ArgRule(address target,bytes4 selector,uint16 offset,uint8 condition,bytes32 value)\
SigningScope(bytes32 appDomain,bytes32 contentsType)TokenLimit(address token,uint256 maxAmount)";
/// EIP-712 type string of [`ArgRule`](crate::interface::ArgRule).
const ARG_RULE_TYPE: &str =
    "ArgRule(address target,bytes4 selector,uint16 offset,uint8 condition,bytes32 value)";
/// EIP-712 type string of [`TokenLimit`].
const TOKEN_LIMIT_TYPE: &str = "TokenLimit(address token,uint256 maxAmount)";
/// EIP-712 type string of [`SigningScope`].
const SIGNING_SCOPE_TYPE: &str = "SigningScope(bytes32 appDomain,bytes32 contentsType)";
/// EIP-712 type string of [`SessionGrant`] (referenced types appended in name order).
pub const SESSION_GRANT_TYPE: &str = "SessionGrant(Session session,uint256 nonce,uint48 deadline)\
Action(address target,bytes4 selector,uint256 maxValuePerCall)\
ArgRule(address target,bytes4 selector,uint16 offset,uint8 condition,bytes32 value)\
Session(address account,uint8 keyType,bytes32 key,uint48 validAfter,\
uint48 validUntil,uint48 period,Action[] actions,ArgRule[] argRules,SigningScope[] signing,\
TokenLimit[] tokenLimits,address[] paymasters,uint256 maxTotalValue,uint256 maxGasCostPerOp,\
uint64 maxUses,bytes32 salt)SigningScope(bytes32 appDomain,bytes32 contentsType)\
TokenLimit(address token,uint256 maxAmount)";
/// EIP-712 type string of [`SessionRevocation`].
const SESSION_REVOCATION_TYPE: &str =
    "SessionRevocation(address account,bytes32 permissionId,uint48 deadline)";
/// EIP-712 type string of [`SessionExecution`].
const SESSION_EXECUTION_TYPE: &str = "SessionExecution(address account,bytes32 permissionId,\
uint256 nonce,uint48 deadline,bytes callData)";
/// EIP-712 type string of [`ChainDigest`].
const CHAIN_DIGEST_TYPE: &str = "ChainDigest(uint256 chainId,bytes32 grantDigest)";
/// EIP-712 type string of [`MultiChainGrant`].
const MULTI_CHAIN_GRANT_TYPE: &str =
    "MultiChainGrant(ChainDigest[] grants)ChainDigest(uint256 chainId,bytes32 grantDigest)";
const DOMAIN_TYPE: &str =
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";
/// The chain-free domain of multi-chain grants: each grant digest binds its own chain.
const CHAIN_FREE_DOMAIN_TYPE: &str = "EIP712Domain(string name,string version)";

/// The EIP-712 domain name of the module.
pub const DOMAIN_NAME: &str = "StylusSmartSessions";
/// The EIP-712 domain version of the module.
pub const DOMAIN_VERSION: &str = "1";

/// `keccak256(text)` at compile time: no type string is hashed on chain.
#[inline]
pub const fn const_keccak(text: &str) -> B256 {
    B256::new(Keccak256::new().update(text.as_bytes()).finalize())
}

/// `keccak256` of the EIP-712 type string of [`Action`].
pub const ACTION_TYPEHASH: B256 = const_keccak(ACTION_TYPE);
/// `keccak256` of the EIP-712 type string of [`ArgRule`](crate::interface::ArgRule).
pub const ARG_RULE_TYPEHASH: B256 = const_keccak(ARG_RULE_TYPE);
/// `keccak256` of the EIP-712 type string of [`SigningScope`](crate::interface::SigningScope).
pub const SIGNING_SCOPE_TYPEHASH: B256 = const_keccak(SIGNING_SCOPE_TYPE);
/// `keccak256` of the EIP-712 type string of [`TokenLimit`](crate::interface::TokenLimit).
pub const TOKEN_LIMIT_TYPEHASH: B256 = const_keccak(TOKEN_LIMIT_TYPE);
/// `keccak256` of the EIP-712 type string of [`Session`].
pub const SESSION_TYPEHASH: B256 = const_keccak(SESSION_TYPE);
/// `keccak256` of the EIP-712 type string of [`SessionGrant`].
pub const SESSION_GRANT_TYPEHASH: B256 = const_keccak(SESSION_GRANT_TYPE);
/// `keccak256` of the EIP-712 type string of [`SessionRevocation`].
pub const SESSION_REVOCATION_TYPEHASH: B256 = const_keccak(SESSION_REVOCATION_TYPE);
/// `keccak256` of the EIP-712 type string of [`SessionExecution`].
pub const SESSION_EXECUTION_TYPEHASH: B256 = const_keccak(SESSION_EXECUTION_TYPE);
/// `keccak256` of the EIP-712 type string of [`ChainDigest`].
pub const CHAIN_DIGEST_TYPEHASH: B256 = const_keccak(CHAIN_DIGEST_TYPE);
/// `keccak256` of the EIP-712 type string of [`MultiChainGrant`](crate::interface::MultiChainGrant).
pub const MULTI_CHAIN_GRANT_TYPEHASH: B256 = const_keccak(MULTI_CHAIN_GRANT_TYPE);
/// `keccak256` of the EIP-712 domain type with name, version, chain id and verifying contract.
pub const DOMAIN_TYPEHASH: B256 = const_keccak(DOMAIN_TYPE);
/// `keccak256` of the EIP-712 domain type with all five fields (a salted domain).
pub const SALTED_DOMAIN_TYPEHASH: B256 = const_keccak(
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)",
);
const CHAIN_FREE_DOMAIN_TYPEHASH: B256 = const_keccak(CHAIN_FREE_DOMAIN_TYPE);
const DOMAIN_NAME_HASH: B256 = const_keccak(DOMAIN_NAME);
const DOMAIN_VERSION_HASH: B256 = const_keccak(DOMAIN_VERSION);

/// A session's id: its EIP-712 hash under the module's domain.
///
/// The domain binds it to the chain and this module's deployment; the struct binds it to
/// the account.
pub type PermissionId = B256;

/// The EIP-712 domain separator of the module deployed at `module` on `chain_id`.
#[inline]
pub fn domain_separator(chain_id: u64, module: Address) -> B256 {
    hash_words(&[
        DOMAIN_TYPEHASH,
        DOMAIN_NAME_HASH,
        DOMAIN_VERSION_HASH,
        uint_word(chain_id.into()),
        address_word(module),
    ])
}

impl Action {
    /// The EIP-712 `hashStruct` of this action.
    #[inline]
    pub fn struct_hash(&self) -> B256 {
        hash_words(&[
            ACTION_TYPEHASH,
            address_word(self.target),
            bytes4_word(self.selector),
            self.maxValuePerCall.into(),
        ])
    }
}

/// EIP-712's hash of an array of structs: `keccak256` of their `hashStruct`s laid end to end.
#[inline]
fn hash_array<T>(items: &[T], struct_hash: fn(&T) -> B256) -> B256 {
    let mut hashes = buffer(items.len());
    for item in items {
        push_within(&mut hashes, struct_hash(item));
    }
    hash_words(&hashes)
}

impl Session {
    /// The EIP-712 `hashStruct` of this session.
    #[inline]
    pub fn struct_hash(&self) -> B256 {
        // A `uint48` is one 64-bit limb.
        hash_words(&[
            SESSION_TYPEHASH,
            address_word(self.account),
            B256::with_last_byte(self.keyType),
            self.key,
            uint_word(self.validAfter.as_limbs()[0].into()),
            uint_word(self.validUntil.as_limbs()[0].into()),
            uint_word(self.period.as_limbs()[0].into()),
            hash_array(&self.actions, Action::struct_hash),
            hash_array(&self.argRules, |rule| {
                hash_words(&[
                    ARG_RULE_TYPEHASH,
                    address_word(rule.target),
                    bytes4_word(rule.selector),
                    uint_word(rule.offset.into()),
                    uint_word(rule.condition.into()),
                    rule.value,
                ])
            }),
            hash_array(&self.signing, |scope| {
                hash_words(&[SIGNING_SCOPE_TYPEHASH, scope.appDomain, scope.contentsType])
            }),
            hash_array(&self.tokenLimits, |limit| {
                hash_words(&[
                    TOKEN_LIMIT_TYPEHASH,
                    address_word(limit.token),
                    limit.maxAmount.into(),
                ])
            }),
            hash_array(&self.paymasters, |paymaster| address_word(*paymaster)),
            self.maxTotalValue.into(),
            self.maxGasCostPerOp.into(),
            uint_word(self.maxUses.into()),
            self.salt,
        ])
    }

    /// The session's [`PermissionId`] under the domain of `module` on `chain_id`.
    #[inline]
    pub fn permission_id(&self, chain_id: u64, module: Address) -> PermissionId {
        typed_data_digest(domain_separator(chain_id, module), self.struct_hash())
    }
}

impl SessionGrant {
    /// The EIP-712 `hashStruct` of this grant.
    #[inline]
    pub fn struct_hash(&self) -> B256 {
        self.struct_hash_over(self.session.struct_hash())
    }

    /// The `hashStruct` of this grant, its session's being `session_hash`.
    #[inline]
    fn struct_hash_over(&self, session_hash: B256) -> B256 {
        hash_words(&[
            SESSION_GRANT_TYPEHASH,
            session_hash,
            self.nonce.into(),
            uint_word(self.deadline.as_limbs()[0].into()),
        ])
    }

    /// The digest the owner signs for this grant on one chain: EIP-712 under the domain of
    /// `module` on `chain_id`.
    #[inline]
    pub fn digest(&self, chain_id: u64, module: Address) -> B256 {
        self.ids(chain_id, module).1
    }

    /// The session's permission id and this grant's digest, the session and the domain
    /// hashed once for both (ENABLE needs both).
    #[inline]
    pub fn ids(&self, chain_id: u64, module: Address) -> (PermissionId, B256) {
        let domain = domain_separator(chain_id, module);
        let session_hash = self.session.struct_hash();
        let grant_hash = self.struct_hash_over(session_hash);
        (typed_data_digest(domain, session_hash), typed_data_digest(domain, grant_hash))
    }
}

impl SessionRevocation {
    /// The digest the session key signs: EIP-712 under the domain of `module` on `chain_id`.
    #[inline]
    pub fn digest(&self, chain_id: u64, module: Address) -> B256 {
        let struct_hash = hash_words(&[
            SESSION_REVOCATION_TYPEHASH,
            address_word(self.account),
            self.permissionId,
            uint_word(self.deadline.as_limbs()[0].into()),
        ]);
        typed_data_digest(domain_separator(chain_id, module), struct_hash)
    }
}

impl SessionExecution {
    /// The digest the session key signs: EIP-712 under the domain of `module` on `chain_id`.
    #[inline]
    pub fn digest(&self, chain_id: u64, module: Address) -> B256 {
        execution_digest(
            self.account,
            self.permissionId,
            self.nonce,
            self.deadline,
            &self.callData,
            chain_id,
            module,
        )
    }
}

/// [`SessionExecution::digest`] from borrowed fields: the module hashes the call data where it
/// lies in its own call data, without building the struct.
#[inline]
pub fn execution_digest(
    account: Address,
    permission_id: B256,
    nonce: U256,
    deadline: U48,
    call_data: &[u8],
    chain_id: u64,
    module: Address,
) -> B256 {
    let struct_hash = hash_words(&[
        SESSION_EXECUTION_TYPEHASH,
        address_word(account),
        permission_id,
        nonce.into(),
        uint_word(deadline.as_limbs()[0].into()),
        keccak256(call_data),
    ]);
    typed_data_digest(domain_separator(chain_id, module), struct_hash)
}

/// The digest the owner signs to grant on every chain of `grants` at once: a
/// [`MultiChainGrant`](crate::interface::MultiChainGrant) under the chain-free domain.
#[inline]
pub fn multi_chain_digest(grants: &[ChainDigest]) -> B256 {
    let entries = hash_array(grants, |grant| {
        hash_words(&[CHAIN_DIGEST_TYPEHASH, grant.chainId.into(), grant.grantDigest])
    });
    let struct_hash = hash_words(&[MULTI_CHAIN_GRANT_TYPEHASH, entries]);
    typed_data_digest(chain_free_domain_separator(), struct_hash)
}

/// The EIP-712 domain separator of multi-chain grants (no chain, no contract).
#[inline]
pub fn chain_free_domain_separator() -> B256 {
    hash_words(&[CHAIN_FREE_DOMAIN_TYPEHASH, DOMAIN_NAME_HASH, DOMAIN_VERSION_HASH])
}

/// `keccak256(0x1901 ‖ domainSeparator ‖ structHash)`.
#[inline]
pub fn typed_data_digest(domain_separator: B256, struct_hash: B256) -> B256 {
    // Three words laid end to end, hashed from the prefix's first byte (`0x1901` ends the
    // first word): no concatenation, so no allocation and no growth code.
    let words = [right_aligned([0x19, 0x01]), domain_separator, struct_hash];
    keccak256(word_bytes(&words).get(30..).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{address, aliases::U48, b256, fixed_bytes, FixedBytes, U256};
    use alloy_sol_types::{eip712_domain, SolStruct};
    use proptest::prelude::*;

    use super::*;
    use crate::{
        calls::TRANSFER_SELECTOR,
        interface::{ArgRule, MultiChainGrant},
        session_key::KeyType,
    };

    /// The module's domain as alloy builds it.
    fn module_domain(chain_id: u64, module: Address) -> alloy_sol_types::Eip712Domain {
        eip712_domain! {
            name: DOMAIN_NAME,
            version: DOMAIN_VERSION,
            chain_id: chain_id,
            verifying_contract: module,
        }
    }

    fn game_session() -> Session {
        Session {
            account: address!("00000000000000000000000000000000000a11ce"),
            keyType: KeyType::Secp256k1.code(),
            key: address!("0000000000000000000000000000000000005e55").into_word(),
            validAfter: U48::from(1_000u64),
            validUntil: U48::from(8_200u64),
            period: U48::from(3_600u64),
            actions: vec![
                Action {
                    target: address!("0000000000000000000000000000000000009a3e"),
                    selector: fixed_bytes!("12345678"),
                    maxValuePerCall: U256::from(10u64.pow(16)),
                },
                Action {
                    target: address!("0000000000000000000000000000000000009a3e"),
                    selector: TRANSFER_SELECTOR,
                    maxValuePerCall: U256::ZERO,
                },
            ],
            argRules: vec![ArgRule {
                target: address!("0000000000000000000000000000000000009a3e"),
                selector: fixed_bytes!("12345678"),
                offset: 32,
                condition: 1,
                value: B256::with_last_byte(7),
            }],
            signing: vec![],
            tokenLimits: vec![],
            paymasters: vec![address!("0000000000000000000000000000000000000a55")],
            maxTotalValue: U256::from(10u64.pow(17)),
            maxGasCostPerOp: U256::from(10u64.pow(15)),
            maxUses: 100,
            salt: b256!("00000000000000000000000000000000000000000000000000000000000000aa"),
        }
    }

    #[test]
    fn const_keccak_equals_keccak256() {
        for text in ["", "a", DOMAIN_NAME, SESSION_TYPE, &SESSION_GRANT_TYPE.repeat(3)] {
            assert_eq!(const_keccak(text), keccak256(text), "{text}");
        }
    }

    #[test]
    fn type_hashes_match_the_sol_definitions() {
        assert_eq!(SESSION_TYPEHASH, game_session().eip712_type_hash());
        assert_eq!(ACTION_TYPEHASH, game_session().actions[0].eip712_type_hash());
        assert_eq!(ARG_RULE_TYPEHASH, game_session().argRules[0].eip712_type_hash());
    }

    #[test]
    fn permission_id_equals_alloy_eip712_signing_hash() {
        let module = address!("000000000000000000000000000000000000c0de");
        let domain = module_domain(412_346, module);
        let session = game_session();
        assert_eq!(domain_separator(412_346, module), domain.separator());
        assert_eq!(session.struct_hash(), session.eip712_hash_struct());
        assert_eq!(session.permission_id(412_346, module), session.eip712_signing_hash(&domain));
    }

    #[test]
    fn revocation_digest_equals_alloy_eip712_signing_hash() {
        let module = address!("000000000000000000000000000000000000c0de");
        let revocation = SessionRevocation {
            account: address!("a11cea11cea11cea11cea11cea11cea11cea11ce"),
            permissionId: B256::repeat_byte(0x77),
            deadline: U48::from(1_900_000_000u64),
        };
        assert_eq!(SESSION_REVOCATION_TYPEHASH, revocation.eip712_type_hash());
        let domain = module_domain(42_161, module);
        assert_eq!(revocation.digest(42_161, module), revocation.eip712_signing_hash(&domain));
        assert_ne!(revocation.digest(1, module), revocation.digest(42_161, module));
    }

    #[test]
    fn execution_digest_equals_alloy_eip712_signing_hash() {
        let module = address!("000000000000000000000000000000000000c0de");
        let execution = SessionExecution {
            account: address!("a11cea11cea11cea11cea11cea11cea11cea11ce"),
            permissionId: B256::repeat_byte(0x77),
            nonce: U256::from(4),
            deadline: U48::from(1_900_000_000u64),
            callData: vec![0xe9, 0xae, 0x5c, 0x53, 1, 2, 3].into(),
        };
        assert_eq!(SESSION_EXECUTION_TYPEHASH, execution.eip712_type_hash());
        let domain = module_domain(42_161, module);
        assert_eq!(execution.digest(42_161, module), execution.eip712_signing_hash(&domain));
        let mut next = execution.clone();
        next.nonce = U256::from(5);
        assert_ne!(next.digest(42_161, module), execution.digest(42_161, module));
    }

    #[test]
    fn grant_digests_equal_alloy_eip712_signing_hashes() {
        let module = address!("000000000000000000000000000000000000c0de");
        let grant = SessionGrant {
            session: game_session(),
            nonce: U256::from(3),
            deadline: U48::from(1_900_000_000u64),
        };
        assert_eq!(SESSION_GRANT_TYPEHASH, grant.eip712_type_hash());
        assert_eq!(grant.struct_hash(), grant.eip712_hash_struct());
        let domain = module_domain(42_161, module);
        assert_eq!(grant.digest(42_161, module), grant.eip712_signing_hash(&domain));

        let chains = MultiChainGrant {
            grants: vec![
                ChainDigest {
                    chainId: U256::from(42_161),
                    grantDigest: grant.digest(42_161, module),
                },
                ChainDigest {
                    chainId: U256::from(8_453),
                    grantDigest: grant.digest(8_453, module),
                },
            ],
        };
        assert_eq!(MULTI_CHAIN_GRANT_TYPEHASH, chains.eip712_type_hash());
        assert_eq!(CHAIN_DIGEST_TYPEHASH, chains.grants[0].eip712_type_hash());
        let chain_free = eip712_domain! { name: DOMAIN_NAME, version: DOMAIN_VERSION, };
        assert_eq!(multi_chain_digest(&chains.grants), chains.eip712_signing_hash(&chain_free));
    }

    #[test]
    fn permission_id_differs_per_chain_module_and_salt() {
        let module = address!("000000000000000000000000000000000000c0de");
        let session = game_session();
        let id = session.permission_id(1, module);
        assert_ne!(id, session.permission_id(2, module));
        assert_ne!(id, session.permission_id(1, Address::with_last_byte(1)));
        let mut salted = session;
        salted.salt = B256::ZERO;
        assert_ne!(id, salted.permission_id(1, module));
    }

    proptest! {
        #[test]
        fn struct_hash_equals_alloy_for_any_session(
            account: [u8; 20], key: [u8; 32], after: u64, until: u64, total: [u8; 32],
            uses: u64, salt: [u8; 32], period: u64,
            actions in proptest::collection::vec(any::<([u8; 20], [u8; 4], [u8; 32])>(), 0..5),
            rules in proptest::collection::vec(any::<([u8; 20], [u8; 4], u16, u8, [u8; 32])>(), 0..3),
            paymasters in proptest::collection::vec(any::<[u8; 20]>(), 0..3), gas: [u8; 32],
        ) {
            let session = Session {
                account: Address::from(account),
                keyType: 0,
                key: B256::from(key),
                validAfter: U48::from(after & 0xffff_ffff_ffff),
                validUntil: U48::from(until & 0xffff_ffff_ffff),
                period: U48::from(period & 0xffff_ffff_ffff),
                actions: actions.into_iter().map(|(target, selector, value)| Action {
                    target: Address::from(target),
                    selector: FixedBytes::from(selector),
                    maxValuePerCall: U256::from_be_bytes(value),
                }).collect(),
                argRules: rules.into_iter().map(|(target, selector, offset, condition, value)| {
                    ArgRule {
                        target: Address::from(target),
                        selector: FixedBytes::from(selector),
                        offset,
                        condition,
                        value: B256::from(value),
                    }
                }).collect(),
                signing: vec![],
                tokenLimits: vec![],
                paymasters: paymasters.into_iter().map(Address::from).collect(),
                maxTotalValue: U256::from_be_bytes(total),
                maxGasCostPerOp: U256::from_be_bytes(gas),
                maxUses: uses,
                salt: B256::from(salt),
            };
            prop_assert_eq!(session.struct_hash(), session.eip712_hash_struct());
        }
    }
}
