//! `smart-session`: grants, UserOperation signatures and calldata for Stylus Smart Sessions,
//! from a policy file. A thin layer over the `smart_session` library.

use std::{
    fmt::Display,
    path::{Path, PathBuf},
    process::ExitCode,
    time::{SystemTime, UNIX_EPOCH},
};

use alloy_primitives::{aliases::U48, Address, Bytes, B256, U256};
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::{json, Value};
use session_core::{
    session_key::{session_op_hash, KeyType},
    Keyword,
};
use smart_session::{
    accounts::AccountKind,
    calls::{batch_calldata, CallSpec},
    encode::{self, MultisigSigner, P256Signer, SessionSigner, Signer},
    erc1271::{AccountDomain, AppMessage},
    erc7715::{
        policy_from_requests, read_requests, requests_from_session, response,
        supported_permissions, PermissionRequest,
    },
    inspect::{describe_session, explain},
    interface::{SessionExecution, SessionGrant, SessionRevocation},
    passkey::Passkey,
    policy::{GrantPolicy, Policy, PolicyKey},
    typed_data::{execution_typed_data, grant_typed_data, revocation_typed_data},
};

/// Grants, UserOperation signatures and calldata for Stylus Smart Sessions.
///
/// A policy file (TOML or JSON; see examples/game-session.toml) says who may act for which
/// account, when, on what and for how much. Keys come from the environment, never from
/// arguments: OWNER_PRIVATE_KEY (secp256k1) signs grants; the session key is
/// SESSION_PRIVATE_KEY (secp256k1, the default) or, for a policy with key_type = "p256",
/// SESSION_P256_PRIVATE_KEY (a P-256 scalar, 32 bytes of hex), and must be the policy's
/// session_key.
#[derive(Parser)]
#[command(name = "smart-session", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The owner's grant of a policy: typed data for `eth_signTypedData_v4`, its digest, the
    /// session's permissionId and, with --sign, the owner's signature.
    Grant {
        /// The policy file (TOML, or JSON starting with `{`).
        policy: PathBuf,
        /// "Now", unix seconds (default: the system clock): the session starts here unless the
        /// policy says `valid_after`, and the grant's deadline counts from here.
        #[arg(long)]
        now: Option<u64>,
        /// Sign the digest with the owner key in OWNER_PRIVATE_KEY.
        #[arg(long)]
        sign: bool,
        /// Frame the owner's signature as this account's ERC-1271 expects it: `oz`, `nexus`,
        /// `safe7579` (the owner validator's address first: --owner-validator) or `kernel`
        /// (its root validator, over its wrapped `Kernel(bytes32 hash)` digest).
        #[arg(long, value_name = "KIND", conflicts_with = "owner_prefix")]
        account_kind: Option<String>,
        /// The account's owner validator module (oz, nexus, safe7579).
        #[arg(long, value_name = "ADDRESS", requires = "account_kind")]
        owner_validator: Option<Address>,
        /// Bytes put before the owner's signature, as is (for an account --account-kind does
        /// not know).
        #[arg(long, value_name = "HEX")]
        owner_prefix: Option<Bytes>,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Sign a UserOperation hash with the session key (SESSION_PRIVATE_KEY, or
    /// SESSION_P256_PRIVATE_KEY for a P-256 policy), as the module's signature field expects
    /// it: for a session with periods, the key's signature is followed by the index of the
    /// period --at falls in.
    SignUserop {
        /// USE: a session already enabled; ENABLE: the first operation, carrying the grant.
        #[arg(long, value_enum)]
        mode: Mode,
        /// The EntryPoint's userOpHash.
        #[arg(long)]
        hash: B256,
        /// The policy file (its session gives the permissionId, or the grant for ENABLE).
        #[arg(long)]
        policy: PathBuf,
        /// The same "now" the grant was made with: unless the policy says `valid_after`, the
        /// session starts then, which is part of the permissionId the key signs — so it is
        /// required for such a policy (the clock would name another session).
        #[arg(long)]
        now: Option<u64>,
        /// The second the operation is meant to validate at, unix (default: the system clock):
        /// a session with periods counts it in the period this falls in, whose index the
        /// signature carries; a time outside the session's window is refused. Sessions without
        /// periods ignore it.
        #[arg(long, value_name = "UNIX")]
        at: Option<u64>,
        /// The owner's signature of the grant, prefix included (ENABLE).
        #[arg(long, value_name = "HEX", required_if_eq("mode", "enable"))]
        owner_signature: Option<Bytes>,
        /// Print one JSON object: the signature, the permissionId, the period index (null
        /// without periods) and the seconds the operation can validate in (the session's
        /// window, or its period's; ENABLE: until the grant's deadline at the latest).
        #[arg(long)]
        json: bool,
    },
    /// The account's `execute` calldata: one call from the options, or a batch from a file.
    Calldata {
        #[command(flatten)]
        calls: Calls,
        /// One JSON object: the call data (`data`) and the calls it makes (`calls`).
        #[arg(long)]
        json: bool,
    },
    /// Run calls for the account through the module's executor path, without a bundler:
    /// prints the call data to send to the module (the policy's `module`).
    ///
    /// Without --nonce and --deadline: `executeAsSession`, which the session key itself must
    /// send (the module checks the sender; a P-256 key sends no transactions, so it needs a
    /// relayer). With them: signs a SessionExecution with the session key (SESSION_PRIVATE_KEY,
    /// or SESSION_P256_PRIVATE_KEY for a P-256 policy) and prints
    /// `executeAsSessionBySignature`, which anyone (a relayer) may send. The calls are given as
    /// for `calldata`, and the session must allow each of them; a session with periods counts
    /// them in the period of the block's time.
    Execute {
        /// The policy file the session was granted from: it gives the account and the
        /// session's permissionId.
        #[arg(long)]
        policy: PathBuf,
        /// The same "now" the grant was made with, unix seconds: unless the policy says
        /// `valid_after`, the session starts then, which is part of its permissionId.
        #[arg(long)]
        now: u64,
        /// For a relayer: the session's execution nonce, as the module's view
        /// `executionNonce(account, permissionId)` returns it now (0 for a new session). Each
        /// signature runs once.
        #[arg(long, requires = "deadline")]
        nonce: Option<U256>,
        /// For a relayer: the last second (unix) a relayer may send the call; not before the
        /// session starts.
        #[arg(long, value_name = "UNIX", requires = "nonce")]
        deadline: Option<U48>,
        #[command(flatten)]
        calls: Calls,
        /// Print one JSON object: the transaction (`to` the module, `data`, and `from` the
        /// session key when it sends it itself), the permissionId and, when signed, the digest
        /// and the typed data the key signed.
        #[arg(long)]
        json: bool,
    },
    /// The session key ends its own session through a relayer: signs a SessionRevocation with
    /// the session key (SESSION_PRIVATE_KEY, or SESSION_P256_PRIVATE_KEY for a P-256 policy)
    /// and prints the `revokeSessionBySignature` call data anyone may send to the module (the
    /// policy's `module`).
    Revoke {
        /// The policy file the session was granted from.
        #[arg(long)]
        policy: PathBuf,
        /// The same "now" the grant was made with, unix seconds (see `execute --help`).
        #[arg(long)]
        now: u64,
        /// The last second (unix) a relayer may send the revocation. Until then the same
        /// signature also ends the session if the account enables it again.
        #[arg(long, value_name = "UNIX")]
        deadline: U48,
        /// Print one JSON object: the transaction (`to` the module, `data`), the
        /// permissionId, the digest and the typed data the key signed.
        #[arg(long)]
        json: bool,
    },
    /// Sign for the account with the session key (SESSION_PRIVATE_KEY, or
    /// SESSION_P256_PRIVATE_KEY for a P-256 policy) through ERC-7739: an app's typed data or a
    /// personal message. Prints the signature to give the
    /// account's `isValidSignature` (the module's address first, as OpenZeppelin's
    /// AccountERC7579 routes it), after checking that a signing scope of the policy allows it.
    SignMessage {
        /// The policy file the session was granted from.
        #[arg(long)]
        policy: PathBuf,
        /// The same "now" the grant was made with, unix seconds (see `execute --help`).
        #[arg(long)]
        now: u64,
        /// The account's EIP-712 domain name, as its `eip712Domain()` reports it.
        #[arg(long)]
        account_name: String,
        /// The account's EIP-712 domain version.
        #[arg(long)]
        account_version: String,
        /// The account's EIP-712 domain salt, when its domain has one.
        #[arg(long, value_name = "HEX")]
        account_salt: Option<B256>,
        /// The app's typed data, as it would give `eth_signTypedData_v4` (JSON).
        #[arg(long, value_name = "FILE", required_unless_present = "message")]
        typed_data: Option<PathBuf>,
        /// A personal message, as it would give `personal_sign` (the text's UTF-8 bytes).
        #[arg(long, value_name = "TEXT", conflicts_with = "typed_data")]
        message: Option<String>,
        /// Print one JSON object: the signature, the hash the app asks the account about, the
        /// digest the key signed, the ERC-7739 wrapper as typed data and the permissionId.
        #[arg(long)]
        json: bool,
    },
    /// ERC-7715 permission requests (`wallet_requestExecutionPermissions`) to a policy and back.
    #[command(subcommand)]
    Permissions(Permissions),
    /// Explain any of the module's encodings in words: a UserOperation signature (its key
    /// type, and the period index of a session with periods), execute calldata, a call to the
    /// module (a session's argument rules and period), its revert data, validation data, or an
    /// ERC-1271 session signature.
    Inspect {
        /// The bytes, as hex.
        hex: Bytes,
        /// Print one JSON object instead of text: `kind`, `lines` and, for a UserOperation
        /// signature, `proof` (key type, key signature, P-256 public key and key id, period
        /// index).
        #[arg(long)]
        json: bool,
    },
}

/// The calls to make: one from the options, or a batch from a file.
#[derive(Args)]
struct Calls {
    /// The contract called.
    #[arg(long, required_unless_present = "batch")]
    to: Option<Address>,
    /// Value sent: "0.01 ether", "5 gwei", or wei.
    #[arg(long)]
    value: Option<String>,
    /// The function signature, e.g. "move(uint8,uint8)" (none: a plain transfer).
    #[arg(long)]
    function: Option<String>,
    /// The function's arguments, in order.
    #[arg(requires = "function")]
    args: Vec<String>,
    /// A batch: TOML `[[calls]]` tables (or JSON `{"calls": [...]}`), each with `to`,
    /// `value`, `function`, `args` as above.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["to", "value", "function"])]
    batch: Option<PathBuf>,
}

impl Calls {
    /// The account's `execute` calldata for these calls.
    fn execute_calldata(self) -> Result<Bytes, String> {
        Ok(match (self.batch, self.to) {
            (Some(path), _) => batch_calldata(&read(&path)?).map_err(in_file(&path))?,
            (None, Some(to)) => {
                let call =
                    CallSpec { to, value: self.value, function: self.function, args: self.args };
                let execution = call.execution("--").map_err(|e| e.to_string())?;
                encode::execute_single(execution.target, execution.value, &execution.callData)
            }
            (None, None) => unreachable!("clap requires --to without --batch"),
        })
    }
}

#[derive(Subcommand)]
enum Permissions {
    /// A request array (JSON) → the policy (JSON, for `grant` and `sign-userop`) it asks for;
    /// refuses, naming the field, what a session cannot hold.
    #[command(name = "from-7715")]
    From7715 {
        /// The request array, as a dApp sends it.
        request: PathBuf,
        /// The module's address on that chain.
        #[arg(long)]
        module: Address,
    },
    /// A policy → the request array that asks for its session.
    #[command(name = "to-7715")]
    To7715 {
        /// The policy file.
        policy: PathBuf,
        /// "Now", unix seconds (default: the system clock), as for `grant`.
        #[arg(long)]
        now: Option<u64>,
    },
    /// A request array → the wallet's response granting it as a session: each request with
    /// its `context` (module, account, permissionId), as `wallet_requestExecutionPermissions`
    /// returns them.
    Respond {
        /// The request array, as a dApp sends it.
        request: PathBuf,
        /// The module's address on that chain.
        #[arg(long)]
        module: Address,
        /// The session's start, unix seconds (its permissionId depends on it), unless the
        /// requests name a `startTime`.
        #[arg(long)]
        now: u64,
    },
    /// The answer to `wallet_getSupportedExecutionPermissions`: the permission types a
    /// session holds and the rule types each takes, on the given chains.
    Supported {
        /// A chain id (repeat for several).
        #[arg(long = "chain-id", required = true)]
        chain_ids: Vec<u64>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    Use,
    Enable,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(output) => {
            println!("{output}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The current time, unix seconds: `SMART_SESSION_CLOCK` when set (reproducible runs and
/// tests), else the system clock.
fn system_now() -> u64 {
    if let Some(clock) = std::env::var("SMART_SESSION_CLOCK").ok().and_then(|v| v.parse().ok()) {
        return clock;
    }
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs())
}

/// Refuses a grant that could never be used: its session's window or its deadline already
/// past by the clock.
fn check_not_past(grant: &SessionGrant, path: &Path) -> Result<(), String> {
    let clock = system_now();
    let (until, deadline) = (grant.session.validUntil.to::<u64>(), grant.deadline.to::<u64>());
    if until < clock {
        return Err(format!(
            "{}: the session's window ends at {until}, before now ({clock}): nothing could use \
             it (is --now the time you meant?)",
            path.display()
        ));
    }
    if deadline < clock {
        return Err(format!(
            "{}: the grant's deadline {deadline} is past ({clock}): nobody could enable it",
            path.display()
        ));
    }
    Ok(())
}

/// The file at `path`, or standard input for `-`.
fn read(path: &Path) -> Result<String, String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        return Ok(text);
    }
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Names the file an error is about: `policy.toml: actions[0].function: …`.
fn in_file<E: Display>(path: &Path) -> impl Fn(E) -> String + '_ {
    move |e| format!("{}: {e}", path.display())
}

fn read_policy(path: &Path) -> Result<Policy, String> {
    Policy::parse(&read(path)?).map_err(in_file(path))
}

/// The request array in `path`, in either ERC-7715 shape (a note on stderr for the older).
fn requests_in(path: &Path) -> Result<Vec<PermissionRequest>, String> {
    let (requests, note) = read_requests(&read(path)?).map_err(in_file(path))?;
    if let Some(note) = note {
        eprintln!("note: {}: {note}", path.display());
    }
    Ok(requests)
}

fn env_key(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("{name} is not set"))
}

fn key_from_env(name: &str) -> Result<Signer, String> {
    Signer::from_hex(&env_key(name)?).map_err(|e| format!("{name}: {e}"))
}

/// The policy's session key, from SESSION_PRIVATE_KEY (secp256k1) or SESSION_P256_PRIVATE_KEY
/// (P-256): the module takes no other signature.
fn session_key(policy: &Policy, path: &Path) -> Result<SessionSigner, String> {
    let expected = policy.key().map_err(in_file(path))?;
    let p256 =
        |name: &str| P256Signer::from_hex(&env_key(name)?).map_err(|e| format!("{name}: {e}"));
    let (name, key) = match policy.key_type {
        KeyType::Secp256k1 => {
            ("SESSION_PRIVATE_KEY", SessionSigner::Secp256k1(key_from_env("SESSION_PRIVATE_KEY")?))
        }
        KeyType::P256 => {
            ("SESSION_P256_PRIVATE_KEY", SessionSigner::P256(p256("SESSION_P256_PRIVATE_KEY")?))
        }
        KeyType::WebAuthn | KeyType::WebAuthnUserVerified => {
            // A software passkey: the assertion's relying party from SESSION_WEBAUTHN_RP_ID.
            let name = "SESSION_P256_PRIVATE_KEY";
            let key = p256(name)?;
            let rp_id = env_key("SESSION_WEBAUTHN_RP_ID")?;
            let user_verified = policy.key_type == KeyType::WebAuthnUserVerified;
            let passkey = Passkey::new(&key, &rp_id, user_verified);
            (name, SessionSigner::WebAuthn(passkey, policy.key_type, key.key_id()))
        }
        KeyType::Multisig => {
            let name = "SESSION_PRIVATE_KEYS";
            let keys = env_key(name)?
                .split(',')
                .map(|hex| Signer::from_hex(hex).map_err(|e| format!("{name}: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            let PolicyKey::Multisig { threshold, signers } = &expected else {
                return Err(format!("{name}: the policy's key is no multisig key"));
            };
            if keys.len() != usize::from(*threshold)
                || keys.iter().any(|key| !signers.contains(&key.address()))
            {
                return Err(format!(
                    "{name}: give exactly {threshold} keys (comma-separated), each of a signer"
                ));
            }
            let key = MultisigSigner { threshold: *threshold, signers: signers.clone(), keys };
            (name, SessionSigner::Multisig(key))
        }
    };
    if key.key_id() != expected.id() {
        let which = match policy.key_type {
            KeyType::Secp256k1 => "",
            _ => " id",
        };
        return Err(format!(
            "{name} is the key of{which} {}, not of the policy's session_key{which} {}",
            key.key_id(),
            expected.id()
        ));
    }
    Ok(key)
}

/// The module call `data` alone, for scripts to send; with --json, `about` with the
/// transaction (`to` the module, `data`).
fn module_call(module: Address, data: Bytes, json: bool, mut about: Value) -> String {
    if !json {
        return data.to_string();
    }
    about["to"] = json!(module);
    about["data"] = json!(data);
    serde_json::to_string_pretty(&about).expect("JSON values print")
}

/// Runs one subcommand: each has its function below, in the order `Command` lists them.
fn run(cli: Cli) -> Result<String, String> {
    match cli.command {
        Command::Grant {
            policy: path,
            now,
            sign,
            account_kind,
            owner_validator,
            owner_prefix,
            json,
        } => grant(path, now, sign, account_kind, owner_validator, owner_prefix, json),
        Command::SignUserop { mode, hash, policy: path, now, at, owner_signature, json } => {
            sign_userop(mode, hash, path, now, at, owner_signature, json)
        }
        Command::Calldata { calls, json } => calldata(calls, json),
        Command::Execute { policy: path, now, nonce, deadline, calls, json } => {
            execute(path, now, nonce, deadline, calls, json)
        }
        Command::Revoke { policy: path, now, deadline, json } => revoke(path, now, deadline, json),
        Command::SignMessage {
            policy: path,
            now,
            account_name,
            account_version,
            account_salt,
            typed_data,
            message,
            json,
        } => {
            let account = (account_name, account_version, account_salt);
            sign_message(path, now, account, typed_data, message, json)
        }
        Command::Permissions(Permissions::From7715 { request, module }) => {
            permissions_from_7715(request, module)
        }
        Command::Permissions(Permissions::Respond { request, module, now }) => {
            permissions_respond(request, module, now)
        }
        Command::Permissions(Permissions::Supported { chain_ids }) => {
            permissions_supported(chain_ids)
        }
        Command::Permissions(Permissions::To7715 { policy: path, now }) => {
            permissions_to_7715(path, now)
        }
        Command::Inspect { hex, json } => inspect(hex, json),
    }
}

/// `grant`: the owner's grant of a policy, in words or JSON, signed with --sign.
fn grant(
    path: PathBuf,
    now: Option<u64>,
    sign: bool,
    account_kind: Option<String>,
    owner_validator: Option<Address>,
    owner_prefix: Option<Bytes>,
    json: bool,
) -> Result<String, String> {
    let policy = read_policy(&path)?;
    let grant = policy.grant(now.unwrap_or_else(system_now)).map_err(in_file(&path))?;
    check_not_past(&grant, &path)?;
    let (chain_id, module) = (policy.chain_id, policy.module);
    let digest = grant.digest(chain_id, module);
    let permission_id = grant.session.permission_id(chain_id, module);
    let signature = match sign {
        false => None,
        true => {
            let owner = key_from_env("OWNER_PRIVATE_KEY")?;
            match account_kind.as_deref() {
                Some(keyword) => {
                    let kind = AccountKind::from_keyword(keyword).ok_or_else(|| {
                        format!("--account-kind {keyword}: one of oz, nexus, safe7579, kernel")
                    })?;
                    let account = grant.session.account;
                    Some(kind.owner_signature(
                        &owner,
                        digest,
                        account,
                        chain_id,
                        owner_validator,
                    )?)
                }
                None => {
                    let prefix = owner_prefix.unwrap_or_default();
                    Some(Bytes::from([prefix.to_vec(), owner.sign(digest).to_vec()].concat()))
                }
            }
        }
    };
    let typed = grant_typed_data(&grant, chain_id, module);
    if json {
        let mut out = json!({
            "permissionId": permission_id,
            "digest": digest,
            "typedData": typed,
        });
        if let Some(signature) = &signature {
            out["ownerSignature"] = json!(signature);
        }
        return Ok(serde_json::to_string_pretty(&out).expect("JSON values print"));
    }
    let mut out = format!("session {permission_id}\n");
    for line in describe_session(&grant.session) {
        out += &format!("  {line}\n");
    }
    out += &format!("grant digest {digest} (deadline {})\n", grant.deadline);
    if let Some(signature) = signature {
        out += &format!("owner signature {signature}\n");
    }
    out += &format!(
        "typed data (eth_signTypedData_v4):\n{}",
        serde_json::to_string_pretty(&typed).expect("typed data prints")
    );
    Ok(out)
}

/// `sign-userop`: the session key's UserOperation signature (USE or ENABLE).
fn sign_userop(
    mode: Mode,
    hash: B256,
    path: PathBuf,
    now: Option<u64>,
    at: Option<u64>,
    owner_signature: Option<Bytes>,
    json: bool,
) -> Result<String, String> {
    let policy = read_policy(&path)?;
    // The key signs the permissionId: a start taken from the clock would sign for a
    // session nobody enabled, which the module refuses (SIG_VALIDATION_FAILED).
    let now = match (now, policy.valid_after) {
        (Some(now), _) => now,
        (None, Some(start)) => start,
        (None, None) => {
            return Err(format!(
                "--now: {} has no `valid_after`, so its session starts when the grant \
                 was made, and that start is part of the permissionId the key signs: \
                 pass the --now the grant was made with (or pin `valid_after`)",
                path.display()
            ))
        }
    };
    let grant = match mode {
        Mode::Use => None,
        Mode::Enable => Some(policy.grant(now).map_err(in_file(&path))?),
    };
    let session = match &grant {
        Some(grant) => grant.session.clone(),
        None => policy.session(now).map_err(in_file(&path))?,
    };
    let key = session_key(&policy, &path)?;
    let at = at.unwrap_or_else(system_now);
    let index = encode::period_index(&session, at).map_err(|e| format!("--at {e}"))?;
    let permission_id = session.permission_id(policy.chain_id, policy.module);
    // The key signs the operation for this session and period, not userOpHash alone.
    let message = session_op_hash(hash, permission_id, index.unwrap_or(0));
    let proof =
        encode::key_proof(&session, &key.sign(message), at).map_err(|e| format!("--at {e}"))?;
    let (valid_after, mut valid_until) =
        session.periods().window(index.unwrap_or(0)).expect("the period of a second in the window");
    // ENABLE: the module caps the window at the grant's deadline.
    if let Some(grant) = &grant {
        valid_until = valid_until.min(grant.deadline.to::<u64>());
    }
    let signature = match grant {
        None => encode::use_signature(permission_id, &proof),
        Some(grant) => {
            let owner = owner_signature.expect("clap requires it for ENABLE");
            encode::enable_signature(grant, owner, &proof)
        }
    };
    if !json {
        return Ok(signature.to_string());
    }
    let out = json!({
        "signature": signature,
        "permissionId": permission_id,
        "keyType": session.keyType,
        "periodIndex": index,
        "validAfter": valid_after,
        "validUntil": valid_until,
    });
    Ok(serde_json::to_string_pretty(&out).expect("JSON values print"))
}

/// `calldata`: the account's `execute` call data.
fn calldata(calls: Calls, json: bool) -> Result<String, String> {
    let data = calls.execute_calldata()?;
    if !json {
        return Ok(data.to_string());
    }
    let decoded = session_core::calls::decode_execute(&data)
        .map_err(|e| format!("the call data does not decode: {e:?}"))?;
    let calls: Vec<_> = decoded
        .iter()
        .map(|call| json!({"to": call.target, "value": call.value, "data": Bytes::copy_from_slice(call.data)}))
        .collect();
    Ok(serde_json::to_string_pretty(&json!({"data": data, "calls": calls}))
        .expect("JSON values print"))
}

/// `execute`: the executor path's module call, sent by the key or relayed with its signature.
fn execute(
    path: PathBuf,
    now: u64,
    nonce: Option<U256>,
    deadline: Option<U48>,
    calls: Calls,
    json: bool,
) -> Result<String, String> {
    let policy = read_policy(&path)?;
    let session = policy.session(now).map_err(in_file(&path))?;
    let (chain_id, module) = (policy.chain_id, policy.module);
    let permission_id = session.permission_id(chain_id, module);
    let call_data = calls.execute_calldata()?;
    // clap gives both or neither.
    let (Some(nonce), Some(deadline)) = (nonce, deadline) else {
        let key = policy.key().map_err(in_file(&path))?;
        if policy.key_type != KeyType::Secp256k1 {
            return Err(format!(
                "{}: a {} session key sends no transactions (the module checks the \
                 sender against its id {}): sign for a relayer with --nonce and \
                 --deadline",
                path.display(),
                match policy.key_type {
                    KeyType::P256 => "P-256",
                    KeyType::Multisig => "multisig",
                    _ => "WebAuthn",
                },
                key.id()
            ));
        }
        let data = encode::execute_as_session(session.account, permission_id, call_data);
        let about = json!({"from": key.id(), "permissionId": permission_id});
        return Ok(module_call(module, data, json, about));
    };
    if deadline < session.validAfter {
        return Err(format!(
            "--deadline {deadline} is before the session starts ({}): no block could run \
             the call",
            session.validAfter
        ));
    }
    let key = session_key(&policy, &path)?;
    let execution = SessionExecution {
        account: session.account,
        permissionId: permission_id,
        nonce,
        deadline,
        callData: call_data,
    };
    let digest = execution.digest(chain_id, module);
    let about = json!({
        "permissionId": permission_id,
        "digest": digest,
        "typedData": execution_typed_data(&execution, chain_id, module),
    });
    let data = encode::execute_as_session_by_signature(execution, &key.sign(digest));
    Ok(module_call(module, data, json, about))
}

/// `revoke`: the key's relayed revocation.
fn revoke(path: PathBuf, now: u64, deadline: U48, json: bool) -> Result<String, String> {
    let policy = read_policy(&path)?;
    let session = policy.session(now).map_err(in_file(&path))?;
    let (chain_id, module) = (policy.chain_id, policy.module);
    let key = session_key(&policy, &path)?;
    let revocation = SessionRevocation {
        account: session.account,
        permissionId: session.permission_id(chain_id, module),
        deadline,
    };
    let digest = revocation.digest(chain_id, module);
    let about = json!({
        "permissionId": revocation.permissionId,
        "digest": digest,
        "typedData": revocation_typed_data(&revocation, chain_id, module),
    });
    let data = encode::revoke_session_by_signature(revocation, &key.sign(digest));
    Ok(module_call(module, data, json, about))
}

/// `sign-message`; `account` is the account's EIP-712 domain: name, version and salt.
fn sign_message(
    path: PathBuf,
    now: u64,
    (account_name, account_version, account_salt): (String, String, Option<B256>),
    typed_data: Option<PathBuf>,
    message: Option<String>,
    json: bool,
) -> Result<String, String> {
    let policy = read_policy(&path)?;
    let session = policy.session(now).map_err(in_file(&path))?;
    let (chain_id, module) = (policy.chain_id, policy.module);
    let message = match (typed_data, message) {
        (Some(file), _) => {
            let typed = serde_json::from_str(&read(&file)?).map_err(in_file(&file))?;
            AppMessage::typed(typed).map_err(in_file(&file))?
        }
        (None, Some(text)) => AppMessage::personal(text.as_bytes()),
        (None, None) => unreachable!("clap requires --typed-data without --message"),
    };
    message.check(&session, chain_id, module).map_err(in_file(&path))?;
    let key = session_key(&policy, &path)?;
    let account = AccountDomain {
        name: account_name,
        version: account_version,
        chain_id,
        account: policy.account,
        salt: account_salt,
    };
    let digest = message.digest(&account);
    let permission_id = session.permission_id(chain_id, module);
    let signature = message.signature(module, permission_id, &key.sign_with_length(digest));
    if !json {
        return Ok(signature.to_string());
    }
    let out = json!({
        "signature": signature,
        "hash": message.hash(),
        "digest": digest,
        "typedData": message.wrapper_typed_data(&account),
        "permissionId": permission_id,
    });
    Ok(serde_json::to_string_pretty(&out).expect("JSON values print"))
}

/// `permissions from-7715`: requests → a policy, with a grant table.
fn permissions_from_7715(request: PathBuf, module: Address) -> Result<String, String> {
    let requests = requests_in(&request)?;
    let mut policy = policy_from_requests(&requests, module).map_err(in_file(&request))?;
    // So that `grant` takes the policy as it is: a grant the owner can enable for an
    // hour, under the account's first grant nonce (edit both as needed).
    policy.grant = Some(GrantPolicy { nonce: 0, valid_for: "1h".into() });
    Ok(serde_json::to_string_pretty(&policy).expect("a policy prints"))
}

/// `permissions respond`: the wallet's response, each request with its context.
fn permissions_respond(request: PathBuf, module: Address, now: u64) -> Result<String, String> {
    let requests = requests_in(&request)?;
    let policy = policy_from_requests(&requests, module).map_err(in_file(&request))?;
    let session = policy.session(now).map_err(in_file(&request))?;
    let permission_id = session.permission_id(policy.chain_id, module);
    let granted = response(&requests, module, permission_id).map_err(in_file(&request))?;
    Ok(serde_json::to_string_pretty(&granted).expect("a response prints"))
}

/// `permissions supported`: the answer to `wallet_getSupportedExecutionPermissions`.
fn permissions_supported(chain_ids: Vec<u64>) -> Result<String, String> {
    Ok(serde_json::to_string_pretty(&supported_permissions(&chain_ids)).expect("JSON values print"))
}

/// `permissions to-7715`: a policy → requests.
fn permissions_to_7715(path: PathBuf, now: Option<u64>) -> Result<String, String> {
    let policy = read_policy(&path)?;
    let session = policy.session(now.unwrap_or_else(system_now)).map_err(in_file(&path))?;
    let requests = requests_from_session(&session, policy.chain_id).map_err(in_file(&path))?;
    Ok(serde_json::to_string_pretty(&requests).expect("requests print"))
}

/// `inspect`: any of the module's encodings in words (or JSON).
fn inspect(hex: Bytes, json: bool) -> Result<String, String> {
    let explanation = explain(&hex).map_err(|e| e.to_string())?;
    if !json {
        return Ok(explanation.lines.join("\n"));
    }
    let mut out = json!({"kind": explanation.kind, "lines": explanation.lines});
    if !explanation.proof.is_null() {
        out["proof"] = explanation.proof;
    }
    Ok(serde_json::to_string_pretty(&out).expect("JSON values print"))
}
