//! The worked examples of the docs pages, reproduced: the owner-signed grant (docs/grants.md:
//! the typed data a wallet shows, read from the page and hashed by alloy's dynamic EIP-712, the
//! digest the module computes, and the owner's signature bytes for the fixed test key), a
//! session's ERC-7739 signature of an app's typed data (docs/signatures.md: every intermediate
//! value and the final bytes), and a passkey's assertion (docs/sessions.md, *Key types*).

use crate::support;

use alloy_dyn_abi::TypedData;
use alloy_primitives::{address, aliases::U48, B256, U256};
use alloy_sol_types::SolStruct;
use session_core::{
    eip712::{DOMAIN_NAME, DOMAIN_VERSION},
    interface::{
        Action, ISmartSessions::isValidSignatureWithSenderCall, Session, SessionGrant, SigningScope,
    },
};
use support::{
    erc7739::{
        account_domain, answer_account_domain, mail, mail_domain, mail_hash, typed_signature,
        TypedDataSign,
    },
    SessionKey,
};

const CHAIN_ID: u64 = 421_614;
const MODULE: alloy_primitives::Address = address!("5e55105e55105e55105e55105e55105e55105e55");

/// The example grant: Alice's account lets the game frontend's key play for 2 hours.
fn example_grant() -> SessionGrant {
    SessionGrant {
        session: Session {
            account: address!("a11cea11cea11cea11cea11cea11cea11cea11ce"),
            keyType: 0,
            key: SessionKey::from_seed(0x47).address().into_word(),
            validAfter: U48::from(1_800_000_000u64),
            validUntil: U48::from(1_800_007_200u64),
            period: U48::ZERO,
            actions: vec![Action {
                target: address!("9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e"),
                selector: support::MOVE,
                maxValuePerCall: U256::from(10_000_000_000_000_000u64),
            }],
            argRules: vec![],
            signing: vec![],
            tokenLimits: vec![],
            paymasters: vec![],
            maxTotalValue: U256::from(100_000_000_000_000_000u64),
            maxGasCostPerOp: U256::from(1_000_000_000_000_000u64),
            maxUses: 500,
            salt: B256::ZERO,
        },
        nonce: U256::ZERO,
        deadline: U48::from(1_800_003_600u64),
    }
}

