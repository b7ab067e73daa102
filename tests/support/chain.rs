//! The deployed artifact on `stylus-runtime`: what `tests/artifact.rs` and `make demo` run.

use std::collections::HashMap;

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::{SolCall, SolEvent, SolInterface};
use stylus_runtime::{
    precompiles::{ecrecover, ECRECOVER},
    CallOutcome, CallRequest, Environment, Message, Outcome, Program, Storage,
};
use stylus_smart_sessions::interface::{
    Error, ISmartSessions::validateUserOpCall, PackedUserOperation,
};

use super::{erc1271, op_hash, CHAIN_ID, MODULE};

/// What the program sees around it: the ecrecover precompile and accounts with an ECDSA owner.
#[derive(Default)]
pub struct World {
    /// The module's storage.
    pub storage: Storage,
    /// Accounts answering ERC-1271 for an ECDSA owner: account → owner.
    pub owners: HashMap<Address, Address>,
}

impl Environment for World {
    fn load(&mut self, _contract: Address, slot: U256) -> B256 {
        self.storage.get(&slot).copied().unwrap_or_default()
    }

    fn call(&mut self, _from: Address, request: CallRequest) -> CallOutcome {
        match (request.to, self.owners.get(&request.to)) {
            (ECRECOVER, _) => CallOutcome { success: true, data: ecrecover(&request.data) },
            (_, Some(owner)) => {
                CallOutcome { success: true, data: erc1271(*owner, &request.data, |_, _| ()) }
            }
            // A call to an address without code succeeds with no data, as on the EVM.
            _ => CallOutcome { success: true, data: Vec::new() },
        }
    }
}

pub struct Chain {
    pub program: Program,
    pub world: World,
    /// The outcome of the last call.
    pub last: Outcome,
}

impl Chain {
    /// The module's deployed code, loaded as a chain would.
    pub fn new() -> Self {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/target/stylus_smart_sessions.code");
        let code = std::fs::read(path)
            .unwrap_or_else(|_| panic!("{path} is missing: run `make build` first"));
        let program = Program::from_code(&code).expect("the artifact loads");
        Self { program, world: World::default(), last: Outcome::default() }
    }

    /// Calls the module from `from`: the decoded return value, or the decoded custom error.
    pub fn call<C: SolCall>(&mut self, from: Address, call: C) -> Result<C::Return, Error> {
        let message = Message {
            sender: from,
            value: U256::ZERO,
            contract: MODULE,
            chain_id: CHAIN_ID,
            data: call.abi_encode(),
        };
        self.last = self.program.run(&message, &mut self.world).expect("the runtime runs it");
        self.world.storage.extend(self.last.writes.iter().copied());
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
