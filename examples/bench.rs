//! `make bench`: what the module costs, measured on the in-process chain (the real EntryPoint
//! v0.7 and OpenZeppelin's `AccountERC7579` as EVM bytecode, the deployed Stylus artifact with
//! Nitro's ink and gas prices; see crates/stylus-runtime and crates/local-chain for what differs
//! from Nitro). Every figure is deterministic: the same commit prints the same table.
//!
//! Usage: `cargo run --example bench [-- <report.md> [<report.json>]]` (prints the report;
//! writes it, and the figures as JSON, when given paths).
//!
//! Every validation is measured as the chain runs it (every program uncached: the first call
//! of a block) and given its cached figure too: the same run with each program's cached
//! entry (called earlier in the block, or cache-bid) in place of its uncached one.

#[path = "../tests/support/mod.rs"]
mod support;

use std::fmt::Write as _;

use alloy_primitives::{aliases::U48, Bytes, B256, U256};
use alloy_sol_types::SolCall;
use local_chain::ExecutionResult;
use session_core::interface::{
    Action, ArgRule,
    ISmartSessions::{self, executeAsSessionBySignatureCall, executeAsSessionCall},
    Session, SessionExecution, SessionGrant, SigningScope, TokenLimit,
};
use smart_session::accounts::AccountKind;
use stylus_runtime::{
    pricing::{self, ActivationCosts, ProgramShape},
    Program,
};
use stylus_smart_sessions::programs::TEST_MANAGER;
use support::{
    erc7739,
    evm::{PackedUserOperation, World, IERC1271, IERC20},
    smart_sessions, *,
};

/// One measured `handleOps`.
struct Measured {
    case: &'static str,
    /// The JSON name of the case, for the ones the targets name.
    name: &'static str,
    /// Ink of the validator's frame and the frames it delegated to.
    ink: u64,
    /// Entry gas paid, as run.
    entry_gas: u64,
    /// Entry gas had every program of the validation been cached.
    cached_entry_gas: u64,
    /// `validateUserOp` gas, as run (the delegated frames included).
    module_gas: u64,
    handle_ops_gas: u64,
}

impl Measured {
    /// `validateUserOp` gas with every program of the validation cached.
    fn cached_gas(&self) -> u64 {
        self.module_gas - self.entry_gas + self.cached_entry_gas
    }
}

/// Runs `ops` through `handleOps` and reads the module's validation of the last op: the
/// validator's frame and the frames listed just before it (its delegatecalls).
fn measure(
    case: &'static str,
    name: &'static str,
    world: &mut World,
    ops: Vec<PackedUserOperation>,
) -> Measured {
    let (result, handle_ops_gas) = world.handle_all_with_gas(ops);
    assert_eq!(result, Ok(()), "{case}: handleOps must execute");
    let frames = world.chain.stylus_frames();
    let at = frames
        .iter()
        .rposition(|frame| {
            frame.code_address.is_none()
                && frame.selector == ISmartSessions::validateUserOpCall::SELECTOR
        })
        .expect("the module validated");
    let frame = &frames[at];
    assert!(frame.success, "{case}: the module's validation must succeed");
    let delegated: Vec<_> =
        frames[..at].iter().rev().take_while(|frame| frame.code_address.is_some()).collect();
    let [validator, manager, executor] = programs().each_ref().map(|program| program.activation);
    let mut entry_gas = frame.entry_gas;
    let mut cached_entry_gas = validator.entry_gas(true);
    let mut ink = frame.ink;
    for callee in &delegated {
        entry_gas += callee.entry_gas;
        let program = if callee.code_address == Some(TEST_MANAGER) { manager } else { executor };
        cached_entry_gas += program.entry_gas(true);
        ink += callee.ink;
    }
    Measured { case, name, ink, entry_gas, cached_entry_gas, module_gas: frame.gas, handle_ops_gas }
}

