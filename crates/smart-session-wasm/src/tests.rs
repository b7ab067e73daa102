//! The bindings natively, against the client library's own path to the same bytes (the CLI's)
//! and against the README's worked example. packages/smart-sessions/test/ checks the same
//! values again from JavaScript, against viem.

use alloy_dyn_abi::TypedData;
use alloy_primitives::{Address, Bytes, B256, U256};
use serde_json::Value;
use session_core::session_key::session_op_hash;
use smart_session::{encode, encode::Signer, policy::Policy};

use super::*;

const GAME: &str = include_str!("../../../examples/game-session.toml");
const PERIODIC: &str = include_str!("../../../examples/periodic-allowance.toml");
const PERIODIC_REQUESTS: &str = include_str!("../../../examples/erc7715-periodic.json");
/// The grant worked example's page.
const GRANTS_PAGE: &str = include_str!("../../../docs/grants.md");
const NOW: u64 = 1_800_000_000;
const SESSION_KEY: &str = "0x4747474747474747474747474747474747474747474747474747474747474747";

/// The value on the line `- {label}: \`0x…\`` of the worked example (docs/grants.md).
fn readme_value(label: &str) -> &'static str {
    let section =
        &GRANTS_PAGE[GRANTS_PAGE.find("## Worked example\n").expect("the worked example")..];
    let prefix = format!("- {label}: `");
    let line = section.lines().find_map(|line| line.strip_prefix(&prefix)).expect("the line");
    line.split('`').next().unwrap()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn the_game_grant_hashes_to_the_readme_digest_through_its_typed_data() {
    let digest = grant_digest(GAME, NOW).unwrap();
    assert_eq!(digest, readme_value("digest"));
    // The typed data, read back as a wallet would, hashes to it by alloy's dynamic EIP-712,
    // not by the module's `sol!` hashing the digest came from.
    let typed: TypedData =
        serde_json::from_str(&grant_typed_data_json(GAME, NOW).unwrap()).unwrap();
    assert_eq!(typed.eip712_signing_hash().unwrap().to_string(), digest);
    // The owner key of the README's example signs it into its signature.
    let owner = Signer::from_hex(&"0a".repeat(32)).unwrap();
    let signature = Bytes::from(owner.sign(digest.parse().unwrap()));
    assert_eq!(signature.to_string(), readme_value("owner signature"));
}

#[test]
fn the_session_json_is_the_grant_message_session_and_names_the_permission_id() {
    let session = json(&session_from_policy(GAME, NOW).unwrap());
    let typed = json(&grant_typed_data_json(GAME, NOW).unwrap());
    assert_eq!(session, typed["message"]["session"]);
    assert_eq!(session["validAfter"], "1800000000");
    assert_eq!(session["validUntil"], "1800007200");
    assert_eq!(session["maxTotalValue"], "100000000000000000");
    let policy = Policy::parse(GAME).unwrap();
    let expected = policy.session(NOW).unwrap().permission_id(policy.chain_id, policy.module);
    assert_eq!(permission_id(GAME, NOW).unwrap(), expected.to_string());
    // The types the TypeScript layer reads the JSON with name every struct of a grant.
    let types = json(&session_grant_types());
    for name in ["SessionGrant", "Session", "Action", "ArgRule", "SigningScope", "TokenLimit"] {
        assert!(types[name].is_array(), "{name} in {types}");
    }
}

#[test]
fn a_use_signature_is_the_clis_and_inspect_reads_it_back() {
    let user_op_hash = B256::repeat_byte(0x11);
    let policy = Policy::parse(PERIODIC).unwrap();
    let session = policy.session(NOW).unwrap();
    let id = session.permission_id(policy.chain_id, policy.module);
    // Two days and a second in: the third period.
    let at = NOW + 2 * 86_400 + 1;
    let index = period_index(PERIODIC, NOW, at).unwrap();
    assert_eq!(index, Some(2));
    assert_eq!(period_index(GAME, NOW, at).unwrap(), None, "no periods");
    let key = Signer::from_hex(SESSION_KEY).unwrap();
    let hash = session_op_hash_hex(&user_op_hash.to_string(), &id.to_string(), 2).unwrap();
    assert_eq!(hash, session_op_hash(user_op_hash, id, 2).to_string());
    let key_signature = Bytes::from(key.sign(hash.parse().unwrap()));

    let signature = use_signature(&id.to_string(), &key_signature.to_string(), index).unwrap();
    // The CLI's `sign-userop --mode use` path: the proof from the session and the time.
    let proof = encode::key_proof(&session, &key_signature, at).unwrap();
    assert_eq!(signature, encode::use_signature(id, &proof).to_string());

    let explained = json(&inspect(&signature).unwrap());
    assert_eq!(explained["kind"], "use-signature");
    assert_eq!(explained["proof"]["permissionId"], id.to_string());
    assert_eq!(explained["proof"]["keyType"], "secp256k1");
    assert_eq!(explained["proof"]["periodIndex"], 2);
}

