//! The `smart-session` binary end to end on the example policy: output, exit codes, and errors
//! that name the field at fault.

use session_core::session_key::session_op_hash;
use std::process::{Command, Output};

use alloy_primitives::{aliases::U48, Address, Bytes, Signature, B256, U256};
use alloy_sol_types::{eip712_domain, sol, SolCall, SolStruct};
use smart_session::{
    encode::Signer,
    erc1271::{AccountDomain, AppMessage},
    interface::{
        EnableSession,
        IERC7579Execution::executeCall,
        ISmartSessions::{
            executeAsSessionBySignatureCall, executeAsSessionCall, revokeSessionBySignatureCall,
        },
        SessionExecution, SessionRevocation, TokenLimit,
    },
    policy::Policy,
};

const POLICY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/game-session.toml");
const OWNER_KEY: &str = "0x0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a";
/// The private key of the example policy's `session_key`.
const SESSION_KEY: &str = "0x4747474747474747474747474747474747474747474747474747474747474747";
const GAME: &str = "0x9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e";

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_smart-session"));
    // The examples' sessions start at 1800000000: the CLI's clock is pinned there, so that
    // they stay current whatever the date.
    command
        .args(args)
        .env_remove("OWNER_PRIVATE_KEY")
        .env_remove("SESSION_PRIVATE_KEY")
        .env("SMART_SESSION_CLOCK", "1800000000");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// The digest of docs/grants.md's worked example: the example policy is that grant.
fn worked_example_digest() -> B256 {
    let page = include_str!("../../../docs/grants.md");
    let line = page.lines().find(|line| line.starts_with("- digest: `")).expect("grants.md digest");
    line.trim_start_matches("- digest: `").trim_end_matches('`').parse().unwrap()
}

