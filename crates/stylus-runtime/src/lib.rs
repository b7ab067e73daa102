//! Runs a deployed Stylus program in process: the brotli-compressed WASM a chain would hold,
//! executed on [wasmi] with Nitro's semantics and prices for the `vm_hooks` the program imports.
//!
//! A call runs in one [`Program::run`]. Whatever needs the world outside the program — a
//! storage slot not read yet, a flush of written slots, a call to a precompile or another
//! contract — stops the WASM at the hostio (wasmi's resumable host trap), is served by the
//! caller's [`Environment`], and resumes with the answer: the shape an EVM driver (revm) plugs
//! into, one frame at a time. Writes reach the environment when the program flushes its storage
//! cache, as on Nitro; a run that fails leaves the driver to roll its frame back.
//!
//! Each run has its own storage cache, as each Nitro frame has. A `delegate_call_contract` is
//! served by the environment, which runs the callee as another frame of the same address: the
//! callee sees none of the caller's unflushed writes, and the caller's cache keeps the words it
//! held. A program therefore flushes before delegatecalling and clears its cache
//! (`storage_flush_cache(1)`, as the SDK's `call::delegate_call` does) to re-read what the
//! callee wrote.
//!
//! Costs: the program is instrumented to count its ink ([`meter`]), every hostio buys the ink
//! and gas Nitro's `user-host-trait` buys ([`pricing`]), and [`Outcome::gas_used`] converts
//! the sum at Nitro's ink price. Entry gas depends on the chain's program cache and is the
//! driver's to add ([`Program::activation`]).
//!
//! Fidelity limits (today): a run has no gas limit (it counts what it would need; no out-of-ink
//! trap, no 63/64 rule on calls out); `msg_reentrant` is what the driver says in
//! [`Message::reentrant`]; memory pages
//! are counted as if this frame were the transaction's first Stylus frame; block and
//! transaction getters are not imported by the programs this project builds and are refused
//! at load like any other unknown import.
//!
//! [wasmi]: https://docs.rs/wasmi

use std::{collections::HashMap, fmt};

use alloy_primitives::{keccak256, Address, B256, U256};
use wasmi::{
    Caller, Engine, Extern, Linker, Memory, Module, Store, TypedFunc, TypedResumableCall, Val,
};

pub mod meter;
pub mod precompiles;
pub mod pricing;

use pricing::{ActivationCosts, ProgramShape};

/// The `vm_hooks` a program may import (the ones Nitro implements that this runtime serves).
pub const SUPPORTED_IMPORTS: &[&str] = &[
    "read_args",
    "write_result",
    "storage_load_bytes32",
    "storage_cache_bytes32",
    "storage_flush_cache",
    "msg_sender",
    "msg_value",
    "msg_reentrant",
    "chainid",
    "block_timestamp",
    "contract_address",
    "native_keccak256",
    "emit_log",
    "pay_for_memory_grow",
    "call_contract",
    "delegate_call_contract",
    "static_call_contract",
    "read_return_data",
    "return_data_size",
];

