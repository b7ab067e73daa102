//! One Stylus frame run against revm's journal: the frame of a call to Stylus code, or the
//! frame a DELEGATECALL out of a Stylus frame opens in its caller's context.

use std::sync::Arc;

use revm::{
    context::{ContextTr, JournalTr},
    interpreter::{Gas, InstructionResult, InterpreterResult},
    primitives::{Address, Bytes, Log, LogData, B256},
};
use stylus_runtime::{Message, Program};

use super::{journaled::Journaled, StylusFrame, StylusInspector};
use crate::ChainContext;

/// A Stylus frame to run.
pub(crate) struct Frame {
    pub(crate) program: Arc<Program>,
    /// The program's code hash: the key of the per-transaction program cache.
    pub(crate) hash: B256,
    /// The call it receives; `message.contract` is the acting address, whose storage it uses.
    pub(crate) message: Message,
    /// A static frame: writes and logs fail it.
    pub(crate) read_only: bool,
    /// Gas the frame may use: more ends it out of gas.
    pub(crate) gas_limit: u64,
    /// For a DELEGATECALL's frame, the address whose program runs.
    pub(crate) code_address: Option<Address>,
}

/// Runs `frame` inside a journal checkpoint: its writes reach the journal as the program flushes
/// them, and are reverted with the frame if it fails; a successful frame's logs are logged
/// after its run. The frame, and what it touched while a validation is recorded, go to
/// `outer.callees` after the frames and accesses of the calls it made.
pub(crate) fn run(
    outer: &StylusInspector,
    context: &mut ChainContext,
    frame: Frame,
) -> InterpreterResult {
    let Frame { program, hash, message, read_only, gas_limit, code_address } = frame;
    // A program runs once activated (ArbWasm), as on Nitro: called or delegatecalled alike.
    if !crate::arbos::is_activated(context, hash) {
        let gas = Gas::new(gas_limit);
        return InterpreterResult::new(
            InstructionResult::Revert,
            crate::arbos::not_activated(),
            gas,
        );
    }
    let contract = message.contract;
    // Entry is paid when the frame opens: a program running again below it is cached there.
    let cached = !outer.called.borrow_mut().insert(hash) || crate::arbos::is_cached(context, hash);
    let calling = outer.callees.take();
    let checkpoint = context.journal_mut().checkpoint();
    let (sender, value) = (message.sender, message.value);
    let run = program.run(&message, &mut Journaled { context, read_only, outer, sender, value });
    let callees = outer.callees.replace(calling);
    let Ok(mut outcome) = run else {
        context.journal_mut().checkpoint_revert(checkpoint);
        return InterpreterResult::new(
            InstructionResult::Revert,
            Bytes::new(),
            Gas::new(gas_limit),
        );
    };
    // A static frame may not log either.
    if read_only && !outcome.logs.is_empty() {
        outcome.success = false;
    }
    let entry_gas = program.activation().entry_gas(cached);
    let gas_used = entry_gas + outcome.gas_used();
    let mut gas = Gas::new(gas_limit);
    let result = if !gas.record_regular_cost(gas_used) {
        gas.spend_all();
        InstructionResult::OutOfGas
    } else if outcome.success {
        InstructionResult::Return
    } else {
        InstructionResult::Revert
    };
    // Out of gas returns nothing, whatever the run would have returned.
    let output = match result {
        InstructionResult::OutOfGas => Bytes::new(),
        _ => Bytes::from(outcome.output),
    };
    {
        let mut done = outer.callees.borrow_mut();
        if outer.recorder.is_recording() {
            let touched = &mut done.touched;
            touched.accesses.extend(outcome.slots.iter().map(|slot| (contract, *slot)));
            touched.preimages.extend(outcome.preimages.iter().cloned());
            touched.accesses.extend(callees.touched.accesses);
            touched.preimages.extend(callees.touched.preimages);
        }
        done.frames.extend(callees.frames);
        done.frames.push(StylusFrame {
            contract,
            code_address,
            caller: message.sender,
            success: result == InstructionResult::Return,
            slots: outcome.slots,
            calls: outcome.calls,
            selector: message.data.get(..4).and_then(|s| s.try_into().ok()).unwrap_or_default(),
            output: output.to_vec(),
            ink: outcome.ink,
            gas: gas_used,
            entry_gas,
        });
    }
    let journal = context.journal_mut();
    if result == InstructionResult::Return {
        journal.checkpoint_commit();
        gas.record_refund(outcome.refund);
        for log in outcome.logs {
            journal.log(Log {
                address: contract,
                data: LogData::new_unchecked(log.topics, log.data.into()),
            });
        }
    } else {
        journal.checkpoint_revert(checkpoint);
    }
    InterpreterResult::new(result, output, gas)
}
