//! DELEGATECALL out of a Stylus frame, with Nitro's semantics: the callee's program runs as
//! another frame of the acting address — its storage, its `msg.sender` and `msg.value`, the
//! caller's static context — and is not counted as an open frame for `msg_reentrant`.

use revm::{
    context::{Block, Cfg, ContextTr, JournalTr},
    primitives::Address,
    state::Bytecode,
};
use stylus_runtime::{CallOutcome as StylusCallOutcome, CallRequest, Message};

use super::{
    frame::{self, Frame},
    journaled::Journaled,
    STYLUS_PREFIX,
};

/// Serves a DELEGATECALL by the frame `env` acting as `from`. The callee's address is cold or
/// warm as for any call; code-less callees succeed with no data, as on the EVM; EVM code and
/// code Nitro would not have activated fail as if reverted (see the crate docs).
pub(crate) fn call(
    env: &mut Journaled<'_>,
    from: Address,
    request: CallRequest,
) -> StylusCallOutcome {
    // The chain's database is a `CacheDB<EmptyDB>`: loading cannot fail.
    let Ok(callee) = env.context.journal_mut().load_account_with_code(request.to);
    let cold = callee.is_cold;
    let hash = callee.info.code_hash;
    let code = callee.info.code.as_ref().map(Bytecode::original_bytes).unwrap_or_default();
    if code.is_empty() {
        StylusCallOutcome { success: true, cold, ..StylusCallOutcome::default() }
    } else if let Some(program) =
        code.starts_with(&STYLUS_PREFIX).then(|| env.outer.program(hash, &code)).flatten()
    {
        let message = Message {
            sender: env.sender,
            value: env.value,
            contract: from,
            chain_id: env.context.cfg().chain_id(),
            timestamp: env.context.block().timestamp().saturating_to(),
            data: request.data,
            reentrant: env.outer.reentrant(from),
        };
        // No gas limit of its own: the delegating frame pays what it used, and runs out of gas
        // itself if that was too much.
        let frame = Frame {
            program,
            hash,
            message,
            read_only: env.read_only,
            gas_limit: u64::MAX,
            code_address: Some(request.to),
        };
        let result = frame::run(env.outer, env.context, frame);
        StylusCallOutcome {
            success: result.is_ok(),
            data: result.output.to_vec(),
            cold,
            callee_gas: result.gas.total_gas_spent(),
            refund: result.gas.refunded(),
        }
    } else {
        StylusCallOutcome { cold, ..StylusCallOutcome::default() }
    }
}

#[cfg(test)]
mod tests;
