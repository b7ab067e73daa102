//! Session signatures (ERC-1271 through `isValidSignatureWithSender`, ERC-7739 only), through
//! the module's ABI entry. The expected digests are built here from ERC-7739's text with
//! alloy's EIP-712 (`SolStruct`), not with the module's code.

mod support;

use alloy_primitives::{address, keccak256, Address, Bytes, FixedBytes, B256, U256};
use alloy_sol_types::{eip712_domain, sol, Eip712Domain, SolCall, SolStruct};
use stylus_smart_sessions::{
    eip712::{domain_separator, DOMAIN_NAME, DOMAIN_VERSION},
    interface::{ISmartSessions::*, Session, SigningScope, IERC5267},
};
use support::*;

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

const MAIL_APP: Address = address!("00000000000000000000000000000000000a9901");
const MAGIC: FixedBytes<4> = FixedBytes::new([0x16, 0x26, 0xba, 0x7e]);
const INVALID: FixedBytes<4> = FixedBytes::new([0xff; 4]);

fn mail_domain() -> Eip712Domain {
    eip712_domain! { name: "Mail", version: "1", chain_id: CHAIN_ID, verifying_contract: MAIL_APP, }
}

/// The EIP-712 domain an OpenZeppelin account named "SessionAccount" reports.
fn account_domain(account: Address) -> Eip712Domain {
    eip712_domain! {
        name: "SessionAccount",
        version: "1",
        chain_id: CHAIN_ID,
        verifying_contract: account,
    }
}

fn mail() -> Mail {
    Mail { to: BOB, contents: "gg, rematch?".into() }
}

fn mail_type() -> &'static str {
    "Mail(address to,string contents)"
}

/// Makes `account` answer `eip712Domain()` as an OpenZeppelin `EIP712("SessionAccount", "1")`
/// account does (fields 0x0f: name, version, chain id, verifying contract).
fn answer_domain(harness: &Harness, account: Address, reported: Address) {
    let answer = IERC5267::eip712DomainCall::abi_encode_returns(&IERC5267::eip712DomainReturn {
        fields: FixedBytes::new([0x0f]),
        name: "SessionAccount".into(),
        version: "1".into(),
        chainId: U256::from(CHAIN_ID),
        verifyingContract: reported,
        salt: B256::ZERO,
        extensions: vec![],
    });
    harness
        .vm
        .static_answers
        .borrow_mut()
        .insert((account, IERC5267::eip712DomainCall::SELECTOR), answer);
}

/// `account` installed the module and enabled the game session of `key` with `signing`; the
/// clock is the session's start.
fn signing_session(
    harness: &mut Harness,
    account: Address,
    key: &SessionKey,
    signing: Vec<SigningScope>,
) -> B256 {
    harness.install(account);
    let session = Session { signing, ..game_session(account, key) };
    let id = harness.enable(&session).unwrap();
    answer_domain(harness, account, account);
    harness.vm.clock.set(Some(NOW));
    id
}

fn mail_scope(contents_type: B256) -> SigningScope {
    SigningScope { appDomain: mail_domain().separator(), contentsType: contents_type }
}

/// `permissionId ‖ r ‖ s ‖ v ‖ appDomainSeparator ‖ contents ‖ contentsDescr ‖ uint16(len)`,
/// the key having signed ERC-7739's `TypedDataSign` for `account`.
fn typed_signature(key: &SessionKey, id: B256, account: Address, app: &Eip712Domain) -> Bytes {
    let domain = account_domain(account);
    let wrapped = TypedDataSign {
        contents: mail(),
        name: "SessionAccount".into(),
        version: "1".into(),
        chainId: U256::from(CHAIN_ID),
        verifyingContract: account,
        salt: B256::ZERO,
    };
    assert_eq!(domain.salt, None);
    let signature = key.sign(wrapped.eip712_signing_hash(app));
    let descr = mail_type().as_bytes();
    [
        id.as_slice(),
        &signature,
        app.separator().as_slice(),
        mail().eip712_hash_struct().as_slice(),
        descr,
        &(descr.len() as u16).to_be_bytes(),
    ]
    .concat()
    .into()
}

