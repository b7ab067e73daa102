//! The four real ERC-7579 accounts the chain tests run on, deployed beside the EntryPoint v0.7:
//! OpenZeppelin's `AccountERC7579` (built by `make evm`), and Nexus 1.0.0, Kernel v3.1 and
//! Safe7579 v1.0.0 on Safe 1.4.1 as `@rhinestone/modulekit@0.5.9` ships their deployed bytecode
//! (`make evm` fetches it into `target/evm/modulekit`; GPL-3.0, read there, never committed).
//! What differs between them, beside the client's nonce keys and owner signatures
//! (`smart_session::accounts::AccountKind`): how each is deployed with the owner's validator,
//! and the data its `installModule` / `uninstallModule` take.

use std::{collections::HashMap, sync::OnceLock};

use alloy_primitives::{address, Address, Bytes, U256};
use alloy_sol_types::{sol, SolCall, SolError, SolValue};
use local_chain::{Chain, ExecutionResult};
use smart_session::accounts::AccountKind;

use super::evm::{creation_code, DEPLOYER};

sol! {
    /// Safe7579's revert when the Safe's call of a module failed, whatever the module said.
    error ExecutionFailed();
    /// Nexus's refusal of an operation routed to a validator it has not installed.
    error ValidatorNotInstalled(address module);
    // The accounts' set-up functions, as their published interfaces declare them.
    struct ModuleInit { address module; bytes initData; }
    interface INexus {
        function initializeAccount(bytes calldata initData) external payable;
    }
    interface INexusBootstrap {
        function initNexusWithSingleValidator(
            address validator, bytes calldata data, address registry, address[] calldata attesters,
            uint8 threshold
        ) external;
    }
    interface IKernelFactory {
        function createAccount(bytes calldata data, bytes32 salt) external payable returns (address);
    }
    interface IKernel {
        function initialize(
            bytes21 rootValidator, address hook, bytes calldata validatorData,
            bytes calldata hookData, bytes[] calldata initConfig
        ) external;
    }
    interface ISafe {
        function setup(
            address[] calldata owners, uint256 threshold, address to, bytes calldata data,
            address fallbackHandler, address paymentToken, uint256 payment, address paymentReceiver
        ) external;
    }
    interface ISafeProxyFactory {
        function createProxyWithNonce(address singleton, bytes memory initializer, uint256 saltNonce)
            external returns (address proxy);
    }
    interface ISafe7579Launchpad {
        function addSafe7579(
            address safe7579, ModuleInit[] calldata validators, ModuleInit[] calldata executors,
            ModuleInit[] calldata fallbacks, ModuleInit[] calldata hooks,
            address[] calldata attesters, uint8 threshold
        ) external;
    }
}

/// The EntryPoint v0.7's canonical address, which Safe7579 v1.0.0 hard-codes.
pub const CANONICAL_ENTRY_POINT: Address = address!("0000000071727De22e5E9D8bAF0EDAc6F37da032");

/// Kernel's "no hook" hook address (`address(1)`), which its validators and executors need.
const KERNEL_NO_HOOK: Address = address!("0000000000000000000000000000000000000001");

/// The first entry of Nexus's and Safe7579's module lists (`SentinelList`): the `prev` of the
/// module installed last.
const SENTINEL: Address = address!("0000000000000000000000000000000000000001");

/// `ERC7579Utils`' `execute` selector, the only one Kernel lets a non-root validator validate
/// when granted.
const EXECUTE_SELECTOR: [u8; 4] = [0xe9, 0xae, 0x5c, 0x53];

/// The ERC-7579 accounts of the scenario matrix, in the order their tests are named.
pub const ALL: [AccountKind; 4] =
    [AccountKind::OpenZeppelin, AccountKind::Nexus, AccountKind::Kernel, AccountKind::Safe7579];

/// The `bytes [public] constant NAME = hex"…"` constants of modulekit's
/// `src/deployment/precompiles/*.sol`, by name, read once per test binary.
pub fn modulekit(name: &str) -> Vec<u8> {
    static CONSTANTS: OnceLock<HashMap<String, Vec<u8>>> = OnceLock::new();
    let constants = CONSTANTS.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/evm/modulekit/rhinestone-modulekit-0.5.9/src/deployment/precompiles");
        let files = std::fs::read_dir(&dir)
            .unwrap_or_else(|_| panic!("{} is missing: run `make evm` first", dir.display()));
        let mut constants = HashMap::new();
        for file in files.flatten() {
            let text = std::fs::read_to_string(file.path()).unwrap();
            let text = text.replace("bytes public constant ", "bytes constant ");
            for part in text.split("bytes constant ").skip(1) {
                let (name, rest) = part.split_once('=').unwrap();
                let hex = rest.split_once("hex\"").unwrap().1.split_once('"').unwrap().0;
                let code = alloy_primitives::hex::decode(hex).unwrap();
                constants.insert(name.trim().to_owned(), code);
            }
        }
        constants
    });
    constants.get(name).unwrap_or_else(|| panic!("modulekit has no {name}")).clone()
}

