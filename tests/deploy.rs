//! `scripts/deploy.sh` without a chain: it refuses missing or malformed settings before building
//! or running anything, hands a stand-in cargo-stylus (printing what cargo-stylus 0.10.10 prints,
//! colours and log prefixes included) the artifact `make build` measured and a mode-600 key file
//! that never reaches a command line, and prints the summary it parsed or fails saying what is
//! missing. And the ABI a deployer publishes beside the address.

use std::{fs, os::unix::fs::PermissionsExt, path::Path, process::Command};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const WASM: &str = "target/stylus_smart_sessions.opt.wasm";
const URL: &str = "https://sepolia-rollup.arbitrum.io/rpc";
const KEY: &str = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
const MODULE: &str = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
const MODULE_CHECKSUMMED: &str = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const DEPLOY_TX: &str = "0x9a5bd0b2c8f0c9e4d8b3a7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6";
const ACTIVATE_TX: &str = "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a7988";
const BID_TX: &str = "0x77aa66bb55cc44dd33ee22ff1100998877aa66bb55cc44dd33ee22ff11009988";

/// Stands in for cargo-stylus: records its argv, the key file it is given (mode and contents,
/// while the call lasts) and whether it inherited the key, refuses a directory without
/// Stylus.toml as 0.10.10 does, prints `$FAKE_DIR/output`, exits with `$FAKE_STATUS`.
const FAKE_STYLUS: &str = r#"#!/usr/bin/env bash
set -euo pipefail
printf '%s\n' "$@" >"$FAKE_DIR/argv"
prev=
for arg; do
  [ "$prev" != --private-key-path ] || { stat -c %a "$arg"; cat "$arg"; } >"$FAKE_DIR/key"
  prev=$arg
done
[ -z "${STYLUS_PRIVATE_KEY:-}" ] || touch "$FAKE_DIR/inherited-key"
[ -f Stylus.toml ] || { echo "Error: missing Stylus.toml" >&2; exit 1; }
cat "$FAKE_DIR/output"
exit "${FAKE_STATUS:-0}"
"#;
const FAKE_MAKE: &str = "#!/usr/bin/env bash\necho \"$*\" >>\"$FAKE_DIR/make-calls\"\n";

// cargo-stylus 0.10.10 logs through simple_logger (`time LEVEL [target] message`, level in
// colour) and stylus-tools colours the message grey and its values (utils/color.rs).
const GREY: &str = "\x1b[0;0m\x1b[90m";
const MINT: &str = "\x1b[38;5;48;1m";
const LAVENDER: &str = "\x1b[38;5;183;1m";
const CLEAR: &str = "\x1b[0;0m";

fn log(level: &str, target: &str, message: &str) -> String {
    let level = match level {
        "INFO" => "\x1b[36mINFO\x1b[0m",
        _ => "\x1b[35mDEBUG\x1b[0m",
    };
    format!("2026-11-24T20:00:00.000Z {level} [{target}] {GREY}{message}{CLEAR}\n")
}

fn check_output() -> String {
    let size = format!("contract size: {MINT}20.1 KiB{GREY} (20582 bytes)");
    let (fee, unbumped) =
        (format!("{MINT}0.000093 ETH{CLEAR}"), format!("{MINT}0.000077 ETH{CLEAR}"));
    let bump = format!("{GREY}(originally {unbumped}{GREY} with {LAVENDER}20%{GREY} bump)");
    log("INFO", "stylus_tools::core::check", &size)
        + &log("INFO", "stylus_tools::core::activation", &format!("wasm data fee: {fee} {bump}"))
}

fn activated_line() -> String {
    let hash = format!("{LAVENDER}\"{ACTIVATE_TX}\"{CLEAR}");
    log(
        "INFO",
        "stylus_tools::core::activation",
        &format!("successfully activated contract {MODULE} with tx {hash}"),
    )
}