/// One case run through Rhinestone's SmartSession (EVM bytecode from modulekit) on a Nexus
/// account, and the same case through this module on the same kind of account.
struct Rival {
    case: &'static str,
    name: &'static str,
    validate_user_op_gas: u64,
    handle_ops_gas: u64,
    /// This module doing the same work on Nexus; its `name` is that of the table's row doing
    /// it on OpenZeppelin's account (the module's USE validation costs the same on every
    /// account, `tests/accounts.rs` asserts).
    ours: Option<Measured>,
}

/// Runs `op` through SmartSession in `handleOps` and reads its validation frame.
fn measure_rival(world: &mut World, op: PackedUserOperation) -> (u64, u64) {
    let (result, handle_ops_gas) = world.handle_all_with_gas(vec![op]);
    assert_eq!(result, Ok(()), "SmartSession's handleOps must execute");
    let frame = smart_sessions::last_validation(world);
    assert!(frame.success, "SmartSession's validation must succeed");
    (frame.gas, handle_ops_gas)
}

/// The game session's move on Nexus (issue 17 names the account), each case on a fresh
/// account: through SmartSession under the sudo policy, under the window and value policies
/// (what this module enforces) and in ENABLE mode (the owner's signature checked through the
/// account's ERC-1271); and through this module, USE and ENABLE.
fn rivals(key: &SessionKey) -> Vec<Rival> {
    let nexus = || World::installed_on(AccountKind::Nexus);
    let one_move = |world: &World| execute_single(world.game, ETHER / 100, &move_data(1, 1));

    let mut world = nexus();
    let permission_id = world.enable_by_owner(session_with(&world, key, 0));
    let call = one_move(&world);
    let op = session_op_at(&mut world, permission_id, key, call, 0);
    let ours_use = measure("USE, 1 call (Nexus)", "use_1_call", &mut world, vec![op]);
    let mut world = nexus();
    let grant = SessionGrant {
        session: session_with(&world, key, 0),
        nonce: U256::ZERO,
        deadline: U48::from(NOW + 3600),
    };
    let owner_signature = world.owner_signature(grant.digest(CHAIN_ID, MODULE));
    let call = one_move(&world);
    let op = world.enable_op(grant, owner_signature, key, call);
    let ours_enable = measure("ENABLE + 1 call (Nexus)", "enable_1_call", &mut world, vec![op]);

    let mut rivals = Vec::new();
    for (case, name, limits, ours) in [
        ("USE, sudo policy, 1 call", "use_1_call_sudo", false, None),
        ("USE, window and value policies, 1 call", "use_1_call", true, Some(ours_use)),
    ] {
        let mut world = nexus();
        let parts = smart_sessions::install(&mut world);
        let session = parts.game_session(&world, key, limits);
        let id = parts.enable_by_owner(&mut world, session);
        let call = one_move(&world);
        let op = parts.use_op(&mut world, id, key, call);
        let (validate_user_op_gas, handle_ops_gas) = measure_rival(&mut world, op);
        rivals.push(Rival { case, name, validate_user_op_gas, handle_ops_gas, ours });
    }
    let mut world = nexus();
    let parts = smart_sessions::install(&mut world);
    let session = parts.game_session(&world, key, true);
    let call = one_move(&world);
    let op = parts.enable_op(&mut world, session, key, call);
    let (validate_user_op_gas, handle_ops_gas) = measure_rival(&mut world, op);
    rivals.push(Rival {
        case: "ENABLE (owner's signature via ERC-1271), window and value policies, + 1 call",
        name: "enable_1_call",
        validate_user_op_gas,
        handle_ops_gas,
        ours: Some(ours_enable),
    });
    rivals
}

/// One deployed program.
struct Deployed {
    name: &'static str,
    code: Vec<u8>,
    activation: ActivationCosts,
}

/// The three deployed programs, validator first: read and compiled once for the whole run.
fn programs() -> &'static [Deployed; 3] {
    static PROGRAMS: std::sync::OnceLock<[Deployed; 3]> = std::sync::OnceLock::new();
    PROGRAMS.get_or_init(|| {
        let load = |name, code: Vec<u8>| {
            let activation = Program::from_code(&code).expect("the artifact loads").activation();
            Deployed { name, code, activation }
        };
        [
            load("validator", support::chain::deployed_code()),
            load("manager", support::chain::manager_code()),
            load("executor", support::chain::executor_code()),
        ]
    })
}