/// A transaction from the deployer that must succeed: its return data.
fn transact(chain: &mut Chain, to: Address, data: Vec<u8>) -> Vec<u8> {
    match chain.call(DEPLOYER, to, data, U256::ZERO) {
        ExecutionResult::Success { output, .. } => output.data().to_vec(),
        other => panic!("account set-up call failed: {other:?}"),
    }
}

/// Deploys an account of `kind` trusting `entry_point`, with `owner_validator` installed for
/// `owner` (Kernel's root validator); its address.
pub fn deploy(
    chain: &mut Chain,
    kind: AccountKind,
    entry_point: Address,
    owner_validator: Address,
    owner: Address,
) -> Address {
    let owner_data = Bytes::from(owner.abi_encode());
    match kind {
        AccountKind::OpenZeppelin => {
            let args = (entry_point, owner_validator, owner_data).abi_encode_params();
            let code = creation_code("contracts/SessionAccount.sol", "SessionAccount");
            chain.deploy(DEPLOYER, [code, args].concat())
        }
        AccountKind::Nexus => {
            let implementation = chain
                .deploy(DEPLOYER, [modulekit("NEXUS_BYTECODE"), entry_point.abi_encode()].concat());
            let bootstrap = chain.deploy(DEPLOYER, modulekit("NEXUS_BOOTSTRAP_BYTECODE"));
            let init = INexusBootstrap::initNexusWithSingleValidatorCall {
                validator: owner_validator,
                data: owner_data,
                registry: Address::ZERO,
                attesters: vec![],
                threshold: 0,
            };
            let init_data = (bootstrap, Bytes::from(init.abi_encode())).abi_encode_params();
            let initialize = INexus::initializeAccountCall { initData: init_data.into() };
            let args = (implementation, Bytes::from(initialize.abi_encode())).abi_encode_params();
            chain.deploy(DEPLOYER, [modulekit("NEXUS_PROXY_BYTECODE"), args].concat())
        }
        AccountKind::Kernel => {
            let implementation = chain.deploy(
                DEPLOYER,
                [modulekit("KERNEL_BYTECODE"), entry_point.abi_encode()].concat(),
            );
            let factory = chain.deploy(
                DEPLOYER,
                [modulekit("KERNEL_FACTORY_BYTECODE"), implementation.abi_encode()].concat(),
            );
            // The root validator's id: type 0x01 (a validator) ‖ its address.
            let root = [&[0x01], owner_validator.as_slice()].concat();
            let initialize = IKernel::initializeCall {
                rootValidator: alloy_primitives::FixedBytes::from_slice(&root),
                hook: KERNEL_NO_HOOK,
                validatorData: owner_data,
                hookData: Bytes::new(),
                initConfig: vec![],
            };
            let create = IKernelFactory::createAccountCall {
                data: initialize.abi_encode().into(),
                salt: Default::default(),
            };
            let output = transact(chain, factory, create.abi_encode());
            IKernelFactory::createAccountCall::abi_decode_returns(&output).unwrap()
        }
        AccountKind::Safe7579 => {
            assert_eq!(
                entry_point, CANONICAL_ENTRY_POINT,
                "Safe7579 trusts only the canonical one"
            );
            let adapter = chain.deploy(DEPLOYER, modulekit("SAFE7579_BYTECODE"));
            let launchpad_args = (entry_point, Address::ZERO).abi_encode_params();
            let launchpad = chain.deploy(
                DEPLOYER,
                [modulekit("SAFE7579_LAUNCHPAD_BYTECODE"), launchpad_args].concat(),
            );
            let singleton = chain.deploy(DEPLOYER, modulekit("SAFE_SINGLETON_BYTECODE"));
            let factory = chain.deploy(DEPLOYER, modulekit("SAFE_PROXY_FACTORY_BYTECODE"));
            // The Safe's setup delegatecalls the launchpad, which enables the adapter as the
            // Safe's module and installs the owner's validator on it.
            let add = ISafe7579Launchpad::addSafe7579Call {
                safe7579: adapter,
                validators: vec![ModuleInit { module: owner_validator, initData: owner_data }],
                executors: vec![],
                fallbacks: vec![],
                hooks: vec![],
                attesters: vec![],
                threshold: 0,
            };
            let setup = ISafe::setupCall {
                owners: vec![owner],
                threshold: U256::from(1),
                to: launchpad,
                data: add.abi_encode().into(),
                fallbackHandler: adapter,
                paymentToken: Address::ZERO,
                payment: U256::ZERO,
                paymentReceiver: Address::ZERO,
            };
            let create = ISafeProxyFactory::createProxyWithNonceCall {
                singleton,
                initializer: setup.abi_encode().into(),
                saltNonce: U256::ZERO,
            };
            let output = transact(chain, factory, create.abi_encode());
            ISafeProxyFactory::createProxyWithNonceCall::abi_decode_returns(&output).unwrap()
        }
    }
}

