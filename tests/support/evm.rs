//! The real EntryPoint v0.7 and an ERC-7579 account (OpenZeppelin's by default; Nexus, Kernel
//! or Safe7579, see [`super::accounts`]) beside the module's deployed artifact (`make build`)
//! on `local-chain`: what `tests/e2e*.rs`, `tests/accounts.rs` and `make demo` run.

use alloy_primitives::{aliases::U192, Address, Bytes, FixedBytes, B256, U256};
use alloy_sol_types::{sol, Eip712Domain, SolCall, SolError, SolValue};
use local_chain::{Chain, ExecutionResult, StylusFrame};
use session_core::interface::{
    ISmartSessions, Session, SessionGrant, SigningScope, IERC5267::eip712DomainCall,
};
use smart_session::{accounts::AccountKind, encode::enable_signature};
use stylus_smart_sessions::programs::{TEST_EXECUTOR, TEST_MANAGER};

use super::{
    erc7739::mail_domain, execute_single, game_session, key_proof, packed_gas, session_op_hash,
    use_signature, SessionKey, CHAIN_ID, ETHER, MODULE, NOW,
};

sol! {
    // Written from the standards' text, not from the module: ERC-4337's operation (the module's
    // must be ABI-identical) and ERC-7579's module and validator interfaces.
    struct PackedUserOperation {
        address sender;
        uint256 nonce;
        bytes initCode;
        bytes callData;
        bytes32 accountGasLimits;
        uint256 preVerificationGas;
        bytes32 gasFees;
        bytes paymasterAndData;
        bytes signature;
    }
    interface IEntryPoint {
        function handleOps(PackedUserOperation[] calldata ops, address payable beneficiary) external;
        function getUserOpHash(PackedUserOperation calldata userOp) external view returns (bytes32);
        function getNonce(address sender, uint192 key) external view returns (uint256 nonce);
        function depositTo(address account) external payable;
        function balanceOf(address account) external view returns (uint256);
        error FailedOp(uint256 opIndex, string reason);
        error FailedOpWithRevert(uint256 opIndex, string reason, bytes inner);
    }
    interface IModule {
        function onInstall(bytes calldata data) external;
        function onUninstall(bytes calldata data) external;
        function isModuleType(uint256 moduleTypeId) external view returns (bool);
        function isInitialized(address smartAccount) external view returns (bool);
    }
    interface IValidator {
        function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash) external returns (uint256);
        function isValidSignatureWithSender(address sender, bytes32 hash, bytes calldata data)
            external view returns (bytes4);
    }
    interface IAccount7579 {
        function installModule(uint256 moduleTypeId, address module, bytes calldata initData) external;
        function uninstallModule(uint256 moduleTypeId, address module, bytes calldata deInitData) external;
    }
    interface IERC1271 {
        function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4);
    }
    interface IERC20 {
        function transfer(address to, uint256 amount) external returns (bool);
        function balanceOf(address holder) external view returns (uint256);
    }
    interface IGame {
        function moves(address player) external view returns (uint256);
    }
}

pub const DEPLOYER: Address = Address::repeat_byte(0xde);
pub const BUNDLER: Address = Address::repeat_byte(0xb0);

/// The forge artifact of `contract` compiled from the source whose path contains `source`
/// (see [`local_chain::artifacts::forge_artifact`]).
fn artifact(source: &str, contract: &str) -> serde_json::Value {
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/evm/out");
    local_chain::artifacts::forge_artifact(&out, source, contract).unwrap_or_else(|| {
        panic!("no {contract} from {source} in {}: run `make evm` first", out.display())
    })
}

/// The forge artifact's creation code of `contract` compiled from `source` (see [`artifact`]).
pub fn creation_code(source: &str, contract: &str) -> Vec<u8> {
    local_chain::artifacts::creation_code(&artifact(source, contract))
        .unwrap_or_else(|| panic!("{contract} from {source} has no creation code"))
}

/// The selector solc gave `contract`'s function `name` (its only overload): for functions
/// whose parameter types are structs the test has no `sol!` signature for.
#[allow(dead_code)]
pub fn selector(source: &str, contract: &str, name: &str) -> [u8; 4] {
    let artifact = artifact(source, contract);
    let identifiers = artifact["methodIdentifiers"].as_object().expect("method identifiers");
    let prefix = format!("{name}(");
    let (_, id) = identifiers.iter().find(|(signature, _)| signature.starts_with(&prefix)).unwrap();
    let id = alloy_primitives::hex::decode(id.as_str().unwrap()).unwrap();
    id.try_into().unwrap()
}

