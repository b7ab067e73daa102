//! Session signatures for the account (ERC-1271, through the module's
//! `isValidSignatureWithSender`), which the module accepts only in ERC-7739's nested form: the
//! session key signs a `TypedDataSign` wrapping an app's typed data under the app's domain, or
//! a `PersonalSign` wrapping a personal message under the account's domain, both naming the
//! account, so that a signature cannot be replayed on another account sharing the key.
//!
//! [`AppMessage`] is what an app asks the account to sign; with the account's EIP-712 domain
//! ([`AccountDomain`]) it gives the digest the session key signs and the signature bytes the
//! account's `isValidSignature` takes:
//!
//! ```text
//! module (20) ‖ 0x00 ‖ permissionId (32) ‖ key signature ‖ message            personal message
//! module (20) ‖ 0x01 ‖ permissionId (32) ‖ key signature ‖ appDomainSeparator (32) ‖
//!     encodeData (32 · n) ‖ contentsDescr ‖ uint16(contentsDescr.length)      typed data
//! ```
//!
//! The key signature is the session key's own, as long as its type signs: secp256k1
//! `r ‖ s ‖ v` (65 bytes) or P-256 `r ‖ s ‖ x ‖ y` (128 bytes). It carries no period index:
//! signing counts no use.
//!
//! The message itself (a personal message whole, typed data as its `encodeData`) travels with
//! the signature: the module proves from it that what the key signed is what the app asks
//! about, and that typed data is of the type a scope names.
//!
//! The module's address comes first because OpenZeppelin's `AccountERC7579` routes a signature
//! to the module it names and passes on the rest.

use alloy_dyn_abi::{Eip712Domain, Resolver, TypedData};
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use serde_json::json;
use session_core::{
    codec::hash_words,
    eip712::{chain_free_domain_separator, typed_data_digest},
    erc7739::{
        PERSONAL_SIGN_TYPE, PERSONAL_SIGN_TYPEHASH, SIGNED_PERSONAL_MESSAGE, SIGNED_TYPED_DATA,
        TYPED_DATA_SIGN_FIELDS,
    },
    interface::{Session, SigningScope},
};

use crate::{policy::SigningPolicy, typed_data::domain};

/// The smart account's EIP-712 domain, as its ERC-5267 `eip712Domain()` reports it: the module
/// rebuilds ERC-7739's wrappers from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountDomain {
    /// The domain's `name` (OpenZeppelin: the `EIP712(name, version)` the account was built with).
    pub name: String,
    /// The domain's `version`.
    pub version: String,
    /// The chain the account is on.
    pub chain_id: u64,
    /// The account itself (the domain's `verifyingContract`).
    pub account: Address,
    /// The domain's `salt`, for accounts whose domain has one.
    pub salt: Option<B256>,
}

impl AccountDomain {
    /// The domain as alloy's EIP-712 domain.
    pub fn eip712_domain(&self) -> Eip712Domain {
        Eip712Domain::new(
            Some(self.name.clone().into()),
            Some(self.version.clone().into()),
            Some(U256::from(self.chain_id)),
            Some(self.account),
            self.salt,
        )
    }

    /// The domain separator.
    pub fn separator(&self) -> B256 {
        self.eip712_domain().separator()
    }
}

/// Why a message cannot be signed as a session signature.
#[derive(Debug, Clone)]
pub enum SignError {
    /// The typed data does not hash (a type missing, a value not of its type, …).
    TypedData(String),
    /// ERC-7739 cannot carry the primary type's name (it starts with `a`–`z`).
    ContentsName(String),
    /// The contents type is longer than `contentsDescr`'s uint16 length can say.
    DescriptionTooLong(usize),
    /// The app domain is one of the module's own: the module never lets a session sign there.
    ModuleDomain(B256),
    /// No signing scope of the session allows the message; holds the policy entry that would.
    NotInScope(SigningPolicy),
}