/// `installModule(module_type, module, data)`'s data for a module whose own init data is
/// `init`: Kernel's is `hook ‖ abi.encode(init, hookData[, selectorData])` (a validator
/// granted `execute`), the others take `init` as is.
pub fn install_data(kind: AccountKind, module_type: u8, init: Bytes) -> Bytes {
    match (kind, module_type) {
        (AccountKind::Kernel, 1) => {
            let selectors = Bytes::from(EXECUTE_SELECTOR.to_vec());
            let data = (init, Bytes::new(), selectors).abi_encode_params();
            [KERNEL_NO_HOOK.as_slice(), &data].concat().into()
        }
        (AccountKind::Kernel, _) => {
            let data = (init, Bytes::new()).abi_encode_params();
            [KERNEL_NO_HOOK.as_slice(), &data].concat().into()
        }
        _ => init,
    }
}

/// `uninstallModule(module_type, module, data)`'s data for the module installed last, whose
/// own de-init data is `deinit`: Nexus and Safe7579 keep validators and executors in linked
/// lists and take `abi.encode(prev, deinit)`; OpenZeppelin and Kernel take `deinit`.
pub fn uninstall_data(kind: AccountKind, deinit: Bytes) -> Bytes {
    match kind {
        AccountKind::Nexus | AccountKind::Safe7579 => (SENTINEL, deinit).abi_encode_params().into(),
        AccountKind::OpenZeppelin | AccountKind::Kernel => deinit,
    }
}

/// What an app passes the account's `isValidSignature` for a validator `module`'s `signature`:
/// `module ‖ signature`, behind Kernel's validator-type byte `0x01`.
pub fn erc1271_signature(kind: AccountKind, module: Address, signature: &[u8]) -> Bytes {
    let prefix: &[u8] = if kind == AccountKind::Kernel { &[0x01] } else { &[] };
    [prefix, module.as_slice(), signature].concat().into()
}

/// What the EntryPoint's `FailedOpWithRevert` ("AA23 reverted") carries when the module
/// reverted with `error` while validating: the module's error, which the account bubbles up,
/// but on Safe7579 the adapter's `ExecutionFailed()` (it has the Safe call the module and
/// reverts with its own error when the module did).
pub fn validation_revert(kind: AccountKind, error: Vec<u8>) -> Vec<u8> {
    match kind {
        AccountKind::Safe7579 => ExecutionFailed {}.abi_encode(),
        _ => error,
    }
}

/// What the EntryPoint reports for a UserOperation routed to the module after the account
/// uninstalled it: OpenZeppelin's and Safe7579's refuse the signature (AA24); Nexus reverts
/// with `ValidatorNotInstalled(module)`; Kernel calls the validator before it checks the
/// validator is installed, so the module's own refusal comes back: the uninstall ended every
/// session (`SessionNotEnabled`, `session_gone`).
pub fn uninstalled_refusal(kind: AccountKind, session_gone: Vec<u8>) -> Vec<u8> {
    match kind {
        AccountKind::OpenZeppelin | AccountKind::Safe7579 => {
            super::evm::failed_op("AA24 signature error")
        }
        AccountKind::Nexus => super::evm::failed_op_with_revert(
            ValidatorNotInstalled { module: super::MODULE }.abi_encode(),
        ),
        AccountKind::Kernel => super::evm::failed_op_with_revert(session_gone),
    }
}