/// `deploy --no-verify --verbose --wasm-file` (stylus-tools core/deployment/mod.rs).
fn deploy_output() -> String {
    let d = "stylus_tools::core::deployment";
    [
        check_output(),
        log(
            "DEBUG",
            "alloy_rpc_client::call",
            "sending request method=eth_sendRawTransaction id=7",
        ),
        log("DEBUG", d, &format!("sent deploy tx: {LAVENDER}{DEPLOY_TX}{CLEAR}")),
        log("INFO", d, &format!("deployed code at address: {LAVENDER}{MODULE}{CLEAR}")),
        log("DEBUG", d, &format!("gas used: {MINT}3141592 gas{CLEAR}")),
        log("INFO", d, &format!("deployment tx hash: {LAVENDER}{DEPLOY_TX}{CLEAR}")),
        activated_line(),
        format!(
            "{MINT}NOTE:\n        We recommend running cargo stylus cache bid {} 0 ...{CLEAR}\n",
            &MODULE[2..]
        ),
    ]
    .concat()
}

struct Run {
    status: i32,
    stdout: String,
    stderr: String,
    dir: std::path::PathBuf,
}

impl Run {
    fn recorded(&self, name: &str) -> Option<String> {
        fs::read_to_string(self.dir.join(name)).ok()
    }

    fn argv(&self) -> Vec<String> {
        self.recorded("argv").expect("cargo-stylus ran").lines().map(String::from).collect()
    }

    /// The key file's path, checked: mode 600 holding the key during the call, gone after it,
    /// the key itself neither on the command line nor in cargo-stylus's environment.
    fn key_file(&self) -> String {
        let argv = self.argv();
        let at = argv.iter().position(|a| a == "--private-key-path").expect("--private-key-path");
        let path = argv[at + 1].clone();
        assert_eq!(self.recorded("key"), Some(format!("600\n{KEY}\n")), "mode, contents");
        assert!(!Path::new(&path).exists(), "{path} left behind");
        assert!(!argv.iter().any(|a| a.contains(&KEY[2..])), "key on the command line");
        assert_eq!(self.recorded("inherited-key"), None, "cargo-stylus inherited the key");
        path
    }

    /// The built artifact's path, or None when `make build` has not run: then the script must
    /// have said so and stopped before cargo-stylus.
    fn artifact(&self) -> Option<String> {
        let wasm = format!("{ROOT}/{WASM}");
        if Path::new(&wasm).exists() {
            return Some(wasm);
        }
        assert_eq!(
            (self.status, self.stderr.as_str()),
            (1, &*format!("error: {WASM} is missing: run make build\n"))
        );
        assert_eq!(self.recorded("argv"), None);
        None
    }
}

/// Environment variables set for one run; the others deploy.sh (or the fake) reads are removed.
type Env<'a> = &'a [(&'a str, &'a str)];
const SETTINGS: [&str; 8] = [
    "STYLUS_RPC_URL",
    "STYLUS_PRIVATE_KEY",
    "STYLUS_CONTRACT",
    "STYLUS_CACHE_BID",
    "STYLUS_MAX_FEE_GWEI",
    "SKIP_BUILD",
    "CARGO_STYLUS",
    "FAKE_STATUS",
];

