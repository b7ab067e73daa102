//! The `smart-session` binary end to end on the example policy: output, exit codes, and errors
//! that name the field at fault.

use std::process::{Command, Output};

use alloy_primitives::{Address, Bytes, Signature, B256, U256};
use alloy_sol_types::SolCall;
use smart_session::interface::IERC7579Execution::executeCall;

const POLICY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/game-session.toml");
const OWNER_KEY: &str = "0x0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a";

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_smart-session"));
    command.args(args).env_remove("OWNER_PRIVATE_KEY").env_remove("SESSION_PRIVATE_KEY");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// The README worked example's digest: the example policy is that grant.
fn readme_digest() -> B256 {
    let readme = include_str!("../../../README.md");
    let line = readme.lines().find(|line| line.starts_with("- digest: `")).expect("README digest");
    line.trim_start_matches("- digest: `").trim_end_matches('`').parse().unwrap()
}

#[test]
fn grant_prints_the_readme_digest_and_a_signature_by_the_owner() {
    let output = run(
        &["grant", POLICY, "--now", "1800000000", "--sign", "--json"],
        &[("OWNER_PRIVATE_KEY", OWNER_KEY)],
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let digest: B256 = json["digest"].as_str().unwrap().parse().unwrap();
    assert_eq!(digest, readme_digest());
    let typed: alloy_dyn_abi::TypedData =
        serde_json::from_value(json["typedData"].clone()).unwrap();
    assert_eq!(typed.eip712_signing_hash().unwrap(), digest);
    let signature: Bytes = json["ownerSignature"].as_str().unwrap().parse().unwrap();
    let signature = Signature::from_raw(&signature).unwrap();
    let owner = smart_session::encode::Signer::from_hex(OWNER_KEY).unwrap().address();
    assert_eq!(signature.recover_address_from_prehash(&digest).unwrap(), owner);
}

#[test]
fn grant_in_words_lists_the_session_and_its_actions() {
    let text = stdout(&run(&["grant", POLICY, "--now", "1800000000"], &[]));
    assert!(text.contains("valid from 1800000000 until 1800007200"), "{text}");
    assert!(text.contains("selector 0x701bd985, at most 10000000000000000 wei per call"), "{text}");
    assert!(text.contains(&format!("grant digest {}", readme_digest())), "{text}");
}

#[test]
fn bad_policies_fail_naming_the_field() {
    let dir = std::env::temp_dir().join(format!("smart-session-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let example = std::fs::read_to_string(POLICY).unwrap();
    for (broken, field) in [
        (example.replace("move(uint8,uint8)", "move(uint8"), "actions[0].function"),
        (example.replace("\"0.01 ether\"", "\"0.01 coins\""), "actions[0].max_value_per_call"),
        (example.replace("valid_for = \"2h\"", "valid_for = \"soon\""), "valid_for"),
        (example.replace("max_uses = 500", "max_uses = 0"), "max_uses"),
        (example.replace("max_uses = 500", "max_uses = 500\ncolour = 1"), "colour"),
    ] {
        let path = dir.join("policy.toml");
        std::fs::write(&path, broken).unwrap();
        let output = run(&["grant", path.to_str().unwrap(), "--now", "1800000000"], &[]);
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with("error: ") && stderr.contains(field), "{field}: {stderr}");
    }
}

#[test]
fn signing_without_a_key_in_the_environment_fails() {
    let output = run(&["grant", POLICY, "--sign"], &[]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "error: OWNER_PRIVATE_KEY is not set\n");
}

#[test]
fn calldata_encodes_the_accounts_execute_for_one_call() {
    let game = "0x9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e";
    let output = run(
        &[
            "calldata",
            "--to",
            game,
            "--value",
            "0.01 ether",
            "--function",
            "move(uint8,uint8)",
            "1",
            "2",
        ],
        &[],
    );
    let bytes: Bytes = stdout(&output).trim().parse().unwrap();
    let call = executeCall::abi_decode(&bytes).unwrap();
    assert_eq!(call.mode, B256::ZERO);
    let execution = call.executionCalldata;
    assert_eq!(Address::from_slice(&execution[..20]), game.parse::<Address>().unwrap());
    assert_eq!(U256::from_be_slice(&execution[20..52]), U256::from(10u64.pow(16)));
    let expected_data = [
        &[0x70, 0x1b, 0xd9, 0x85][..],
        &U256::from(1).to_be_bytes::<32>(),
        &U256::from(2).to_be_bytes::<32>(),
    ]
    .concat();
    assert_eq!(&execution[52..], &expected_data[..]);

    let wrong = run(&["calldata", "--to", game, "--function", "move(uint8,uint8)", "1"], &[]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("takes 2 arguments, 1 given"));
}

#[test]
fn sign_userop_use_mode_is_mode_permission_id_and_the_keys_signature() {
    let session_key = "0x4747474747474747474747474747474747474747474747474747474747474747";
    let hash = B256::repeat_byte(0x99);
    let output = run(
        &["sign-userop", "--mode", "use", "--hash", &hash.to_string(), "--policy", POLICY],
        &[("SESSION_PRIVATE_KEY", session_key)],
    );
    let bytes: Bytes = stdout(&output).trim().parse().unwrap();
    assert_eq!((bytes.len(), bytes[0]), (98, 0x00));
    let signature = Signature::from_raw(&bytes[33..]).unwrap();
    let signer = smart_session::encode::Signer::from_hex(session_key).unwrap();
    assert_eq!(signature.recover_address_from_prehash(&hash).unwrap(), signer.address());
}

#[test]
fn calldata_encodes_a_batch_file_and_inspect_explains_it() {
    let batch = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/game-moves.toml");
    let calldata = stdout(&run(&["calldata", "--batch", batch], &[])).trim().to_string();
    let call = executeCall::abi_decode(&calldata.parse::<Bytes>().unwrap()).unwrap();
    assert_eq!(call.mode[0], 0x01, "batch call type");

    let text = stdout(&run(&["inspect", &calldata], &[]));
    assert!(text.starts_with("the account's execute: a batch of 2\n"), "{text}");
    assert_eq!(text.matches("selector 0x701bd985 with 64 bytes of arguments").count(), 2, "{text}");
    assert!(text.contains("sending 10000000000000000 wei"), "{text}");

    let mixed = run(
        &["calldata", "--batch", batch, "--to", "0x9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e"],
        &[],
    );
    assert_eq!(mixed.status.code(), Some(2), "clap refuses --batch with --to");
}

#[test]
fn inspect_explains_a_signature_and_refuses_what_it_does_not_know() {
    let session_key = "0x4747474747474747474747474747474747474747474747474747474747474747";
    let hash = B256::repeat_byte(0x99).to_string();
    let signature = stdout(&run(
        &[
            "sign-userop",
            "--mode",
            "use",
            "--hash",
            &hash,
            "--policy",
            POLICY,
            "--now",
            "1800000000",
        ],
        &[("SESSION_PRIVATE_KEY", session_key)],
    ));
    let json = stdout(&run(&["inspect", signature.trim(), "--json"], &[]));
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["kind"], "use-signature");
    let grant = stdout(&run(&["grant", POLICY, "--now", "1800000000", "--json"], &[]));
    let permission_id = serde_json::from_str::<serde_json::Value>(&grant).unwrap()["permissionId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(json["lines"][1], format!("  permissionId {permission_id}"));

    let unknown = run(&["inspect", "0xdeadbeef"], &[]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&unknown.stderr).starts_with("error: 4 bytes starting 0xdeadbeef"),
        "{}",
        String::from_utf8_lossy(&unknown.stderr)
    );
}

#[test]
fn permissions_convert_to_erc_7715_and_back_and_refuse_what_sessions_cannot_hold() {
    let module = "0x5e55105e55105e55105e55105e55105e55105e55";
    let dir = std::env::temp_dir().join(format!("smart-session-7715-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let requests = stdout(&run(&["permissions", "to-7715", POLICY, "--now", "1800000000"], &[]));
    std::fs::write(dir.join("requests.json"), &requests).unwrap();
    let policy = stdout(&run(
        &[
            "permissions",
            "from-7715",
            dir.join("requests.json").to_str().unwrap(),
            "--module",
            module,
        ],
        &[],
    ));
    std::fs::write(dir.join("policy.json"), &policy).unwrap();
    let again =
        stdout(&run(&["permissions", "to-7715", dir.join("policy.json").to_str().unwrap()], &[]));
    assert_eq!(again, requests, "policy → ERC-7715 → policy → ERC-7715 is stable");

    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/erc7715-allowance.json");
    let policy: serde_json::Value = serde_json::from_str(&stdout(&run(
        &["permissions", "from-7715", example, "--module", module],
        &[],
    )))
    .unwrap();
    assert_eq!(policy["max_total_value"], "1000000000000000");
    assert_eq!(policy["actions"][0]["target"], "0x00000000000000000000000000000000000b0b0b");
    assert_eq!(policy["valid_until"], 1_893_456_000);

    let periodic = std::fs::read_to_string(example)
        .unwrap()
        .replace("native-token-allowance", "native-token-periodic");
    std::fs::write(dir.join("periodic.json"), periodic).unwrap();
    let refused = run(
        &[
            "permissions",
            "from-7715",
            dir.join("periodic.json").to_str().unwrap(),
            "--module",
            module,
        ],
        &[],
    );
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(
            "[0].permission.type: `native-token-periodic`: periodic allowances are not supported"
        ),
        "{stderr}"
    );
}