impl std::fmt::Display for SignError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TypedData(error) => write!(f, "typed data: {error}"),
            Self::ContentsName(name) => write!(
                f,
                "ERC-7739 cannot sign typed data whose primary type `{name}` starts with a \
                 lowercase letter"
            ),
            Self::DescriptionTooLong(length) => {
                write!(f, "the contents type is {length} bytes, more than ERC-7739's 65535")
            }
            Self::ModuleDomain(domain) => write!(
                f,
                "app domain {domain} is the module's own: the module refuses session signatures \
                 under it"
            ),
            Self::NotInScope(entry) => {
                let what = match entry.personal {
                    true => "personal messages".to_string(),
                    false => format!(
                        "this typed data (app domain {}, contents type `{}`)",
                        entry.app_domain.unwrap_or_default(),
                        entry.contents_type.as_deref().unwrap_or_default()
                    ),
                };
                let entry = toml::to_string(entry).expect("a signing entry prints");
                write!(
                    f,
                    "the policy's session has no signing scope for {what}: the module would \
                     answer 0xffffffff. A policy allows it with\n[[signing]]\n{}",
                    entry.trim_end()
                )
            }
        }
    }
}

impl std::error::Error for SignError {}

/// An app's typed data as ERC-7739 wraps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppTypedData {
    typed: TypedData,
    app_domain: B256,
    contents: B256,
    /// The primary type's `encodeType`; its hash is what a scope names.
    encode_type: String,
    encode_data: Vec<u8>,
    contents_type: String,
    hash: B256,
}

impl AppTypedData {
    /// The app's domain separator.
    pub fn app_domain(&self) -> B256 {
        self.app_domain
    }

    /// `contents`: the `hashStruct` of the app's message.
    pub fn contents(&self) -> B256 {
        self.contents
    }

    /// ERC-7739's `contentsType`: the definitions of the primary type and of every type it uses,
    /// sorted by name as EIP-712 sorts a `TypedDataSign`'s. This is the primary type's
    /// `encodeType` whenever the primary type sorts first (always when it uses no other type).
    pub fn contents_type(&self) -> &str {
        &self.contents_type
    }

    /// The primary type's EIP-712 `encodeType` (the primary type first): a policy's
    /// `contents_type`, whose hash (the type hash) the module checks a scope against.
    pub fn encode_type(&self) -> &str {
        &self.encode_type
    }

    /// ERC-7739's `contentsDescr`: the contents type when it starts with the primary type
    /// (implicit mode), else the contents type followed by the primary type's name (explicit).
    pub fn contents_descr(&self) -> String {
        match self.implicit() {
            true => self.contents_type.clone(),
            false => format!("{}{}", self.contents_type, self.typed.primary_type),
        }
    }

    fn implicit(&self) -> bool {
        self.contents_type.starts_with(&format!("{}(", self.typed.primary_type))
    }

    /// `TypedDataSign(<primary> contents,string name,…,bytes32 salt)`, the wrapper's own type.
    fn wrapper_type(&self) -> String {
        format!("TypedDataSign({}{TYPED_DATA_SIGN_FIELDS}", self.typed.primary_type)
    }
}

/// A personal message (`personal_sign`), as ERC-7739 wraps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalMessage {
    /// The message itself.
    message: Vec<u8>,
    /// `"\x19Ethereum Signed Message:\n" ‖ len ‖ message` (EIP-191).
    prefixed: Vec<u8>,
}

/// What an app asks the account to sign, as a session may sign it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppMessage {
    /// Typed data of an app (`eth_signTypedData_v4`).
    Typed(Box<AppTypedData>),
    /// A personal message (`personal_sign`).
    Personal(PersonalMessage),
}

impl AppMessage {
    /// An app's typed data, as `eth_signTypedData_v4` takes it.
    ///
    /// # Errors
    /// [`SignError::TypedData`] when it does not hash; [`SignError::ContentsName`] and
    /// [`SignError::DescriptionTooLong`] when ERC-7739 cannot carry its type.
    pub fn typed(typed: TypedData) -> Result<Self, SignError> {
        let failed = |e: alloy_dyn_abi::Error| SignError::TypedData(e.to_string());
        let primary = &typed.primary_type;
        if primary.starts_with(|first: char| first.is_ascii_lowercase()) {
            return Err(SignError::ContentsName(primary.clone()));
        }
        let mut types = typed.resolver.linearize(primary).map_err(failed)?;
        types.sort_by(|a, b| a.type_name().cmp(b.type_name()));
        let contents_type: String = types.iter().map(|t| t.eip712_encode_type()).collect();
        let message = AppTypedData {
            app_domain: typed.domain.separator(),
            contents: typed.hash_struct().map_err(failed)?,
            encode_type: typed.encode_type().map_err(failed)?,
            encode_data: typed.encode_data().map_err(failed)?,
            hash: typed.eip712_signing_hash().map_err(failed)?,
            contents_type,
            typed,
        };
        let length = message.contents_descr().len();
        if length > usize::from(u16::MAX) {
            return Err(SignError::DescriptionTooLong(length));
        }
        Ok(Self::Typed(Box::new(message)))
    }

