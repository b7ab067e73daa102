//! End to end on the in-process chain (`crates/local-chain`): the real ERC-4337 EntryPoint v0.7
//! and OpenZeppelin's `AccountERC7579` (built by `make evm`) as EVM bytecode, the module as its
//! deployed Stylus artifact (built by `make build`). The owner installs the module and enables
//! the game session with UserOperations of its own; the session key then plays through
//! `handleOps`, and every refusal comes back as the EntryPoint's own error.

mod support;

use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{sol, SolCall, SolError, SolValue};
use local_chain::{Chain, ExecutionResult};
use stylus_runtime::precompiles::ECRECOVER;
use stylus_smart_sessions::interface::ISmartSessions;
use stylus_smart_sessions::interface::{EnableSession, SessionGrant};
use support::{
    execute_single, game_session, move_data, use_signature, SessionKey, CHAIN_ID, CLAIM, ETHER,
    MODULE, NOW, TWO_HOURS,
};

sol! {
    // The EntryPoint's struct, ABI-identical to the module's (written from ERC-4337).
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
        error FailedOp(uint256 opIndex, string reason);
        error FailedOpWithRevert(uint256 opIndex, string reason, bytes inner);
    }
    interface IAccount7579 {
        function installModule(uint256 moduleTypeId, address module, bytes calldata initData) external;
    }
    interface IGame {
        function moves(address player) external view returns (uint256);
    }
}

const DEPLOYER: Address = Address::repeat_byte(0xde);
const BUNDLER: Address = Address::repeat_byte(0xb0);

/// The forge artifact's creation code of `contract` in `file`.
fn creation_code(file: &str, contract: &str) -> Vec<u8> {
    let path = format!("{}/target/evm/out/{file}/{contract}.json", env!("CARGO_MANIFEST_DIR"));
    let json = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{path} is missing: run `make evm` first"));
    let artifact: serde_json::Value = serde_json::from_str(&json).unwrap();
    alloy_primitives::hex::decode(artifact["bytecode"]["object"].as_str().unwrap()).unwrap()
}

struct World {
    chain: Chain,
    entry_point: Address,
    owner_validator: Address,
    game: Address,
    account: Address,
    owner: SessionKey,
}

