//! Rhinestone's SmartSession module (deployed bytecode from `@rhinestone/modulekit@0.5.9`, fetched
//! by `make evm`) on the same chain and the same account as this project's module, running the
//! same game session: the "Smart Sessions, same chain" figures of `make bench`, and what
//! `tests/e2e_smart_sessions.rs` checks it enforces. Its session validator and policies are the
//! minimal ones in `tests/evm/contracts/smart-sessions/Parts.sol` (npm has none).

use alloy_primitives::{address, b256, keccak256, Address, Bytes, B256, U256};
use alloy_sol_types::{sol, SolCall, SolValue};
use local_chain::EvmFrame;

use super::{
    accounts::modulekit,
    evm::{creation_code, IValidator, PackedUserOperation, World, DEPLOYER},
    execute_single, SessionKey, CHAIN_ID, ETHER, MOVE, NOW, TWO_HOURS,
};

sol! {
    // SmartSession's ABI as modulekit 0.5.9 ships it (`ConfigId`, `PermissionId` are bytes32).
    struct PolicyData {
        address policy;
        bytes initData;
    }
    struct ActionData {
        bytes4 actionTargetSelector;
        address actionTarget;
        PolicyData[] actionPolicies;
    }
    struct ERC7739Data {
        string[] allowedERC7739Content;
        PolicyData[] erc1271Policies;
    }
    struct SmartSession {
        address sessionValidator;
        bytes sessionValidatorInitData;
        bytes32 salt;
        PolicyData[] userOpPolicies;
        ERC7739Data erc7739Policies;
        ActionData[] actions;
    }
    struct ChainDigest {
        uint64 chainId;
        bytes32 sessionDigest;
    }
    struct EnableSession {
        uint8 chainDigestIndex;
        ChainDigest[] hashesAndChainIds;
        SmartSession sessionToEnable;
        bytes permissionEnableSig;
    }
    interface ISmartSession {
        function enableSessions(SmartSession[] memory sessions) external returns (bytes32[] memory);
        function getPermissionId(SmartSession memory session) external pure returns (bytes32);
        function getSessionDigest(bytes32 permissionId, address account, SmartSession memory data, uint8 mode)
            external view returns (bytes32);
    }
    /// SmartSession's refusal when a policy fails an operation.
    error PolicyViolation(bytes32 permissionId, address policy);
    interface IFlzCodec {
        function compress(bytes calldata data) external pure returns (bytes memory);
    }
    interface IAccountModules {
        function installModule(uint256 moduleTypeId, address module, bytes calldata initData) external;
    }
}

/// Where modulekit puts SmartSession (its `SMARTSESSION_ADDR`).
pub const SMART_SESSION: Address = address!("0000000071727De22e5E9D8bAF0EDAc6F37da034");
/// The ERC-7484 registry SmartSession asks in ENABLE mode (modulekit's `REGISTRY_ADDR`).
const REGISTRY: Address = address!("000000000069E2a187AEFFb852bF3cCdC95151B2");

/// SmartSession's signature modes (the first byte of `userOp.signature`).
const USE: u8 = 0;
const ENABLE: u8 = 1;

/// The EIP-712 type hashes of an owner's ENABLE signature, as the bytecode in modulekit holds
/// them (`ChainSession` and `MultiChainSession` of its `HashLib`, older than modulekit's own test
/// helpers, whose type strings hash to other values); the session's digest comes from the
/// module's own view.
const CHAIN_SESSION_TYPEHASH: B256 =
    b256!("9c5d301c45209fe15c8bb85bc08d4234ac9e1d48c0d22b7ab701ae25e640086b");
const MULTICHAIN_SESSION_TYPEHASH: B256 =
    b256!("9af9262be547d4cc9dd06591bab37efd72d2b9d5fca173afd326b5b5410dac18");

/// The contracts beside SmartSession.
pub struct Parts {
    validator: Address,
    sudo: Address,
    window: Address,
    /// The value-limit action policy.
    pub value_limit: Address,
    codec: Address,
}

/// Deploys SmartSession, the registry stand-in and the parts on `world`'s chain, and installs
/// SmartSession on `world`'s account (by the owner's operation) as a second validator.
pub fn install(world: &mut World) -> Parts {
    let chain = &mut world.chain;
    chain.set_code(SMART_SESSION, modulekit("SMART_SESSION_DEPLOYED_BYTECODE"));
    let part = |chain: &mut local_chain::Chain, name| {
        chain.deploy(DEPLOYER, creation_code("contracts/smart-sessions/Parts.sol", name))
    };
    // The registry's `check` functions revert for a module nobody attested and return nothing
    // otherwise: code that stops at once (STOP) answers "attested" to every question.
    chain.set_code(REGISTRY, vec![0x00]);
    let parts = Parts {
        validator: part(chain, "EcdsaSessionValidator"),
        sudo: part(chain, "SudoPolicy"),
        window: part(chain, "WindowPolicy"),
        value_limit: part(chain, "ValueLimitPolicy"),
        codec: part(chain, "FlzCodec"),
    };
    let install = IAccountModules::installModuleCall {
        moduleTypeId: U256::from(1),
        module: SMART_SESSION,
        initData: Bytes::new(),
    };
    world.owner_op(install.abi_encode()).expect("the owner installs SmartSession");
    parts
}