    /// A personal message (the bytes `personal_sign` is given).
    pub fn personal(message: &[u8]) -> Self {
        let prefixed =
            [format!("\x19Ethereum Signed Message:\n{}", message.len()).as_bytes(), message]
                .concat();
        Self::Personal(PersonalMessage { message: message.to_vec(), prefixed })
    }

    /// The `hash` the app asks the account's `isValidSignature` about: the typed data's
    /// EIP-712 signing hash, or the personal message's EIP-191 hash.
    pub fn hash(&self) -> B256 {
        match self {
            Self::Typed(typed) => typed.hash,
            Self::Personal(personal) => keccak256(&personal.prefixed),
        }
    }

    /// The narrowest signing scope that allows this message: the app's domain and the primary
    /// type's type hash (`keccak256(encodeType)`), or the personal-message scope (both zero).
    pub fn scope(&self) -> SigningScope {
        match self {
            Self::Typed(typed) => SigningScope {
                appDomain: typed.app_domain,
                contentsType: keccak256(&typed.encode_type),
            },
            Self::Personal(_) => SigningScope { appDomain: B256::ZERO, contentsType: B256::ZERO },
        }
    }

    /// The policy's `[[signing]]` entry for [`Self::scope`].
    pub fn signing_policy(&self) -> SigningPolicy {
        match self {
            Self::Typed(typed) => SigningPolicy {
                app_domain: Some(typed.app_domain),
                contents_type: Some(typed.encode_type.clone()),
                personal: false,
            },
            Self::Personal(_) => {
                SigningPolicy { app_domain: None, contents_type: None, personal: true }
            }
        }
    }

    /// Whether the module would accept a signature of `session` (enabled by the module at
    /// `module` on `chain_id`) for this message, as far as its scopes go.
    ///
    /// # Errors
    /// [`SignError::ModuleDomain`] for typed data under the module's own domains;
    /// [`SignError::NotInScope`] when no scope of the session allows it (neither this scope nor
    /// the app's any-type scope).
    pub fn check(
        &self,
        session: &Session,
        chain_id: u64,
        module: Address,
    ) -> Result<(), SignError> {
        let scope = self.scope();
        let own = [domain(chain_id, module).separator(), chain_free_domain_separator()];
        if let Self::Typed(typed) = self {
            if own.contains(&typed.app_domain) {
                return Err(SignError::ModuleDomain(typed.app_domain));
            }
        }
        let any_type = SigningScope { contentsType: B256::ZERO, ..scope.clone() };
        match session.signing.contains(&scope) || session.signing.contains(&any_type) {
            true => Ok(()),
            false => Err(SignError::NotInScope(self.signing_policy())),
        }
    }

    /// The digest the session key signs for `account`: ERC-7739's `TypedDataSign` under the
    /// app's domain, or `PersonalSign` under the account's, computed as the module does.
    pub fn digest(&self, account: &AccountDomain) -> B256 {
        match self {
            Self::Typed(typed) => {
                let type_hash = keccak256(typed.wrapper_type() + &typed.contents_type);
                let struct_hash = hash_words(&[
                    type_hash,
                    typed.contents,
                    keccak256(&account.name),
                    keccak256(&account.version),
                    U256::from(account.chain_id).into(),
                    account.account.into_word(),
                    account.salt.unwrap_or_default(),
                ]);
                typed_data_digest(typed.app_domain, struct_hash)
            }
            Self::Personal(_) => {
                let struct_hash = hash_words(&[PERSONAL_SIGN_TYPEHASH, self.hash()]);
                typed_data_digest(account.separator(), struct_hash)
            }
        }
    }