#[test]
fn grant_prints_the_worked_example_digest_and_a_signature_by_the_owner() {
    let output = run(
        &["grant", POLICY, "--now", "1800000000", "--sign", "--json"],
        &[("OWNER_PRIVATE_KEY", OWNER_KEY)],
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let digest: B256 = json["digest"].as_str().unwrap().parse().unwrap();
    assert_eq!(digest, worked_example_digest());
    let typed: alloy_dyn_abi::TypedData =
        serde_json::from_value(json["typedData"].clone()).unwrap();
    assert_eq!(typed.eip712_signing_hash().unwrap(), digest);
    let signature: Bytes = json["ownerSignature"].as_str().unwrap().parse().unwrap();
    let signature = Signature::from_raw(&signature).unwrap();
    let owner = Signer::from_hex(OWNER_KEY).unwrap().address();
    assert_eq!(signature.recover_address_from_prehash(&digest).unwrap(), owner);
}

#[test]
fn grant_in_words_lists_the_session_and_its_actions() {
    let text = stdout(&run(&["grant", POLICY, "--now", "1800000000"], &[]));
    assert!(text.contains("valid from 1800000000 until 1800007200"), "{text}");
    assert!(text.contains("selector 0x701bd985, at most 10000000000000000 wei per call"), "{text}");
    assert!(text.contains(&format!("grant digest {}", worked_example_digest())), "{text}");
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

/// The token example: a bot paying up to 100 USDC for a day.
const TOKEN_POLICY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/token-budget.toml");

#[test]
fn grant_of_a_token_budget_signs_the_limit_and_its_transfer_action() {
    let policy = Policy::parse(&std::fs::read_to_string(TOKEN_POLICY).unwrap()).unwrap();
    let grant = policy.grant(1_800_000_000).unwrap();
    let usdc: Address = "0x75faf114eafb1bdbe2f0316df893fd58ce46aa4d".parse().unwrap();
    assert_eq!(
        grant.session.tokenLimits,
        [TokenLimit { token: usdc, maxAmount: U256::from(100_000_000) }],
        "100 USDC in base units"
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&run(
        &["grant", TOKEN_POLICY, "--now", "1800000000", "--json"],
        &[],
    )))
    .unwrap();
    let (chain_id, module) = (policy.chain_id, policy.module);
    assert_eq!(
        json_field::<B256>(&json, "permissionId"),
        grant.session.permission_id(chain_id, module)
    );
    let digest = grant.digest(chain_id, module);
    assert_eq!(json_field::<B256>(&json, "digest"), digest);
    let typed: alloy_dyn_abi::TypedData =
        serde_json::from_value(json["typedData"].clone()).unwrap();
    assert_eq!(typed.eip712_signing_hash().unwrap(), digest);
    let session = &json["typedData"]["message"]["session"];
    assert_eq!(session["tokenLimits"][0]["maxAmount"], "100000000");
    assert_eq!(session["actions"][0]["selector"], "0xa9059cbb", "transfer(address,uint256)");
    assert_eq!(session["actions"].as_array().unwrap().len(), 1, "no approve");

    let text = stdout(&run(&["grant", TOKEN_POLICY, "--now", "1800000000"], &[]));
    assert!(
        text.contains(&format!(
            "may move at most 100000000 base units of the token {usdc} by transfer, approve, increaseAllowance and transferFrom"
        )),
        "{text}"
    );

    let requests = stdout(&run(&["permissions", "to-7715", TOKEN_POLICY], &[]));
    let requests: serde_json::Value = serde_json::from_str(&requests).unwrap();
    assert_eq!(requests[0]["permission"]["type"], "erc20-token-allowance");
    assert_eq!(requests[0]["permission"]["data"]["allowanceAmount"], "0x5f5e100");
}

#[test]
fn bad_token_limits_fail_naming_the_field() {
    let dir = std::env::temp_dir().join(format!("smart-session-tokens-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let example = std::fs::read_to_string(TOKEN_POLICY).unwrap();
    let entry =
        &example[example.find("[[token_limits]]").unwrap()..example.find("[grant]").unwrap()];
    for (broken, field, says) in [
        (
            example.replace(r#"max_amount = "100""#, r#"max_amount = "100.0000001""#),
            "token_limits[0].max_amount",
            "has more than 6 decimals",
        ),
        (
            example.replace("decimals = 6", "").replace(r#""100""#, r#""12.5""#),
            "token_limits[0].max_amount",
            "base units are whole",
        ),
        (example.replace(entry, &entry.repeat(2)), "token_limits[1].token", "TokenLimitDuplicated"),
        (
            example.replace(r#"["transfer"]"#, r#"["transfer", "transfer"]"#),
            "token_limits[0].allow",
            "listed twice",
        ),
    ] {
        let path = dir.join("policy.toml");
        std::fs::write(&path, broken).unwrap();
        let output = run(&["grant", path.to_str().unwrap(), "--now", "1800000000"], &[]);
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.starts_with("error: ") && stderr.contains(field) && stderr.contains(says),
            "{field}: {stderr}"
        );
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
    let hash = B256::repeat_byte(0x99);
    let args = ["sign-userop", "--mode", "use", "--hash", &hash.to_string(), "--policy", POLICY];
    let key = [("SESSION_PRIVATE_KEY", SESSION_KEY)];
    // The policy's session starts when its grant was made: without that --now the clock would
    // name another session, and the key would sign its permissionId.
    let refused = run(&args, &key);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("has no `valid_after`"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let output = run(&[&args[..], &["--now", "1800000000"]].concat(), &key);
    let bytes: Bytes = stdout(&output).trim().parse().unwrap();
    assert_eq!((bytes.len(), bytes[0]), (98, 0x00));
    let policy = Policy::parse(&std::fs::read_to_string(POLICY).unwrap()).unwrap();
    let permission_id =
        policy.session(1_800_000_000).unwrap().permission_id(policy.chain_id, policy.module);
    assert_eq!(&bytes[1..33], permission_id.as_slice());
    let signature = Signature::from_raw(&bytes[33..]).unwrap();
    let signer = Signer::from_hex(SESSION_KEY).unwrap();
    // The key signed the operation for that session, in period 0.
    let message = session_op_hash(hash, permission_id, 0);
    assert_eq!(signature.recover_address_from_prehash(&message).unwrap(), signer.address());
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
        &[("SESSION_PRIVATE_KEY", SESSION_KEY)],
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

/// The example policy and the permissionId of its session granted at 1800000000.
fn example_session() -> (Policy, B256) {
    let policy = Policy::parse(&std::fs::read_to_string(POLICY).unwrap()).unwrap();
    let session = policy.session(1_800_000_000).unwrap();
    let permission_id = session.permission_id(policy.chain_id, policy.module);
    (policy, permission_id)
}

fn json_field<T: std::str::FromStr>(json: &serde_json::Value, name: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    json[name].as_str().unwrap_or_else(|| panic!("no {name} in {json}")).parse().unwrap()
}

#[test]
fn execute_with_a_nonce_prints_a_relayable_call_signed_by_the_session_key() {
    let (policy, permission_id) = example_session();
    let call = ["--to", GAME, "--value", "0.01 ether", "--function", "move(uint8,uint8)", "1", "2"];
    let signed = [
        &["execute", "--policy", POLICY, "--now", "1800000000"][..],
        &["--nonce", "3", "--deadline", "1800000600"],
        &call,
    ]
    .concat();
    let key = [("SESSION_PRIVATE_KEY", SESSION_KEY)];
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&run(&[&signed[..], &["--json"]].concat(), &key))).unwrap();
    assert_eq!(json_field::<Address>(&json, "to"), policy.module);
    let data: Bytes = json_field(&json, "data");
    let call_data: Bytes =
        stdout(&run(&[&["calldata"][..], &call].concat(), &[])).trim().parse().unwrap();

    let relayed = executeAsSessionBySignatureCall::abi_decode_validate(&data).unwrap();
    let execution = SessionExecution {
        account: relayed.account,
        permissionId: relayed.permissionId,
        nonce: relayed.nonce,
        deadline: relayed.deadline,
        callData: relayed.callData,
    };
    assert_eq!(
        execution,
        SessionExecution {
            account: policy.account,
            permissionId: permission_id,
            nonce: U256::from(3),
            deadline: U48::from(1_800_000_600u64),
            callData: call_data,
        }
    );
    let digest = execution.digest(policy.chain_id, policy.module);
    assert_eq!(json_field::<B256>(&json, "digest"), digest);
    let typed: alloy_dyn_abi::TypedData =
        serde_json::from_value(json["typedData"].clone()).unwrap();
    assert_eq!(typed.eip712_signing_hash().unwrap(), digest);
    let signature = Signature::from_raw(&relayed.signature).unwrap();
    assert_eq!(
        signature.recover_address_from_prehash(&digest).unwrap(),
        policy.key().unwrap().id()
    );

    // Without --json: the same call data alone (RFC 6979 signatures are deterministic).
    assert_eq!(stdout(&run(&signed, &key)).trim(), data.to_string());
}

#[test]
fn execute_without_a_nonce_prints_the_call_the_key_sends_itself_and_inspect_reads_it() {
    let (policy, permission_id) = example_session();
    let batch = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/game-moves.toml");
    let output = run(
        &["execute", "--policy", POLICY, "--now", "1800000000", "--batch", batch, "--json"],
        &[],
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json_field::<Address>(&json, "from"), policy.key().unwrap().id());
    let data: Bytes = json_field(&json, "data");
    let call = executeAsSessionCall::abi_decode_validate(&data).unwrap();
    let call_data: Bytes =
        stdout(&run(&["calldata", "--batch", batch], &[])).trim().parse().unwrap();
    assert_eq!(
        (call.account, call.permissionId, call.callData),
        (policy.account, permission_id, call_data)
    );

    let text = stdout(&run(&["inspect", &data.to_string()], &[]));
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(
        lines[..3],
        [
            format!(
                "executeAsSession: the session key runs calls for {} under session {permission_id}",
                policy.account
            )
            .as_str(),
            "  callData:",
            "    the account's execute: a batch of 2",
        ]
    );
}

#[test]
fn revoke_prints_a_relayable_revocation_signed_by_the_session_key() {
    let (policy, permission_id) = example_session();
    let output = run(
        &[
            "revoke",
            "--policy",
            POLICY,
            "--now",
            "1800000000",
            "--deadline",
            "1800000600",
            "--json",
        ],
        &[("SESSION_PRIVATE_KEY", SESSION_KEY)],
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json_field::<Address>(&json, "to"), policy.module);
    let call =
        revokeSessionBySignatureCall::abi_decode_validate(&json_field::<Bytes>(&json, "data"))
            .unwrap();
    let revocation = SessionRevocation {
        account: policy.account,
        permissionId: permission_id,
        deadline: U48::from(1_800_000_600u64),
    };
    assert_eq!(
        (call.account, call.permissionId, call.deadline),
        (revocation.account, revocation.permissionId, revocation.deadline)
    );
    let digest = revocation.digest(policy.chain_id, policy.module);
    assert_eq!(json_field::<B256>(&json, "digest"), digest);
    let typed: alloy_dyn_abi::TypedData =
        serde_json::from_value(json["typedData"].clone()).unwrap();
    assert_eq!(typed.eip712_signing_hash().unwrap(), digest);
    let signature = Signature::from_raw(&call.signature).unwrap();
    assert_eq!(
        signature.recover_address_from_prehash(&digest).unwrap(),
        policy.key().unwrap().id()
    );
}

#[test]
fn execute_and_revoke_refuse_missing_or_wrong_keys_and_bad_deadlines() {
    let session = ["--policy", POLICY, "--now", "1800000000"];
    let execute = |relay: &[&str], env: &[(&str, &str)]| {
        run(&[&["execute"][..], &session, relay, &["--to", GAME]].concat(), env)
    };
    let revoke = |deadline: &str, env: &[(&str, &str)]| {
        run(&[&["revoke"][..], &session, &["--deadline", deadline]].concat(), env)
    };
    let key = [("SESSION_PRIVATE_KEY", SESSION_KEY)];
    let relay = ["--nonce", "0", "--deadline", "1800000600"];
    let stderr = |output: Output, code: i32| {
        assert_eq!(output.status.code(), Some(code), "{output:?}");
        String::from_utf8(output.stderr).unwrap()
    };

    let unset = "error: SESSION_PRIVATE_KEY is not set\n";
    assert_eq!(stderr(execute(&relay, &[]), 1), unset);
    assert_eq!(stderr(revoke("1800000600", &[]), 1), unset);
    let wrong = stderr(revoke("1800000600", &[("SESSION_PRIVATE_KEY", OWNER_KEY)]), 1);
    let owner = Signer::from_hex(OWNER_KEY).unwrap().address();
    let session_key = example_session().0.key().unwrap().id();
    assert_eq!(
        wrong,
        format!(
            "error: SESSION_PRIVATE_KEY is the key of {owner}, not of the policy's session_key \
             {session_key}\n"
        )
    );

    assert_eq!(
        stderr(execute(&["--nonce", "0", "--deadline", "5"], &key), 1),
        "error: --deadline 5 is before the session starts (1800000000): no block could run the \
         call\n"
    );
    for bad in ["soon", "281474976710656"] {
        let by_clap = format!("error: invalid value '{bad}' for '--deadline <UNIX>'");
        for output in [execute(&["--nonce", "0", "--deadline", bad], &key), revoke(bad, &key)] {
            let refused = stderr(output, 2);
            assert!(refused.starts_with(&by_clap), "{refused}");
        }
    }
    let alone = stderr(execute(&["--nonce", "0"], &key), 2);
    assert!(
        alone.contains("required arguments were not provided:\n  --deadline <UNIX>"),
        "{alone}"
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

    let streaming = std::fs::read_to_string(example)
        .unwrap()
        .replace("native-token-allowance", "native-token-stream");
    std::fs::write(dir.join("stream.json"), streaming).unwrap();
    let refused = run(
        &[
            "permissions",
            "from-7715",
            dir.join("stream.json").to_str().unwrap(),
            "--module",
            module,
        ],
        &[],
    );
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(
            "[0].permission.type: `native-token-stream`: streaming allowances are not supported"
        ),
        "{stderr}"
    );
}

/// The periodic example: a bot paying Bob up to 100 USDC a day for 30 days.
const PERIODIC_POLICY: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/periodic-allowance.toml");
/// The P-256 example: the game session with the P-256 key 0x4848…48.
const P256_POLICY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/p256-session.toml");
const P256_KEY: &str = "0x4848484848484848484848484848484848484848484848484848484848484848";
const DAY: u64 = 86_400;

/// `stderr` of a run that failed with `code`.
fn failed(output: Output, code: i32) -> String {
    assert_eq!(output.status.code(), Some(code), "{output:?}");
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn grant_of_the_periodic_allowance_signs_its_period_and_argument_rules() {
    let policy = Policy::parse(&std::fs::read_to_string(PERIODIC_POLICY).unwrap()).unwrap();
    let grant = policy.grant(1_800_000_000).unwrap();
    let json: serde_json::Value = serde_json::from_str(&stdout(&run(
        &["grant", PERIODIC_POLICY, "--now", "1800000000", "--json"],
        &[],
    )))
    .unwrap();
    let digest = grant.digest(policy.chain_id, policy.module);
    assert_eq!(json_field::<B256>(&json, "digest"), digest);
    let typed: alloy_dyn_abi::TypedData =
        serde_json::from_value(json["typedData"].clone()).unwrap();
    assert_eq!(typed.eip712_signing_hash().unwrap(), digest);
    let session = &json["typedData"]["message"]["session"];
    assert_eq!(
        (&session["period"], &session["validUntil"]),
        (&"86400".into(), &"1802591999".into())
    );
    let bob = "0x000000000000000000000000b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0";
    assert_eq!(
        session["argRules"],
        serde_json::json!([
            {"target": "0x75faf114eafb1BDbe2F0316DF893fd58CE46AA4d", "selector": "0xa9059cbb",
             "offset": 0, "condition": 0, "value": bob},
            {"target": "0x75faf114eafb1BDbe2F0316DF893fd58CE46AA4d", "selector": "0xa9059cbb",
             "offset": 32, "condition": 2, "value": format!("0x{:064x}", 1)},
        ])
    );

    let text = stdout(&run(&["grant", PERIODIC_POLICY, "--now", "1800000000"], &[]));
    let lines: Vec<_> = text.lines().skip(2).take(6).collect();
    let bob: Address = bob.parse::<B256>().map(Address::from_word).unwrap();
    assert_eq!(
        lines,
        [
            "  valid from 1800000000 until 1802591999 (unix) in periods of 86400 seconds (1day) \
             from its start; per period at most 5 uses, 2500000000000000 wei (value and gas)",
            "  gas: at most 500000000000000 wei an operation (its prefund), counted with the \
             value; no paymaster",
            "  may call 0x75faf114eafb1BDbe2F0316DF893fd58CE46AA4d with selector 0xa9059cbb, at \
             most 0 wei per call",
            &format!(
                "    only when the argument word at byte 0 (argument 0) = {bob} (as unsigned \
                 256-bit numbers)"
            ),
            "    only when the argument word at byte 32 (argument 1) ≥ 1 (as unsigned 256-bit \
             numbers)",
            "  may move at most 100000000 base units of the token \
             0x75faf114eafb1BDbe2F0316DF893fd58CE46AA4d by transfer, approve, increaseAllowance and transferFrom, per period",
        ]
    );
}

#[test]
fn bad_argument_rules_and_periods_fail_naming_the_field() {
    let dir = std::env::temp_dir().join(format!("smart-session-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("policy.toml");
    let example = std::fs::read_to_string(PERIODIC_POLICY).unwrap();
    let amount_rule = r#"{ arg = 1, ge = "1" },"#;
    let cases = [
        (
            example.replace(amount_rule, &format!("{amount_rule}\n").repeat(8)),
            "actions[0].rules: 9 rules: the module holds at most 8 per action (it refuses the next \
             with ArgumentRuleInvalid)",
        ),
        (
            example.replace(r#"ge = "1""#, r#"gt = "0""#),
            "actions[0].rules[1].gt: `gt` is no condition: say eq, ne, le or ge (=, ≠, ≤, ≥)",
        ),
        (
            example.replace("arg = 1,", "arg = 2,"),
            "actions[0].rules[1].arg: argument 2 is beyond `transfer(address,uint256)`, which has 2 \
             arguments (arg = 0 to 1)",
        ),
        (
            example.replace(r#"period = "1day""#, r#"period = "1s""#).replace("30days", "137years"),
            "period: `1s` is too short for the window of 4323391200 seconds: it makes 4323391200 \
             periods, and the module counts at most 2^32",
        ),
    ];
    for (broken, says) in cases {
        std::fs::write(&path, broken).unwrap();
        let output = run(&["grant", path.to_str().unwrap(), "--now", "1800000000"], &[]);
        assert_eq!(failed(output, 1), format!("error: {}: {says}\n", path.display()));
    }
}

#[test]
fn sign_userop_appends_the_period_index_of_at_and_refuses_a_time_outside_the_window() {
    let policy = Policy::parse(&std::fs::read_to_string(PERIODIC_POLICY).unwrap()).unwrap();
    let session = policy.session(1_800_000_000).unwrap();
    let permission_id = session.permission_id(policy.chain_id, policy.module);
    let hash = B256::repeat_byte(0x99).to_string();
    let sign = |at: u64, json: bool| {
        let at = at.to_string();
        let args = ["sign-userop", "--mode", "use", "--hash", &hash, "--policy", PERIODIC_POLICY];
        let mut args = [&args[..], &["--now", "1800000000", "--at", &at]].concat();
        if json {
            args.push("--json");
        }
        run(&args, &[("SESSION_PRIVATE_KEY", SESSION_KEY)])
    };
    let at = 1_800_000_000 + 2 * DAY + 5;
    let bytes: Bytes = stdout(&sign(at, false)).trim().parse().unwrap();
    assert_eq!((bytes.len(), bytes[0], &bytes[1..33]), (102, 0x00, permission_id.as_slice()));
    assert_eq!(&bytes[98..], &[0, 0, 0, 2], "the third day's period");
    let signature = Signature::from_raw(&bytes[33..98]).unwrap();
    let signer = Signer::from_hex(SESSION_KEY).unwrap().address();
    let message = session_op_hash(B256::repeat_byte(0x99), permission_id, 2);
    assert_eq!(signature.recover_address_from_prehash(&message).unwrap(), signer);

    let json: serde_json::Value = serde_json::from_str(&stdout(&sign(at, true))).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "signature": bytes, "permissionId": permission_id, "keyType": 0, "periodIndex": 2,
            "validAfter": 1_800_000_000 + 2 * DAY, "validUntil": 1_800_000_000 + 3 * DAY - 1,
        })
    );
    let text = stdout(&run(&["inspect", &bytes.to_string()], &[]));
    assert_eq!(
        text.lines().last().unwrap(),
        "  period index 2: counts in period 2 of the session (from validAfter + 2 · period); a \
         newer period starts the counters over, an older one is refused (SessionPeriodInvalid)"
    );

    // ENABLE: the window ends at the grant's deadline (an hour) within the first day.
    let enable = [
        &["sign-userop", "--mode", "enable", "--hash", &hash, "--policy", PERIODIC_POLICY][..],
        &["--now", "1800000000", "--at", "1800000005", "--owner-signature", "0x01", "--json"],
    ]
    .concat();
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&run(&enable, &[("SESSION_PRIVATE_KEY", SESSION_KEY)])))
            .unwrap();
    assert_eq!(
        (&json["periodIndex"], &json["validAfter"], &json["validUntil"]),
        (&0.into(), &1_800_000_000u64.into(), &1_800_003_600u64.into())
    );
    let signature: Bytes = json_field(&json, "signature");
    let enable = <EnableSession as alloy_sol_types::SolValue>::abi_decode(&signature[1..]).unwrap();
    let key_proof = enable.keySignature;
    assert_eq!((key_proof.len(), &key_proof[65..]), (69, &[0, 0, 0, 0][..]), "ENABLE's proof too");

    assert_eq!(
        failed(sign(1_900_000_000, false), 1),
        "error: --at 1900000000 is outside the session's window (1800000000 to 1802591999): no \
         period to count in\n"
    );
}

#[test]
fn a_p256_session_key_signs_operations_relayed_executions_and_revocations() {
    use p256::ecdsa::{signature::hazmat::PrehashVerifier, Signature, VerifyingKey};
    let policy = Policy::parse(&std::fs::read_to_string(P256_POLICY).unwrap()).unwrap();
    let session = policy.session(1_800_000_000).unwrap();
    let permission_id = session.permission_id(policy.chain_id, policy.module);
    let verifier = VerifyingKey::from_sec1_bytes(&policy.session_key).unwrap();
    let verifies = |rs: &[u8], hash: B256| {
        let signature = Signature::from_slice(rs).unwrap();
        verifier.verify_prehash(hash.as_slice(), &signature).is_ok()
    };
    let key = [("SESSION_P256_PRIVATE_KEY", P256_KEY)];

    let hash = B256::repeat_byte(0x99);
    let use_op =
        ["sign-userop", "--mode", "use", "--hash", &hash.to_string(), "--now", "1800000000"];
    let use_op = [&use_op[..], &["--policy", P256_POLICY]].concat();
    let bytes: Bytes = stdout(&run(&use_op, &key)).trim().parse().unwrap();
    assert_eq!((bytes.len(), &bytes[1..33]), (1 + 32 + 128, permission_id.as_slice()));
    assert_eq!(&bytes[97..], &policy.session_key[1..], "x ‖ y after r ‖ s");
    assert!(verifies(&bytes[33..97], session_op_hash(hash, permission_id, 0)));
    let inspected: serde_json::Value =
        serde_json::from_str(&stdout(&run(&["inspect", &bytes.to_string(), "--json"], &[])))
            .unwrap();
    assert_eq!(inspected["proof"]["keyType"], "p256");
    assert_eq!(
        json_field::<Address>(&inspected["proof"], "keyId"),
        Address::from_word(session.key)
    );

    // The relayed execution and revocation: the key's 128 bytes over the module's digests.
    let relay = ["--policy", P256_POLICY, "--now", "1800000000", "--json"];
    let execute = [&["execute"][..], &relay, &["--nonce", "0", "--deadline", "1800000600"]];
    let execute = [&execute.concat()[..], &["--to", GAME]].concat();
    let json: serde_json::Value = serde_json::from_str(&stdout(&run(&execute, &key))).unwrap();
    let call =
        executeAsSessionBySignatureCall::abi_decode_validate(&json_field::<Bytes>(&json, "data"))
            .unwrap();
    assert_eq!(call.signature.len(), 128);
    assert!(verifies(&call.signature[..64], json_field(&json, "digest")));
    let revoke = [&["revoke"][..], &relay, &["--deadline", "1800000600"]].concat();
    let json: serde_json::Value = serde_json::from_str(&stdout(&run(&revoke, &key))).unwrap();
    let call =
        revokeSessionBySignatureCall::abi_decode_validate(&json_field::<Bytes>(&json, "data"))
            .unwrap();
    assert!(verifies(&call.signature[..64], json_field(&json, "digest")));

    // The key itself sends nothing; another key or none is refused.
    let alone = [&["execute"][..], &relay[..4], &["--to", GAME]].concat();
    assert_eq!(
        failed(run(&alone, &key), 1),
        format!(
            "error: {P256_POLICY}: a P-256 session key sends no transactions (the module checks \
             the sender against its id {}): sign for a relayer with --nonce and --deadline\n",
            Address::from_word(session.key)
        )
    );
    let other = encode_p256_id(&format!("0x{}", "49".repeat(32)));
    assert_eq!(
        failed(run(&use_op, &[("SESSION_P256_PRIVATE_KEY", &format!("0x{}", "49".repeat(32)))]), 1),
        format!(
            "error: SESSION_P256_PRIVATE_KEY is the key of id {other}, not of the policy's \
             session_key id {}\n",
            Address::from_word(session.key)
        )
    );
    assert_eq!(
        failed(run(&use_op, &[("SESSION_PRIVATE_KEY", SESSION_KEY)]), 1),
        "error: SESSION_P256_PRIVATE_KEY is not set\n"
    );
}

/// The key id of the P-256 private key `hex`.
fn encode_p256_id(hex: &str) -> Address {
    smart_session::encode::P256Signer::from_hex(hex).unwrap().key_id()
}

#[test]
fn permissions_convert_a_periodic_erc_7715_allowance_to_a_period_and_back() {
    let module = "0x5e55105e55105e55105e55105e55105e55105e55";
    let dir = std::env::temp_dir().join(format!("smart-session-periodic-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/erc7715-periodic.json");
    let policy = stdout(&run(&["permissions", "from-7715", example, "--module", module], &[]));
    let json: serde_json::Value = serde_json::from_str(&policy).unwrap();
    assert_eq!((&json["period"], &json["valid_after"]), (&"86400s".into(), &1_800_000_000.into()));
    assert_eq!(json["token_limits"][0]["max_amount"], "100000000");
    std::fs::write(dir.join("policy.json"), &policy).unwrap();

    let back =
        stdout(&run(&["permissions", "to-7715", dir.join("policy.json").to_str().unwrap()], &[]));
    let mut asked: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(example).unwrap()).unwrap();
    asked[0]["permission"]["data"].as_object_mut().unwrap().remove("justification");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&back).unwrap(), asked);

    // The policy goes to `grant` as it is (it carries a grant table), and the wallet's
    // response names the same session in its context.
    let path = dir.join("policy.json");
    let grant = stdout(&run(&["grant", path.to_str().unwrap(), "--json"], &[]));
    let grant: serde_json::Value = serde_json::from_str(&grant).unwrap();
    let respond = ["permissions", "respond", example, "--module", module, "--now", "1800000000"];
    let response: serde_json::Value = serde_json::from_str(&stdout(&run(&respond, &[]))).unwrap();
    let context: Bytes = json_field(&response[0], "context");
    assert_eq!(&context[64..], json_field::<B256>(&grant, "permissionId").as_slice());
    let supported = ["permissions", "supported", "--chain-id", "421614"];
    let supported: serde_json::Value =
        serde_json::from_str(&stdout(&run(&supported, &[]))).unwrap();
    assert_eq!(supported["erc20-token-periodic"]["chainIds"][0], "0x66eee");
}

/// The example policy with signing scopes, and the example typed data it allows.
const SIGNING_POLICY: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/game-signing.toml");
const CHALLENGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/game-challenge.json");

sol! {
    /// examples/game-challenge.json's type.
    struct Challenge {
        address opponent;
        uint8 board;
        uint256 wager;
        string message;
    }
    /// ERC-7739's wrapper of `Challenge`, typed out from the ERC's text.
    struct TypedDataSign {
        Challenge contents;
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

/// `sign-message` on the signing example for an account named "SessionAccount", version 1.
fn sign_message(policy: &str, what: &[&str], env: &[(&str, &str)]) -> Output {
    let account = ["--account-name", "SessionAccount", "--account-version", "1"];
    let session = ["sign-message", "--policy", policy, "--now", "1800000000"];
    run(&[&session[..], &account, what].concat(), env)
}

/// The signing example's session: (policy, permissionId, the account's EIP-712 domain).
fn signing_session() -> (Policy, B256, alloy_sol_types::Eip712Domain) {
    let policy = Policy::parse(&std::fs::read_to_string(SIGNING_POLICY).unwrap()).unwrap();
    let permission_id =
        policy.session(1_800_000_000).unwrap().permission_id(policy.chain_id, policy.module);
    let account = eip712_domain! {
        name: "SessionAccount",
        version: "1",
        chain_id: policy.chain_id,
        verifying_contract: policy.account,
    };
    (policy, permission_id, account)
}

#[test]
fn sign_message_prints_a_typed_data_signature_the_key_made_over_the_erc7739_digest() {
    let (policy, permission_id, account) = signing_session();
    let key = [("SESSION_PRIVATE_KEY", SESSION_KEY)];
    let what = ["--typed-data", CHALLENGE];
    let json: serde_json::Value = serde_json::from_str(&stdout(&sign_message(
        SIGNING_POLICY,
        &[&what[..], &["--json"]].concat(),
        &key,
    )))
    .unwrap();

    // The digest and hash, built independently from the example's type with alloy.
    let app = eip712_domain! {
        name: "Game",
        version: "1",
        chain_id: policy.chain_id,
        verifying_contract: GAME.parse::<Address>().unwrap(),
    };
    let challenge = Challenge {
        opponent: "0x0000000000000000000000000000000000000b0b".parse().unwrap(),
        board: 3,
        wager: U256::from(10u64.pow(16)),
        message: "gg, rematch?".into(),
    };
    let wrapped = TypedDataSign {
        contents: challenge.clone(),
        name: "SessionAccount".into(),
        version: "1".into(),
        chainId: U256::from(policy.chain_id),
        verifyingContract: policy.account,
        salt: B256::ZERO,
    };
    let digest = wrapped.eip712_signing_hash(&app);
    assert_eq!(json_field::<B256>(&json, "digest"), digest);
    assert_eq!(json_field::<B256>(&json, "hash"), challenge.eip712_signing_hash(&app));
    assert_eq!(json_field::<B256>(&json, "permissionId"), permission_id);
    let typed: alloy_dyn_abi::TypedData =
        serde_json::from_value(json["typedData"].clone()).unwrap();
    assert_eq!(typed.eip712_signing_hash().unwrap(), digest);

    // module ‖ 0x01 ‖ permissionId ‖ the key's signature ‖ app domain ‖ encodeData ‖ descr ‖
    // length.
    let signature: Bytes = json_field(&json, "signature");
    assert_eq!(
        (&signature[..20], signature[20], &signature[21..53]),
        (policy.module.as_slice(), 1, &permission_id[..])
    );
    let key_signature = Signature::from_raw(&signature[53..118]).unwrap();
    assert_eq!(
        key_signature.recover_address_from_prehash(&digest).unwrap(),
        policy.key().unwrap().id()
    );
    let descr = Challenge::eip712_encode_type();
    let tail = [
        app.separator().as_slice(),
        &challenge.eip712_encode_data(),
        descr.as_bytes(),
        &(descr.len() as u16).to_be_bytes(),
    ]
    .concat();
    assert_eq!(&signature[118..], &tail[..]);

    // The library agrees, and without --json the signature alone is printed.
    let typed = serde_json::from_str(&std::fs::read_to_string(CHALLENGE).unwrap()).unwrap();
    let message = AppMessage::typed(typed).unwrap();
    let domain = AccountDomain {
        name: "SessionAccount".into(),
        version: "1".into(),
        chain_id: policy.chain_id,
        account: policy.account,
        salt: None,
    };
    assert_eq!(domain.separator(), account.separator());
    assert_eq!(message.digest(&domain), digest);
    assert_eq!(stdout(&sign_message(SIGNING_POLICY, &what, &key)).trim(), signature.to_string());
}

#[test]
fn sign_message_prints_a_personal_signature_when_given_a_message() {
    let (policy, permission_id, account) = signing_session();
    let output = sign_message(
        SIGNING_POLICY,
        &["--message", "log in to the game", "--json"],
        &[("SESSION_PRIVATE_KEY", SESSION_KEY)],
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let hash = alloy_primitives::eip191_hash_message("log in to the game");
    assert_eq!(json_field::<B256>(&json, "hash"), hash);
    let prefixed = b"\x19Ethereum Signed Message:\n18log in to the game";
    let digest = PersonalSign { prefixed: prefixed.to_vec().into() }.eip712_signing_hash(&account);
    assert_eq!(json_field::<B256>(&json, "digest"), digest);
    // module ‖ 0x00 ‖ permissionId ‖ the key's signature ‖ the message.
    let signature: Bytes = json_field(&json, "signature");
    assert_eq!(signature.len(), 20 + 1 + 32 + 65 + 18);
    assert_eq!(
        (&signature[..20], signature[20], &signature[21..53]),
        (policy.module.as_slice(), 0, &permission_id[..])
    );
    assert_eq!(&signature[118..], b"log in to the game");
    let key_signature = Signature::from_raw(&signature[53..118]).unwrap();
    assert_eq!(
        key_signature.recover_address_from_prehash(&digest).unwrap(),
        policy.key().unwrap().id()
    );
}

#[test]
fn sign_message_refuses_what_no_scope_allows_and_a_missing_key() {
    let key = [("SESSION_PRIVATE_KEY", SESSION_KEY)];
    let stderr = |output: Output, code: i32| {
        assert_eq!(output.status.code(), Some(code), "{output:?}");
        String::from_utf8(output.stderr).unwrap()
    };

    // The game example has no signing scope: neither the game's typed data nor log-ins.
    let typed = stderr(sign_message(POLICY, &["--typed-data", CHALLENGE], &key), 1);
    let refused = "error: ".to_string()
        + POLICY
        + ": the policy's session has no signing scope for this typed data";
    assert!(typed.starts_with(&refused), "{typed}");
    assert!(typed.contains("the module would answer 0xffffffff"), "{typed}");
    let entry = std::fs::read_to_string(SIGNING_POLICY).unwrap();
    let needed = typed.split_once("[[signing]]\n").unwrap().1.trim_end();
    assert!(entry.contains(needed), "the refusal prints the example's entry: {typed}");
    let personal = stderr(sign_message(POLICY, &["--message", "log in"], &key), 1);
    assert!(personal.contains("no signing scope for personal messages"), "{personal}");

    // Another app (the same game, version 2) is not in the signing example's scopes either.
    let dir = std::env::temp_dir().join(format!("smart-session-sign-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let other_app = dir.join("challenge-v2.json");
    let challenge = std::fs::read_to_string(CHALLENGE).unwrap();
    std::fs::write(&other_app, challenge.replace("\"version\": \"1\"", "\"version\": \"2\""))
        .unwrap();
    let other = stderr(
        sign_message(SIGNING_POLICY, &["--typed-data", other_app.to_str().unwrap()], &key),
        1,
    );
    assert!(other.contains("no signing scope for this typed data"), "{other}");

    assert_eq!(
        stderr(sign_message(SIGNING_POLICY, &["--message", "log in"], &[]), 1),
        "error: SESSION_PRIVATE_KEY is not set\n"
    );
    let neither = stderr(sign_message(SIGNING_POLICY, &[], &key), 2);
    assert!(neither.contains("--typed-data <FILE>"), "{neither}");
    let both = sign_message(SIGNING_POLICY, &["--message", "hi", "--typed-data", CHALLENGE], &key);
    assert_eq!(both.status.code(), Some(2));
}

const PASSKEY_POLICY: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/passkey-session.toml");
const MULTISIG_POLICY: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/multisig-session.toml");

/// `sign-userop` of `policy` (with `keys` in the environment): the signature, and what
/// `inspect --json` makes of it.
fn signed_and_inspected(
    policy: &str,
    hash: B256,
    keys: &[(&str, &str)],
) -> (Bytes, serde_json::Value) {
    let args = ["sign-userop", "--mode", "use", "--hash", &hash.to_string(), "--now", "1800000000"];
    let args = [&args[..], &["--at", "1800000000", "--policy", policy]].concat();
    let bytes: Bytes = stdout(&run(&args, keys)).trim().parse().unwrap();
    let inspected =
        serde_json::from_str(&stdout(&run(&["inspect", &bytes.to_string(), "--json"], &[])))
            .unwrap();
    (bytes, inspected)
}

#[test]
fn a_passkey_session_signs_operations_with_a_webauthn_assertion() {
    use session_core::webauthn::Assertion;
    let policy = Policy::parse(&std::fs::read_to_string(PASSKEY_POLICY).unwrap()).unwrap();
    let session = policy.session(1_800_000_000).unwrap();
    let permission_id = session.permission_id(policy.chain_id, policy.module);
    let hash = B256::repeat_byte(0x99);
    let keys = [("SESSION_P256_PRIVATE_KEY", P256_KEY), ("SESSION_WEBAUTHN_RP_ID", "game.example")];
    let (bytes, inspected) = signed_and_inspected(PASSKEY_POLICY, hash, &keys);
    assert_eq!(&bytes[1..33], permission_id.as_slice());
    let assertion = Assertion::parse(&bytes[33..]).unwrap();
    assert!(assertion.claims(&session_op_hash(hash, permission_id, 0), true));
    assert_eq!(inspected["proof"]["keyType"], "webauthn");
    assert_eq!(
        json_field::<Address>(&inspected["proof"], "keyId"),
        Address::from_word(session.key)
    );
    let text = stdout(&run(&["inspect", &bytes.to_string()], &[]));
    assert!(text.contains("user present: set, user verified: set"), "{text}");
    assert!(text.contains(r#"clientDataJSON {"type":"webauthn.get","challenge":""#), "{text}");
    // Without the site, no assertion.
    let alone = [("SESSION_P256_PRIVATE_KEY", P256_KEY)];
    let args = ["sign-userop", "--mode", "use", "--hash", &hash.to_string(), "--now", "1800000000"];
    let args = [&args[..], &["--policy", PASSKEY_POLICY]].concat();
    assert_eq!(failed(run(&args, &alone), 1), "error: SESSION_WEBAUTHN_RP_ID is not set\n");
}

#[test]
fn a_multisig_session_signs_operations_with_two_of_its_three_keys() {
    use session_core::multisig::Multisig;
    let policy = Policy::parse(&std::fs::read_to_string(MULTISIG_POLICY).unwrap()).unwrap();
    let session = policy.session(1_800_000_000).unwrap();
    let permission_id = session.permission_id(policy.chain_id, policy.module);
    let hash = B256::repeat_byte(0x99);
    let two = format!("0x{},0x{}", "31".repeat(32), "33".repeat(32));
    let (bytes, inspected) =
        signed_and_inspected(MULTISIG_POLICY, hash, &[("SESSION_PRIVATE_KEYS", &two)]);
    // The signature, then period 0's index.
    let (signature, index) = bytes[33..].split_at(bytes.len() - 33 - 4);
    assert_eq!(index, [0, 0, 0, 0]);
    let multisig = Multisig::parse(signature).unwrap();
    assert_eq!(multisig.key_id(), Address::from_word(session.key));
    let message = session_op_hash(hash, permission_id, 0);
    for entry in multisig.signatures() {
        let (signer, ecdsa) = entry.unwrap();
        let signature = Signature::from_raw(ecdsa).unwrap();
        assert_eq!(signature.recover_address_from_prehash(&message).unwrap(), signer);
    }
    assert_eq!(inspected["proof"]["keyType"], "multisig");
    assert_eq!(inspected["proof"]["periodIndex"], 0);
    // One key short, or a key outside the set: refused before signing.
    let one = format!("0x{}", "31".repeat(32));
    let args = ["sign-userop", "--mode", "use", "--hash", &hash.to_string(), "--now", "1800000000"];
    let args = [&args[..], &["--at", "1800000000", "--policy", MULTISIG_POLICY]].concat();
    let refusal =
        "error: SESSION_PRIVATE_KEYS: give exactly 2 keys (comma-separated), each of a signer\n";
    assert_eq!(failed(run(&args, &[("SESSION_PRIVATE_KEYS", &one)]), 1), refusal);
    let outside = format!("0x{},0x{}", "31".repeat(32), "34".repeat(32));
    assert_eq!(failed(run(&args, &[("SESSION_PRIVATE_KEYS", &outside)]), 1), refusal);
}

/// [`run`] with `input` on standard input.
fn run_with_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_smart-session"))
        .args(args)
        .env_remove("OWNER_PRIVATE_KEY")
        .env_remove("SESSION_PRIVATE_KEY")
        .env("SMART_SESSION_CLOCK", "1800000000")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_dash_reads_the_policy_from_standard_input() {
    let policy = std::fs::read_to_string(POLICY).unwrap();
    let text = stdout(&run_with_stdin(&["grant", "-", "--now", "1800000000"], &policy));
    assert!(text.contains(&format!("grant digest {}", worked_example_digest())), "{text}");
    let from_file = stdout(&run(&["grant", POLICY, "--now", "1800000000"], &[]));
    assert_eq!(text, from_file);
}

#[test]
fn calldata_prints_json_with_the_calls_it_makes() {
    let args =
        ["calldata", "--to", GAME, "--value", "0.01 ether", "--function", "move(uint8,uint8)"];
    let plain = stdout(&run(&[&args[..], &["1", "2"]].concat(), &[]));
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&run(&[&args[..], &["1", "2", "--json"]].concat(), &[])))
            .unwrap();
    assert_eq!(json["data"], plain.trim());
    assert_eq!(json_field::<Address>(&json["calls"][0], "to"), GAME.parse::<Address>().unwrap());
    assert_eq!(json_field::<U256>(&json["calls"][0], "value"), U256::from(10u64.pow(16)));
    let data: Bytes = json_field(&json["calls"][0], "data");
    assert_eq!(&data[..4], &[0x70, 0x1b, 0xd9, 0x85], "move(uint8,uint8)");
}

#[test]
fn a_grant_whose_window_or_deadline_is_past_is_refused() {
    let output = run(&["grant", POLICY, "--now", "1000"], &[]);
    assert_eq!(
        failed(output, 1),
        format!(
            "error: {POLICY}: the session's window ends at 8200, before now (1800000000): nothing \
             could use it (is --now the time you meant?)\n"
        )
    );
    // The window is still open, the grant's hour to enable it is not.
    let output = run(&["grant", POLICY, "--now", "1799996000"], &[]);
    assert_eq!(
        failed(output, 1),
        format!(
            "error: {POLICY}: the grant's deadline 1799999600 is past (1800000000): nobody could \
             enable it\n"
        )
    );
}

#[test]
fn grant_frames_the_owner_signature_for_each_account() {
    let owner = [("OWNER_PRIVATE_KEY", OWNER_KEY)];
    let signed = |extra: &[&str]| {
        let args =
            [&["grant", POLICY, "--now", "1800000000", "--sign", "--json"][..], extra].concat();
        let json: serde_json::Value = serde_json::from_str(&stdout(&run(&args, &owner))).unwrap();
        (json_field::<B256>(&json, "digest"), json_field::<Bytes>(&json, "ownerSignature"))
    };
    let owner_address = Signer::from_hex(OWNER_KEY).unwrap().address();
    let recovers = |signature: &[u8], hash: B256| {
        Signature::from_raw(signature).unwrap().recover_address_from_prehash(&hash).unwrap()
            == owner_address
    };
    let validator = "0x0000000000000000000000000000000000000b0b";
    let (digest, oz) = signed(&["--account-kind", "oz", "--owner-validator", validator]);
    assert_eq!(&oz[..20], validator.parse::<Address>().unwrap().as_slice());
    assert!(recovers(&oz[20..], digest));
    let (digest, kernel) = signed(&["--account-kind", "kernel"]);
    assert_eq!(kernel[0], 0x00, "Kernel's root validator");
    let account = "0xa11cea11cea11cea11cea11cea11cea11cea11ce".parse().unwrap();
    let wrapped = smart_session::accounts::kernel_digest(digest, account, 421_614);
    assert!(recovers(&kernel[1..], wrapped));
    // Without the owner validator the account could not route it; an unknown account.
    let args = ["grant", POLICY, "--now", "1800000000", "--sign", "--account-kind", "nexus"];
    assert_eq!(
        failed(run(&args, &owner), 1),
        "error: nexus picks the owner's validator from the signature's first 20 bytes: name it \
         (--owner-validator)\n"
    );
    let args = ["grant", POLICY, "--now", "1800000000", "--sign", "--account-kind", "argent"];
    assert_eq!(
        failed(run(&args, &owner), 1),
        "error: --account-kind argent: one of oz, nexus, safe7579, kernel\n"
    );
}