/// Errors loading or running a program.
#[derive(Debug)]
pub enum Error {
    /// The code is not a deployable Stylus program.
    Artifact(stylus_artifact::Error),
    /// wasmi refused the module, or failed in a way that is not the program's doing.
    Wasm(wasmi::Error),
    /// The program imports something this runtime does not serve: `module::name`.
    UnknownImport(String),
    /// The program exports no `user_entrypoint(i32) -> i32` or no `memory`.
    MissingExport(&'static str),
    /// The program cannot be metered (an operator Nitro refuses, or malformed WASM).
    Meter(meter::MeterError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Artifact(error) => write!(f, "not a Stylus program: {error}"),
            Self::Wasm(error) => write!(f, "wasm: {error}"),
            Self::UnknownImport(name) => {
                write!(f, "the program imports `{name}`, which this runtime does not serve")
            }
            Self::MissingExport(name) => write!(f, "the program does not export `{name}`"),
            Self::Meter(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for Error {}

impl From<wasmi::Error> for Error {
    fn from(error: wasmi::Error) -> Self {
        Self::Wasm(error)
    }
}

/// `Result` of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A contract's storage: slot → word (absent = zero).
pub type Storage = HashMap<U256, B256>;

/// The call a program receives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    /// `msg.sender`.
    pub sender: Address,
    /// `msg.value`.
    pub value: U256,
    /// The program's own address.
    pub contract: Address,
    /// `block.chainid`.
    pub chain_id: u64,
    /// `block.timestamp`.
    pub timestamp: u64,
    /// Call data.
    pub data: Vec<u8>,
    /// The `msg_reentrant` hostio (the SDK's entrypoint refuses such calls by default): on
    /// Nitro, whether `contract` has more than one frame open, counting this one unless it is a
    /// DELEGATECALL's (delegate frames are not counted). The driver decides.
    pub reentrant: bool,
}

/// How a program calls out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// `CALL`.
    Call,
    /// `STATICCALL`.
    Static,
    /// `DELEGATECALL`.
    Delegate,
}

/// A call out of the program, for the [`Environment`] to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRequest {
    /// Call kind.
    pub kind: CallKind,
    /// Callee.
    pub to: Address,
    /// Wei sent (zero unless [`CallKind::Call`]).
    pub value: U256,
    /// Call data.
    pub data: Vec<u8>,
}

/// What a call returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallOutcome {
    /// Whether it succeeded.
    pub success: bool,
    /// Return or revert data.
    pub data: Vec<u8>,
    /// Whether the callee was cold (EIP-2929): not yet accessed in the transaction.
    pub cold: bool,
    /// Gas the callee used (the caller pays all of it on Nitro, stipend included).
    pub callee_gas: u64,
    /// SSTORE refunds the callee earned (EIP-3529; may be negative): the transaction's refund
    /// counter keeps them when the call succeeds, as Nitro's StateDB does.
    pub refund: i64,
}

/// A storage word read by the environment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Loaded {
    /// The word.
    pub value: B256,
    /// Whether the slot was cold (EIP-2929).
    pub cold: bool,
}

/// A storage word written by the environment: what SSTORE pricing needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stored {
    /// The word at the start of the transaction.
    pub original: B256,
    /// The word before this write.
    pub present: B256,
    /// Whether the slot was cold (EIP-2929).
    pub cold: bool,
}

/// The world around the program: its storage, other contracts and precompiles.
pub trait Environment {
    /// Reads the word at `slot` of `contract`'s storage.
    fn load(&mut self, contract: Address, slot: U256) -> Loaded;
    /// Writes `value` at `slot` of `contract`'s storage, as the program flushes it; `None`
    /// when writing is not allowed (a static context): the program then fails.
    fn store(&mut self, contract: Address, slot: U256, value: B256) -> Option<Stored>;
    /// Serves one call out of the program.
    fn call(&mut self, from: Address, request: CallRequest) -> CallOutcome;
}

/// One emitted log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Log {
    /// Topics, the event signature first.
    pub topics: Vec<B256>,
    /// Non-indexed data.
    pub data: Vec<u8>,
}

/// The result of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// `false` for a revert or a trap.
    pub success: bool,
    /// Return data, or revert data (empty after a trap).
    pub output: Vec<u8>,
    /// Logs emitted (none unless successful).
    pub logs: Vec<Log>,
    /// Every storage slot the program read or wrote, in order (for ERC-7562 checks).
    pub slots: Vec<U256>,
    /// Every call the program made, in order.
    pub calls: Vec<CallRequest>,
    /// Every keccak preimage the program hashed through the host, in order.
    pub preimages: Vec<Vec<u8>>,
    /// Ink used: the program's own (metered WASM) and its hostios'.
    pub ink: u64,
    /// Gas the hostios bought: storage, calls, logs, memory.
    pub gas: u64,
    /// SSTORE refunds earned by the flushes (EIP-3529; may be negative).
    pub refund: i64,
}

impl Outcome {
    /// Gas of the run after entry: its ink at Nitro's ink price plus the gas its hostios bought,
    /// and never less than the EVM's memory cost of the data it returns.
    pub fn gas_used(&self) -> u64 {
        let gas = pricing::ink_to_gas_ceil(self.ink).saturating_add(self.gas);
        gas.max(pricing::return_data_gas(self.output.len() as u64))
    }
}

