//! `scripts/deploy.sh` without a chain: it refuses missing or malformed settings before building
//! or running anything, hands a stand-in cargo-stylus (printing what cargo-stylus 0.10.10 prints,
//! colours and log prefixes included) the artifacts `make build` measured and a mode-600 key file
//! that never reaches a command line, deploys the manager, then the executor, then the validator
//! built for their addresses (or only what `STYLUS_MANAGER` and `STYLUS_EXECUTOR` do not name),
//! and prints the summary it parsed or fails saying what is missing, which step failed and how
//! to finish without deploying again what it deployed. And the ABI a deployer publishes beside
//! the address.

use std::{fs, os::unix::fs::PermissionsExt, path::Path, process::Command};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const VALIDATOR_WASM: &str = "target/stylus_smart_sessions.opt.wasm";
const MANAGER_WASM: &str = "target/stylus_smart_sessions_manager.opt.wasm";
const EXECUTOR_WASM: &str = "target/stylus_smart_sessions_executor.opt.wasm";
const URL: &str = "https://sepolia-rollup.arbitrum.io/rpc";
const KEY: &str = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
const MODULE: &str = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
const MODULE_CHECKSUMMED: &str = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const DEPLOY_TX: &str = "0x9a5bd0b2c8f0c9e4d8b3a7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6";
const ACTIVATE_TX: &str = "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a7988";
const MANAGER: &str = "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512";
const MANAGER_CHECKSUMMED: &str = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
const MANAGER_DEPLOY_TX: &str =
    "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc3c44cdddb6a900fa2b585dd2";
const MANAGER_ACTIVATE_TX: &str =
    "90f79bf6eb2c4f870365e785982e1f101e93b90690f79bf6eb2c4f870365e785";
const EXECUTOR: &str = "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0";
const EXECUTOR_CHECKSUMMED: &str = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0";
const EXECUTOR_DEPLOY_TX: &str =
    "0x15d34aaf54267db7d7c367839aaf71a00a2c6a6515d34aaf54267db7d7c36783";
const EXECUTOR_ACTIVATE_TX: &str =
    "9965507d1a55bcc2695c58ba16fb37d819b0a4dc9965507d1a55bcc2695c58ba";
/// A failed cargo-stylus run's output.
const NONCE_TOO_LOW: &str = "Error: nonce too low\n";
const BID_TX: &str = "0x77aa66bb55cc44dd33ee22ff1100998877aa66bb55cc44dd33ee22ff11009988";

/// Stands in for cargo-stylus: counts its runs and, for run N, records its argv (`argv.N`), the
/// key file it is given (`key.N`: mode and contents, while the call lasts) and whether it
/// inherited the key, refuses a directory without Stylus.toml as 0.10.10 does, prints
/// `$FAKE_DIR/output.N` and exits 1 when N is `$FAKE_FAIL`. Both stand-ins log their calls, in
/// order, to `$FAKE_DIR/calls`; make fails when its target is `$FAKE_MAKE_FAIL`.
const FAKE_STYLUS: &str = r#"#!/usr/bin/env bash
set -euo pipefail
n=$(($(cat "$FAKE_DIR/runs" 2>/dev/null || echo 0) + 1))
echo "$n" >"$FAKE_DIR/runs"
echo "cargo-stylus $1" >>"$FAKE_DIR/calls"
printf '%s\n' "$@" >"$FAKE_DIR/argv.$n"
prev=
for arg; do
  [ "$prev" != --private-key-path ] || { stat -c %a "$arg"; cat "$arg"; } >"$FAKE_DIR/key.$n"
  prev=$arg
done
[ -z "${STYLUS_PRIVATE_KEY:-}" ] || touch "$FAKE_DIR/inherited-key"
[ -f Stylus.toml ] || { echo "Error: missing Stylus.toml" >&2; exit 1; }
cat "$FAKE_DIR/output.$n"
[ "${FAKE_FAIL:-}" != "$n" ]
"#;
const FAKE_MAKE: &str = r#"#!/usr/bin/env bash
echo "make $*" >>"$FAKE_DIR/calls"
[ -z "${STYLUS_PRIVATE_KEY:-}" ] || touch "$FAKE_DIR/inherited-key"
[ "${FAKE_MAKE_FAIL:-}" != "$1" ]
"#;

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

