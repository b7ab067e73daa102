//! The program's view of the chain during one Stylus frame: storage through revm's journal,
//! and the calls out of the frame.

use revm::{
    context::{ContextTr, JournalTr, TxEnv},
    context_interface::journaled_state::account::JournaledAccountTr,
    primitives::{Address, Log, TxKind, B256, U256},
    state::EvmState,
    InspectEvm,
};
use stylus_runtime::{
    precompiles::{ecrecover, p256verify, sha256, sha256_gas, ECRECOVER, P256VERIFY, SHA256},
    CallKind, CallOutcome as StylusCallOutcome, CallRequest, Environment, Loaded, Stored,
};

use super::StylusInspector;
use crate::{ChainContext, ExecutionResult, State};

/// The program's view of the chain during one frame: revm's journal.
pub(crate) struct Journaled<'a> {
    pub(crate) context: &'a mut ChainContext,
    /// A static frame: writes are refused.
    pub(crate) read_only: bool,
    /// The inspector running this frame: nested EVMs for calls out of it start from it.
    pub(crate) outer: &'a StylusInspector,
    /// The frame's `msg.sender` and `msg.value`, which a DELEGATECALL's callee sees too.
    pub(crate) sender: Address,
    pub(crate) value: U256,
}

/// Gas of the ecrecover precompile.
const ECRECOVER_GAS: u64 = 3_000;

/// Gas of the P256VERIFY precompile (RIP-7212's price, which Arbitrum charges).
const P256VERIFY_GAS: u64 = 3_450;

impl Environment for Journaled<'_> {
    fn load(&mut self, contract: Address, slot: U256) -> Loaded {
        let journal = self.context.journal_mut();
        let _ = journal.load_account(contract);
        match journal.sload(contract, slot) {
            Ok(load) => Loaded { value: B256::from(load.data), cold: load.is_cold },
            Err(_) => Loaded::default(),
        }
    }

    fn store(&mut self, contract: Address, slot: U256, value: B256) -> Option<Stored> {
        if self.read_only {
            return None;
        }
        let journal = self.context.journal_mut();
        let _ = journal.load_account(contract);
        let stored = journal.sstore(contract, slot, U256::from_be_bytes(value.0)).ok()?;
        Some(Stored {
            original: B256::from(stored.data.original_value),
            present: B256::from(stored.data.present_value),
            cold: stored.is_cold,
        })
    }

    fn call(&mut self, from: Address, request: CallRequest) -> StylusCallOutcome {
        match request.kind {
            // Precompiles are always warm.
            _ if request.to == ECRECOVER => StylusCallOutcome {
                success: true,
                data: ecrecover(&request.data),
                callee_gas: ECRECOVER_GAS,
                ..StylusCallOutcome::default()
            },
            _ if request.to == SHA256 => StylusCallOutcome {
                success: true,
                callee_gas: sha256_gas(&request.data),
                data: sha256(&request.data),
                ..StylusCallOutcome::default()
            },
            _ if request.to == P256VERIFY => StylusCallOutcome {
                success: true,
                data: p256verify(&request.data),
                callee_gas: P256VERIFY_GAS,
                ..StylusCallOutcome::default()
            },
            CallKind::Static | CallKind::Call => {
                let journal = self.context.journal_mut();
                let cold = journal.load_account(request.to).map_or(true, |load| load.is_cold);
                let outcome = nested_call(self.context, from, &request, self.outer);
                StylusCallOutcome { cold, ..outcome }
            }
            CallKind::Delegate => super::delegate::call(self, from, request),
        }
    }
}

/// Runs a call out of a Stylus frame at `from` in a nested EVM over a snapshot of the state
/// `context` has now; a successful non-static call's changes are written back into
/// `context`'s journal.
pub(crate) fn nested_call(
    context: &mut ChainContext,
    from: Address,
    request: &CallRequest,
    outer: &StylusInspector,
) -> StylusCallOutcome {
    let inspector = outer.nested();
    let journal = &context.journaled_state;
    let mut snapshot = journal.database.clone();
    for (address, account) in &journal.inner.state {
        snapshot.insert_account_info(*address, account.info.clone());
        for (slot, value) in &account.storage {
            let _ = snapshot.insert_account_storage(*address, *slot, value.present_value);
        }
    }
    let mut cfg = context.cfg.clone();
    // The caller is the Stylus program, an account with code.
    cfg.disable_eip3607 = true;
    // The callee's gas is the transaction's less its intrinsic gas: no calldata floor.
    cfg.disable_eip7623 = true;
    // Its fees are the outer transaction's: under a base fee its gas price of 0 would be refused.
    cfg.disable_base_fee = true;
    let intrinsic = revm::context_interface::cfg::gas::calculate_initial_tx_gas(
        cfg.spec,
        &request.data,
        false,
        0,
        0,
        0,
        None,
    )
    .initial_regular_gas;
    let mut evm = crate::chain::evm(snapshot, cfg, context.block.clone(), inspector);
    let tx = TxEnv::builder()
        .caller(from)
        .kind(TxKind::Call(request.to))
        .data(request.data.clone().into())
        .value(request.value)
        .gas_limit(30_000_000)
        .gas_price(0)
        .chain_id(Some(context.cfg.chain_id))
        .build_fill();
    let Ok(run) = evm.inspect_tx(tx) else {
        return StylusCallOutcome::default();
    };
    if let Some(record) = evm.inspector.recorder.take_nested() {
        outer.callees.borrow_mut().touched.extend(record);
    }
    let gas_used = run.result.gas().total_gas_spent();
    let (success, data) = match run.result {
        ExecutionResult::Success { output, logs, .. } if request.kind == CallKind::Call => {
            write_back(context.journal_mut(), from, run.state, logs);
            (true, output.data().to_vec())
        }
        // A static callee that wrote storage or logged would have failed under STATICCALL.
        ExecutionResult::Success { output, logs, .. } => {
            let wrote = run.state.values().any(|account| {
                account.storage.values().any(revm::state::EvmStorageSlot::is_changed)
            });
            (!wrote && logs.is_empty(), output.data().to_vec())
        }
        ExecutionResult::Revert { output, .. } => (false, output.to_vec()),
        ExecutionResult::Halt { .. } => (false, Vec::new()),
    };
    let callee_gas = gas_used.saturating_sub(intrinsic);
    StylusCallOutcome { success, data, callee_gas, ..StylusCallOutcome::default() }
}

/// Writes what a nested call changed into `journal`: balances, nonces (but the nested
/// transaction's own bump of the caller's), code, storage, then its logs.
fn write_back(
    journal: &mut revm::Journal<State>,
    caller: Address,
    state: EvmState,
    logs: Vec<Log>,
) {
    for (address, account) in state {
        if !account.is_touched() {
            continue;
        }
        // The snapshot's database is a `CacheDB<EmptyDB>`: loading cannot fail.
        let Ok(mut target) = journal.load_account_with_code_mut(address);
        let target = &mut target.data;
        if *target.balance() != account.info.balance {
            target.set_balance(account.info.balance);
        }
        if address != caller && target.nonce() != account.info.nonce {
            target.set_nonce(account.info.nonce);
        }
        if *target.code_hash() != account.info.code_hash {
            if let Some(code) = account.info.code {
                target.set_code(account.info.code_hash, code);
            }
        }
        for (slot, value) in account.storage {
            if value.is_changed() {
                let _ = journal.sstore(address, slot, value.present_value);
            }
        }
    }
    for log in logs {
        journal.log(log);
    }
}