#[test]
fn an_enable_signature_is_the_clis_and_refuses_a_period_index_that_does_not_fit() {
    let owner_signature = readme_value("owner signature");
    let key_signature = format!("0x{}1b", "ab".repeat(64));
    let signature = enable_signature(GAME, NOW, owner_signature, &key_signature, None).unwrap();
    let grant = Policy::parse(GAME).unwrap().grant(NOW).unwrap();
    let expected = encode::enable_signature(
        grant,
        owner_signature.parse().unwrap(),
        &key_signature.parse::<Bytes>().unwrap(),
    );
    assert_eq!(signature, expected.to_string());
    assert_eq!(json(&inspect(&signature).unwrap())["kind"], "enable-signature");

    let no_periods = enable_signature(GAME, NOW, owner_signature, &key_signature, Some(0));
    assert!(no_periods.unwrap_err().0.starts_with("periodIndex: the session has no periods"));
    let periodic = Policy::parse(PERIODIC).unwrap();
    assert!(periodic.grant.is_some(), "the periodic example carries a grant table");
    let missing = enable_signature(PERIODIC, NOW, owner_signature, &key_signature, None);
    assert!(missing.unwrap_err().0.starts_with("periodIndex: the session has periods of 86400 s"));
    let past = enable_signature(PERIODIC, NOW, owner_signature, &key_signature, Some(10_000));
    assert!(past.unwrap_err().0.contains("after the session's window"));
    assert!(enable_signature(PERIODIC, NOW, owner_signature, &key_signature, Some(3)).is_ok());
}

#[test]
fn execute_calldata_is_the_clis_single_call() {
    let game: Address = "0x9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e".parse().unwrap();
    let data =
        smart_session::calls::function_data("", "move(uint8,uint8)", &["3".into(), "4".into()])
            .unwrap();
    let calldata =
        execute_calldata(&game.to_string(), "0.01 ether", &Bytes::from(data.clone()).to_string())
            .unwrap();
    let expected = encode::execute_single(game, U256::from(10u64.pow(16)), &data);
    assert_eq!(calldata, expected.to_string());
    assert_eq!(
        calldata,
        execute_calldata(&game.to_string(), "10000000000000000", &Bytes::from(data).to_string())
            .unwrap()
    );
    let error = execute_calldata("0x9a3e", "0", "0x").unwrap_err();
    assert!(error.0.starts_with("to: `0x9a3e` does not parse"), "{error}");
}

#[test]
fn erc7715_requests_round_trip_through_a_policy() {
    let module = "0x5e55105e55105e55105e55105e55105e55105e55";
    let policy = from_erc7715(PERIODIC_REQUESTS, module).unwrap();
    let parsed = json(&policy);
    assert_eq!(parsed["period"], "86400s");
    assert_eq!(parsed["grant"]["valid_for"], "1h");
    let back = json(&to_erc7715(&policy, NOW).unwrap());
    let mut asked = json(PERIODIC_REQUESTS);
    // A session keeps no justification.
    asked[0]["permission"]["data"].as_object_mut().unwrap().remove("justification");
    assert_eq!(back, asked);
}

#[test]
fn errors_carry_the_clients_words_naming_the_field() {
    let bad = GAME.replace("move(uint8,uint8)", "move(uint8,bytez[])");
    let error = grant_typed_data_json(&bad, NOW).unwrap_err();
    assert!(error.0.starts_with("actions[0].function: `move(uint8,bytez[])`"), "{error}");
    let no_grant = GAME.split("[grant]").next().unwrap();
    assert_eq!(grant_digest(no_grant, NOW).unwrap_err().0, "grant: missing [grant] table");
    let error = session_op_hash_hex("0x12", &B256::ZERO.to_string(), 0).unwrap_err();
    assert!(error.0.starts_with("userOpHash: `0x12` does not parse"), "{error}");
    assert!(inspect("0x1234").is_err());
}