    /// The ERC-7739 wrapper as typed data, for a wallet to show and sign with
    /// `eth_signTypedData_v4`: its signing hash is [`Self::digest`].
    pub fn wrapper_typed_data(&self, account: &AccountDomain) -> TypedData {
        match self {
            Self::Typed(typed) => {
                let mut resolver = typed.typed.resolver.clone();
                resolver.ingest_string(typed.wrapper_type()).expect("the wrapper type parses");
                let domain = typed.typed.domain.clone();
                if !resolver.contains_type_name("EIP712Domain") {
                    resolver.ingest_string(domain.encode_type()).expect("a domain type parses");
                }
                TypedData {
                    domain,
                    resolver,
                    primary_type: "TypedDataSign".into(),
                    message: json!({
                        "contents": typed.typed.message,
                        "name": account.name,
                        "version": account.version,
                        "chainId": account.chain_id.to_string(),
                        "verifyingContract": account.account.to_checksum(None),
                        "salt": account.salt.unwrap_or_default().to_string(),
                    }),
                }
            }
            Self::Personal(personal) => {
                let domain = account.eip712_domain();
                let mut resolver = Resolver::default();
                resolver.ingest_string(PERSONAL_SIGN_TYPE).expect("the wrapper type parses");
                resolver.ingest_string(domain.encode_type()).expect("a domain type parses");
                TypedData {
                    domain,
                    resolver,
                    primary_type: "PersonalSign".into(),
                    message: json!({ "prefixed": Bytes::copy_from_slice(&personal.prefixed) }),
                }
            }
        }
    }

