//! What the node deploys before it serves: the real EntryPoint v0.7 at its canonical address,
//! the module's three Stylus programs, OpenZeppelin's account with its owner validator and a
//! factory of such accounts, the game and a test token, and the funded dev keys.

use std::path::{Path, PathBuf};

use alloy_primitives::{address, Address, U256};
use alloy_sol_types::SolValue;
use local_chain::{artifacts, Chain};
use stylus_smart_sessions::programs::{TEST_EXECUTOR, TEST_MANAGER};

use crate::{keys::dev_keys, Error, Result};

/// EntryPoint v0.7's canonical address (its deterministic deployment on every chain).
pub const ENTRY_POINT_V07: Address = address!("0000000071727De22e5E9D8bAF0EDAc6F37da032");

/// The deterministic-deployment proxy (Arachnid's CREATE2 deployer): `salt ‖ init code` in,
/// the created address out. Forge scripts and bundlers (Alto) expect it on every chain.
pub const CREATE2_DEPLOYER: Address = address!("4e59b44847b379578588920cA78FbF26c0B4956C");

/// Its runtime code, as on every chain it is deployed to.
const CREATE2_DEPLOYER_CODE: &str = "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf3";

/// Where the node puts the module's validator (the address the tests use too). The manager
/// and the executor go where the validator, built by `make build` without
/// `SMART_SESSIONS_MANAGER`/`SMART_SESSIONS_EXECUTOR`, delegatecalls them.
pub const MODULE: Address = address!("00000000000000000000000000000000005e5510");

/// The address the node's own setup transactions come from (not a dev key: those start at
/// nonce 0, as on anvil).
pub const DEPLOYER: Address = address!("dededededededededededededededededededede");

/// One ether, in wei.
const ETHER: u128 = 1_000_000_000_000_000_000;

/// Ether each dev key starts with.
pub const DEV_KEY_ETHER: u128 = 10_000;

/// What the node deployed, for printing and for tests.
#[derive(Debug, Clone)]
pub struct Deployment {
    /// EntryPoint v0.7 (at [`ENTRY_POINT_V07`]).
    pub entry_point: Address,
    /// The module's validator, manager and executor.
    pub module: Address,
    /// The manager program.
    pub manager: Address,
    /// The executor program.
    pub executor: Address,
    /// The owner validator OpenZeppelin's account installs at construction.
    pub owner_validator: Address,
    /// The game the README's session plays.
    pub game: Address,
    /// An OpenZeppelin ERC-20 minted to the example account.
    pub token: Address,
    /// An OpenZeppelin `AccountERC7579` (tests/evm's `SessionAccount`) owned by dev key 0.
    pub account: Address,
    /// `SessionAccountFactory`: more such accounts, by CREATE2 (`createAccount(owner, salt)`,
    /// `getAddress(owner, salt)`), for a UserOperation's `initCode`.
    pub account_factory: Address,
}

/// Where the node finds what `make build` and `make evm` wrote.
#[derive(Debug, Clone)]
pub struct Artifacts {
    /// The build directory (the workspace's `target/`).
    pub dir: PathBuf,
}

impl Artifacts {
    /// A deployed Stylus program of the module (`make build`).
    fn program(&self, name: &str) -> Result<Vec<u8>> {
        let path = self.dir.join(name);
        std::fs::read(&path)
            .map_err(|_| Error::MissingArtifact(format!("{} (make build)", path.display())))
    }

    /// Creation code of a Solidity contract (`make evm`), with ABI-encoded constructor `args`.
    fn creation(&self, source: &str, contract: &str, args: Vec<u8>) -> Result<Vec<u8>> {
        let out = self.dir.join("evm/out");
        artifacts::forge_artifact(&out, source, contract)
            .and_then(|artifact| artifacts::creation_code(&artifact))
            .map(|code| [code, args].concat())
            .ok_or_else(|| {
                Error::MissingArtifact(format!("{contract} in {} (make evm)", out.display()))
            })
    }
}

/// Deploys everything on `chain` (no base fee yet: setup transactions pay no gas).
///
/// # Errors
/// [`Error::MissingArtifact`] when `make build` or `make evm` has not run;
/// [`Error::Setup`] when a deployment fails.
pub fn deploy(chain: &mut Chain, artifacts: &Artifacts) -> Result<Deployment> {
    chain.set_balance(DEPLOYER, U256::from(100 * ETHER));
    let mut create = |code: Vec<u8>, what: &str| -> Result<Address> {
        let at = chain.deploy_checked(DEPLOYER, code);
        at.ok_or_else(|| Error::Setup(format!("deploying {what} failed")))
    };
    // Deployed by CREATE, then moved to the canonical address its deterministic deployment
    // has on public chains (our build's init code differs, so CREATE2 cannot reach it).
    let entry_point = create(
        artifacts.creation(
            "@account-abstraction/contracts/core/EntryPoint.sol",
            "EntryPoint",
            vec![],
        )?,
        "EntryPoint v0.7",
    )?;
    let owner_validator = create(
        artifacts.creation("contracts/OwnerValidator.sol", "OwnerValidator", vec![])?,
        "the owner validator",
    )?;
    let game = create(artifacts.creation("contracts/Game.sol", "Game", vec![])?, "the game")?;
    let keys = dev_keys();
    let owner = keys[0].address;
    let args = (ENTRY_POINT_V07, owner_validator, owner.abi_encode()).abi_encode_params();
    let account = create(
        artifacts.creation("contracts/SessionAccount.sol", "SessionAccount", args)?,
        "the example account",
    )?;
    let supply = U256::from(1_000_000u64) * U256::from(ETHER);
    let token = create(
        artifacts.creation(
            "contracts/TestToken.sol",
            "TestToken",
            (account, supply).abi_encode_params(),
        )?,
        "the test token",
    )?;
    // Created last: the addresses above stay those of the node's first releases.
    let factory_args = (ENTRY_POINT_V07, owner_validator).abi_encode_params();
    let account_factory = create(
        artifacts.creation(
            "contracts/SessionAccountFactory.sol",
            "SessionAccountFactory",
            factory_args,
        )?,
        "the account factory",
    )?;
    chain.relocate(entry_point, ENTRY_POINT_V07);
    let proxy = alloy_primitives::hex::decode(CREATE2_DEPLOYER_CODE).expect("the code is hex");
    chain.set_code(CREATE2_DEPLOYER, proxy);
    chain.set_code(MODULE, artifacts.program("stylus_smart_sessions.code")?);
    chain.set_code(TEST_MANAGER, artifacts.program("stylus_smart_sessions_manager.code")?);
    chain.set_code(TEST_EXECUTOR, artifacts.program("stylus_smart_sessions_executor.code")?);
    chain.set_balance(account, U256::from(10 * ETHER));
    for key in &keys {
        chain.set_balance(key.address, U256::from(DEV_KEY_ETHER * ETHER));
    }
    Ok(Deployment {
        entry_point: ENTRY_POINT_V07,
        module: MODULE,
        manager: TEST_MANAGER,
        executor: TEST_EXECUTOR,
        owner_validator,
        game,
        token,
        account,
        account_factory,
    })
}

/// The workspace's build directory, as `make` and the tests use it.
pub fn default_artifacts_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
    dir.canonicalize().unwrap_or(dir)
}