/// One measured transaction to the module's executor path.
struct MeasuredExecution {
    case: &'static str,
    ink: u64,
    entry_gas: u64,
    frame_gas: u64,
    tx_gas: u64,
}

/// Sends `data` to the module from `from` and reads the module's frame.
fn measure_execution(
    case: &'static str,
    world: &mut World,
    from: alloy_primitives::Address,
    data: Vec<u8>,
) -> MeasuredExecution {
    world.chain.clear_stylus_frames();
    let result = world.chain.call(from, MODULE, data, U256::ZERO);
    assert!(matches!(result, ExecutionResult::Success { .. }), "{case}: {result:?}");
    let (ink, entry_gas, frame_gas) = module_frames(world);
    MeasuredExecution { case, ink, entry_gas, frame_gas, tx_gas: result.tx_gas_used() }
}

/// The module's last frame — (ink, entry gas, frame gas) — with the ink and entry of the
/// frames listed just before it (its delegatecalls; their gas is in the frame's).
fn module_frames(world: &World) -> (u64, u64, u64) {
    let frames = world.chain.stylus_frames();
    let at = frames.iter().rposition(|f| f.code_address.is_none()).expect("the module ran");
    let delegated = frames[..at].iter().rev().take_while(|f| f.code_address.is_some());
    delegated.fold((frames[at].ink, frames[at].entry_gas, frames[at].gas), |(i, e, g), f| {
        (i + f.ink, e + f.entry_gas, g)
    })
}

/// The game session of `key` on `world`'s game, with `extra` more actions elsewhere.
fn session_with(world: &World, key: &SessionKey, extra: u8) -> Session {
    with_extra_actions(world.game_session(key), extra)
}

/// A session op of `key` with the EntryPoint nonce `offset` ahead (for bundles).
fn session_op_at(
    world: &mut World,
    permission_id: B256,
    key: &SessionKey,
    call_data: Bytes,
    offset: u64,
) -> PackedUserOperation {
    let mut op = world.op(MODULE, call_data.to_vec());
    op.nonce += U256::from(offset);
    world.signed_for_session(op, permission_id, key)
}