/// A compiled program.
pub struct Program {
    engine: Engine,
    module: Module,
    activation: ActivationCosts,
}

impl Program {
    /// Loads deployed contract code (`EF F0 00 00` + brotli), as Nitro would.
    ///
    /// # Errors
    /// [`Error::Artifact`] for code that is not a Stylus program, and the errors of
    /// [`Program::from_wasm`].
    pub fn from_code(code: &[u8]) -> Result<Self> {
        Self::from_wasm(&stylus_artifact::decompress(code).map_err(Error::Artifact)?)
    }

    /// Compiles `wasm` with the ink meter, refusing any import this runtime does not serve.
    ///
    /// # Errors
    /// [`Error::Wasm`] for invalid WASM, [`Error::UnknownImport`] naming the first unknown
    /// import, [`Error::Meter`] for an operator Nitro refuses.
    pub fn from_wasm(wasm: &[u8]) -> Result<Self> {
        let metered = meter::instrument(wasm).map_err(Error::Meter)?;
        let shape = ProgramShape::of(wasm)
            .map_err(|error| Error::Meter(meter::MeterError::Malformed(error.to_string())))?;
        let engine = Engine::default();
        let module = Module::new(&engine, &metered)?;
        for import in module.imports() {
            if import.module() != "vm_hooks" || !SUPPORTED_IMPORTS.contains(&import.name()) {
                return Err(Error::UnknownImport(format!(
                    "{}::{}",
                    import.module(),
                    import.name()
                )));
            }
        }
        Ok(Self { engine, module, activation: shape.costs() })
    }

    /// The program's imports, as `vm_hooks` names.
    pub fn imports(&self) -> Vec<String> {
        self.module.imports().map(|import| import.name().to_string()).collect()
    }

    /// The costs activation would record, from which each call's entry gas follows.
    pub fn activation(&self) -> ActivationCosts {
        self.activation
    }