/// `check` of a `bytes`-long program; no data fee line when its code is already active.
fn check_output(bytes: u32, active: bool) -> String {
    let size =
        format!("contract size: {MINT}{:.1} KiB{GREY} ({bytes} bytes)", bytes as f64 / 1024.0);
    let check = log("INFO", "stylus_tools::core::check", &size);
    if active {
        return check;
    }
    let (fee, unbumped) =
        (format!("{MINT}0.000093 ETH{CLEAR}"), format!("{MINT}0.000077 ETH{CLEAR}"));
    let bump = format!("{GREY}(originally {unbumped}{GREY} with {LAVENDER}20%{GREY} bump)");
    check + &log("INFO", "stylus_tools::core::activation", &format!("wasm data fee: {fee} {bump}"))
}

fn activated_line(address: &str, tx: &str) -> String {
    let hash = format!("{LAVENDER}\"{tx}\"{CLEAR}");
    log(
        "INFO",
        "stylus_tools::core::activation",
        &format!("successfully activated contract {address} with tx {hash}"),
    )
}

/// `deploy --no-verify --verbose --wasm-file` (stylus-tools core/deployment/mod.rs).
fn deploy_output(address: &str, deploy_tx: &str, gas: u32, activate_tx: &str) -> String {
    let d = "stylus_tools::core::deployment";
    [
        check_output(20582, false),
        log(
            "DEBUG",
            "alloy_rpc_client::call",
            "sending request method=eth_sendRawTransaction id=7",
        ),
        log("DEBUG", d, &format!("sent deploy tx: {LAVENDER}{deploy_tx}{CLEAR}")),
        log("INFO", d, &format!("deployed code at address: {LAVENDER}{address}{CLEAR}")),
        log("DEBUG", d, &format!("gas used: {MINT}{gas} gas{CLEAR}")),
        log("INFO", d, &format!("deployment tx hash: {LAVENDER}{deploy_tx}{CLEAR}")),
        activated_line(address, activate_tx),
        format!(
            "{MINT}NOTE:\n        We recommend running cargo stylus cache bid {} 0 ...{CLEAR}\n",
            &address[2..]
        ),
    ]
    .concat()
}

fn manager_deployed() -> String {
    deploy_output(MANAGER, MANAGER_DEPLOY_TX, 2718281, MANAGER_ACTIVATE_TX)
}

fn executor_deployed() -> String {
    deploy_output(EXECUTOR, EXECUTOR_DEPLOY_TX, 1618033, EXECUTOR_ACTIVATE_TX)
}

fn validator_deployed() -> String {
    deploy_output(MODULE, DEPLOY_TX, 3141592, ACTIVATE_TX)
}

/// The summary's three lines for a program this run deployed, as `*_deployed()` print it.
fn manager_lines() -> String {
    format!(
        "manager deploy tx: {MANAGER_DEPLOY_TX}\nmanager deploy gas: 2718281\n\
         manager activate tx: 0x{MANAGER_ACTIVATE_TX}\n"
    )
}

fn executor_lines() -> String {
    format!(
        "executor deploy tx: {EXECUTOR_DEPLOY_TX}\nexecutor deploy gas: 1618033\n\
         executor activate tx: 0x{EXECUTOR_ACTIVATE_TX}\n"
    )
}

fn validator_lines() -> String {
    format!(
        "validator deploy tx: {DEPLOY_TX}\nvalidator deploy gas: 3141592\n\
         validator activate tx: 0x{ACTIVATE_TX}\n"
    )
}

