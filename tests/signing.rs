//! Session signatures (ERC-1271 through `isValidSignatureWithSender`, ERC-7739 only), through
//! the module's ABI entry. The expected digests are built here from ERC-7739's text with
//! alloy's EIP-712 (`SolStruct`), not with the module's code.

use crate::support;

use alloy_primitives::{keccak256, Address, Bytes, FixedBytes, B256};
use alloy_sol_types::{eip712_domain, SolStruct};
use session_core::{
    eip712::{domain_separator, DOMAIN_NAME, DOMAIN_VERSION},
    interface::{ISmartSessions::*, Session, SigningScope},
};
use support::{erc7739::*, *};

const MAGIC: FixedBytes<4> = FixedBytes::new([0x16, 0x26, 0xba, 0x7e]);
const INVALID: FixedBytes<4> = FixedBytes::new([0xff; 4]);

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
    answer_account_domain(harness, account, account);
    harness.vm.clock.set(Some(NOW));
    id
}

fn mail_scope(contents_type: B256) -> SigningScope {
    SigningScope { appDomain: mail_domain().separator(), contentsType: contents_type }
}

/// `isValidSignatureWithSender` as `account` asks it.
fn ask(harness: &mut Harness, account: Address, hash: B256, signature: Bytes) -> FixedBytes<4> {
    let call = isValidSignatureWithSenderCall { sender: MAIL_APP, hash, signature };
    harness.call(account, call).expect("never reverts for well-encoded arguments")
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
    answer_account_domain(&harness, ALICE, BOB);
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

/// An app type whose dependency sorts before it: ERC-7739's explicit mode.
mod order {
    alloy_sol_types::sol! {
        struct Asset {
            address token;
        }
        struct Order {
            Asset asset;
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

fn order() -> order::Order {
    order::Order { asset: order::Asset { token: BOB }, amount: alloy_primitives::U256::MAX }
}

/// `0x01 ‖ id ‖ r ‖ s ‖ v ‖ app ‖ encodeData(order) ‖ descr ‖ len`, the key having signed the
/// `TypedDataSign` of the order for `account`, with `descr` as given.
fn order_signature(key: &SessionKey, id: B256, account: Address, descr: &[u8]) -> Bytes {
    let wrapped = order::TypedDataSign {
        contents: order(),
        name: "SessionAccount".into(),
        version: "1".into(),
        chainId: alloy_primitives::U256::from(CHAIN_ID),
        verifyingContract: account,
        salt: B256::ZERO,
    };
    let signature = key.sign(wrapped.eip712_signing_hash(&mail_domain()));
    [
        &[0x01],
        id.as_slice(),
        &signature,
        mail_domain().separator().as_slice(),
        &order().eip712_encode_data(),
        descr,
        &(descr.len() as u16).to_be_bytes(),
    ]
    .concat()
    .into()
}

#[test]
fn explicit_mode_types_whose_dependencies_sort_first_are_accepted() {
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    let order_type = order::Order::eip712_encode_type();
    assert_eq!(order_type, "Order(Asset asset,uint256 amount)Asset(address token)");
    let id = signing_session(&mut harness, ALICE, &key, vec![mail_scope(keccak256(&*order_type))]);
    let descr = b"Asset(address token)Order(Asset asset,uint256 amount)Order";
    let signature = order_signature(&key, id, ALICE, descr);
    let hash = order().eip712_signing_hash(&mail_domain());
    assert_eq!(ask(&mut harness, ALICE, hash, signature), MAGIC);
}

#[test]
fn contents_declared_as_an_allowed_type_but_of_another_are_refused() {
    // The scope allows `Mail` only; the key presents an `Order`'s data declared as `Mail`.
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    let id = signing_session(&mut harness, ALICE, &key, vec![mail_scope(keccak256(mail_type()))]);
    let hash = order().eip712_signing_hash(&mail_domain());
    let spoofed = order_signature(&key, id, ALICE, mail_type().as_bytes());
    assert_eq!(ask(&mut harness, ALICE, hash, spoofed), INVALID);
    let honest = order_signature(
        &key,
        id,
        ALICE,
        b"Asset(address token)Order(Asset asset,uint256 amount)Order",
    );
    assert_eq!(ask(&mut harness, ALICE, hash, honest), INVALID, "Order is not in scope");
}

#[test]
fn a_personal_message_scope_signs_no_other_hash() {
    // A Permit2 digest presented as a "personal message": its bytes are not the message whose
    // EIP-191 hash is asked about.
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    let personal = SigningScope { appDomain: B256::ZERO, contentsType: B256::ZERO };
    let id = signing_session(&mut harness, ALICE, &key, vec![personal]);
    let permit_digest = keccak256(b"any EIP-712 digest, e.g. Permit2's PermitSingle");
    let (_, signature) = personal_signature(&key, id, ALICE, permit_digest.as_slice());
    assert_eq!(ask(&mut harness, ALICE, permit_digest, signature), INVALID);
}

#[test]
fn typed_data_under_the_accounts_own_domain_is_refused_even_when_listed() {
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    let own = account_domain(ALICE);
    let scope = SigningScope { appDomain: own.separator(), contentsType: B256::ZERO };
    let id = signing_session(&mut harness, ALICE, &key, vec![scope]);
    let signature = typed_signature(&key, id, ALICE, &own);
    assert_eq!(ask(&mut harness, ALICE, mail().eip712_signing_hash(&own), signature), INVALID);
}