/// Which EntryPoint a [`World`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryPointVersion {
    /// `@account-abstraction/contracts` 0.7.0.
    V07,
    /// `@account-abstraction/contracts` 0.8.0.
    V08,
}

impl EntryPointVersion {
    fn source(self) -> &'static str {
        match self {
            Self::V07 => "@account-abstraction/contracts/core/EntryPoint.sol",
            Self::V08 => "ep08/core/EntryPoint.sol",
        }
    }
}

pub struct World {
    pub chain: Chain,
    pub entry_point: Address,
    pub owner_validator: Address,
    pub game: Address,
    pub account: Address,
    pub owner: SessionKey,
    /// Which account `account` is: how it routes nonces, installs and frames signatures.
    pub kind: AccountKind,
}

impl World {
    /// EntryPoint, validator and game deployed; the module's artifact at `MODULE`; Alice's
    /// account deployed with her owner key, funded with 10 ether.
    pub fn new() -> Self {
        Self::with(EntryPointVersion::V07)
    }

    /// [`World::new`] with the EntryPoint `version`.
    pub fn with(version: EntryPointVersion) -> Self {
        Self::build(AccountKind::OpenZeppelin, version)
    }

    /// [`World::new`] with an account of `kind` (EntryPoint v0.7).
    pub fn on(kind: AccountKind) -> Self {
        Self::build(kind, EntryPointVersion::V07)
    }

    /// [`World::new`] with an account of `kind` and the EntryPoint `version`.
    pub fn build(kind: AccountKind, version: EntryPointVersion) -> Self {
        let mut chain = Chain::new(CHAIN_ID, NOW + 600);
        chain.set_balance(DEPLOYER, U256::from(100 * ETHER));
        let mut entry_point = chain.deploy(DEPLOYER, creation_code(version.source(), "EntryPoint"));
        if kind == AccountKind::Safe7579 {
            // Safe7579 hard-codes the canonical address: the EntryPoint's code goes there, as
            // a chain's predeploy would put it (v0.7 keeps nothing in storage it needs).
            assert_eq!(version, EntryPointVersion::V07);
            let code = chain.code(entry_point);
            chain.set_code(super::accounts::CANONICAL_ENTRY_POINT, code.to_vec());
            entry_point = super::accounts::CANONICAL_ENTRY_POINT;
        }
        let owner_validator =
            chain.deploy(DEPLOYER, creation_code("contracts/OwnerValidator.sol", "OwnerValidator"));
        let game = chain.deploy(DEPLOYER, creation_code("contracts/Game.sol", "Game"));
        chain.set_code(MODULE, super::chain::deployed_code());
        chain.set_code(TEST_MANAGER, super::chain::manager_code());
        chain.set_code(TEST_EXECUTOR, super::chain::executor_code());
        let owner = SessionKey::from_seed(0x0a);
        let account = super::accounts::deploy(
            &mut chain,
            kind,
            entry_point,
            owner_validator,
            owner.address(),
        );
        chain.set_balance(account, U256::from(10 * ETHER));
        Self { chain, entry_point, owner_validator, game, account, owner, kind }
    }

    /// The nonce key that routes the account's operation to `validator`: the client's
    /// (`AccountKind::nonce_key`), but 0 for Kernel's root validator (the owner's), which
    /// Kernel lets validate every call.
    fn nonce_key(&self, validator: Address) -> U192 {
        if self.kind == AccountKind::Kernel && validator == self.owner_validator {
            return U192::ZERO;
        }
        self.kind.nonce_key(validator, 0)
    }

    /// A user operation of the account, validated by `validator` (the account picks it from
    /// the nonce key: [`Self::nonce_key`]), not signed yet.
    pub fn op(&mut self, validator: Address, call_data: Vec<u8>) -> PackedUserOperation {
        let key = self.nonce_key(validator);
        let nonce =
            self.view(self.entry_point, IEntryPoint::getNonceCall { sender: self.account, key });
        PackedUserOperation {
            sender: self.account,
            nonce,
            initCode: Bytes::new(),
            callData: call_data.into(),
            accountGasLimits: packed_gas(2_000_000, 2_000_000),
            preVerificationGas: U256::from(100_000),
            gasFees: packed_gas(1, 1),
            paymasterAndData: Bytes::new(),
            signature: Bytes::new(),
        }
    }

