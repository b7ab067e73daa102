//! ERC-7739 session signatures built from the ERC's text with alloy's EIP-712 (`SolStruct`),
//! not with the module's code: what `tests/signing.rs` and `tests/e2e_signing.rs` present to
//! the module.

use alloy_primitives::{address, keccak256, Address, Bytes, B256, U256};
use alloy_sol_types::{eip712_domain, sol, Eip712Domain, SolStruct};

use alloy_primitives::FixedBytes;
use alloy_sol_types::SolCall;
use session_core::interface::IERC5267;

use super::{Harness, SessionKey, BOB, CHAIN_ID};

sol! {
    /// The app's typed data: a message the session signs in the user's name.
    struct Mail {
        address to;
        string contents;
    }
    /// ERC-7739's wrapper for `Mail`: alloy derives the type string
    /// `TypedDataSign(Mail contents,string name,…,bytes32 salt)Mail(address to,string contents)`.
    struct TypedDataSign {
        Mail contents;
        string name;
        string version;
        uint256 chainId;
        address verifyingContract;
        bytes32 salt;
    }
    /// ERC-7739's wrapper for personal messages.
    struct PersonalSign {
        bytes prefixed;
    }
}

/// The app whose typed data the session signs.
pub const MAIL_APP: Address = address!("00000000000000000000000000000000000a9901");

pub fn mail_domain() -> Eip712Domain {
    eip712_domain! { name: "Mail", version: "1", chain_id: CHAIN_ID, verifying_contract: MAIL_APP, }
}

/// The EIP-712 domain an OpenZeppelin account named "SessionAccount" reports.
pub fn account_domain(account: Address) -> Eip712Domain {
    eip712_domain! {
        name: "SessionAccount",
        version: "1",
        chain_id: CHAIN_ID,
        verifying_contract: account,
    }
}

pub fn mail() -> Mail {
    Mail { to: BOB, contents: "gg, rematch?".into() }
}

pub fn mail_type() -> &'static str {
    "Mail(address to,string contents)"
}

/// `0x01 ‖ permissionId ‖ r ‖ s ‖ v ‖ appDomainSeparator ‖ encodeData(mail) ‖ contentsDescr ‖
/// uint16(len)`, the key having signed ERC-7739's `TypedDataSign` for `account`.
pub fn typed_signature(key: &SessionKey, id: B256, account: Address, app: &Eip712Domain) -> Bytes {
    typed_signature_under(key, id, &account_domain(account), app)
}

/// [`typed_signature`] for the account whose EIP-712 domain is `domain` (name, version, chain
/// id and verifying contract, no salt).
pub fn typed_signature_under(
    key: &SessionKey,
    id: B256,
    domain: &Eip712Domain,
    app: &Eip712Domain,
) -> Bytes {
    let wrapped = TypedDataSign {
        contents: mail(),
        name: domain.name.clone().unwrap_or_default().into_owned(),
        version: domain.version.clone().unwrap_or_default().into_owned(),
        chainId: domain.chain_id.unwrap_or_default(),
        verifyingContract: domain.verifying_contract.unwrap_or_default(),
        salt: B256::ZERO,
    };
    assert_eq!(domain.salt, None);
    let signature = key.sign(wrapped.eip712_signing_hash(app));
    let descr = mail_type().as_bytes();
    [
        &[0x01],
        id.as_slice(),
        &signature,
        app.separator().as_slice(),
        &mail().eip712_encode_data(),
        descr,
        &(descr.len() as u16).to_be_bytes(),
    ]
    .concat()
    .into()
}

/// EIP-191's `personal_sign` hash of `message`, and `0x00 ‖ permissionId ‖ r ‖ s ‖ v ‖ message`
/// with the key's ERC-7739 `PersonalSign` over it for `account`.
pub fn personal_signature(
    key: &SessionKey,
    id: B256,
    account: Address,
    message: &[u8],
) -> (B256, Bytes) {
    personal_signature_under(key, id, &account_domain(account), message)
}

/// [`personal_signature`] for the account whose EIP-712 domain is `domain`.
pub fn personal_signature_under(
    key: &SessionKey,
    id: B256,
    domain: &Eip712Domain,
    message: &[u8],
) -> (B256, Bytes) {
    let prefixed =
        [format!("\x19Ethereum Signed Message:\n{}", message.len()).as_bytes(), message].concat();
    let hash = keccak256(&prefixed);
    let wrapped = PersonalSign { prefixed: prefixed.into() };
    let signature = key.sign(wrapped.eip712_signing_hash(domain));
    (hash, [&[0x00], id.as_slice(), &signature, message].concat().into())
}

/// The ERC-1271 hash the mail app asks the account about: its typed data's signing hash.
pub fn mail_hash() -> B256 {
    mail().eip712_signing_hash(&mail_domain())
}

/// Makes `account` answer `eip712Domain()` as an OpenZeppelin `EIP712("SessionAccount", "1")`
/// account does (fields 0x0f: name, version, chain id, verifying contract).
pub fn answer_account_domain(harness: &Harness, account: Address, reported: Address) {
    let answer = eip712_domain_answer("SessionAccount", "1", reported);
    harness
        .vm
        .static_answers
        .borrow_mut()
        .insert((account, IERC5267::eip712DomainCall::SELECTOR), answer);
}

/// `eip712Domain()`'s return data as an OpenZeppelin `EIP712(name, version)` contract at
/// `verifying_contract` on [`CHAIN_ID`] answers it (fields 0x0f: name, version, chain id,
/// verifying contract).
pub fn eip712_domain_answer(name: &str, version: &str, verifying_contract: Address) -> Vec<u8> {
    IERC5267::eip712DomainCall::abi_encode_returns(&IERC5267::eip712DomainReturn {
        fields: FixedBytes::new([0x0f]),
        name: name.into(),
        version: version.into(),
        chainId: U256::from(CHAIN_ID),
        verifyingContract: verifying_contract,
        salt: B256::ZERO,
        extensions: vec![],
    })
}