/// EIP-191's `personal_sign` hash of `message`, and the key's ERC-7739 `PersonalSign` over it
/// for `account`.
fn personal_signature(
    key: &SessionKey,
    id: B256,
    account: Address,
    message: &[u8],
) -> (B256, Bytes) {
    let prefixed =
        [format!("\x19Ethereum Signed Message:\n{}", message.len()).as_bytes(), message].concat();
    let hash = keccak256(&prefixed);
    let wrapped = PersonalSign { prefixed: prefixed.into() };
    let signature = key.sign(wrapped.eip712_signing_hash(&account_domain(account)));
    (hash, [id.as_slice(), &signature].concat().into())
}

/// `isValidSignatureWithSender` as `account` asks it.
fn ask(harness: &mut Harness, account: Address, hash: B256, signature: Bytes) -> FixedBytes<4> {
    let call = isValidSignatureWithSenderCall { sender: MAIL_APP, hash, signature };
    harness.call(account, call).expect("never reverts for well-encoded arguments")
}

fn mail_hash() -> B256 {
    mail().eip712_signing_hash(&mail_domain())
}

#[test]
fn typed_data_of_an_allowed_app_and_type_is_accepted() {
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    let id = signing_session(&mut harness, ALICE, &key, vec![mail_scope(keccak256(mail_type()))]);
    let signature = typed_signature(&key, id, ALICE, &mail_domain());
    assert_eq!(ask(&mut harness, ALICE, mail_hash(), signature), MAGIC);
}

#[test]
fn a_scope_without_contents_type_allows_any_type_of_its_app() {
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    let id = signing_session(&mut harness, ALICE, &key, vec![mail_scope(B256::ZERO)]);
    let signature = typed_signature(&key, id, ALICE, &mail_domain());
    assert_eq!(ask(&mut harness, ALICE, mail_hash(), signature), MAGIC);
}

#[test]
fn typed_data_of_another_app_or_type_is_refused() {
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    let other_type = keccak256("Order(uint256 amount)");
    let id = signing_session(&mut harness, ALICE, &key, vec![mail_scope(other_type)]);
    let signature = typed_signature(&key, id, ALICE, &mail_domain());
    assert_eq!(ask(&mut harness, ALICE, mail_hash(), signature), INVALID, "type not allowed");

    let other_app = eip712_domain! { name: "Mail", version: "2", chain_id: CHAIN_ID, };
    let signature = typed_signature(&key, id, ALICE, &other_app);
    let hash = mail().eip712_signing_hash(&other_app);
    assert_eq!(ask(&mut harness, ALICE, hash, signature), INVALID, "app not allowed");
}

#[test]
fn a_session_without_scopes_signs_nothing() {
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    let id = signing_session(&mut harness, ALICE, &key, vec![]);
    let signature = typed_signature(&key, id, ALICE, &mail_domain());
    assert_eq!(ask(&mut harness, ALICE, mail_hash(), signature), INVALID);
    let (hash, signature) = personal_signature(&key, id, ALICE, b"log in to the game");
    assert_eq!(ask(&mut harness, ALICE, hash, signature), INVALID);
}

#[test]
fn personal_messages_are_accepted_only_with_the_personal_scope() {
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    let personal = SigningScope { appDomain: B256::ZERO, contentsType: B256::ZERO };
    let id = signing_session(&mut harness, ALICE, &key, vec![personal]);
    let (hash, signature) = personal_signature(&key, id, ALICE, b"log in to the game");
    assert_eq!(ask(&mut harness, ALICE, hash, signature), MAGIC);

    let mut harness = Harness::new();
    let id = signing_session(&mut harness, ALICE, &key, vec![mail_scope(B256::ZERO)]);
    let (hash, signature) = personal_signature(&key, id, ALICE, b"log in to the game");
    assert_eq!(ask(&mut harness, ALICE, hash, signature), INVALID);
}