    /// The ERC-1271 signature to give the account's `isValidSignature`: `module ‖ kind ‖
    /// permissionId ‖ key_signature`, then the personal message, or for typed data
    /// `appDomainSeparator ‖ encodeData ‖ contentsDescr ‖ uint16(contentsDescr.length)`.
    /// `key_signature` is the session key's
    /// [`SessionSigner::sign_with_length`](crate::encode::SessionSigner::sign_with_length) of
    /// [`Self::digest`]: 65 bytes (secp256k1), 128 (P-256), or its length then the signature
    /// (WebAuthn, multisig), as the session's key type makes the module read it.
    pub fn signature(&self, module: Address, permission_id: B256, key_signature: &[u8]) -> Bytes {
        let head = |kind: u8| {
            [module.as_slice(), &[kind], permission_id.as_slice(), key_signature].concat()
        };
        match self {
            Self::Personal(personal) => {
                [head(SIGNED_PERSONAL_MESSAGE), personal.message.clone()].concat().into()
            }
            Self::Typed(typed) => {
                let descr = typed.contents_descr();
                let length = u16::try_from(descr.len()).expect("checked when read");
                [
                    head(SIGNED_TYPED_DATA).as_slice(),
                    typed.app_domain.as_slice(),
                    &typed.encode_data,
                    descr.as_bytes(),
                    &length.to_be_bytes(),
                ]
                .concat()
                .into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{address, eip191_hash_message, Signature};
    use alloy_sol_types::{eip712_domain, sol, SolStruct};

    use super::*;
    use crate::{encode::Signer, policy::Policy};

    sol! {
        #[derive(serde::Serialize)]
        struct Mail {
            address to;
            string contents;
        }
        /// ERC-7739's wrapper of `Mail`, typed out from the ERC's text.
        struct TypedDataSign {
            Mail contents;
            string name;
            string version;
            uint256 chainId;
            address verifyingContract;
            bytes32 salt;
        }
        struct PersonalSign {
            bytes prefixed;
        }
    }

    /// A type whose dependency sorts before it: ERC-7739's explicit mode.
    mod order {
        alloy_sol_types::sol! {
            #[derive(serde::Serialize)]
            struct Order {
                Asset asset;
                address to;
            }
            #[derive(serde::Serialize)]
            struct Asset {
                address token;
                uint256 amount;
            }
            struct TypedDataSign {
                Order contents;
                string name;
                string version;
                uint256 chainId;
                address verifyingContract;
                bytes32 salt;
            }
        }
    }

    const CHAIN_ID: u64 = 421_614;
    const MODULE: Address = address!("5e55105e55105e55105e55105e55105e55105e55");
    const APP: Address = address!("000000000000000000000000000000000000a990");
    const ALICE: Address = address!("a11cea11cea11cea11cea11cea11cea11cea11ce");
    const BOB: Address = address!("0000000000000000000000000000000000000b0b");

    fn app_domain() -> alloy_sol_types::Eip712Domain {
        eip712_domain! { name: "Mail", version: "1", chain_id: CHAIN_ID, verifying_contract: APP, }
    }

    fn account(salt: Option<B256>) -> AccountDomain {
        AccountDomain {
            name: "SessionAccount".into(),
            version: "1".into(),
            chain_id: CHAIN_ID,
            account: ALICE,
            salt,
        }
    }

    fn mail() -> Mail {
        Mail { to: BOB, contents: "gg, rematch?".into() }
    }

    /// `mail()` as an app sends it to `eth_signTypedData_v4`.
    fn mail_json() -> TypedData {
        serde_json::from_value(json!({
            "types": {
                "EIP712Domain": [
                    {"name": "name", "type": "string"},
                    {"name": "version", "type": "string"},
                    {"name": "chainId", "type": "uint256"},
                    {"name": "verifyingContract", "type": "address"},
                ],
                "Mail": [{"name": "to", "type": "address"}, {"name": "contents", "type": "string"}],
            },
            "primaryType": "Mail",
            "domain": {"name": "Mail", "version": "1", "chainId": CHAIN_ID, "verifyingContract": APP},
            "message": {"to": BOB, "contents": "gg, rematch?"},
        }))
        .unwrap()
    }

    fn mail_message() -> AppMessage {
        AppMessage::typed(mail_json()).unwrap()
    }

    fn order() -> order::Order {
        order::Order { asset: order::Asset { token: APP, amount: U256::from(5) }, to: BOB }
    }

    fn order_message() -> AppMessage {
        let typed = TypedData::from_struct(&order(), Some(app_domain()));
        AppMessage::typed(typed).unwrap()
    }

    fn wrapped_mail(account: &AccountDomain) -> TypedDataSign {
        TypedDataSign {
            contents: mail(),
            name: account.name.clone(),
            version: account.version.clone(),
            chainId: U256::from(account.chain_id),
            verifyingContract: account.account,
            salt: account.salt.unwrap_or_default(),
        }
    }

    /// `typed` as a wallet reads it: through its JSON.
    fn through_json(typed: &TypedData) -> TypedData {
        serde_json::from_str(&serde_json::to_string(typed).unwrap()).unwrap()
    }

    fn session(signing: Vec<SigningScope>) -> Session {
        Session { signing, ..Session::default() }
    }

    #[test]
    fn separator_is_alloys_when_the_domain_has_a_salt_or_not() {
        let plain = eip712_domain! { name: "SessionAccount", version: "1", chain_id: CHAIN_ID, verifying_contract: ALICE, };
        assert_eq!(account(None).separator(), plain.separator());
        let salt = B256::repeat_byte(0x5a);
        let salted = eip712_domain! { name: "SessionAccount", version: "1", chain_id: CHAIN_ID, verifying_contract: ALICE, salt: salt, };
        assert_eq!(account(Some(salt)).separator(), salted.separator());
    }

    #[test]
    fn typed_reads_the_apps_domain_contents_and_hash_when_given_its_json() {
        let AppMessage::Typed(typed) = mail_message() else { panic!("typed data") };
        assert_eq!(typed.app_domain(), app_domain().separator());
        assert_eq!(typed.contents(), mail().eip712_hash_struct());
        assert_eq!(typed.contents_type(), "Mail(address to,string contents)");
        assert_eq!(typed.contents_descr(), typed.contents_type(), "implicit mode");
        assert_eq!(mail_message().hash(), mail().eip712_signing_hash(&app_domain()));
    }

    #[test]
    fn digest_is_erc7739s_typed_data_sign_when_the_account_has_a_salt_or_not() {
        for salt in [None, Some(B256::repeat_byte(0x5a))] {
            let account = account(salt);
            assert_eq!(
                mail_message().digest(&account),
                wrapped_mail(&account).eip712_signing_hash(&app_domain()),
                "{salt:?}"
            );
        }
    }

    #[test]
    fn digest_differs_when_the_account_differs() {
        let bob = AccountDomain { account: BOB, ..account(None) };
        assert_ne!(mail_message().digest(&bob), mail_message().digest(&account(None)));
    }

    #[test]
    fn wrapper_typed_data_hashes_to_the_digest_when_read_back_from_json() {
        for salt in [None, Some(B256::repeat_byte(0x5a))] {
            let account = account(salt);
            for message in [mail_message(), order_message(), AppMessage::personal(b"log in")] {
                let wrapper = through_json(&message.wrapper_typed_data(&account));
                assert_eq!(wrapper.eip712_signing_hash().unwrap(), message.digest(&account));
            }
        }
    }

    #[test]
    fn contents_descr_is_explicit_when_a_used_type_sorts_before_the_primary_type() {
        let AppMessage::Typed(typed) = order_message() else { panic!("typed data") };
        let sorted = "Asset(address token,uint256 amount)Order(Asset asset,address to)";
        assert_eq!(typed.contents_type(), sorted);
        assert_eq!(typed.contents_descr(), format!("{sorted}Order"));
        let account = account(None);
        let wrapped = order::TypedDataSign {
            contents: order(),
            name: account.name.clone(),
            version: account.version.clone(),
            chainId: U256::from(CHAIN_ID),
            verifyingContract: ALICE,
            salt: B256::ZERO,
        };
        assert_eq!(order_message().digest(&account), wrapped.eip712_signing_hash(&app_domain()));
        assert_eq!(order_message().hash(), order().eip712_signing_hash(&app_domain()));
    }

    #[test]
    fn digest_is_erc7739s_personal_sign_of_the_eip191_hash_when_personal() {
        let message = AppMessage::personal(b"log in to the game");
        assert_eq!(message.hash(), eip191_hash_message(b"log in to the game"));
        let prefixed = b"\x19Ethereum Signed Message:\n18log in to the game";
        let wrapped = PersonalSign { prefixed: prefixed.to_vec().into() };
        let account = account(None);
        assert_eq!(message.digest(&account), wrapped.eip712_signing_hash(&account.eip712_domain()));
        assert_eq!(
            message.scope(),
            SigningScope { appDomain: B256::ZERO, contentsType: B256::ZERO }
        );
    }

    #[test]
    fn signature_is_module_kind_id_key_signature_and_the_message_when_typed_or_personal() {
        let key = Signer::from_hex(&B256::repeat_byte(0x47).to_string()).unwrap();
        let id = B256::repeat_byte(0x11);
        let digest = mail_message().digest(&account(None));
        let bytes = mail_message().signature(MODULE, id, &key.sign(digest));
        let descr = b"Mail(address to,string contents)";
        let encode_data = mail().eip712_encode_data();
        assert_eq!(bytes.len(), 20 + 1 + 32 + 65 + 32 + encode_data.len() + descr.len() + 2);
        assert_eq!(
            (&bytes[..20], bytes[20], &bytes[21..53]),
            (MODULE.as_slice(), 1, id.as_slice())
        );
        let signature = Signature::from_raw(&bytes[53..118]).unwrap();
        assert_eq!(signature.recover_address_from_prehash(&digest).unwrap(), key.address());
        assert_eq!(&bytes[118..150], app_domain().separator().as_slice());
        let descr_at = 150 + encode_data.len();
        assert_eq!(&bytes[150..descr_at], encode_data.as_slice());
        assert_eq!(&bytes[descr_at..descr_at + descr.len()], descr);
        assert_eq!(bytes[bytes.len() - 2..], (descr.len() as u16).to_be_bytes());

        let personal = AppMessage::personal(b"hi").signature(MODULE, id, &[7; 65]);
        assert_eq!(personal.len(), 20 + 1 + 32 + 65 + 2);
        assert_eq!((personal[20], &personal[personal.len() - 2..]), (0, &b"hi"[..]));
    }

    #[test]
    fn signature_carries_a_p256_keys_128_bytes_when_the_session_key_is_p256() {
        use p256::ecdsa::{signature::hazmat::PrehashVerifier, Signature, VerifyingKey};
        let key = crate::encode::P256Signer::from_hex(&B256::repeat_byte(0x48).to_string());
        let key = key.unwrap();
        let id = B256::repeat_byte(0x11);
        let digest = mail_message().digest(&account(None));
        let bytes = mail_message().signature(MODULE, id, &key.sign(digest));
        let encode_data = mail().eip712_encode_data();
        let descr = b"Mail(address to,string contents)";
        assert_eq!(bytes.len(), 20 + 1 + 32 + 128 + 32 + encode_data.len() + descr.len() + 2);
        assert_eq!(&bytes[117..181], key.public_key().as_slice(), "x ‖ y after r ‖ s");
        assert_eq!(&bytes[181..213], app_domain().separator().as_slice(), "then the app domain");
        let verifier = VerifyingKey::from_sec1_bytes(&[&[4], &bytes[117..181]].concat()).unwrap();
        let signature = Signature::from_slice(&bytes[53..117]).unwrap();
        verifier.verify_prehash(digest.as_slice(), &signature).expect("the key signed the digest");
    }

    #[test]
    fn typed_fails_when_the_primary_type_starts_lowercase_or_is_missing() {
        let mut lowercase = mail_json();
        let mail_type = lowercase.resolver.encode_type("Mail").unwrap();
        lowercase.resolver.ingest_string(mail_type.replace("Mail", "mail")).unwrap();
        lowercase.primary_type = "mail".into();
        assert!(matches!(AppMessage::typed(lowercase), Err(SignError::ContentsName(_))));
        let mut missing = mail_json();
        missing.primary_type = "Order".into();
        let error = AppMessage::typed(missing).unwrap_err();
        assert!(matches!(error, SignError::TypedData(_)), "{error}");
    }

    #[test]
    fn check_passes_when_the_exact_or_the_any_type_scope_is_listed() {
        let exact = mail_message().scope();
        assert_eq!(exact.contentsType, keccak256("Mail(address to,string contents)"));
        let any_type = SigningScope { appDomain: exact.appDomain, contentsType: B256::ZERO };
        for scopes in [vec![exact], vec![any_type]] {
            assert!(mail_message().check(&session(scopes), CHAIN_ID, MODULE).is_ok());
        }
        let personal = session(vec![AppMessage::personal(b"").scope()]);
        assert!(AppMessage::personal(b"log in").check(&personal, CHAIN_ID, MODULE).is_ok());
    }

    #[test]
    fn check_fails_naming_the_policy_entry_when_no_scope_allows_the_message() {
        let other_type = SigningScope {
            appDomain: app_domain().separator(),
            contentsType: keccak256("Order(uint256 amount)"),
        };
        let personal = AppMessage::personal(b"").scope();
        let error = mail_message().check(&session(vec![other_type, personal]), CHAIN_ID, MODULE);
        let text = error.unwrap_err().to_string();
        assert!(text.contains("would answer 0xffffffff"), "{text}");
        assert!(
            text.ends_with(&format!(
                "[[signing]]\napp_domain = \"{}\"\ncontents_type = \"Mail(address to,string \
                 contents)\"",
                app_domain().separator()
            )),
            "{text}"
        );
        let error = AppMessage::personal(b"hi").check(&session(vec![]), CHAIN_ID, MODULE);
        assert!(error.unwrap_err().to_string().ends_with("[[signing]]\npersonal = true"));
    }

    #[test]
    fn check_fails_when_the_app_domain_is_the_modules_own() {
        let module = TypedData::from_struct(&mail(), Some(domain(CHAIN_ID, MODULE)));
        let message = AppMessage::typed(module).unwrap();
        let listed = session(vec![message.scope()]);
        assert!(matches!(
            message.check(&listed, CHAIN_ID, MODULE),
            Err(SignError::ModuleDomain(_))
        ));
    }

    #[test]
    fn signing_policy_gives_the_scope_when_parsed_as_a_policy() {
        for message in [mail_message(), order_message(), AppMessage::personal(b"")] {
            let entry = toml::to_string(&message.signing_policy()).unwrap();
            let policy = Policy::parse(&format!(
                "chain_id = {CHAIN_ID}\nmodule = \"{MODULE}\"\naccount = \"{ALICE}\"\n\
                 session_key = \"{BOB}\"\nvalid_for = \"2h\"\nmax_uses = 1\n\
                 [[actions]]\ntarget = \"{APP}\"\n[[signing]]\n{entry}"
            ))
            .unwrap();
            assert_eq!(policy.session(1).unwrap().signing, vec![message.scope()]);
        }
    }
}