fn main() {
    let key = SessionKey::from_seed(0x47);
    let one_move = |world: &World| execute_single(world.game, ETHER / 100, &move_data(1, 1));

    let mut rows = Vec::new();

    let mut world = World::installed();
    let permission_id = world.enable_by_owner(session_with(&world, &key, 0));
    let call = one_move(&world);
    let op = session_op_at(&mut world, permission_id, &key, call, 0);
    rows.push(measure("USE, session of 1 action, 1 call", "use_1_call", &mut world, vec![op]));

    let mut world = World::installed();
    let permission_id = world.enable_by_owner(session_with(&world, &key, 4));
    let call = one_move(&world);
    let op = session_op_at(&mut world, permission_id, &key, call, 0);
    rows.push(measure("USE, session of 5 actions, 1 call", "use_5_actions", &mut world, vec![op]));

    let mut world = World::installed();
    let permission_id = world.enable_by_owner(session_with(&world, &key, 0));
    let moves: Vec<_> =
        (0..3).map(|i| execution(world.game, ETHER / 100, move_data(i, i))).collect();
    let op = session_op_at(&mut world, permission_id, &key, execute_batch(&moves), 0);
    rows.push(measure("USE, batch of 3 calls", "use_batch_3", &mut world, vec![op]));

    let mut world = World::installed();
    let permission_id = world.enable_by_owner(session_with(&world, &key, 0));
    let call = one_move(&world);
    let first = session_op_at(&mut world, permission_id, &key, call, 0);
    let call = one_move(&world);
    let second = session_op_at(&mut world, permission_id, &key, call, 1);
    rows.push(measure(
        "USE, 2nd op of a bundle (cached, warm slots)",
        "use_2nd_op_of_bundle",
        &mut world,
        vec![first, second],
    ));

    let mut world = World::installed();
    let token = world.deploy_token(U256::from(1_000));
    let mut session = session_with(&world, &key, 0);
    session.actions[0] = Action {
        target: token,
        selector: IERC20::transferCall::SELECTOR.into(),
        maxValuePerCall: U256::ZERO,
    };
    session.tokenLimits = vec![TokenLimit { token, maxAmount: U256::from(100) }];
    let permission_id = world.enable_by_owner(session);
    let transfer = IERC20::transferCall { to: BOB, amount: U256::from(10) }.abi_encode();
    let op = session_op_at(&mut world, permission_id, &key, execute_single(token, 0, &transfer), 0);
    rows.push(measure(
        "USE, ERC-20 transfer within its budget",
        "use_erc20_transfer",
        &mut world,
        vec![op],
    ));

    let mut world = World::installed();
    let mut session = session_with(&world, &key, 0);
    // x ≤ 7 and y ≠ 3, as `tests/rules.rs` plays them.
    let rule = |offset, condition, value| ArgRule {
        target: world.game,
        ..game_rule(MOVE, offset, condition, value)
    };
    session.argRules = vec![rule(0, 1, 7), rule(32, 3, 3)];
    let permission_id = world.enable_by_owner(session);
    let call = one_move(&world);
    let op = session_op_at(&mut world, permission_id, &key, call, 0);
    rows.push(measure(
        "USE, 1 call keeping 2 argument rules",
        "use_2_arg_rules",
        &mut world,
        vec![op],
    ));

    let mut world = World::installed();
    let mut session = session_with(&world, &key, 0);
    session.period = U48::from(600);
    let permission_id = world.enable_by_owner(session);
    // The chain's clock is 10 minutes in: period 1, whose counters start over.
    let call = one_move(&world);
    let op = world.session_op_in(permission_id, &key, call, Some(1));
    rows.push(measure(
        "USE, first op of a new period (counters start over)",
        "use_new_period",
        &mut world,
        vec![op],
    ));

    let mut world = World::installed();
    let p256_key = P256Key::from_seed(7);
    let mut session = session_with(&world, &key, 0);
    session.keyType = 1;
    session.key = p256_key.id().into_word();
    let permission_id = world.enable_by_owner(session);
    let mut op = world.op(MODULE, one_move(&world).to_vec());
    let hash = session_op_hash(world.user_op_hash(&op), permission_id, 0);
    op.signature = use_signature(permission_id, &p256_key.sign(hash));
    rows.push(measure("USE, P-256 key (RIP-7212 precompile)", "use_p256", &mut world, vec![op]));

    // A passkey: two SHA-256 precompile calls and P256VERIFY over a browser-shaped assertion.
    let mut world = World::installed();
    let p256_key = P256Key::from_seed(7);
    let passkey = smart_session::passkey::Passkey::new(p256_key.signer(), "game.example", true);
    let mut session = session_with(&world, &key, 0);
    session.keyType = session_core::session_key::KeyType::WebAuthnUserVerified.code();
    session.key = p256_key.id().into_word();
    let permission_id = world.enable_by_owner(session);
    let mut op = world.op(MODULE, one_move(&world).to_vec());
    let hash = session_op_hash(world.user_op_hash(&op), permission_id, 0);
    op.signature = use_signature(permission_id, &passkey.assert(hash).encode());
    rows.push(measure(
        "USE, passkey (WebAuthn, user verified)",
        "use_webauthn",
        &mut world,
        vec![op],
    ));

    // 2 of 3 secp256k1 keys: two ecrecovers and the set's keccak.
    let mut world = World::installed();
    let signer = |seed: u8| {
        smart_session::encode::Signer::from_hex(&B256::repeat_byte(seed).to_string()).unwrap()
    };
    let multisig = smart_session::encode::MultisigSigner {
        threshold: 2,
        signers: [0x31, 0x32, 0x33].map(|seed| signer(seed).address()).to_vec(),
        keys: vec![signer(0x31), signer(0x33)],
    };
    let mut session = session_with(&world, &key, 0);
    session.keyType = session_core::session_key::KeyType::Multisig.code();
    session.key = multisig.key_id().into_word();
    let permission_id = world.enable_by_owner(session);
    let mut op = world.op(MODULE, one_move(&world).to_vec());
    let hash = session_op_hash(world.user_op_hash(&op), permission_id, 0);
    op.signature = use_signature(permission_id, &multisig.sign(hash));
    rows.push(measure("USE, 2-of-3 multisig key", "use_multisig_2_of_3", &mut world, vec![op]));

    // The paymaster check: one more cold word, read only when an operation names one.
    let mut world = World::installed();
    let paymaster = world.deploy_paymaster(U256::from(ETHER));
    let mut session = session_with(&world, &key, 0);
    session.paymasters = vec![paymaster];
    let permission_id = world.enable_by_owner(session);
    let mut op = world.op(MODULE, one_move(&world).to_vec());
    op.paymasterAndData =
        [paymaster.as_slice(), support::packed_gas(100_000, 100_000).as_slice()].concat().into();
    let op = world.signed_for_session(op, permission_id, &key);
    rows.push(measure("USE, paid by a listed paymaster", "use_paymaster", &mut world, vec![op]));

    let mut world = World::installed();
    let grant = SessionGrant {
        session: session_with(&world, &key, 0),
        nonce: U256::ZERO,
        deadline: U48::from(NOW + 3600),
    };
    let digest = grant.digest(CHAIN_ID, MODULE);
    let owner_signature: Bytes = world.owner_signature(digest);
    let call = one_move(&world);
    let op = world.enable_op(grant, owner_signature, &key, call);
    rows.push(measure(
        "ENABLE (grant via ERC-1271) + 1 call",
        "enable_1_call",
        &mut world,
        vec![op],
    ));

    let mut executions = Vec::new();
    let (mut world, permission_id) = World::playing(&key);
    world.install_executor();
    let account = world.account;
    let call_data = one_move(&world);
    let data = executeAsSessionCall { account, permissionId: permission_id, callData: call_data }
        .abi_encode();
    executions.push(measure_execution(
        "executeAsSession (the key sends), 1 call",
        &mut world,
        key.address(),
        data,
    ));
    let execution = SessionExecution {
        account,
        permissionId: permission_id,
        nonce: U256::ZERO,
        deadline: U48::from(NOW + 3600),
        callData: one_move(&world),
    };
    let signature = key.sign(execution.digest(CHAIN_ID, MODULE)).to_vec().into();
    let data = executeAsSessionBySignatureCall {
        account,
        permissionId: permission_id,
        nonce: execution.nonce,
        deadline: execution.deadline,
        callData: execution.callData,
        signature,
    }
    .abi_encode();
    executions.push(measure_execution(
        "executeAsSessionBySignature (relayed), 1 call",
        &mut world,
        support::evm::BUNDLER,
        data,
    ));

    // A session signature, as an app asks the account (which asks the module): a view, so
    // measured as a transaction calling the account's `isValidSignature`.
    let mut world = World::installed();
    let mut session = world.game_session(&key);
    session.signing = vec![SigningScope {
        appDomain: erc7739::mail_domain().separator(),
        contentsType: B256::ZERO,
    }];
    let account = world.account;
    let permission_id = world.enable_by_owner(session);
    let signature = erc7739::typed_signature(&key, permission_id, account, &erc7739::mail_domain());
    let data = IERC1271::isValidSignatureCall {
        hash: erc7739::mail_hash(),
        signature: [MODULE.as_slice(), &signature].concat().into(),
    }
    .abi_encode();
    world.chain.clear_stylus_frames();
    let result = world.chain.call(support::evm::DEPLOYER, account, data, U256::ZERO);
    let magic = IERC1271::isValidSignatureCall::abi_decode_returns(
        result.output().expect("isValidSignature returns"),
    );
    assert_eq!(magic.map(|m| m.0), Ok([0x16, 0x26, 0xba, 0x7e]), "the session's signature");
    let (ink, entry_gas, frame_gas) = module_frames(&world);
    executions.push(MeasuredExecution {
        case: "isValidSignature through the account (ERC-7739 typed data)",
        ink,
        entry_gas,
        frame_gas,
        tx_gas: result.tx_gas_used(),
    });

    let rivals = rivals(&key);
    let report = render(&rows, &executions, &rivals);
    print!("{report}");
    let mut args = std::env::args().skip(1);
    if let Some(path) = args.next() {
        std::fs::write(&path, &report).unwrap_or_else(|error| panic!("{path}: {error}"));
        eprintln!("wrote {path}");
    }
    if let Some(path) = args.next() {
        let json = serde_json::to_string_pretty(&json(&rows, &rivals)).expect("JSON");
        std::fs::write(&path, json + "\n").unwrap_or_else(|error| panic!("{path}: {error}"));
        eprintln!("wrote {path}");
    }
}

