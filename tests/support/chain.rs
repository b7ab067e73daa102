//! The deployed artifact on `stylus-runtime`: what `tests/artifact.rs` and `make demo` run.

use std::collections::HashMap;

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::{SolCall, SolEvent, SolInterface};
use session_core::interface::{
    Error, ISmartSessions::validateUserOpCall, PackedUserOperation, IERC5267::eip712DomainCall,
};
use stylus_runtime::{
    precompiles::{ecrecover, p256verify, ECRECOVER, P256VERIFY},
    CallKind, CallOutcome, CallRequest, Environment, Loaded, Message, Outcome, Program, Storage,
    Stored,
};
use stylus_smart_sessions::programs::{TEST_EXECUTOR, TEST_MANAGER};

use super::{erc1271, op_hash, CHAIN_ID, MODULE, NOW};

/// What the program sees around it: the ecrecover and P256VERIFY precompiles, accounts with an
/// ECDSA owner and accounts with an EIP-712 domain.
#[derive(Default)]
pub struct World {
    /// The module's storage.
    pub storage: Storage,
    /// Accounts answering ERC-1271 for an ECDSA owner: account → owner.
    pub owners: HashMap<Address, Address>,
    /// Accounts answering ERC-5267 `eip712Domain()`: account → its ABI-encoded answer.
    pub domains: HashMap<Address, Vec<u8>>,
    /// The programs the validator delegatecalls: the manager (at [`TEST_MANAGER`]) and the
    /// executor (at [`TEST_EXECUTOR`]).
    pub delegates: HashMap<Address, Program>,
    /// The module call running now: a delegate frame runs with its sender and value.
    pub frame: Message,
    /// What the delegated frames did during the running call (logs land before the
    /// validator's own; slots and preimages count as the module's).
    pub delegated: Vec<Outcome>,
}

impl World {
    /// Makes `account` answer `eip712Domain()` as an OpenZeppelin `EIP712(name, version)`
    /// account on [`CHAIN_ID`] does (fields 0x0f: name, version, chain id, the account).
    pub fn set_domain(&mut self, account: Address, name: &str, version: &str) {
        let answer = super::erc7739::eip712_domain_answer(name, version, account);
        self.domains.insert(account, answer);
    }
}

/// The deployed validator, as `make build` writes it.
pub fn deployed_code() -> Vec<u8> {
    artifact("stylus_smart_sessions.code")
}

/// The deployed manager, as `make build` writes it.
pub fn manager_code() -> Vec<u8> {
    artifact("stylus_smart_sessions_manager.code")
}

/// The deployed executor, as `make build` writes it.
pub fn executor_code() -> Vec<u8> {
    artifact("stylus_smart_sessions_executor.code")
}