impl World {
    /// EntryPoint, validator and game deployed; the module's artifact at `MODULE`; Alice's
    /// account deployed with her owner key, funded with 10 ether.
    fn new() -> Self {
        let mut chain = Chain::new(CHAIN_ID, NOW + 600);
        chain.set_balance(DEPLOYER, U256::from(100 * ETHER));
        let entry_point = chain.deploy(DEPLOYER, creation_code("EntryPoint.sol", "EntryPoint"));
        let owner_validator =
            chain.deploy(DEPLOYER, creation_code("OwnerValidator.sol", "OwnerValidator"));
        let game = chain.deploy(DEPLOYER, creation_code("Game.sol", "Game"));
        let code = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/target/stylus_smart_sessions.code"
        ))
        .expect("run `make build` first");
        chain.set_code(MODULE, code);
        let owner = SessionKey::from_seed(0x0a);
        let args = (entry_point, owner_validator, owner.address().abi_encode()).abi_encode_params();
        let account = chain.deploy(
            DEPLOYER,
            [creation_code("SessionAccount.sol", "SessionAccount"), args].concat(),
        );
        chain.set_balance(account, U256::from(10 * ETHER));
        Self { chain, entry_point, owner_validator, game, account, owner }
    }

    /// A user operation of the account, validated by `validator` (OpenZeppelin's account picks
    /// it from the nonce key's top 20 bytes), not signed yet.
    fn op(&mut self, validator: Address, call_data: Vec<u8>) -> PackedUserOperation {
        let key = alloy_primitives::aliases::U192::from_be_slice(validator.as_slice()) << 32;
        let call = IEntryPoint::getNonceCall { sender: self.account, key };
        let nonce = match self.chain.call(DEPLOYER, self.entry_point, call.abi_encode(), U256::ZERO)
        {
            ExecutionResult::Success { output, .. } => {
                IEntryPoint::getNonceCall::abi_decode_returns(output.data()).unwrap()
            }
            other => panic!("getNonce failed: {other:?}"),
        };
        let gas = |high: u128, low: u128| B256::from((U256::from(high) << 128) | U256::from(low));
        PackedUserOperation {
            sender: self.account,
            nonce,
            initCode: Bytes::new(),
            callData: call_data.into(),
            accountGasLimits: gas(2_000_000, 2_000_000),
            preVerificationGas: U256::from(100_000),
            gasFees: gas(1, 1),
            paymasterAndData: Bytes::new(),
            signature: Bytes::new(),
        }
    }

    fn user_op_hash(&mut self, op: &PackedUserOperation) -> B256 {
        let call = IEntryPoint::getUserOpHashCall { userOp: op.clone() };
        match self.chain.call(DEPLOYER, self.entry_point, call.abi_encode(), U256::ZERO) {
            ExecutionResult::Success { output, .. } => {
                IEntryPoint::getUserOpHashCall::abi_decode_returns(output.data()).unwrap()
            }
            other => panic!("getUserOpHash failed: {other:?}"),
        }
    }

    /// `handleOps([op])` from the bundler: `Ok` when it executed, else the revert data.
    fn handle(&mut self, op: PackedUserOperation) -> Result<(), Vec<u8>> {
        let call = IEntryPoint::handleOpsCall { ops: vec![op], beneficiary: BUNDLER };
        match self.chain.call(BUNDLER, self.entry_point, call.abi_encode(), U256::ZERO) {
            ExecutionResult::Success { .. } => Ok(()),
            ExecutionResult::Revert { output, .. } => Err(output.to_vec()),
            other => panic!("handleOps halted: {other:?}"),
        }
    }

    /// An operation the owner signs (validated by the owner validator).
    fn owner_op(&mut self, call_data: Vec<u8>) -> Result<(), Vec<u8>> {
        let mut op = self.op(self.owner_validator, call_data);
        let hash = self.user_op_hash(&op);
        op.signature = self.owner.sign(hash).to_vec().into();
        self.handle(op)
    }

    /// An operation `key` signs for the session `permission_id` (validated by the module).
    fn session_op(
        &mut self,
        permission_id: B256,
        key: &SessionKey,
        call_data: Bytes,
    ) -> PackedUserOperation {
        let mut op = self.op(MODULE, call_data.to_vec());
        let hash = self.user_op_hash(&op);
        op.signature = use_signature(permission_id, &key.sign(hash));
        op
    }

    fn moves(&mut self) -> U256 {
        let call = IGame::movesCall { player: self.account };
        match self.chain.call(DEPLOYER, self.game, call.abi_encode(), U256::ZERO) {
            ExecutionResult::Success { output, .. } => {
                IGame::movesCall::abi_decode_returns(output.data()).unwrap()
            }
            other => panic!("moves failed: {other:?}"),
        }
    }

    /// The module installed by the owner's operation.
    fn installed() -> Self {
        let mut world = Self::new();
        let install = IAccount7579::installModuleCall {
            moduleTypeId: U256::from(1),
            module: MODULE,
            initData: Bytes::new(),
        };
        world.owner_op(install.abi_encode()).expect("the owner installs the module");
        world
    }

    /// An ENABLE-mode operation: `key`'s first, carrying `grant` and the owner's signature.
    fn enable_op(
        &mut self,
        grant: SessionGrant,
        owner_signature: Bytes,
        key: &SessionKey,
        call_data: Bytes,
    ) -> PackedUserOperation {
        let mut op = self.op(MODULE, call_data.to_vec());
        let hash = self.user_op_hash(&op);
        let enable = EnableSession {
            grant,
            chains: vec![],
            chainIndex: U256::ZERO,
            ownerSignature: owner_signature,
            keySignature: key.sign(hash).to_vec().into(),
        };
        op.signature = [vec![0x01], enable.abi_encode()].concat().into();
        op
    }

    /// The module installed and the game session enabled, both by the owner's operations.
    fn playing(key: &SessionKey) -> (Self, B256) {
        let mut world = Self::installed();
        let mut session = game_session(world.account, key);
        session.actions[0].target = world.game;
        let permission_id = session.permission_id(CHAIN_ID, MODULE);
        let enable = ISmartSessions::enableSessionCall { session }.abi_encode();
        world
            .owner_op(execute_single(MODULE, 0, &enable).to_vec())
            .expect("the owner enables the session");
        (world, permission_id)
    }
}

fn failed_op(reason: &str) -> Vec<u8> {
    IEntryPoint::FailedOp { opIndex: U256::ZERO, reason: reason.into() }.abi_encode()
}

fn failed_op_with_revert(inner: Vec<u8>) -> Vec<u8> {
    IEntryPoint::FailedOpWithRevert {
        opIndex: U256::ZERO,
        reason: "AA23 reverted".into(),
        inner: inner.into(),
    }
    .abi_encode()
}

#[test]
fn session_key_plays_the_game_through_the_entry_point() {
    let key = SessionKey::from_seed(1);
    let (mut world, permission_id) = World::playing(&key);
    let game = world.game;
    world.chain.clear_stylus_frames();
    let op =
        world.session_op(permission_id, &key, execute_single(game, ETHER / 100, &move_data(1, 2)));
    assert_eq!(world.handle(op), Ok(()));
    assert_eq!(world.moves(), U256::from(1));
    assert_eq!(world.chain.balance(game), U256::from(ETHER / 100));
    let op = world.session_op(permission_id, &key, execute_single(game, 0, &move_data(2, 3)));
    assert_eq!(world.handle(op), Ok(()));
    assert_eq!(world.moves(), U256::from(2));

    // ERC-7562: in validation the module read and wrote only storage associated with the
    // account, and called nothing but the ecrecover precompile.
    let account = world.account;
    let frames: Vec<_> = world
        .chain
        .stylus_frames()
        .iter()
        .filter(|frame| frame.caller == account)
        .cloned()
        .collect();
    assert!(!frames.is_empty());
    let keys = support::game_layout_keys_for(permission_id, game, None);
    for frame in frames {
        assert!(frame.success);
        support::assert_associated(account, &frame.slots, &keys);
        assert!(frame.calls.iter().all(|call| call.to == ECRECOVER));
    }
}