/// `reports/bench.json`: the three programs, every validation case and SmartSession's.
fn json(rows: &[Measured], rivals: &[Rival]) -> serde_json::Value {
    let programs: Vec<_> = programs()
        .iter()
        .map(|Deployed { name, code, activation }| {
            let wasm = stylus_artifact::decompress(code).expect("the artifact decompresses");
            serde_json::json!({
                "name": name,
                "wasm_bytes": wasm.len(),
                "deployed_bytes": code.len(),
                "entry_gas_cached": activation.entry_gas(true),
                "entry_gas_uncached": activation.entry_gas(false),
            })
        })
        .collect();
    let cases: Vec<_> = rows
        .iter()
        .map(|row| {
            serde_json::json!({
                "name": row.name,
                "validate_user_op_gas_cached": row.cached_gas(),
                "validate_user_op_gas_uncached": row.module_gas,
                "handle_ops_gas": row.handle_ops_gas,
            })
        })
        .collect();
    let smart_sessions: Vec<_> = rivals
        .iter()
        .map(|rival| {
            serde_json::json!({
                "name": rival.name,
                "validate_user_op_gas": rival.validate_user_op_gas,
                "handle_ops_gas": rival.handle_ops_gas,
            })
        })
        .collect();
    serde_json::json!({ "programs": programs, "cases": cases, "smart_sessions": smart_sessions })
}