    /// What `to` answers `call`, sent (and committed) from the deployer as the tests' views
    /// are; panics naming the function when the call fails.
    pub fn view<C: SolCall>(&mut self, to: Address, call: C) -> C::Return {
        match self.chain.call(DEPLOYER, to, call.abi_encode(), U256::ZERO) {
            ExecutionResult::Success { output, .. } => {
                C::abi_decode_returns(output.data()).expect("the call's answer decodes")
            }
            other => panic!("{} failed: {other:?}", C::SIGNATURE),
        }
    }

    pub fn user_op_hash(&mut self, op: &PackedUserOperation) -> B256 {
        self.view(self.entry_point, IEntryPoint::getUserOpHashCall { userOp: op.clone() })
    }

    /// `handleOps([op])` from the bundler: `Ok` when it executed, else the revert data.
    pub fn handle(&mut self, op: PackedUserOperation) -> Result<(), Vec<u8>> {
        self.handle_with_gas(op).0
    }

    /// [`Self::handle`], with the gas the transaction used (EVM gas, Stylus frames at Nitro's
    /// prices).
    pub fn handle_with_gas(&mut self, op: PackedUserOperation) -> (Result<(), Vec<u8>>, u64) {
        self.handle_all_with_gas(vec![op])
    }

    /// `handleOps(ops)` from the bundler, with the gas the transaction used.
    pub fn handle_all_with_gas(
        &mut self,
        ops: Vec<PackedUserOperation>,
    ) -> (Result<(), Vec<u8>>, u64) {
        let call = IEntryPoint::handleOpsCall { ops, beneficiary: BUNDLER };
        let result = self.chain.call(BUNDLER, self.entry_point, call.abi_encode(), U256::ZERO);
        let gas = result.tx_gas_used();
        match result {
            ExecutionResult::Success { .. } => (Ok(()), gas),
            ExecutionResult::Revert { output, .. } => (Err(output.to_vec()), gas),
            other => panic!("handleOps halted: {other:?}"),
        }
    }

    /// The module's last `validateUserOp` frame.
    pub fn last_validation(&self) -> Option<&StylusFrame> {
        let selector = ISmartSessions::validateUserOpCall::SELECTOR;
        self.chain.stylus_frames().iter().rev().find(|frame| frame.selector == selector)
    }

    /// An operation the owner signs (validated by the owner validator).
    pub fn owner_op(&mut self, call_data: Vec<u8>) -> Result<(), Vec<u8>> {
        let mut op = self.op(self.owner_validator, call_data);
        let hash = self.user_op_hash(&op);
        op.signature = self.owner.sign(hash).to_vec().into();
        self.handle(op)
    }

    /// An operation `key` signs for the session `permission_id` (validated by the module).
    pub fn session_op(
        &mut self,
        permission_id: B256,
        key: &SessionKey,
        call_data: Bytes,
    ) -> PackedUserOperation {
        self.session_op_in(permission_id, key, call_data, None)
    }

    /// An operation `key` signs for the session `permission_id` in period `period` (`None`:
    /// a session without periods).
    pub fn session_op_in(
        &mut self,
        permission_id: B256,
        key: &SessionKey,
        call_data: Bytes,
        period: Option<u32>,
    ) -> PackedUserOperation {
        let op = self.op(MODULE, call_data.to_vec());
        self.signed_for_session_in(op, permission_id, key, period)
    }

    /// `op` with `key`'s USE-mode signature over its EntryPoint hash (for an `op` changed after
    /// [`Self::op`]: another nonce, other gas limits).
    pub fn signed_for_session(
        &mut self,
        op: PackedUserOperation,
        permission_id: B256,
        key: &SessionKey,
    ) -> PackedUserOperation {
        self.signed_for_session_in(op, permission_id, key, None)
    }

    /// [`Self::signed_for_session`] in period `period` of a session with periods.
    pub fn signed_for_session_in(
        &mut self,
        mut op: PackedUserOperation,
        permission_id: B256,
        key: &SessionKey,
        period: Option<u32>,
    ) -> PackedUserOperation {
        let message = session_op_hash(self.user_op_hash(&op), permission_id, period.unwrap_or(0));
        op.signature = use_signature(permission_id, &key_proof(&key.sign(message), period));
        op
    }

