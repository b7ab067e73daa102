//! ArbOS's Stylus precompiles, as `cargo stylus check / deploy / activate / cache bid` use
//! them: ArbWasm (`0x71`) activates a deployed program, and calls to a program run only once
//! its code hash is activated; ArbWasmCache (`0x72`) names the cache manager, whose
//! `placeBid` caches an activated program, whose calls then pay the cached entry.
//!
//! Activations and bids are words of these addresses' own storage (the code hash → the
//! program's Stylus version; the code hash → 1), so they are journaled with the transaction
//! that made them: a reverted activation never happened, and `eth_call` with a state override
//! sees what the chain sees. The addresses hold `0xFE`, as ArbOS's precompiles do, so that
//! they are never empty accounts (whose storage a transaction would clear).
//!
//! Not Nitro: the data fee is a stand-in (the WASM's bytes at a fixed price; Nitro prices the
//! estimated machine code with a fee that moves with demand), activation's gas is a fixed
//! figure, bids are not an auction (any bid caches, and nothing is ever evicted), and programs
//! never expire.

use alloy_sol_types::{sol, SolCall, SolError};
use revm::{
    context::{ContextTr, JournalTr},
    interpreter::{CallInputs, Gas, InstructionResult, InterpreterResult},
    primitives::{address, keccak256, Address, Bytes, B256, U256},
};
use stylus_runtime::Program;

use crate::{chain::StateWriter, stylus::STYLUS_PREFIX, ChainContext, State};

/// ArbWasm: activation and program queries.
pub const ARB_WASM: Address = address!("0000000000000000000000000000000000000071");
/// ArbWasmCache: which cache managers there are.
pub const ARB_WASM_CACHE: Address = address!("0000000000000000000000000000000000000072");
/// The one cache manager ArbWasmCache names here (Nitro's is a contract at a chain's own
/// address).
pub const CACHE_MANAGER: Address = address!("00000000000000000000000000000000000cac4e");

/// The Stylus version activation gives a program (ArbOS 32 and later).
pub const STYLUS_VERSION: u16 = 2;
/// Wei a byte of WASM costs to activate (the data fee's stand-in).
pub const DATA_FEE_PER_BYTE: u64 = 3_000_000_000;
/// Gas an activation costs (a stand-in for Nitro's, which grows with the program).
pub const ACTIVATION_GAS: u64 = 1_000_000;
/// Gas each query costs: one storage read.
const QUERY_GAS: u64 = 2_100;

sol! {
    interface IArbWasm {
        function codehashVersion(bytes32 codehash) external view returns (uint16 version);
        function activateProgram(address program) external payable returns (uint16 version, uint256 dataFee);
        function activationGas() external view returns (uint256 gas);
        error ProgramNotWasm();
        error ProgramNotActivated();
        error ProgramUpToDate();
        error ProgramInsufficientValue(uint256 have, uint256 want);
    }
    interface IArbWasmCache {
        function allCacheManagers() external view returns (address[] memory managers);
    }
    interface ICacheManager {
        function placeBid(address program) external payable;
        error AlreadyCached(bytes32 codehash);
    }
}

/// Gives the precompiles' addresses their `0xFE` code.
pub(crate) fn install(state: &mut State) {
    for address in [ARB_WASM, ARB_WASM_CACHE, CACHE_MANAGER] {
        state.set_code(address, Bytes::from_static(&[0xFE]));
    }
}

/// The storage word that marks `codehash` as activated.
fn slot(codehash: B256) -> U256 {
    U256::from_be_bytes(codehash.0)
}

/// Marks the program of `code` activated in `state` (how code placed without a deployment —
/// the tests' programs — arrives activated, as `cargo stylus deploy` leaves it).
pub(crate) fn activate_in(state: &mut State, code: &[u8]) {
    if code.starts_with(&STYLUS_PREFIX) {
        state.set_storage(ARB_WASM, slot(keccak256(code)), U256::from(STYLUS_VERSION));
    }
}

/// A word of `address`'s storage as the running transaction sees it.
fn read(context: &mut ChainContext, address: Address, key: U256) -> U256 {
    let journal = context.journal_mut();
    if journal.load_account(address).is_err() {
        return U256::ZERO;
    }
    journal.sload(address, key).map_or(U256::ZERO, |load| load.data)
}

fn write(context: &mut ChainContext, address: Address, key: U256, value: U256) {
    let journal = context.journal_mut();
    let _ = journal.load_account(address);
    let _ = journal.sstore(address, key, value);
}

/// Whether the program with `codehash` is activated.
pub(crate) fn is_activated(context: &mut ChainContext, codehash: B256) -> bool {
    !read(context, ARB_WASM, slot(codehash)).is_zero()
}

/// Whether the program with `codehash` is in the cache (bid for).
pub(crate) fn is_cached(context: &mut ChainContext, codehash: B256) -> bool {
    !read(context, CACHE_MANAGER, slot(codehash)).is_zero()
}

/// The revert of a call to a program that is not activated (Nitro's error).
pub(crate) fn not_activated() -> Bytes {
    IArbWasm::ProgramNotActivated {}.abi_encode().into()
}