fn render(rows: &[Measured], executions: &[MeasuredExecution], rivals: &[Rival]) -> String {
    let limit = stylus_artifact::MAX_CODE_SIZE;
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "# Stylus Smart Sessions: gas and size\n");
    let _ = writeln!(
        w,
        "Measured by `make bench` on the in-process chain (EntryPoint v0.7, OpenZeppelin \
         AccountERC7579, the deployed artifacts). Nitro prices: ink price {}, ArbOS 60 rules; \
         see crates/stylus-runtime/README.md for what differs from Nitro.\n",
        pricing::INK_PRICE
    );
    let _ = writeln!(w, "## Programs\n");
    let _ = writeln!(
        w,
        "The validator (the address accounts install) and the manager and the executor it \
         delegatecalls. Entry gas is paid by every call into a program: uncached for its first call in a block, \
         cached after (or always, after a cache bid).\n"
    );
    let _ = writeln!(
        w,
        "| program | WASM bytes | deployed bytes | of {limit} | functions | data bytes | entry gas, cached | entry gas, uncached |"
    );
    let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for Deployed { name, code, activation } in programs() {
        let wasm = stylus_artifact::decompress(code).expect("the artifact decompresses");
        let shape = ProgramShape::of(&wasm).expect("the WASM parses");
        let _ = writeln!(
            w,
            "| {name} | {} | {} | {:.1}% | {} | {} | {} | {} |",
            wasm.len(),
            code.len(),
            100.0 * code.len() as f64 / limit as f64,
            shape.functions,
            shape.data_len,
            activation.entry_gas(true),
            activation.entry_gas(false)
        );
    }
    let _ = writeln!(w, "\n## validateUserOp and handleOps\n");
    let _ = writeln!(
        w,
        "`ink` is the WASM and hostios of the validator and the frames it delegated to (the \
         manager's, in ENABLE mode); `run gas` is that ink as gas plus the EVM-side gas its hostios bought (storage, \
         ecrecover, ERC-1271 call, delegatecall, logs); `validateUserOp gas` adds entry, \
         uncached as run (the first call of a block; storage cold, as for a bundle's first \
         operation) and with every program cached. `handleOps gas` is the whole bundle \
         transaction, as run. `Smart Sessions, same chain` is Rhinestone's SmartSession \
         validating the same operation on Nexus (this module's USE validation costs the same \
         on every account; ENABLE includes the account's ERC-1271 check: both modules on Nexus \
         below).\n"
    );
    let _ = writeln!(
        w,
        "| case | ink | ink as gas | run gas | entry gas, uncached | validateUserOp gas, uncached | validateUserOp gas, cached | handleOps gas | Smart Sessions, same chain |"
    );
    let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        let rival = rivals.iter().find(|rival| rival.ours.is_some() && rival.name == row.name);
        let rival = rival.map_or("—".into(), |rival| rival.validate_user_op_gas.to_string());
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {rival} |",
            row.case,
            row.ink,
            pricing::ink_to_gas_ceil(row.ink),
            row.module_gas - row.entry_gas,
            row.entry_gas,
            row.module_gas,
            row.cached_gas(),
            row.handle_ops_gas
        );
    }
    render_rivals(w, rivals);
    let _ = writeln!(w, "\n## Executor path and session signatures (no EntryPoint)\n");
    let _ = writeln!(
        w,
        "One 0.01-ether `move` sent as a plain transaction to the module, whose validator hands \
         it to the executor, which calls the account's `executeFromExecutor`. `ink` and `entry \
         gas` are the validator's and the executor's. `module frame gas` is the module's entry and run gas \
         *including* the account's execution it calls (the game's move); `transaction gas` is \
         the whole transaction, intrinsic 21,000 included — compare `handleOps gas` above. \
         The rows run in order on one account: the key's row pays the game's first write of \
         the player's move count (0 → 1), the relayed row the first write of the session's \
         execution nonce (0 → 1) and an ecrecover. The last row is an app's ERC-1271 question \
         to the account, which asks the module (which asks the account for its EIP-712 domain); \
         its module frame gas includes that call.\n"
    );
    let _ =
        writeln!(w, "| case | ink | ink as gas | entry gas | module frame gas | transaction gas |");
    let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|");
    for row in executions {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} |",
            row.case,
            row.ink,
            pricing::ink_to_gas_ceil(row.ink),
            row.entry_gas,
            row.frame_gas,
            row.tx_gas
        );
    }
    out
}