/// The summary's three lines for a program named by `STYLUS_MANAGER` or `STYLUS_EXECUTOR`.
const MANAGER_BEFORE: &str = "manager deploy tx: none (deployed before: STYLUS_MANAGER)\n\
    manager deploy gas: none (deployed before: STYLUS_MANAGER)\n\
    manager activate tx: none (deployed before: STYLUS_MANAGER)\n";
const EXECUTOR_BEFORE: &str = "executor deploy tx: none (deployed before: STYLUS_EXECUTOR)\n\
    executor deploy gas: none (deployed before: STYLUS_EXECUTOR)\n\
    executor activate tx: none (deployed before: STYLUS_EXECUTOR)\n";

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

    /// The stand-ins' calls, in order: `make …` and `cargo-stylus <subcommand>`.
    fn calls(&self) -> Option<String> {
        self.recorded("calls")
    }

    /// cargo-stylus's argv in its `run`th run (from 1).
    fn argv(&self, run: usize) -> Vec<String> {
        let argv = self.recorded(&format!("argv.{run}")).expect("cargo-stylus ran");
        argv.lines().map(String::from).collect()
    }

    /// The key file's path in cargo-stylus's `run`th run, checked: mode 600 holding the key
    /// during the call, gone after it, the key itself neither on the command line nor in
    /// cargo-stylus's or make's environment.
    fn key_file(&self, run: usize) -> String {
        let argv = self.argv(run);
        let at = argv.iter().position(|a| a == "--private-key-path").expect("--private-key-path");
        let path = argv[at + 1].clone();
        let key = self.recorded(&format!("key.{run}"));
        assert_eq!(key, Some(format!("600\n{KEY}\n")), "mode, contents");
        assert!(!Path::new(&path).exists(), "{path} left behind");
        assert!(!argv.iter().any(|a| a.contains(&KEY[2..])), "key on the command line");
        assert_eq!(self.recorded("inherited-key"), None, "the key was inherited");
        path
    }

    /// The paths of the built `wasms`, or None when `make build` has not run: then the script
    /// must have said so and failed.
    fn artifacts(&self, wasms: &[&str]) -> Option<Vec<String>> {
        match wasms.iter().find(|wasm| !Path::new(&format!("{ROOT}/{wasm}")).exists()) {
            None => Some(wasms.iter().map(|wasm| format!("{ROOT}/{wasm}")).collect()),
            Some(missing) => {
                assert_eq!((self.status, self.stdout.as_str()), (1, ""));
                let error = format!("error: {missing} is missing: run make build\n");
                assert!(self.stderr.contains(&error), "{}", self.stderr);
                None
            }
        }
    }
}

/// Environment variables set for one run; the others deploy.sh (or the fake) reads are removed.
type Env<'a> = &'a [(&'a str, &'a str)];
const SETTINGS: [&str; 13] = [
    "STYLUS_RPC_URL",
    "STYLUS_PRIVATE_KEY",
    "STYLUS_CONTRACT",
    "STYLUS_MANAGER",
    "STYLUS_EXECUTOR",
    "STYLUS_CACHE_BID",
    "STYLUS_MAX_FEE_GWEI",
    "SKIP_BUILD",
    "CARGO_STYLUS",
    "SMART_SESSIONS_MANAGER",
    "SMART_SESSIONS_EXECUTOR",
    "FAKE_FAIL",
    "FAKE_MAKE_FAIL",
];