fn artifact(name: &str) -> Vec<u8> {
    let path = format!("{}/target/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|_| panic!("{path} is missing: run `make build` first"))
}

/// Gas figures here are not the point: slots are warm, callees free (the in-process chain
/// prices them).
impl Environment for World {
    fn load(&mut self, _contract: Address, slot: U256) -> Loaded {
        Loaded { value: self.storage.get(&slot).copied().unwrap_or_default(), cold: false }
    }

    fn store(&mut self, _contract: Address, slot: U256, value: B256) -> Option<Stored> {
        let present = self.storage.insert(slot, value).unwrap_or_default();
        Some(Stored { original: present, present, cold: false })
    }

    fn call(&mut self, _from: Address, request: CallRequest) -> CallOutcome {
        if request.kind == CallKind::Delegate {
            return self.delegate(request);
        }
        let asks_domain = request.data.starts_with(&eip712DomainCall::SELECTOR);
        let data = match (request.to, self.owners.get(&request.to)) {
            (ECRECOVER, _) => ecrecover(&request.data),
            (P256VERIFY, _) => p256verify(&request.data),
            (to, _) if asks_domain && self.domains.contains_key(&to) => self.domains[&to].clone(),
            (_, Some(owner)) => erc1271(*owner, &request.data, |_, _| ()),
            // A call to an address without code succeeds with no data, as on the EVM.
            _ => Vec::new(),
        };
        CallOutcome { success: true, data, ..CallOutcome::default() }
    }
}

impl World {
    /// A DELEGATECALL from the validator: the manager or the executor runs on the module's
    /// storage, as the module, for the module's caller.
    fn delegate(&mut self, request: CallRequest) -> CallOutcome {
        let Some(program) = self.delegates.remove(&request.to) else {
            // An address without code succeeds with no data, as on the EVM.
            return CallOutcome { success: true, ..CallOutcome::default() };
        };
        let message = Message { data: request.data, ..self.frame.clone() };
        let before = self.storage.clone();
        let outcome = program.run(&message, self).expect("the runtime runs the program");
        self.delegates.insert(request.to, program);
        if !outcome.success {
            self.storage = before;
        }
        let callee_gas = outcome.gas_used();
        let result = CallOutcome {
            success: outcome.success,
            data: outcome.output.clone(),
            cold: false,
            callee_gas,
            refund: if outcome.success { outcome.refund } else { 0 },
        };
        self.delegated.push(outcome);
        result
    }
}

pub struct Chain {
    pub program: Program,
    pub world: World,
    /// The outcome of the last call (with the logs, slots and preimages of the frames it
    /// delegated to).
    pub last: Outcome,
    /// The manager and executor frames the last call delegated to.
    pub delegated: Vec<Outcome>,
}

impl Chain {
    /// The module's deployed code, loaded as a chain would.
    pub fn new() -> Self {
        let program = Program::from_code(&deployed_code()).expect("the artifact loads");
        let delegates = HashMap::from([
            (TEST_MANAGER, Program::from_code(&manager_code()).expect("the manager loads")),
            (TEST_EXECUTOR, Program::from_code(&executor_code()).expect("the executor loads")),
        ]);
        let world = World { delegates, ..World::default() };
        Self { program, world, last: Outcome::default(), delegated: Vec::new() }
    }

    /// Calls the module from `from`: the decoded return value, or the decoded custom error.
    pub fn call<C: SolCall>(&mut self, from: Address, call: C) -> Result<C::Return, Error> {
        let message = Message {
            sender: from,
            value: U256::ZERO,
            contract: MODULE,
            chain_id: CHAIN_ID,
            timestamp: NOW,
            data: call.abi_encode(),
            reentrant: false,
        };
        // A failed call's flushed writes roll back, as the chain reverts its frame.
        let before = self.world.storage.clone();
        self.world.frame = message.clone();
        self.world.delegated.clear();
        self.last = self.program.run(&message, &mut self.world).expect("the runtime runs it");
        if !self.last.success {
            self.world.storage = before;
        }
        // The delegated frames, as part of the module's call.
        self.delegated = std::mem::take(&mut self.world.delegated);
        for delegated in &self.delegated {
            let own_logs = std::mem::take(&mut self.last.logs);
            self.last.logs = [delegated.logs.clone(), own_logs].concat();
            self.last.slots.extend(&delegated.slots);
            self.last.preimages.extend(delegated.preimages.iter().cloned());
        }
        if self.last.success {
            Ok(C::abi_decode_returns_validate(&self.last.output).expect("return data decodes"))
        } else {
            Err(Error::abi_decode(&self.last.output).expect("revert data is a module error"))
        }
    }

    /// `validateUserOp` called by `account`.
    pub fn validate(&mut self, account: Address, op: &PackedUserOperation) -> Result<U256, Error> {
        self.call(account, validateUserOpCall { userOp: op.clone(), userOpHash: op_hash(op) })
    }

    /// The last call's logs, decoded as `E` where they are one.
    pub fn events<E: SolEvent>(&self) -> Vec<E> {
        self.last
            .logs
            .iter()
            .filter_map(|log| E::decode_raw_log(log.topics.clone(), &log.data).ok())
            .collect()
    }
}