/// The section comparing SmartSession's runs with this module's, on Nexus.
fn render_rivals(w: &mut String, rivals: &[Rival]) {
    let _ = writeln!(w, "\n## Beside Smart Sessions (same chain, same account, same run)\n");
    let _ = writeln!(
        w,
        "Rhinestone's SmartSession (the deployed EVM bytecode in @rhinestone/modulekit 0.5.9) and \
         this module, each installed on a fresh Nexus 1.0.0 account (modulekit's bytecode), \
         running the game session's 0.01-ether move. npm publishes no session validator or \
         policies for SmartSession, so these are this project's minimal ones \
         (tests/evm/contracts/smart-sessions/Parts.sol: a secp256k1 session validator, a sudo \
         policy, a window policy, a per-call and total value-limit policy); its ERC-7484 \
         registry is a stand-in that attests everything. `validateUserOp gas` is the module's \
         frame (an EVM contract has no entry cost; storage cold, as for a bundle's first \
         operation); this module's is uncached / cached. `tests/e2e_smart_sessions.rs` checks \
         the policies refuse what this module refuses.\n"
    );
    let _ = writeln!(
        w,
        "| case | Smart Sessions: validateUserOp gas | Smart Sessions: handleOps gas | this module: validateUserOp gas | this module: handleOps gas |"
    );
    let _ = writeln!(w, "|---|---:|---:|---:|---:|");
    for rival in rivals {
        let (gas, handle_ops) = rival.ours.as_ref().map_or(("—".into(), "—".into()), |row| {
            (format!("{} / {}", row.module_gas, row.cached_gas()), row.handle_ops_gas.to_string())
        });
        let _ = writeln!(
            w,
            "| {} | {} | {} | {gas} | {handle_ops} |",
            rival.case, rival.validate_user_op_gas, rival.handle_ops_gas
        );
    }
}