/// Serves a call to one of the precompiles; `None` for any other address.
pub(crate) fn serve(context: &mut ChainContext, inputs: &CallInputs) -> Option<InterpreterResult> {
    let target = inputs.target_address;
    if ![ARB_WASM, ARB_WASM_CACHE, CACHE_MANAGER].contains(&target) {
        return None;
    }
    let input = inputs.input.bytes(context);
    let answer = match (target, input.get(..4).unwrap_or_default()) {
        (ARB_WASM, selector) if selector == IArbWasm::codehashVersionCall::SELECTOR => {
            IArbWasm::codehashVersionCall::abi_decode(&input)
                .map(|call| codehash_version(context, call.codehash))
        }
        (ARB_WASM, selector) if selector == IArbWasm::activateProgramCall::SELECTOR => {
            IArbWasm::activateProgramCall::abi_decode(&input)
                .map(|call| activate(context, inputs, call.program))
        }
        (ARB_WASM, selector) if selector == IArbWasm::activationGasCall::SELECTOR => Ok(Ok((
            IArbWasm::activationGasCall::abi_encode_returns(&U256::from(ACTIVATION_GAS)),
            QUERY_GAS,
        ))),
        (ARB_WASM_CACHE, selector) if selector == IArbWasmCache::allCacheManagersCall::SELECTOR => {
            Ok(Ok((
                IArbWasmCache::allCacheManagersCall::abi_encode_returns(&vec![CACHE_MANAGER]),
                QUERY_GAS,
            )))
        }
        (CACHE_MANAGER, selector) if selector == ICacheManager::placeBidCall::SELECTOR => {
            ICacheManager::placeBidCall::abi_decode(&input)
                .map(|call| place_bid(context, inputs, call.program))
        }
        // An unknown function or malformed arguments: a revert without data.
        _ => Ok(Err((Vec::new(), QUERY_GAS))),
    };
    let (result, data, spent) = match answer {
        Ok(Ok((data, spent))) => (InstructionResult::Return, data, spent),
        Ok(Err((data, spent))) => (InstructionResult::Revert, data, spent),
        Err(_) => (InstructionResult::Revert, Vec::new(), QUERY_GAS),
    };
    let mut gas = Gas::new(inputs.gas_limit);
    if !gas.record_regular_cost(spent) {
        return Some(InterpreterResult::new(InstructionResult::OutOfGas, Bytes::new(), gas));
    }
    Some(InterpreterResult::new(result, data.into(), gas))
}

/// What a precompile function answers: return data or revert data, and the gas it cost.
type Answer = Result<(Vec<u8>, u64), (Vec<u8>, u64)>;

fn codehash_version(context: &mut ChainContext, codehash: B256) -> Answer {
    let version = read(context, ARB_WASM, slot(codehash));
    if version.is_zero() {
        return Err((not_activated().to_vec(), QUERY_GAS));
    }
    Ok((IArbWasm::codehashVersionCall::abi_encode_returns(&version.saturating_to()), QUERY_GAS))
}

/// `activateProgram(program)`: the program's code must be Stylus code this chain can run; the
/// data fee is taken from the value sent, the rest stays with the caller.
fn activate(context: &mut ChainContext, inputs: &CallInputs, program: Address) -> Answer {
    let code = {
        let journal = context.journal_mut();
        match journal.load_account_with_code(program) {
            Ok(account) => account.data.info.code.as_ref().map(|code| code.original_bytes()),
            Err(_) => None,
        }
    }
    .unwrap_or_default();
    // Decompressed once: its length prices the data fee, and it must compile as Nitro would.
    let wasm = code.starts_with(&STYLUS_PREFIX).then(|| stylus_artifact::decompress(&code).ok());
    let Some(wasm) = wasm.flatten().filter(|wasm| Program::from_wasm(wasm).is_ok()) else {
        return Err((IArbWasm::ProgramNotWasm {}.abi_encode(), QUERY_GAS));
    };
    let codehash = keccak256(&code);
    if is_activated(context, codehash) {
        return Err((IArbWasm::ProgramUpToDate {}.abi_encode(), QUERY_GAS));
    }
    let fee = U256::from(wasm.len() as u64 * DATA_FEE_PER_BYTE);
    let value = inputs.call_value();
    if value < fee {
        let error = IArbWasm::ProgramInsufficientValue { have: value, want: fee };
        return Err((error.abi_encode(), QUERY_GAS));
    }
    // The precompile is not a frame: the fee moves here, and what was sent beyond it never
    // leaves the caller.
    if let Ok(Some(_)) | Err(_) = context.journal_mut().transfer(inputs.caller, ARB_WASM, fee) {
        return Err((Vec::new(), QUERY_GAS));
    }
    write(context, ARB_WASM, slot(codehash), U256::from(STYLUS_VERSION));
    let answer =
        IArbWasm::activateProgramCall::abi_encode_returns(&IArbWasm::activateProgramReturn {
            version: STYLUS_VERSION,
            dataFee: fee,
        });
    Ok((answer, ACTIVATION_GAS))
}

/// `placeBid(program)`: caches an activated program; the bid is kept.
fn place_bid(context: &mut ChainContext, inputs: &CallInputs, program: Address) -> Answer {
    let codehash = {
        let journal = context.journal_mut();
        match journal.load_account_with_code(program) {
            Ok(account) => account.data.info.code_hash,
            Err(_) => B256::ZERO,
        }
    };
    if !is_activated(context, codehash) {
        return Err((not_activated().to_vec(), QUERY_GAS));
    }
    if is_cached(context, codehash) {
        return Err((ICacheManager::AlreadyCached { codehash }.abi_encode(), QUERY_GAS));
    }
    let bid = inputs.call_value();
    if let Ok(Some(_)) | Err(_) = context.journal_mut().transfer(inputs.caller, CACHE_MANAGER, bid)
    {
        return Err((Vec::new(), QUERY_GAS));
    }
    write(context, CACHE_MANAGER, slot(codehash), U256::from(1));
    Ok((Vec::new(), QUERY_GAS + 20_000))
}

#[cfg(test)]
mod tests;