#[test]
fn entry_point_refuses_what_the_session_does_not_allow_and_nothing_is_executed() {
    let key = SessionKey::from_seed(1);
    let (mut world, permission_id) = World::playing(&key);
    let game = world.game;
    let claim = world.session_op(permission_id, &key, execute_single(game, 0, CLAIM.as_slice()));
    assert_eq!(
        world.handle(claim),
        Err(failed_op_with_revert(
            ISmartSessions::ActionNotAllowed {
                permissionId: permission_id,
                target: game,
                selector: CLAIM
            }
            .abi_encode()
        ))
    );
    let greedy = world.session_op(
        permission_id,
        &key,
        execute_single(game, 2 * ETHER / 100, &move_data(1, 2)),
    );
    assert_eq!(
        world.handle(greedy),
        Err(failed_op_with_revert(
            ISmartSessions::CallValueAboveLimit {
                target: game,
                selector: support::MOVE,
                value: U256::from(2 * ETHER / 100),
                limit: U256::from(ETHER / 100),
            }
            .abi_encode()
        ))
    );
    let stolen = world.session_op(
        permission_id,
        &SessionKey::from_seed(2),
        execute_single(game, 0, &move_data(1, 2)),
    );
    assert_eq!(world.handle(stolen), Err(failed_op("AA24 signature error")));
    assert_eq!(world.moves(), U256::ZERO, "nothing executed");
    assert_eq!(world.chain.balance(game), U256::ZERO, "nothing paid");
}

#[test]
fn entry_point_refuses_moves_after_two_hours() {
    let key = SessionKey::from_seed(1);
    let (mut world, permission_id) = World::playing(&key);
    let game = world.game;
    world.chain.set_timestamp(NOW + TWO_HOURS + 1);
    let late = world.session_op(permission_id, &key, execute_single(game, 0, &move_data(1, 2)));
    assert_eq!(world.handle(late), Err(failed_op("AA22 expired or not due")));
    assert_eq!(world.moves(), U256::ZERO);
}

#[test]
fn first_move_enables_the_owner_signed_grant_through_the_accounts_erc1271() {
    let key = SessionKey::from_seed(1);
    let mut world = World::installed();
    let game = world.game;
    let mut session = game_session(world.account, &key);
    session.actions[0].target = game;
    let grant = SessionGrant {
        session,
        nonce: U256::ZERO,
        deadline: alloy_primitives::aliases::U48::from(NOW + 3600),
    };
    let permission_id = grant.session.permission_id(CHAIN_ID, MODULE);
    // OpenZeppelin's account routes ERC-1271 to the validator named in the first 20 bytes.
    let owner_signature: Bytes =
        [world.owner_validator.to_vec(), world.owner.sign(grant.digest(CHAIN_ID, MODULE)).to_vec()]
            .concat()
            .into();

    // Another key's signature in place of the owner's: the account refuses it (AA24).
    let forged: Bytes = [
        world.owner_validator.to_vec(),
        SessionKey::from_seed(9).sign(grant.digest(CHAIN_ID, MODULE)).to_vec(),
    ]
    .concat()
    .into();
    let op =
        world.enable_op(grant.clone(), forged, &key, execute_single(game, 0, &move_data(0, 0)));
    assert_eq!(world.handle(op), Err(failed_op("AA24 signature error")));

    let op = world.enable_op(
        grant.clone(),
        owner_signature.clone(),
        &key,
        execute_single(game, 0, &move_data(0, 0)),
    );
    assert_eq!(world.handle(op), Ok(()));
    assert_eq!(world.moves(), U256::from(1));
    // The module asked the account (ERC-1271) and ecrecover, nothing else.
    let account = world.account;
    let validation = world
        .chain
        .stylus_frames()
        .iter()
        .rev()
        .find(|frame| frame.caller == account)
        .unwrap()
        .clone();
    assert_eq!(
        validation.calls.iter().map(|call| call.to).collect::<Vec<_>>(),
        [account, ECRECOVER]
    );
    support::assert_associated(
        account,
        &validation.slots,
        &support::game_layout_keys_for(permission_id, game, Some(grant.digest(CHAIN_ID, MODULE))),
    );

    // Then USE mode; and the grant never enables twice.
    let op = world.session_op(permission_id, &key, execute_single(game, 0, &move_data(1, 1)));
    assert_eq!(world.handle(op), Ok(()));
    let replay = world.enable_op(
        grant.clone(),
        owner_signature,
        &key,
        execute_single(game, 0, &move_data(0, 0)),
    );
    assert_eq!(
        world.handle(replay),
        Err(failed_op_with_revert(
            ISmartSessions::GrantAlreadyUsed { grantDigest: grant.digest(CHAIN_ID, MODULE) }
                .abi_encode()
        ))
    );
    assert_eq!(world.moves(), U256::from(2));
}