    /// Runs one call.
    ///
    /// # Errors
    /// [`Error::MissingExport`] when the program has no entry point or memory; [`Error::Wasm`]
    /// when wasmi fails for a reason other than the program trapping.
    pub fn run(&self, message: &Message, env: &mut dyn Environment) -> Result<Outcome> {
        let pages = self.activation.footprint;
        let state = HostState {
            message: message.clone(),
            open_pages: pages,
            ever_pages: pages,
            ..HostState::default()
        };
        let mut store = Store::new(&self.engine, state);
        let mut linker = Linker::new(&self.engine);
        link_hostios(&mut linker)?;
        let instance = linker.instantiate_and_start(&mut store, &self.module)?;
        let entry: TypedFunc<i32, i32> = instance
            .get_typed_func(&store, "user_entrypoint")
            .map_err(|_| Error::MissingExport("user_entrypoint"))?;
        let memory = instance.get_memory(&store, "memory").ok_or(Error::MissingExport("memory"))?;

        let length = i32::try_from(message.data.len()).expect("call data under 2 GiB");
        let mut call = entry.call_resumable(&mut store, length);
        let status = loop {
            match call {
                Ok(TypedResumableCall::Finished(status)) => break Some(status),
                Ok(TypedResumableCall::HostTrap(trap)) => match store.data_mut().pending.take() {
                    // A host function failed: the program traps.
                    None => break None,
                    Some(Pending::Load { slot, dest }) => {
                        let loaded = env.load(message.contract, slot);
                        let state = store.data_mut();
                        state.gas += pricing::storage_miss_gas(loaded.cold);
                        state.cache.insert(slot, Cached::known(loaded.value));
                        memory
                            .write(&mut store, dest as usize, loaded.value.as_slice())
                            .map_err(wasmi::Error::from)?;
                        call = trap.resume(&mut store, &[]);
                    }
                    Some(Pending::Flush { dirty }) => {
                        let mut written = true;
                        for (slot, value) in dirty {
                            let Some(stored) = env.store(message.contract, slot, value) else {
                                written = false;
                                break;
                            };
                            let (gas, refund) = pricing::store_gas(
                                stored.original.0,
                                stored.present.0,
                                value.0,
                                stored.cold,
                            );
                            let state = store.data_mut();
                            state.gas += gas;
                            state.refund += refund;
                        }
                        if !written {
                            break None;
                        }
                        call = trap.resume(&mut store, &[]);
                    }
                    Some(Pending::Call { request, length_out }) => {
                        let outcome = env.call(message.contract, request.clone());
                        let state = store.data_mut();
                        let value = !request.value.is_zero();
                        state.gas +=
                            pricing::call_base_gas(outcome.cold, value, false) + outcome.callee_gas;
                        if outcome.success {
                            state.refund += outcome.refund;
                        }
                        state.calls.push(request);
                        state.return_data = outcome.data;
                        let length = state.return_data.len() as u32;
                        memory
                            .write(&mut store, length_out as usize, &length.to_le_bytes())
                            .map_err(wasmi::Error::from)?;
                        call = trap.resume(&mut store, &[Val::I32(i32::from(!outcome.success))]);
                    }
                },
                Ok(TypedResumableCall::OutOfFuel(_)) => break None,
                // A trap (unreachable, out-of-bounds access, …) reverts with no data.
                Err(_) => break None,
            }
        };
        let wasm_ink = match instance.get_global(&store, meter::INK_GLOBAL) {
            Some(global) => global.get(&store).i64().unwrap_or_default() as u64,
            None => 0,
        };
        let state = store.into_data();
        let mut outcome = Outcome {
            slots: state.slots,
            calls: state.calls,
            preimages: state.preimages,
            ink: wasm_ink + state.ink,
            gas: state.gas,
            refund: state.refund,
            ..Outcome::default()
        };
        match status {
            Some(0) => {
                outcome.success = true;
                outcome.output = state.result;
                outcome.logs = state.logs;
            }
            Some(_) => outcome.output = state.result,
            None => {}
        }
        Ok(outcome)
    }
}

/// What the program waits for from the driver.
enum Pending {
    /// A storage word not read yet, to write at `dest`.
    Load { slot: U256, dest: u32 },
    /// Dirty slots of the storage cache to write, in slot order.
    Flush { dirty: Vec<(U256, B256)> },
    /// A call; the return data's length goes to `length_out`.
    Call { request: CallRequest, length_out: u32 },
}

/// A slot in Nitro's storage cache: its word now, and the word the environment holds.
#[derive(Clone, Copy)]
struct Cached {
    value: B256,
    known: Option<B256>,
}

impl Cached {
    fn known(value: B256) -> Self {
        Self { value, known: Some(value) }
    }

    fn dirty(&self) -> bool {
        self.known != Some(self.value)
    }
}

/// The state hostios act on during one run.
#[derive(Default)]
struct HostState {
    message: Message,
    /// The storage cache: every slot read or written since the last clearing flush.
    cache: HashMap<U256, Cached>,
    /// Reads and writes through the cache so far (they set its fees).
    cache_reads: u64,
    cache_writes: u64,
    result: Vec<u8>,
    return_data: Vec<u8>,
    logs: Vec<Log>,
    slots: Vec<U256>,
    calls: Vec<CallRequest>,
    preimages: Vec<Vec<u8>>,
    pending: Option<Pending>,
    /// Ink the hostios bought.
    ink: u64,
    /// Gas the hostios bought, and refunds earned.
    gas: u64,
    refund: i64,
    /// Memory pages open now, and the most ever open.
    open_pages: u64,
    ever_pages: u64,
}

/// The host error that stops the program at a hostio, for the driver to serve.
#[derive(Debug)]
struct WaitForDriver;

impl fmt::Display for WaitForDriver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("waiting for the world outside the program")
    }
}

impl wasmi::errors::HostError for WaitForDriver {}

fn memory(caller: &Caller<'_, HostState>) -> Result<Memory, wasmi::Error> {
    match caller.get_export("memory") {
        Some(Extern::Memory(memory)) => Ok(memory),
        _ => Err(wasmi::Error::new("the program exports no memory")),
    }
}