#[test]
fn an_unwrapped_signature_over_the_hash_itself_is_refused() {
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    let personal = SigningScope { appDomain: B256::ZERO, contentsType: B256::ZERO };
    let id = signing_session(&mut harness, ALICE, &key, vec![personal, mail_scope(B256::ZERO)]);
    let raw: Bytes = [id.as_slice(), &key.sign(mail_hash())].concat().into();
    assert_eq!(ask(&mut harness, ALICE, mail_hash(), raw), INVALID);
}

#[test]
fn a_signature_for_one_account_is_refused_on_another_sharing_the_key() {
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    let scopes = vec![mail_scope(B256::ZERO)];
    let alice_id = signing_session(&mut harness, ALICE, &key, scopes.clone());
    let bob_id = signing_session(&mut harness, BOB, &key, scopes);
    let for_alice = typed_signature(&key, alice_id, ALICE, &mail_domain());
    assert_eq!(ask(&mut harness, ALICE, mail_hash(), for_alice.clone()), MAGIC);
    // The same bytes with Bob's permission id: the key signed Alice's domain, not Bob's.
    let replayed: Bytes = [bob_id.as_slice(), &for_alice[32..]].concat().into();
    assert_eq!(ask(&mut harness, BOB, mail_hash(), replayed), INVALID);
    let for_bob = typed_signature(&key, bob_id, BOB, &mail_domain());
    assert_eq!(ask(&mut harness, BOB, mail_hash(), for_bob), MAGIC);
}

#[test]
fn an_account_domain_naming_another_contract_is_refused() {
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    let id = signing_session(&mut harness, ALICE, &key, vec![mail_scope(B256::ZERO)]);
    answer_domain(&harness, ALICE, BOB);
    let signature = typed_signature(&key, id, BOB, &mail_domain());
    assert_eq!(ask(&mut harness, ALICE, mail_hash(), signature), INVALID);
}

#[test]
fn outside_the_window_or_after_revocation_nothing_is_accepted() {
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    let id = signing_session(&mut harness, ALICE, &key, vec![mail_scope(B256::ZERO)]);
    let signature = typed_signature(&key, id, ALICE, &mail_domain());
    for (clock, expected) in
        [(NOW - 1, INVALID), (NOW, MAGIC), (NOW + TWO_HOURS, MAGIC), (NOW + TWO_HOURS + 1, INVALID)]
    {
        harness.vm.clock.set(Some(clock));
        assert_eq!(ask(&mut harness, ALICE, mail_hash(), signature.clone()), expected, "{clock}");
    }
    harness.vm.clock.set(Some(NOW));
    harness
        .call(key.address(), revokeSessionByKeyCall { account: ALICE, permissionId: id })
        .unwrap();
    assert_eq!(ask(&mut harness, ALICE, mail_hash(), signature), INVALID);
}

#[test]
fn the_modules_own_domain_is_refused_even_when_listed() {
    // A session able to sign under the module's domain could sign itself a grant.
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    let module_domain = eip712_domain! { name: DOMAIN_NAME, version: DOMAIN_VERSION, chain_id: CHAIN_ID, verifying_contract: MODULE, };
    assert_eq!(module_domain.separator(), domain_separator(CHAIN_ID, MODULE));
    let scope = SigningScope { appDomain: module_domain.separator(), contentsType: B256::ZERO };
    let id = signing_session(&mut harness, ALICE, &key, vec![scope]);
    let signature = typed_signature(&key, id, ALICE, &module_domain);
    let hash = mail().eip712_signing_hash(&module_domain);
    assert_eq!(ask(&mut harness, ALICE, hash, signature), INVALID);
}

#[test]
fn contents_that_are_not_the_asked_hash_are_refused() {
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    let id = signing_session(&mut harness, ALICE, &key, vec![mail_scope(B256::ZERO)]);
    let signature = typed_signature(&key, id, ALICE, &mail_domain());
    let other = Mail { to: ALICE, contents: "send me everything".into() };
    let hash = other.eip712_signing_hash(&mail_domain());
    assert_eq!(ask(&mut harness, ALICE, hash, signature), INVALID);
}