    pub fn moves(&mut self) -> U256 {
        self.view(self.game, IGame::movesCall { player: self.account })
    }

    /// The module installed by the owner's operation.
    pub fn installed() -> Self {
        Self::installed_with(EntryPointVersion::V07)
    }

    /// [`World::installed`] with the EntryPoint `version`.
    pub fn installed_with(version: EntryPointVersion) -> Self {
        let mut world = Self::with(version);
        world.install(1).expect("the owner installs the module");
        world
    }

    /// [`World::installed`] on an account of `kind`.
    pub fn installed_on(kind: AccountKind) -> Self {
        let mut world = Self::on(kind);
        world.install(1).expect("the owner installs the module");
        world
    }

    /// The owner's operation installing the module as ERC-7579 module type `module_type`
    /// (no sessions), in the account's `installModule` data format.
    pub fn install(&mut self, module_type: u8) -> Result<(), Vec<u8>> {
        let install = IAccount7579::installModuleCall {
            moduleTypeId: U256::from(module_type),
            module: MODULE,
            initData: super::accounts::install_data(self.kind, module_type, Bytes::new()),
        };
        self.owner_op(install.abi_encode())
    }

    /// The owner's operation uninstalling the module (installed last) as `module_type`.
    pub fn uninstall(&mut self, module_type: u8) -> Result<(), Vec<u8>> {
        let uninstall = IAccount7579::uninstallModuleCall {
            moduleTypeId: U256::from(module_type),
            module: MODULE,
            deInitData: super::accounts::uninstall_data(self.kind, Bytes::new()),
        };
        self.owner_op(uninstall.abi_encode())
    }

    /// The owner installs the module as the account's executor too (ERC-7579 type 2).
    pub fn install_executor(&mut self) {
        self.install(2).expect("the owner installs the module as executor");
    }

    /// An OpenZeppelin ERC-20 with `supply` minted to the account.
    pub fn deploy_token(&mut self, supply: U256) -> Address {
        let args = (self.account, supply).abi_encode_params();
        let code = [creation_code("contracts/TestToken.sol", "TestToken"), args].concat();
        self.chain.deploy(DEPLOYER, code)
    }

    /// A paymaster that sponsors every operation, with `deposit` wei at the EntryPoint.
    pub fn deploy_paymaster(&mut self, deposit: U256) -> Address {
        let args = self.entry_point.abi_encode();
        let code = [creation_code("contracts/TestPaymaster.sol", "TestPaymaster"), args].concat();
        let paymaster = self.chain.deploy(DEPLOYER, code);
        let call = IEntryPoint::depositToCall { account: paymaster };
        match self.chain.call(DEPLOYER, self.entry_point, call.abi_encode(), deposit) {
            ExecutionResult::Success { .. } => paymaster,
            other => panic!("depositTo failed: {other:?}"),
        }
    }

    /// `holder`'s deposit at the EntryPoint.
    pub fn deposit_of(&mut self, holder: Address) -> U256 {
        self.view(self.entry_point, IEntryPoint::balanceOfCall { account: holder })
    }

    /// `token.balanceOf(holder)`.
    pub fn token_balance(&mut self, token: Address, holder: Address) -> U256 {
        self.view(token, IERC20::balanceOfCall { holder })
    }

    /// A transaction from `from` calling the module: its return data, or its revert data.
    pub fn call_module(&mut self, from: Address, data: Vec<u8>) -> Result<Vec<u8>, Vec<u8>> {
        match self.chain.call(from, MODULE, data, U256::ZERO) {
            ExecutionResult::Success { output, .. } => Ok(output.data().to_vec()),
            ExecutionResult::Revert { output, .. } => Err(output.to_vec()),
            other => panic!("the call to the module halted: {other:?}"),
        }
    }

    /// An ENABLE-mode operation: `key`'s first, carrying `grant` and the owner's signature.
    pub fn enable_op(
        &mut self,
        grant: SessionGrant,
        owner_signature: Bytes,
        key: &SessionKey,
        call_data: Bytes,
    ) -> PackedUserOperation {
        let mut op = self.op(MODULE, call_data.to_vec());
        let hash = self.user_op_hash(&op);
        let message = session_op_hash(hash, grant.session.permission_id(CHAIN_ID, MODULE), 0);
        op.signature = enable_signature(grant, owner_signature, &key.sign(message));
        op
    }