fn deploy_sh(test: &str, args: &[&str], env: Env, output: &str) -> Run {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("deploy").join(test);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    for (name, script) in [("cargo-stylus", FAKE_STYLUS), ("make", FAKE_MAKE)] {
        fs::write(dir.join(name), script).unwrap();
        fs::set_permissions(dir.join(name), fs::Permissions::from_mode(0o755)).unwrap();
    }
    fs::write(dir.join("output"), output).unwrap();
    let mut command = Command::new("bash");
    command.arg(format!("{ROOT}/scripts/deploy.sh")).args(args);
    for var in SETTINGS {
        command.env_remove(var);
    }
    command.env("CARGO_STYLUS", dir.join("cargo-stylus")).env("MAKE", dir.join("make"));
    let out = command.env("FAKE_DIR", &dir).envs(env.iter().copied()).output().unwrap();
    Run {
        status: out.status.code().expect("exited"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
        dir,
    }
}

const RPC: (&str, &str) = ("STYLUS_RPC_URL", URL);
const PRIVATE_KEY: (&str, &str) = ("STYLUS_PRIVATE_KEY", KEY);
const CONTRACT: (&str, &str) = ("STYLUS_CONTRACT", MODULE);

#[test]
fn refuses_missing_or_malformed_settings_before_building_anything() {
    let cases: [(&str, Env, &str); 8] = [
        (
            "deploy",
            &[],
            "STYLUS_RPC_URL is not set: the chain's RPC endpoint (Arbitrum Sepolia: \
            https://sepolia-rollup.arbitrum.io/rpc, Arbitrum One: https://arb1.arbitrum.io/rpc)",
        ),
        (
            "check",
            &[("STYLUS_RPC_URL", "arb1.arbitrum.io/rpc")],
            "STYLUS_RPC_URL must start with http:// or https://",
        ),
        (
            "deploy",
            &[RPC],
            "STYLUS_PRIVATE_KEY is not set: the key that pays, 0x and 64 hex digits",
        ),
        (
            "deploy",
            &[RPC, ("STYLUS_PRIVATE_KEY", &KEY[2..])],
            "STYLUS_PRIVATE_KEY must be 0x and 64 hex digits",
        ),
        (
            "activate",
            &[RPC, PRIVATE_KEY],
            "STYLUS_CONTRACT is not set: the module's address, as deploy prints it",
        ),
        (
            "activate",
            &[RPC, PRIVATE_KEY, ("STYLUS_CONTRACT", &MODULE[..41])],
            "STYLUS_CONTRACT must be 0x and 40 hex digits",
        ),
        (
            "cache-bid",
            &[RPC, PRIVATE_KEY, CONTRACT, ("STYLUS_CACHE_BID", "1e9")],
            "STYLUS_CACHE_BID must be a whole number of wei (at most 19 digits)",
        ),
        (
            "deploy",
            &[RPC, PRIVATE_KEY, ("STYLUS_MAX_FEE_GWEI", "0.1gwei")],
            "STYLUS_MAX_FEE_GWEI must be a number of gwei",
        ),
    ];
    for (i, (command, env, error)) in cases.into_iter().enumerate() {
        let run = deploy_sh(&format!("refuse-{i}"), &[command], env, "");
        let expected = (2, "", format!("error: {error}\n"));
        assert_eq!(
            (run.status, run.stdout.as_str(), run.stderr.clone()),
            expected,
            "{command} {env:?}"
        );
        assert_eq!(
            (run.recorded("make-calls"), run.recorded("argv")),
            (None, None),
            "{command} {env:?}"
        );
    }
    for (i, args) in [&[][..], &["estimate"], &["deploy", "now"]].into_iter().enumerate() {
        let run = deploy_sh(&format!("usage-{i}"), args, &[RPC, PRIVATE_KEY], "");
        assert_eq!(run.status, 2, "{args:?}");
        assert!(run
            .stderr
            .starts_with("usage: scripts/deploy.sh check|deploy|activate|cache-bid\n"));
        assert_eq!((run.recorded("make-calls"), run.recorded("argv")), (None, None), "{args:?}");
    }
}

#[test]
fn deploy_builds_then_deploys_the_measured_artifact_and_prints_address_and_gas() {
    let run = deploy_sh("deploy", &["deploy"], &[RPC, PRIVATE_KEY], &deploy_output());
    assert_eq!(run.recorded("make-calls").as_deref(), Some("build\n"));
    let Some(wasm) = run.artifact() else { return };
    assert_eq!(run.status, 0, "{}", run.stderr);
    let key_file = run.key_file();
    let flags = ["--no-verify", "--verbose", "--endpoint", URL, "--private-key-path", &key_file];
    assert_eq!(run.argv(), [&["deploy"][..], &flags, &["--wasm-file", &wasm]].concat());
    assert_eq!(
        run.stdout,
        format!(
            "address: {MODULE}\ndeploy tx: {DEPLOY_TX}\ndeploy gas: 3141592\n\
             activate tx: 0x{ACTIVATE_TX}\nabi: abi/ISmartSessions.json\n"
        )
    );
    assert!(run.stderr.contains("deployed code at address"), "cargo-stylus's output is shown");
}

#[test]
fn check_needs_no_key_and_skip_build_uses_what_target_holds() {
    let run = deploy_sh("check", &["check"], &[RPC, ("SKIP_BUILD", "1")], &check_output());
    assert_eq!(run.recorded("make-calls"), None);
    let Some(wasm) = run.artifact() else { return };
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(run.argv(), ["check", "--endpoint", URL, "--wasm-file", &wasm]);
    assert_eq!(run.stdout, "code size: 20582 bytes\ndata fee: 0.000093 ETH\n");
}

#[test]
fn activate_and_cache_bid_act_on_the_contract_without_building() {
    let run =
        deploy_sh("activate", &["activate"], &[RPC, PRIVATE_KEY, CONTRACT], &activated_line());
    assert_eq!(run.status, 0, "{}", run.stderr);
    let key_file = run.key_file();
    let flags = ["--endpoint", URL, "--private-key-path", &key_file, "--address", MODULE];
    assert_eq!(run.argv(), [&["activate"][..], &flags].concat());
    assert_eq!(run.stdout, format!("address: {MODULE}\nactivate tx: 0x{ACTIVATE_TX}\n"));

    // stylus-tools core/cache.rs, at debug level: the address Display-ed (EIP-55), the gas.
    let target = "stylus_tools::core::cache";
    let gas = format!("{GREY}with{CLEAR} {MINT}104857 gas{CLEAR}");
    let output = [
        log("INFO", target, "Checking if contract can be cached..."),
        log("INFO", target, "Sending cache bid tx..."),
        log(
            "DEBUG",
            target,
            &format!(
                "Successfully cached contract at address: {MODULE_CHECKSUMMED} {gas} gas used"
            ),
        ),
        log(
            "INFO",
            target,
            &format!("Sent Stylus cache bid tx with hash: {LAVENDER}{BID_TX}{CLEAR}"),
        ),
    ]
    .concat();
    let env =
        [RPC, PRIVATE_KEY, CONTRACT, ("STYLUS_CACHE_BID", "1000"), ("STYLUS_MAX_FEE_GWEI", "0.1")];
    let run = deploy_sh("cache-bid", &["cache-bid"], &env, &output);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let key_file = run.key_file();
    let flags = ["--verbose", "--endpoint", URL, "--private-key-path", &key_file];
    let bid = ["--max-fee-per-gas-gwei", "0.1", MODULE, "1000"];
    assert_eq!(run.argv(), [&["cache", "bid"][..], &flags, &bid].concat());
    assert_eq!(
        run.stdout,
        format!(
            "address: {MODULE_CHECKSUMMED}\ncache bid: 1000 wei\ncache bid tx: {BID_TX}\n\
             cache bid gas: 104857\n"
        )
    );
    assert_eq!(run.recorded("make-calls"), None);
}

#[test]
fn a_failed_or_unreadable_cargo_stylus_run_fails_and_still_removes_the_key() {
    let env = [RPC, PRIVATE_KEY, CONTRACT, ("FAKE_STATUS", "1")];
    let run = deploy_sh("failed", &["activate"], &env, "Error: insufficient funds\n");
    run.key_file();
    let fake = run.dir.join("cargo-stylus");
    assert_eq!((run.status, run.stdout.as_str()), (1, ""));
    let error = format!("error: {} activate failed\n", fake.display());
    assert_eq!(run.stderr, format!("Error: insufficient funds\n{error}"));

    // Exit 0 without the line the summary comes from: no summary, an error naming what is missing.
    let run = deploy_sh("unreadable", &["activate"], &[RPC, PRIVATE_KEY, CONTRACT], "done\n");
    run.key_file();
    let fake = run.dir.join("cargo-stylus");
    assert_eq!((run.status, run.stdout.as_str()), (1, ""));
    let error = format!(
        "error: no activated address in the output of {} (this script reads cargo-stylus 0.10.10's)",
        fake.display()
    );
    assert_eq!(run.stderr, format!("done\n{error}\n"));
}

#[test]
fn published_abi_is_a_json_abi_with_validate_user_op() {
    // abi.rs holds abi/ to the exporter; this reads it the way a deployer's tooling does.
    let json = fs::read_to_string(format!("{ROOT}/abi/ISmartSessions.json")).unwrap();
    let abi: alloy_json_abi::JsonAbi = serde_json::from_str(&json).expect("a JSON ABI");
    let validate = abi.function("validateUserOp").expect("validateUserOp in the ABI");
    assert_eq!(validate.len(), 1);
    assert_eq!(validate[0].selector().0, [0x97, 0x00, 0x32, 0x03]);
}