impl Parts {
    /// The game session for `key` through SmartSession: moves on `world`'s game, under the
    /// sudo policy (`limits` false) or, as this project's module enforces it, the 2-hour
    /// window (a UserOperation policy) and 0.01 ether a move, 1 ether in all (an action
    /// policy).
    pub fn game_session(&self, world: &World, key: &SessionKey, limits: bool) -> SmartSession {
        let policy = |policy, init: Vec<u8>| PolicyData { policy, initData: init.into() };
        let (user_op_policies, action_policy) = if limits {
            let window = (NOW, NOW + TWO_HOURS).abi_encode_params();
            let value = (U256::from(ETHER / 100), U256::from(ETHER)).abi_encode_params();
            (vec![policy(self.window, window)], policy(self.value_limit, value))
        } else {
            (Vec::new(), policy(self.sudo, Vec::new()))
        };
        SmartSession {
            sessionValidator: self.validator,
            sessionValidatorInitData: key.address().to_vec().into(),
            salt: B256::ZERO,
            userOpPolicies: user_op_policies,
            erc7739Policies: ERC7739Data { allowedERC7739Content: vec![], erc1271Policies: vec![] },
            actions: vec![ActionData {
                actionTargetSelector: MOVE,
                actionTarget: world.game,
                actionPolicies: vec![action_policy],
            }],
        }
    }

    /// Enables `session` by the owner's operation (the account calls `enableSessions`); its
    /// permission id.
    pub fn enable_by_owner(&self, world: &mut World, session: SmartSession) -> B256 {
        let id = permission_id(world, &session);
        let enable = ISmartSession::enableSessionsCall { sessions: vec![session] }.abi_encode();
        world
            .owner_op(execute_single(SMART_SESSION, 0, &enable).to_vec())
            .expect("the owner enables the session");
        id
    }

    /// A USE operation `key` signs for session `id`: `0x00 ‖ id ‖ flz(abi.encode(signature))`.
    pub fn use_op(
        &self,
        world: &mut World,
        id: B256,
        key: &SessionKey,
        call_data: Bytes,
    ) -> PackedUserOperation {
        let mut op = world.op(SMART_SESSION, call_data.to_vec());
        let signature = Bytes::from(key.sign(world.user_op_hash(&op)).to_vec());
        let packed = self.compress(world, signature.abi_encode());
        op.signature = [&[USE][..], id.as_slice(), &packed].concat().into();
        op
    }

    /// An ENABLE operation: the owner's signature over `session` (through the account's
    /// ERC-1271, as SmartSession checks it) and `key`'s over the operation, both in the
    /// signature: `0x01 ‖ flz(abi.encode(EnableSession, signature))`.
    pub fn enable_op(
        &self,
        world: &mut World,
        session: SmartSession,
        key: &SessionKey,
        call_data: Bytes,
    ) -> PackedUserOperation {
        let id = permission_id(world, &session);
        let call = ISmartSession::getSessionDigestCall {
            permissionId: id,
            account: world.account,
            data: session.clone(),
            mode: ENABLE,
        };
        let session_digest = world.view(SMART_SESSION, call);
        let chain = ChainDigest { chainId: CHAIN_ID, sessionDigest: session_digest };
        let enable = EnableSession {
            chainDigestIndex: 0,
            hashesAndChainIds: vec![chain.clone()],
            sessionToEnable: session,
            permissionEnableSig: world.owner_signature(multichain_digest(&[chain])),
        };
        let mut op = world.op(SMART_SESSION, call_data.to_vec());
        let signature = Bytes::from(key.sign(world.user_op_hash(&op)).to_vec());
        let packed = self.compress(world, (enable, signature).abi_encode_params());
        op.signature = [&[ENABLE][..], &packed].concat().into();
        op
    }

    /// `data` compressed by solady's LibZip, as SmartSession decompresses it.
    fn compress(&self, world: &mut World, data: Vec<u8>) -> Vec<u8> {
        world.view(self.codec, IFlzCodec::compressCall { data: data.into() }).to_vec()
    }
}

/// SmartSession's permission id of `session`, by its own view.
pub fn permission_id(world: &mut World, session: &SmartSession) -> B256 {
    world.view(SMART_SESSION, ISmartSession::getPermissionIdCall { session: session.clone() })
}

/// SmartSession's `validateUserOp` frame of the last operation validated through it.
pub fn last_validation(world: &World) -> &EvmFrame {
    let selector = IValidator::validateUserOpCall::SELECTOR;
    world
        .chain
        .evm_frames()
        .iter()
        .rev()
        .find(|frame| frame.contract == SMART_SESSION && frame.selector == selector)
        .expect("SmartSession validated an operation")
}

/// What the owner signs to enable sessions on the chains of `digests`: EIP-712
/// `MultiChainSession` under SmartSession's chain-free domain.
fn multichain_digest(digests: &[ChainDigest]) -> B256 {
    let hashes: Vec<u8> = digests
        .iter()
        .flat_map(|digest| {
            keccak256((CHAIN_SESSION_TYPEHASH, digest.chainId, digest.sessionDigest).abi_encode()).0
        })
        .collect();
    let struct_hash = keccak256((MULTICHAIN_SESSION_TYPEHASH, keccak256(hashes)).abi_encode());
    // Its chain-free domain: `EIP712Domain(string name,string version)`, "SmartSession", "1".
    let domain = alloy_sol_types::eip712_domain! { name: "SmartSession", version: "1", };
    keccak256([&[0x19, 0x01][..], domain.separator().as_slice(), struct_hash.as_slice()].concat())
}