    /// The owner's ERC-1271 signature of `digest`, framed by the client for the account (the
    /// owner validator's address first; Kernel's root byte and wrapped digest).
    pub fn owner_signature(&self, digest: B256) -> Bytes {
        self.kind
            .owner_signature(
                self.owner.signer(),
                digest,
                self.account,
                CHAIN_ID,
                Some(self.owner_validator),
            )
            .expect("the owner validator is named")
    }

    /// The module installed and the game session enabled, both by the owner's operations.
    pub fn playing(key: &SessionKey) -> (Self, B256) {
        Self::playing_with(EntryPointVersion::V07, key)
    }

    /// [`World::playing`] with the EntryPoint `version`.
    pub fn playing_with(version: EntryPointVersion, key: &SessionKey) -> (Self, B256) {
        let mut world = Self::installed_with(version);
        let permission_id = world.enable_by_owner(world.game_session(key));
        (world, permission_id)
    }

    /// [`World::playing`] on an account of `kind`.
    pub fn playing_on(kind: AccountKind, key: &SessionKey) -> (Self, B256) {
        let mut world = Self::installed_on(kind);
        let permission_id = world.enable_by_owner(world.game_session(key));
        (world, permission_id)
    }

    /// Alice's game session for `key` on this world's account and game.
    pub fn game_session(&self, key: &SessionKey) -> Session {
        let mut session = game_session(self.account, key);
        session.actions[0].target = self.game;
        session
    }

    /// The module installed on an account of `kind` and the game session of `key` enabled,
    /// allowed to sign (ERC-7739) the mail app's typed data and personal messages.
    pub fn signing_on(kind: AccountKind, key: &SessionKey) -> (Self, B256) {
        let mut world = Self::installed_on(kind);
        let mut session = world.game_session(key);
        session.signing = vec![
            SigningScope { appDomain: mail_domain().separator(), contentsType: B256::ZERO },
            SigningScope { appDomain: B256::ZERO, contentsType: B256::ZERO },
        ];
        let permission_id = world.enable_by_owner(session);
        (world, permission_id)
    }

    /// Enables `session` by the owner's operation; its permission id.
    pub fn enable_by_owner(&mut self, session: Session) -> B256 {
        let permission_id = session.permission_id(CHAIN_ID, MODULE);
        let enable = ISmartSessions::enableSessionCall { session }.abi_encode();
        self.owner_op(execute_single(MODULE, 0, &enable).to_vec())
            .expect("the owner enables the session");
        permission_id
    }
}

impl World {
    /// What the account answers an app asking `isValidSignature(hash, …)` about the module's
    /// `signature`, framed for the account ([`super::accounts::erc1271_signature`]).
    pub fn is_valid_signature(&mut self, hash: B256, signature: &[u8]) -> FixedBytes<4> {
        let signature = super::accounts::erc1271_signature(self.kind, MODULE, signature);
        self.view(self.account, IERC1271::isValidSignatureCall { hash, signature })
    }

    /// The account's EIP-712 domain, as it reports it (ERC-5267): what ERC-7739 binds a
    /// session's signatures to; `None` when the account does not answer `eip712Domain()`.
    pub fn account_domain(&mut self) -> Option<Eip712Domain> {
        let call = eip712DomainCall {}.abi_encode();
        let answer = match self.chain.call(DEPLOYER, self.account, call, U256::ZERO) {
            ExecutionResult::Success { output, .. } => {
                eip712DomainCall::abi_decode_returns(output.data()).ok()?
            }
            _ => return None,
        };
        assert_eq!(answer.fields, FixedBytes([0x0f]), "name, version, chain id, contract");
        Some(Eip712Domain::new(
            Some(answer.name.into()),
            Some(answer.version.into()),
            Some(answer.chainId),
            Some(answer.verifyingContract),
            None,
        ))
    }
}

/// The EntryPoint's revert for the first operation of a bundle failing with `reason`.
pub fn failed_op(reason: &str) -> Vec<u8> {
    IEntryPoint::FailedOp { opIndex: U256::ZERO, reason: reason.into() }.abi_encode()
}

/// The EntryPoint's revert for the first operation of a bundle whose validation reverted with
/// `inner` (`AA23`).
pub fn failed_op_with_revert(inner: Vec<u8>) -> Vec<u8> {
    IEntryPoint::FailedOpWithRevert {
        opIndex: U256::ZERO,
        reason: "AA23 reverted".into(),
        inner: inner.into(),
    }
    .abi_encode()
}
