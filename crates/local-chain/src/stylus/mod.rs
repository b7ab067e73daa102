//! Stylus frames in the EVM: the [`StylusInspector`] runs a deployed program on
//! `stylus-runtime` for every call revm is about to make to Stylus code, against revm's
//! journal (see the crate docs for the semantics and what differs from Nitro).

use std::{
    cell::RefCell,
    collections::{HashMap, HashSet},
    sync::Arc,
};

use revm::{
    context::{Cfg, ContextTr},
    interpreter::{
        CallInputs, CallOutcome, Gas, InstructionResult, Interpreter, InterpreterResult,
    },
    primitives::{Address, Bytes, B256, U256},
    Inspector,
};
use stylus_runtime::{CallRequest, Message, Program};

use crate::{
    erc7562::{Recorder, ValidationRecord},
    ChainContext,
};

mod delegate;
mod frame;
pub(crate) mod journaled;

/// Prefix of deployed Stylus code: `EF F0` magic, version 0.
pub(crate) const STYLUS_PREFIX: [u8; 3] = [0xEF, 0xF0, 0x00];

/// Runs Stylus programs for calls revm is about to make to Stylus code, and records storage
/// access during the validation of a watched account (through its ERC-7562 [`Recorder`]).
#[derive(Default)]
pub struct StylusInspector {
    /// Compiled programs by code hash: each is compiled once.
    programs: RefCell<HashMap<B256, Arc<Program>>>,
    /// Programs called in the current transaction: cached for the calls after the first.
    pub(crate) called: RefCell<HashSet<B256>>,
    /// Addresses with a Stylus frame running now, outermost first, for `msg_reentrant`: the
    /// frames of calls, not those of DELEGATECALLs (which Nitro does not count).
    live: Vec<Address>,
    /// Every Stylus call made, with what the program touched (for ERC-7562 checks).
    pub frames: Vec<StylusFrame>,
    /// Every call into EVM code the chain's own EVM ran (not those of EVMs nested under a
    /// Stylus frame), in the order they ended: what measures EVM contracts beside Stylus ones.
    pub evm_frames: Vec<EvmFrame>,
    /// What watched validations touched, the EVM's side and the Stylus frames'.
    pub recorder: Recorder,
    /// What the calls out of the running Stylus frame did, for that frame to add to the
    /// records when it ends.
    callees: RefCell<Callees>,
}

/// What the calls out of a Stylus frame did.
#[derive(Default)]
struct Callees {
    /// What they touched while a validation was being recorded (`sender` unused).
    touched: ValidationRecord,
    /// Their Stylus frames, each after the frames of its own calls.
    frames: Vec<StylusFrame>,
}

/// What one Stylus frame did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StylusFrame {
    /// The program's address: the acting address, whose storage the frame used.
    pub contract: Address,
    /// For the frame of a DELEGATECALL, the address whose program ran (in `contract`'s
    /// context); `None` for a frame running `contract`'s own program.
    pub code_address: Option<Address>,
    /// Its `msg.sender`: the caller, or for a DELEGATECALL's frame the delegating frame's.
    pub caller: Address,
    /// Whether it succeeded.
    pub success: bool,
    /// Every storage slot it read or wrote.
    pub slots: Vec<U256>,
    /// Every call it made.
    pub calls: Vec<CallRequest>,
    /// The first four bytes of its call data.
    pub selector: [u8; 4],
    /// What it returned, or reverted with (empty when it ran out of gas): the program's own
    /// answer, which an account calling it may not pass on.
    pub output: Vec<u8>,
    /// Ink its WASM and hostios used.
    pub ink: u64,
    /// Gas it cost its caller: entry, ink and EVM-side gas (before refunds).
    pub gas: u64,
    /// The entry part of `gas` (activation's costs; less once the program is cached).
    pub entry_gas: u64,
}

/// What one call into EVM code cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvmFrame {
    /// The called address (whose storage the frame used).
    pub contract: Address,
    /// Its `msg.sender`.
    pub caller: Address,
    /// The first four bytes of its call data (zeros when shorter).
    pub selector: [u8; 4],
    /// Whether it succeeded.
    pub success: bool,
    /// Gas the frame spent (before refunds), as a `StylusFrame`'s `gas` counts it: not the
    /// caller's cost of the call itself (address access, value transfer).
    pub gas: u64,
}