fn read(caller: &Caller<'_, HostState>, ptr: i32, len: usize) -> Result<Vec<u8>, wasmi::Error> {
    let mut buffer = vec![0u8; len];
    memory(caller)?.read(caller, ptr as u32 as usize, &mut buffer).map_err(wasmi::Error::from)?;
    Ok(buffer)
}

fn write(caller: &mut Caller<'_, HostState>, ptr: i32, bytes: &[u8]) -> Result<(), wasmi::Error> {
    let memory = memory(caller)?;
    memory.write(caller, ptr as u32 as usize, bytes).map_err(wasmi::Error::from)
}

fn read_word(caller: &Caller<'_, HostState>, ptr: i32) -> Result<B256, wasmi::Error> {
    Ok(B256::from_slice(&read(caller, ptr, 32)?))
}

/// Buys `ink` for the hostio running now.
fn buy(caller: &mut Caller<'_, HostState>, ink: u64) {
    caller.data_mut().ink += ink;
}

fn call_out(
    mut caller: Caller<'_, HostState>,
    kind: CallKind,
    (to, data, data_len, value): (i32, i32, i32, Option<i32>),
    length_out: i32,
) -> Result<i32, wasmi::Error> {
    buy(&mut caller, pricing::CALL_INK + 2 * pricing::read_price(data_len as u32 as u64));
    let to = Address::from_slice(&read(&caller, to, 20)?);
    let data = read(&caller, data, data_len as u32 as usize)?;
    let value = match value {
        Some(ptr) => U256::from_be_bytes(read_word(&caller, ptr)?.0),
        None => U256::ZERO,
    };
    let request = CallRequest { kind, to, value, data };
    caller.data_mut().pending = Some(Pending::Call { request, length_out: length_out as u32 });
    Err(wasmi::Error::host(WaitForDriver))
}