/// The docs page `file` (a path under docs/).
fn doc(file: &str) -> String {
    let path = format!("{}/docs/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// The docs page `file` from the heading (or bold title) `title` on.
fn doc_section_titled(file: &str, title: &str) -> String {
    let page = doc(file);
    let start = page.find(title).unwrap_or_else(|| panic!("docs/{file} has `{title}`"));
    page[start..].to_string()
}

/// docs/grants.md from its worked example on.
fn grant_example_section() -> String {
    doc_section_titled("grants.md", "## Worked example\n")
}

/// The example session with signing power: the grant's session, allowed to sign the mail
/// app's typed data (any type).
fn example_signing_session() -> Session {
    let mut session = example_grant().session;
    session.signing =
        vec![SigningScope { appDomain: mail_domain().separator(), contentsType: B256::ZERO }];
    session
}

/// Every value of the signature example: (label, value).
fn signature_example() -> Vec<(&'static str, String)> {
    let session = example_signing_session();
    let key = SessionKey::from_seed(0x47);
    let id = session.permission_id(CHAIN_ID, MODULE);
    let signature = typed_signature(&key, id, session.account, &mail_domain());
    let wrapped = TypedDataSign {
        contents: mail(),
        name: "SessionAccount".into(),
        version: "1".into(),
        chainId: U256::from(CHAIN_ID),
        verifyingContract: session.account,
        salt: B256::ZERO,
    };
    let full = [MODULE.as_slice(), &signature].concat();
    vec![
        ("permissionId:", id.to_string()),
        ("app domain separator:", mail_domain().separator().to_string()),
        ("contents hashStruct:", mail().eip712_hash_struct().to_string()),
        ("hash the app asks about:", mail_hash().to_string()),
        ("digest the session key signs:", wrapped.eip712_signing_hash(&mail_domain()).to_string()),
        ("account domain separator:", account_domain(session.account).separator().to_string()),
        ("ERC-1271 signature:", alloy_primitives::hex::encode_prefixed(full)),
    ]
}

#[test]
fn signatures_page_example_is_reproduced_value_by_value() {
    let section =
        doc_section_titled("signatures.md", "## Worked example: a session signs typed data");
    for (label, value) in signature_example() {
        assert_eq!(labelled(&section, label), value, "{label}");
    }
}

#[test]
fn signatures_page_example_is_accepted_by_the_module() {
    let session = example_signing_session();
    let mut harness = support::Harness::deployed(MODULE, CHAIN_ID);
    harness.install(session.account);
    let id = harness.enable(&session).unwrap();
    answer_account_domain(&harness, session.account, session.account);
    harness.vm.clock.set(Some(1_800_000_000));
    let signature =
        typed_signature(&SessionKey::from_seed(0x47), id, session.account, &mail_domain());
    let call = isValidSignatureWithSenderCall { sender: MODULE, hash: mail_hash(), signature };
    assert_eq!(harness.call(session.account, call).unwrap(), [0x16, 0x26, 0xba, 0x7e]);
}

#[test]
#[ignore = "prints the session signature example for docs/signatures.md"]
fn print_signature_example() {
    for (label, value) in signature_example() {
        println!("- {label} `{value}`");
    }
}

/// The text of the first fenced block of `kind` in `section`.
fn fenced(section: &str, kind: &str) -> String {
    let open = format!("```{kind}\n");
    let start = section.find(&open).expect("a fenced block") + open.len();
    section[start..start + section[start..].find("```").unwrap()].to_string()
}

/// The `0x…` value after `label` in `section`.
fn labelled(section: &str, label: &str) -> String {
    let start =
        section.find(label).unwrap_or_else(|| panic!("the page names `{label}`")) + label.len();
    let value = section[start..].trim_start().trim_start_matches('`');
    value[..value.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(value.len())].to_string()
}

#[test]
fn grants_page_typed_data_hashes_to_the_module_digest() {
    let section = grant_example_section();
    let typed: TypedData =
        serde_json::from_str(&fenced(&section, "json")).expect("the page's JSON is typed data");
    let wallet_digest = typed.eip712_signing_hash().unwrap();
    let module_digest = example_grant().digest(CHAIN_ID, MODULE);
    assert_eq!(wallet_digest, module_digest, "what the wallet signs is what the module checks");
    assert_eq!(labelled(&section, "digest:"), module_digest.to_string());
}

#[test]
fn grants_page_signature_is_reproduced_by_the_fixed_key() {
    let section = grant_example_section();
    let owner = SessionKey::from_seed(0x0a);
    let signature = owner.sign(example_grant().digest(CHAIN_ID, MODULE));
    assert_eq!(
        labelled(&section, "owner signature:"),
        alloy_primitives::hex::encode_prefixed(signature)
    );
    assert_eq!(labelled(&section, "owner:"), owner.address().to_string());
}

#[test]
#[ignore = "prints the worked example for docs/grants.md"]
fn print_worked_example() {
    let grant = example_grant();
    let session = &grant.session;
    let action = &session.actions[0];
    let typed = serde_json::json!({
        "types": {
            "EIP712Domain": [
                { "name": "name", "type": "string" },
                { "name": "version", "type": "string" },
                { "name": "chainId", "type": "uint256" },
                { "name": "verifyingContract", "type": "address" }
            ],
            "SessionGrant": [
                { "name": "session", "type": "Session" },
                { "name": "nonce", "type": "uint256" },
                { "name": "deadline", "type": "uint48" }
            ],
            "Session": [
                { "name": "account", "type": "address" },
                { "name": "keyType", "type": "uint8" },
                { "name": "key", "type": "bytes32" },
                { "name": "validAfter", "type": "uint48" },
                { "name": "validUntil", "type": "uint48" },
                { "name": "period", "type": "uint48" },
                { "name": "actions", "type": "Action[]" },
                { "name": "argRules", "type": "ArgRule[]" },
                { "name": "signing", "type": "SigningScope[]" },
                { "name": "tokenLimits", "type": "TokenLimit[]" },
                { "name": "paymasters", "type": "address[]" },
                { "name": "maxTotalValue", "type": "uint256" },
                { "name": "maxGasCostPerOp", "type": "uint256" },
                { "name": "maxUses", "type": "uint64" },
                { "name": "salt", "type": "bytes32" }
            ],
            "Action": [
                { "name": "target", "type": "address" },
                { "name": "selector", "type": "bytes4" },
                { "name": "maxValuePerCall", "type": "uint256" }
            ],
            "ArgRule": [
                { "name": "target", "type": "address" },
                { "name": "selector", "type": "bytes4" },
                { "name": "offset", "type": "uint16" },
                { "name": "condition", "type": "uint8" },
                { "name": "value", "type": "bytes32" }
            ],
            "SigningScope": [
                { "name": "appDomain", "type": "bytes32" },
                { "name": "contentsType", "type": "bytes32" }
            ],
            "TokenLimit": [
                { "name": "token", "type": "address" },
                { "name": "maxAmount", "type": "uint256" }
            ]
        },
        "primaryType": "SessionGrant",
        "domain": {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": CHAIN_ID,
            "verifyingContract": MODULE.to_string()
        },
        "message": {
            "session": {
                "account": session.account.to_string(),
                "keyType": session.keyType,
                "key": session.key.to_string(),
                "validAfter": session.validAfter.to::<u64>(),
                "validUntil": session.validUntil.to::<u64>(),
                "period": 0,
                "actions": [{
                    "target": action.target.to_string(),
                    "selector": action.selector.to_string(),
                    "maxValuePerCall": action.maxValuePerCall.to_string()
                }],
                "argRules": [],
                "signing": [],
                "tokenLimits": [],
                "paymasters": [],
                "maxTotalValue": session.maxTotalValue.to_string(),
                "maxGasCostPerOp": session.maxGasCostPerOp.to_string(),
                "maxUses": session.maxUses,
                "salt": session.salt.to_string()
            },
            "nonce": grant.nonce.to_string(),
            "deadline": grant.deadline.to::<u64>()
        }
    });
    println!("{}", serde_json::to_string_pretty(&typed).unwrap());
    let parsed: TypedData = serde_json::from_value(typed).unwrap();
    println!("wallet digest: {}", parsed.eip712_signing_hash().unwrap());
    println!("digest: {}", grant.digest(CHAIN_ID, MODULE));
    let owner = SessionKey::from_seed(0x0a);
    println!("owner: {}", owner.address());
    let signature = owner.sign(grant.digest(CHAIN_ID, MODULE));
    println!("owner signature: {}", alloy_primitives::hex::encode_prefixed(signature));
    println!("session key: {}", SessionKey::from_seed(0x47).address());
    println!("move selector: {}", support::MOVE);
}

/// The WebAuthn example of docs/sessions.md: (label, value) of every part of the assertion a software
/// passkey (key `0x4848…48`, site `game.example`, user verified) makes for the message
/// `0x4242…42`.
fn webauthn_example() -> Vec<(&'static str, String)> {
    use sha2::{Digest, Sha256};
    let key = support::P256Key::from_seed(0x48);
    let passkey = smart_session::passkey::Passkey::new(key.signer(), "game.example", true);
    let assertion = passkey.assert(B256::repeat_byte(0x42));
    let client_data_hash = Sha256::digest(assertion.client_data_json.as_bytes());
    let signed = [assertion.authenticator_data.as_slice(), &client_data_hash].concat();
    let hex = |bytes: &[u8]| alloy_primitives::hex::encode_prefixed(bytes);
    vec![
        ("key id:", key.id().to_string()),
        ("authenticatorData:", hex(&assertion.authenticator_data)),
        ("sha256(clientDataJSON):", hex(&client_data_hash)),
        ("message P-256 verifies:", hex(&Sha256::digest(&signed))),
        ("signature (r ‖ s):", hex(&assertion.signature)),
        ("in the module's layout:", hex(&assertion.encode())),
    ]
}

#[test]
fn sessions_page_webauthn_example_is_reproduced_value_by_value() {
    let section = doc_section_titled("sessions.md", "**A passkey's assertion, worked**");
    for (label, value) in webauthn_example() {
        assert_eq!(labelled(&section, label), value, "{label}");
    }
    let key = support::P256Key::from_seed(0x48);
    let passkey = smart_session::passkey::Passkey::new(key.signer(), "game.example", true);
    let json = passkey.client_data_json(B256::repeat_byte(0x42));
    assert!(section.contains(&format!("`{json}`")), "docs/sessions.md shows {json}");
}

#[test]
#[ignore = "prints the WebAuthn example for docs/sessions.md"]
fn print_webauthn_example() {
    for (label, value) in webauthn_example() {
        println!("- {label} `{value}`");
    }
    let key = support::P256Key::from_seed(0x48);
    let passkey = smart_session::passkey::Passkey::new(key.signer(), "game.example", true);
    println!("{}", passkey.client_data_json(B256::repeat_byte(0x42)));
}

#[test]
fn docs_type_strings_are_the_modules() {
    for (file, type_string) in [
        ("sessions.md", session_core::eip712::SESSION_TYPE),
        ("grants.md", session_core::eip712::SESSION_GRANT_TYPE),
    ] {
        let page = doc(file);
        assert!(page.contains(&format!("\n{type_string}\n")), "docs/{file} shows {type_string}");
    }
}