impl Inspector<ChainContext> for StylusInspector {
    fn call(&mut self, context: &mut ChainContext, inputs: &mut CallInputs) -> Option<CallOutcome> {
        let _ = self.recorder.call(context, inputs);
        if let Some(result) = crate::arbos::serve(context, inputs) {
            return Some(CallOutcome::new(result, inputs.return_memory_offset.clone()));
        }
        let (hash, code) = &inputs.known_bytecode;
        let code = code.original_byte_slice();
        if !code.starts_with(&STYLUS_PREFIX) {
            return None;
        }
        let revert = |inputs: &CallInputs| {
            let result = InterpreterResult::new(
                InstructionResult::Revert,
                Bytes::new(),
                Gas::new(inputs.gas_limit),
            );
            Some(CallOutcome::new(result, inputs.return_memory_offset.clone()))
        };
        // Value is not moved into a Stylus frame here (see the crate docs): refuse it.
        if !inputs.call_value().is_zero() {
            return revert(inputs);
        }
        // Code Nitro would not have activated: every call to it reverts.
        let Some(program) = self.program(*hash, code) else {
            return revert(inputs);
        };
        let contract = inputs.target_address;
        self.live.push(contract);
        let message = Message {
            sender: inputs.caller,
            value: inputs.call_value(),
            contract,
            chain_id: context.cfg().chain_id(),
            timestamp: context.block().timestamp.saturating_to(),
            data: inputs.input.bytes(context).to_vec(),
            reentrant: self.reentrant(contract),
        };
        let frame = frame::Frame {
            program,
            hash: *hash,
            message,
            read_only: inputs.is_static,
            gas_limit: inputs.gas_limit,
            code_address: None,
        };
        let result = frame::run(self, context, frame);
        self.live.pop();
        let done = self.callees.take();
        self.frames.extend(done.frames);
        self.recorder.record(done.touched);
        Some(CallOutcome::new(result, inputs.return_memory_offset.clone()))
    }

    fn call_end(
        &mut self,
        context: &mut ChainContext,
        inputs: &CallInputs,
        outcome: &mut CallOutcome,
    ) {
        if !inputs.known_bytecode.1.original_byte_slice().starts_with(&STYLUS_PREFIX) {
            let input = inputs.input.bytes(context);
            self.evm_frames.push(EvmFrame {
                contract: inputs.target_address,
                caller: inputs.caller,
                selector: input.get(..4).map_or([0; 4], |head| head.try_into().unwrap_or([0; 4])),
                success: outcome.result.is_ok(),
                gas: outcome.result.gas.total_gas_spent(),
            });
        }
        self.recorder.call_end(context, inputs, outcome);
    }

    fn step(&mut self, interpreter: &mut Interpreter, context: &mut ChainContext) {
        self.recorder.step(interpreter, context);
    }
}

impl StylusInspector {
    /// The inspector of a nested EVM for calls out of the frames live now: the same compiled
    /// programs, program cache and live frames.
    pub(crate) fn nested(&self) -> Self {
        Self {
            programs: self.programs.clone(),
            called: self.called.clone(),
            live: self.live.clone(),
            recorder: self.recorder.nested(),
            ..Self::default()
        }
    }

    /// A fresh inspector for another run over the same chain (a call that is not committed):
    /// the compiled programs, nothing else.
    pub(crate) fn sibling(&self) -> Self {
        Self { programs: self.programs.clone(), ..Self::default() }
    }

    /// The program of Stylus `code` (code hash `hash`), compiled on first use; `None` for code
    /// Nitro would not have activated.
    fn program(&self, hash: B256, code: &[u8]) -> Option<Arc<Program>> {
        if let Some(program) = self.programs.borrow().get(&hash) {
            return Some(Arc::clone(program));
        }
        let program = Arc::new(Program::from_code(code).ok()?);
        self.programs.borrow_mut().insert(hash, Arc::clone(&program));
        Some(program)
    }

    /// Nitro's `msg_reentrant` for a frame acting as `contract`: whether `contract` has more
    /// than one frame open, counting the frames of calls (a call's frame is in `live` before it
    /// asks) and not those of DELEGATECALLs, as Nitro counts them.
    fn reentrant(&self, contract: Address) -> bool {
        self.live.iter().filter(|&&address| address == contract).count() > 1
    }
}