/// Runs deploy.sh with cargo-stylus's `n`th run printing `outputs[n - 1]`.
fn deploy_sh(test: &str, args: &[&str], env: Env, outputs: &[&str]) -> Run {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("deploy").join(test);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    for (name, script) in [("cargo-stylus", FAKE_STYLUS), ("make", FAKE_MAKE)] {
        fs::write(dir.join(name), script).unwrap();
        fs::set_permissions(dir.join(name), fs::Permissions::from_mode(0o755)).unwrap();
    }
    for (n, output) in outputs.iter().enumerate() {
        fs::write(dir.join(format!("output.{}", n + 1)), output).unwrap();
    }
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

/// `deploy`'s flags before `--wasm-file`, with the key file it was given.
fn deploy_flags(key_file: &str) -> Vec<&str> {
    vec!["deploy", "--no-verify", "--verbose", "--endpoint", URL, "--private-key-path", key_file]
}

#[test]
fn refuses_missing_or_malformed_settings_before_building_anything() {
    let cases: [(&str, Env, &str); 12] = [
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
            "STYLUS_CONTRACT is not set: a program's address, as deploy prints it",
        ),
        (
            "activate",
            &[RPC, PRIVATE_KEY, ("STYLUS_CONTRACT", &MODULE[..41])],
            "STYLUS_CONTRACT must be 0x and 40 hex digits",
        ),
        (
            "deploy",
            &[RPC, PRIVATE_KEY, ("STYLUS_MANAGER", &MANAGER[2..])],
            "STYLUS_MANAGER must be 0x and 40 hex digits",
        ),
        (
            "deploy",
            &[RPC, PRIVATE_KEY, ("STYLUS_EXECUTOR", &EXECUTOR[..41])],
            "STYLUS_EXECUTOR must be 0x and 40 hex digits",
        ),
        (
            "deploy",
            &[RPC, PRIVATE_KEY, ("STYLUS_MANAGER", MANAGER), ("STYLUS_EXECUTOR", "0xexecutor")],
            "STYLUS_EXECUTOR must be 0x and 40 hex digits",
        ),
        (
            "deploy",
            &[
                RPC,
                PRIVATE_KEY,
                ("STYLUS_MANAGER", MANAGER),
                ("STYLUS_EXECUTOR", MANAGER_CHECKSUMMED),
            ],
            "STYLUS_MANAGER and STYLUS_EXECUTOR must be two programs, not one address",
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
        let run = deploy_sh(&format!("refuse-{i}"), &[command], env, &[]);
        let expected = (2, "", format!("error: {error}\n"));
        assert_eq!(
            (run.status, run.stdout.as_str(), run.stderr.clone()),
            expected,
            "{command} {env:?}"
        );
        assert_eq!(run.calls(), None, "{command} {env:?}");
    }
    for (i, args) in [&[][..], &["estimate"], &["deploy", "now"]].into_iter().enumerate() {
        let run = deploy_sh(&format!("usage-{i}"), args, &[RPC, PRIVATE_KEY], &[]);
        assert_eq!(run.status, 2, "{args:?}");
        assert!(run
            .stderr
            .starts_with("usage: scripts/deploy.sh check|deploy|activate|cache-bid\n"));
        assert_eq!(run.calls(), None, "{args:?}");
    }
}

#[test]
fn deploy_deploys_the_manager_the_executor_then_the_validator_built_for_them() {
    let outputs = [&*manager_deployed(), &executor_deployed(), &validator_deployed()];
    let run = deploy_sh("deploy", &["deploy"], &[RPC, PRIVATE_KEY], &outputs);
    let Some(wasms) = run.artifacts(&[MANAGER_WASM, EXECUTOR_WASM, VALIDATOR_WASM]) else {
        return;
    };
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(
        run.calls().unwrap(),
        format!(
            "make build\ncargo-stylus deploy\ncargo-stylus deploy\n\
             make validator SMART_SESSIONS_MANAGER={MANAGER} SMART_SESSIONS_EXECUTOR={EXECUTOR}\n\
             cargo-stylus deploy\n"
        )
    );
    for (n, wasm) in [1, 2, 3].into_iter().zip(&wasms) {
        let key_file = run.key_file(n);
        assert_eq!(run.argv(n), [deploy_flags(&key_file), vec!["--wasm-file", wasm]].concat());
    }
    assert_eq!(
        run.stdout,
        format!(
            "address: {MODULE}\nmanager: {MANAGER}\nexecutor: {EXECUTOR}\n\
             manager deploy tx: {MANAGER_DEPLOY_TX}\nmanager deploy gas: 2718281\n\
             manager activate tx: 0x{MANAGER_ACTIVATE_TX}\n\
             executor deploy tx: {EXECUTOR_DEPLOY_TX}\nexecutor deploy gas: 1618033\n\
             executor activate tx: 0x{EXECUTOR_ACTIVATE_TX}\n\
             validator deploy tx: {DEPLOY_TX}\nvalidator deploy gas: 3141592\n\
             validator activate tx: 0x{ACTIVATE_TX}\nabi: abi/ISmartSessions.json\n"
        )
    );
    assert!(run.stderr.contains("deployed code at address"), "cargo-stylus's output is shown");
}

#[test]
fn a_failed_manager_deploy_stops_everything_and_says_so() {
    let env = [RPC, PRIVATE_KEY, ("FAKE_FAIL", "1")];
    let run = deploy_sh("manager-failed", &["deploy"], &env, &["Error: insufficient funds\n"]);
    if run.artifacts(&[MANAGER_WASM, EXECUTOR_WASM]).is_none() {
        return;
    }
    run.key_file(1);
    assert_eq!(run.calls().unwrap(), "make build\ncargo-stylus deploy\n");
    assert_eq!((run.status, run.stdout.as_str()), (1, ""));
    let fake = run.dir.join("cargo-stylus");
    assert_eq!(
        run.stderr,
        format!(
            "Error: insufficient funds\nerror: {} deploy failed\nerror: deploying the manager \
             failed: the validator was neither built nor deployed\n",
            fake.display()
        )
    );
}

#[test]
fn a_failed_executor_deploy_names_the_deployed_manager_to_reuse() {
    let env = [RPC, PRIVATE_KEY, ("FAKE_FAIL", "2")];
    let outputs = [&*manager_deployed(), "Error: insufficient funds\n"];
    let run = deploy_sh("executor-failed", &["deploy"], &env, &outputs);
    let Some(wasms) = run.artifacts(&[MANAGER_WASM, EXECUTOR_WASM]) else { return };
    let key_file = run.key_file(2);
    assert_eq!(run.argv(2), [deploy_flags(&key_file), vec!["--wasm-file", &wasms[1]]].concat());
    assert_eq!(run.calls().unwrap(), "make build\ncargo-stylus deploy\ncargo-stylus deploy\n");
    assert_eq!((run.status, run.stdout.as_str()), (1, ""));
    let fake = run.dir.join("cargo-stylus");
    assert_eq!(
        run.stderr,
        format!(
            "{}Error: insufficient funds\nerror: {} deploy failed\n\
             error: deploying the executor failed; the manager is deployed at {MANAGER}\n\
             to deploy only the executor and the validator: STYLUS_MANAGER={MANAGER} \
             scripts/deploy.sh deploy\n",
            manager_deployed(),
            fake.display()
        )
    );
}

#[test]
fn a_failed_validator_build_or_deploy_names_both_deployed_programs_to_reuse() {
    let outputs = [&*manager_deployed(), &executor_deployed(), "Error: insufficient funds\n"];
    let make_validator = format!(
        "make validator SMART_SESSIONS_MANAGER={MANAGER} SMART_SESSIONS_EXECUTOR={EXECUTOR}\n"
    );
    let finish = format!(
        "the manager is deployed at {MANAGER} and the executor at {EXECUTOR}\n\
         to deploy only the validator, for them: STYLUS_MANAGER={MANAGER} \
         STYLUS_EXECUTOR={EXECUTOR} scripts/deploy.sh deploy\n"
    );

    let env = [RPC, PRIVATE_KEY, ("FAKE_FAIL", "3")];
    let run = deploy_sh("validator-failed", &["deploy"], &env, &outputs);
    if run.artifacts(&[MANAGER_WASM, EXECUTOR_WASM, VALIDATOR_WASM]).is_none() {
        return;
    }
    run.key_file(3);
    assert_eq!(
        run.calls().unwrap(),
        format!(
            "make build\ncargo-stylus deploy\ncargo-stylus deploy\n{make_validator}\
             cargo-stylus deploy\n"
        )
    );
    assert_eq!((run.status, run.stdout.as_str()), (1, ""));
    let fake = run.dir.join("cargo-stylus");
    assert_eq!(
        run.stderr,
        format!(
            "{}{}Error: insufficient funds\nerror: {} deploy failed\n\
             error: deploying the validator failed; {finish}",
            manager_deployed(),
            executor_deployed(),
            fake.display()
        )
    );

    let env = [RPC, PRIVATE_KEY, ("FAKE_MAKE_FAIL", "validator")];
    let run = deploy_sh("validator-build-failed", &["deploy"], &env, &outputs[..2]);
    run.key_file(2);
    assert_eq!(
        run.calls().unwrap(),
        format!("make build\ncargo-stylus deploy\ncargo-stylus deploy\n{make_validator}")
    );
    assert_eq!((run.status, run.stdout.as_str()), (1, ""));
    assert_eq!(
        run.stderr,
        format!(
            "{}{}error: building the validator for the manager and the executor \
             (make validator) failed; {finish}",
            manager_deployed(),
            executor_deployed(),
        )
    );
}

/// One of the two delegate programs given as deployed before (`STYLUS_MANAGER` or
/// `STYLUS_EXECUTOR`): how it and the other one, which the script deploys, show up.
struct Reused {
    /// `manager` or `executor`, and the other one.
    name: &'static str,
    other: &'static str,
    /// The variable naming it, and its address as given (checksummed).
    env: &'static str,
    given: &'static str,
    /// Its summary lines: deployed before.
    before: &'static str,
    /// The other program: its address, artifact, deploy output and summary lines.
    other_address: &'static str,
    other_wasm: &'static str,
    other_deployed: fn() -> String,
    other_lines: fn() -> String,
}

impl Reused {
    /// The addresses the validator is built for: (manager, executor).
    fn addresses(&self) -> (&'static str, &'static str) {
        match self.name {
            "manager" => (self.given, self.other_address),
            _ => (self.other_address, self.given),
        }
    }

    /// The manager's and the executor's summary lines, in the script's order.
    fn lines(&self) -> String {
        match self.name {
            "manager" => format!("{}{}", self.before, (self.other_lines)()),
            _ => format!("{}{}", (self.other_lines)(), self.before),
        }
    }
}

/// `reused` given: the script deploys the other delegate program and the validator built for
/// both; when the other's deploy fails nothing was deployed, when the validator's fails both
/// addresses are named to finish with.
fn deploys_the_other_program_and_the_validator(reused: Reused) {
    let Reused { name, other, env: variable, .. } = reused;
    let env = [RPC, PRIVATE_KEY, (variable, reused.given)];
    let outputs = [&*(reused.other_deployed)(), &validator_deployed()];
    let run = deploy_sh(&format!("{name}-before"), &["deploy"], &env, &outputs);
    let Some(wasms) = run.artifacts(&[reused.other_wasm, VALIDATOR_WASM]) else { return };
    assert_eq!(run.status, 0, "{}", run.stderr);
    let (manager, executor) = reused.addresses();
    assert_eq!(
        run.calls().unwrap(),
        format!(
            "make build\ncargo-stylus deploy\nmake validator \
             SMART_SESSIONS_MANAGER={manager} SMART_SESSIONS_EXECUTOR={executor}\n\
             cargo-stylus deploy\n"
        )
    );
    for (n, wasm) in [1, 2].into_iter().zip(&wasms) {
        let key_file = run.key_file(n);
        assert_eq!(run.argv(n), [deploy_flags(&key_file), vec!["--wasm-file", wasm]].concat());
    }
    assert_eq!(
        run.stdout,
        format!(
            "address: {MODULE}\nmanager: {manager}\nexecutor: {executor}\n{}{}\
             abi: abi/ISmartSessions.json\n",
            reused.lines(),
            validator_lines()
        )
    );

    // The other's deploy fails: nothing was deployed.
    let failed = [env[0], env[1], env[2], ("FAKE_FAIL", "1")];
    let test = format!("{name}-before-{other}-failed");
    let run = deploy_sh(&test, &["deploy"], &failed, &[NONCE_TOO_LOW]);
    let fake = run.dir.join("cargo-stylus");
    assert_eq!(run.calls().unwrap(), "make build\ncargo-stylus deploy\n");
    assert_eq!((run.status, run.stdout.as_str()), (1, ""));
    assert_eq!(
        run.stderr,
        format!(
            "Error: nonce too low\nerror: {} deploy failed\nerror: deploying the {other} \
             failed: the validator was neither built nor deployed\n",
            fake.display()
        )
    );

    // The validator's fails after the other was deployed: both addresses to finish with.
    let failed = [env[0], env[1], env[2], ("FAKE_FAIL", "2")];
    let outputs = [&*(reused.other_deployed)(), NONCE_TOO_LOW];
    let run = deploy_sh(&format!("{name}-before-validator-failed"), &["deploy"], &failed, &outputs);
    let fake = run.dir.join("cargo-stylus");
    assert_eq!((run.status, run.stdout.as_str()), (1, ""));
    assert_eq!(
        run.stderr,
        format!(
            "{}Error: nonce too low\nerror: {} deploy failed\n\
             error: deploying the validator failed; the {other} is deployed at {}\n\
             to deploy only the validator, for them: STYLUS_MANAGER={manager} \
             STYLUS_EXECUTOR={executor} scripts/deploy.sh deploy\n",
            (reused.other_deployed)(),
            fake.display(),
            reused.other_address
        )
    );
}

#[test]
fn stylus_manager_deploys_the_executor_and_the_validator_built_for_both() {
    deploys_the_other_program_and_the_validator(Reused {
        name: "manager",
        other: "executor",
        env: "STYLUS_MANAGER",
        given: MANAGER_CHECKSUMMED,
        before: MANAGER_BEFORE,
        other_address: EXECUTOR,
        other_wasm: EXECUTOR_WASM,
        other_deployed: executor_deployed,
        other_lines: executor_lines,
    });
}

#[test]
fn stylus_executor_deploys_the_manager_and_the_validator_built_for_both() {
    deploys_the_other_program_and_the_validator(Reused {
        name: "executor",
        other: "manager",
        env: "STYLUS_EXECUTOR",
        given: EXECUTOR_CHECKSUMMED,
        before: EXECUTOR_BEFORE,
        other_address: MANAGER,
        other_wasm: MANAGER_WASM,
        other_deployed: manager_deployed,
        other_lines: manager_lines,
    });
}

#[test]
fn stylus_manager_and_stylus_executor_deploy_only_the_validator_built_for_them() {
    let env = [
        RPC,
        PRIVATE_KEY,
        ("STYLUS_MANAGER", MANAGER_CHECKSUMMED),
        ("STYLUS_EXECUTOR", EXECUTOR_CHECKSUMMED),
    ];
    let run = deploy_sh("validator-only", &["deploy"], &env, &[&validator_deployed()]);
    let Some(wasms) = run.artifacts(&[VALIDATOR_WASM]) else { return };
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(
        run.calls().unwrap(),
        format!(
            "make validator SMART_SESSIONS_MANAGER={MANAGER_CHECKSUMMED} \
             SMART_SESSIONS_EXECUTOR={EXECUTOR_CHECKSUMMED}\ncargo-stylus deploy\n"
        )
    );
    let key_file = run.key_file(1);
    assert_eq!(run.argv(1), [deploy_flags(&key_file), vec!["--wasm-file", &wasms[0]]].concat());
    assert_eq!(
        run.stdout,
        format!(
            "address: {MODULE}\nmanager: {MANAGER_CHECKSUMMED}\n\
             executor: {EXECUTOR_CHECKSUMMED}\n{MANAGER_BEFORE}{EXECUTOR_BEFORE}{}\
             abi: abi/ISmartSessions.json\n",
            validator_lines()
        )
    );

    let env = [env[0], env[1], env[2], env[3], ("FAKE_FAIL", "1")];
    let run = deploy_sh("validator-only-failed", &["deploy"], &env, &[NONCE_TOO_LOW]);
    let fake = run.dir.join("cargo-stylus");
    assert_eq!((run.status, run.stdout.as_str()), (1, ""));
    assert_eq!(
        run.stderr,
        format!(
            "Error: nonce too low\nerror: {} deploy failed\nerror: deploying the validator \
             failed\n",
            fake.display()
        )
    );
}

#[test]
fn check_checks_the_three_programs_needs_no_key_and_skip_build_uses_what_target_holds() {
    let outputs =
        [&*check_output(15160, true), &check_output(13747, false), &check_output(11103, false)];
    let run = deploy_sh("check", &["check"], &[RPC, ("SKIP_BUILD", "1")], &outputs);
    let Some(wasms) = run.artifacts(&[MANAGER_WASM, EXECUTOR_WASM, VALIDATOR_WASM]) else {
        return;
    };
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(
        run.calls().unwrap(),
        "cargo-stylus check\ncargo-stylus check\ncargo-stylus check\n"
    );
    for (n, wasm) in [1, 2, 3].into_iter().zip(&wasms) {
        assert_eq!(run.argv(n), ["check", "--endpoint", URL, "--wasm-file", wasm]);
    }
    assert_eq!(
        run.stdout,
        "manager code size: 15160 bytes\n\
         manager data fee: none (this code is already active on the chain)\n\
         executor code size: 13747 bytes\nexecutor data fee: 0.000093 ETH\n\
         validator code size: 11103 bytes\nvalidator data fee: 0.000093 ETH\n"
    );
}

#[test]
fn activate_and_cache_bid_act_on_the_contract_without_building() {
    let activated = activated_line(MODULE, ACTIVATE_TX);
    let run = deploy_sh("activate", &["activate"], &[RPC, PRIVATE_KEY, CONTRACT], &[&activated]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let key_file = run.key_file(1);
    let flags = ["--endpoint", URL, "--private-key-path", &key_file, "--address", MODULE];
    assert_eq!(run.argv(1), [&["activate"][..], &flags].concat());
    assert_eq!(run.stdout, format!("address: {MODULE}\nactivate tx: 0x{ACTIVATE_TX}\n"));
    assert_eq!(run.calls().unwrap(), "cargo-stylus activate\n");

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
    let run = deploy_sh("cache-bid", &["cache-bid"], &env, &[&output]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let key_file = run.key_file(1);
    let flags = ["--verbose", "--endpoint", URL, "--private-key-path", &key_file];
    let bid = ["--max-fee-per-gas-gwei", "0.1", MODULE, "1000"];
    assert_eq!(run.argv(1), [&["cache", "bid"][..], &flags, &bid].concat());
    assert_eq!(
        run.stdout,
        format!(
            "address: {MODULE_CHECKSUMMED}\ncache bid: 1000 wei\ncache bid tx: {BID_TX}\n\
             cache bid gas: 104857\n"
        )
    );
    assert_eq!(run.calls().unwrap(), "cargo-stylus cache\n");
}

#[test]
fn a_failed_or_unreadable_cargo_stylus_run_fails_and_still_removes_the_key() {
    let env = [RPC, PRIVATE_KEY, CONTRACT, ("FAKE_FAIL", "1")];
    let run = deploy_sh("failed", &["activate"], &env, &["Error: insufficient funds\n"]);
    run.key_file(1);
    let fake = run.dir.join("cargo-stylus");
    assert_eq!((run.status, run.stdout.as_str()), (1, ""));
    let error = format!("error: {} activate failed\n", fake.display());
    assert_eq!(run.stderr, format!("Error: insufficient funds\n{error}"));

    // Exit 0 without the line the summary comes from: no summary, an error naming what is missing.
    let run = deploy_sh("unreadable", &["activate"], &[RPC, PRIVATE_KEY, CONTRACT], &["done\n"]);
    run.key_file(1);
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