fn link_hostios(linker: &mut Linker<HostState>) -> Result<(), wasmi::Error> {
    use pricing::{HOSTIO_INK, POINTER_GETTER_INK};
    const M: &str = "vm_hooks";
    linker.func_wrap(M, "read_args", |mut caller: Caller<'_, HostState>, dest: i32| {
        let args = caller.data().message.data.clone();
        buy(&mut caller, HOSTIO_INK + pricing::write_price(args.len() as u64));
        write(&mut caller, dest, &args)
    })?;
    linker.func_wrap(
        M,
        "write_result",
        |mut caller: Caller<'_, HostState>, data: i32, len: i32| {
            buy(&mut caller, HOSTIO_INK + 2 * pricing::read_price(len as u32 as u64));
            let result = read(&caller, data, len as u32 as usize)?;
            caller.data_mut().result = result;
            Ok(())
        },
    )?;
    linker.func_wrap(
        M,
        "storage_load_bytes32",
        |mut caller: Caller<'_, HostState>, key: i32, dest: i32| {
            let slot = U256::from_be_bytes(read_word(&caller, key)?.0);
            let state = caller.data_mut();
            state.ink += pricing::STORAGE_ACCESS_INK;
            state.cache_reads += 1;
            state.gas += pricing::cache_read_gas(state.cache_reads);
            state.slots.push(slot);
            match state.cache.get(&slot).copied() {
                Some(cached) => write(&mut caller, dest, cached.value.as_slice()),
                None => {
                    state.pending = Some(Pending::Load { slot, dest: dest as u32 });
                    Err(wasmi::Error::host(WaitForDriver))
                }
            }
        },
    )?;
    linker.func_wrap(
        M,
        "storage_cache_bytes32",
        |mut caller: Caller<'_, HostState>, key: i32, value: i32| {
            let slot = U256::from_be_bytes(read_word(&caller, key)?.0);
            let word = read_word(&caller, value)?;
            let state = caller.data_mut();
            state.ink += pricing::STORAGE_ACCESS_INK;
            state.cache_writes += 1;
            state.gas += pricing::cache_write_gas(state.cache_writes);
            state.slots.push(slot);
            state.cache.entry(slot).or_insert(Cached { value: word, known: None }).value = word;
            Ok(())
        },
    )?;
    linker.func_wrap(
        M,
        "storage_flush_cache",
        |mut caller: Caller<'_, HostState>, clear: i32| {
            let state = caller.data_mut();
            state.ink += pricing::EVM_REQUEST_INK;
            let mut dirty: Vec<_> = state
                .cache
                .iter_mut()
                .filter(|(_, cached)| cached.dirty())
                .map(|(slot, cached)| {
                    cached.known = Some(cached.value);
                    (*slot, cached.value)
                })
                .collect();
            if clear != 0 {
                state.cache.clear();
            }
            if dirty.is_empty() {
                return Ok(());
            }
            dirty.sort();
            state.pending = Some(Pending::Flush { dirty });
            Err(wasmi::Error::host(WaitForDriver))
        },
    )?;
    linker.func_wrap(M, "msg_sender", |mut caller: Caller<'_, HostState>, dest: i32| {
        buy(&mut caller, POINTER_GETTER_INK);
        let sender = caller.data().message.sender;
        write(&mut caller, dest, sender.as_slice())
    })?;
    linker.func_wrap(M, "msg_value", |mut caller: Caller<'_, HostState>, dest: i32| {
        buy(&mut caller, POINTER_GETTER_INK);
        let value = caller.data().message.value.to_be_bytes::<32>();
        write(&mut caller, dest, &value)
    })?;
    // One frame per run: the program is never entered twice.
    linker.func_wrap(M, "msg_reentrant", |mut caller: Caller<'_, HostState>| {
        buy(&mut caller, HOSTIO_INK);
        i32::from(caller.data().message.reentrant)
    })?;
    linker.func_wrap(M, "chainid", |mut caller: Caller<'_, HostState>| {
        buy(&mut caller, HOSTIO_INK);
        caller.data().message.chain_id as i64
    })?;
    linker.func_wrap(M, "block_timestamp", |mut caller: Caller<'_, HostState>| {
        buy(&mut caller, HOSTIO_INK);
        caller.data().message.timestamp as i64
    })?;
    linker.func_wrap(M, "contract_address", |mut caller: Caller<'_, HostState>, dest: i32| {
        buy(&mut caller, POINTER_GETTER_INK);
        let contract = caller.data().message.contract;
        write(&mut caller, dest, contract.as_slice())
    })?;
    linker.func_wrap(
        M,
        "native_keccak256",
        |mut caller: Caller<'_, HostState>, bytes: i32, len: i32, out: i32| {
            buy(&mut caller, pricing::keccak_ink(len as u32 as u64));
            let preimage = read(&caller, bytes, len as u32 as usize)?;
            let hash = keccak256(&preimage);
            caller.data_mut().preimages.push(preimage);
            write(&mut caller, out, hash.as_slice())
        },
    )?;
    linker.func_wrap(
        M,
        "emit_log",
        |mut caller: Caller<'_, HostState>, data: i32, len: i32, topics: i32| {
            let len = len as u32 as u64;
            buy(&mut caller, pricing::EVM_REQUEST_INK + pricing::read_price(len));
            if !(0..=4).contains(&topics) || len < 32 * topics as u64 {
                return Err(wasmi::Error::new("emit_log: bad topic count"));
            }
            let bytes = read(&caller, data, len as usize)?;
            let split = topics as usize * 32;
            let log = Log {
                topics: bytes[..split].chunks(32).map(B256::from_slice).collect(),
                data: bytes[split..].to_vec(),
            };
            let state = caller.data_mut();
            state.gas += pricing::log_gas(topics as u64, len);
            state.logs.push(log);
            Ok(())
        },
    )?;
    linker.func_wrap(
        M,
        "pay_for_memory_grow",
        |mut caller: Caller<'_, HostState>, pages: i32| {
            let pages = u64::from(pages as u32 as u16);
            let state = caller.data_mut();
            if pages == 0 {
                state.ink += HOSTIO_INK;
                return;
            }
            state.gas = state.gas.saturating_add(pricing::memory_gas(
                pages,
                state.open_pages,
                state.ever_pages,
            ));
            state.open_pages += pages;
            state.ever_pages = state.ever_pages.max(state.open_pages);
        },
    )?;
    linker.func_wrap(
        M,
        "call_contract",
        |caller: Caller<'_, HostState>,
         to: i32,
         data: i32,
         len: i32,
         value: i32,
         _gas: i64,
         out: i32| { call_out(caller, CallKind::Call, (to, data, len, Some(value)), out) },
    )?;
    linker.func_wrap(
        M,
        "delegate_call_contract",
        |caller: Caller<'_, HostState>, to: i32, data: i32, len: i32, _gas: i64, out: i32| {
            call_out(caller, CallKind::Delegate, (to, data, len, None), out)
        },
    )?;
    linker.func_wrap(
        M,
        "static_call_contract",
        |caller: Caller<'_, HostState>, to: i32, data: i32, len: i32, _gas: i64, out: i32| {
            call_out(caller, CallKind::Static, (to, data, len, None), out)
        },
    )?;
    linker.func_wrap(
        M,
        "read_return_data",
        |mut caller: Caller<'_, HostState>, dest: i32, offset: i32, size: i32| {
            let data = &caller.data().return_data;
            let start = (offset as u32 as usize).min(data.len());
            let end = start.saturating_add(size as u32 as usize).min(data.len());
            let slice = data[start..end].to_vec();
            let ink = pricing::EVM_REQUEST_INK + pricing::write_price(slice.len() as u64);
            buy(&mut caller, ink);
            write(&mut caller, dest, &slice)?;
            Ok(slice.len() as i32)
        },
    )?;
    linker.func_wrap(M, "return_data_size", |mut caller: Caller<'_, HostState>| {
        buy(&mut caller, HOSTIO_INK);
        caller.data().return_data.len() as i32
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module importing `module::name` as a `() -> i64` function, and nothing else.
    fn module_importing(module: &str, name: &str) -> Vec<u8> {
        let mut import = vec![1u8, module.len() as u8];
        import.extend_from_slice(module.as_bytes());
        import.push(name.len() as u8);
        import.extend_from_slice(name.as_bytes());
        import.extend_from_slice(&[0x00, 0x00]); // a function of type 0
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend_from_slice(&[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7e]); // type 0: () -> i64
        wasm.push(0x02);
        wasm.push(import.len() as u8);
        wasm.extend_from_slice(&import);
        wasm
    }

    #[test]
    fn from_wasm_refuses_an_import_it_does_not_serve() {
        for (module, name) in [("vm_hooks", "block_number"), ("env", "chainid")] {
            match Program::from_wasm(&module_importing(module, name)) {
                Err(Error::UnknownImport(import)) => {
                    assert_eq!(import, format!("{module}::{name}"))
                }
                other => panic!("{module}::{name}: expected UnknownImport, got {:?}", other.err()),
            }
        }
    }

    #[test]
    fn from_wasm_accepts_a_served_import_and_run_needs_an_entry_point() {
        let program = Program::from_wasm(&module_importing("vm_hooks", "chainid")).unwrap();
        assert_eq!(program.imports(), ["chainid"]);
        struct Nothing;
        impl Environment for Nothing {
            fn load(&mut self, _: Address, _: U256) -> Loaded {
                Loaded::default()
            }
            fn store(&mut self, _: Address, _: U256, _: B256) -> Option<Stored> {
                None
            }
            fn call(&mut self, _: Address, _: CallRequest) -> CallOutcome {
                CallOutcome::default()
            }
        }
        let message = Message {
            sender: Address::ZERO,
            value: U256::ZERO,
            contract: Address::ZERO,
            chain_id: 1,
            timestamp: 0,
            data: vec![],
            reentrant: false,
        };
        assert!(matches!(
            program.run(&message, &mut Nothing),
            Err(Error::MissingExport("user_entrypoint"))
        ));
    }

    #[test]
    fn from_code_refuses_code_without_the_stylus_prefix() {
        assert!(matches!(Program::from_code(&[0x60, 0x80, 0x60, 0x40]), Err(Error::Artifact(_))));
    }
}
