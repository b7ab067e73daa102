//! Runs a deployed Stylus program in process: the brotli-compressed WASM a chain would hold,
//! executed on [wasmi] with Nitro's semantics for the `vm_hooks` the program imports.
//!
//! A call runs in one [`Program::run`]. Whatever needs the world outside the program — a
//! storage slot not read yet, a call to a precompile or another contract — stops the WASM at
//! the hostio (wasmi's resumable host trap), is served by the caller's [`Environment`], and
//! resumes with the answer: the shape an EVM driver (revm) plugs into, one frame at a time.
//! Storage writes stay in the run until it ends; a successful [`Outcome`] lists them for the
//! caller to apply, a revert or a trap drops them (and a trap returns no data).
//!
//! Fidelity limits (today): no ink or gas metering, no `msg_reentrant` (a run is one frame),
//! block and transaction getters are not imported by the programs this project builds and are
//! refused at load like any other unknown import.
//!
//! [wasmi]: https://docs.rs/wasmi

use std::{collections::HashMap, fmt};

use alloy_primitives::{keccak256, Address, B256, U256};
use wasmi::{
    Caller, Engine, Extern, Linker, Memory, Module, Store, TypedFunc, TypedResumableCall, Val,
};

pub mod precompiles;

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// `msg.sender`.
    pub sender: Address,
    /// `msg.value`.
    pub value: U256,
    /// The program's own address.
    pub contract: Address,
    /// `block.chainid`.
    pub chain_id: u64,
    /// Call data.
    pub data: Vec<u8>,
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
}

/// The world around the program: its storage as committed so far, other contracts and
/// precompiles.
pub trait Environment {
    /// The word at `slot` of `contract`'s storage.
    fn load(&mut self, contract: Address, slot: U256) -> B256;
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
    /// Storage writes to apply, each slot once with its final word, in slot order (none
    /// unless successful).
    pub writes: Vec<(U256, B256)>,
    /// Every storage slot the program read or wrote, in order (for ERC-7562 checks).
    pub slots: Vec<U256>,
    /// Every call the program made, in order.
    pub calls: Vec<CallRequest>,
    /// Every keccak preimage the program hashed through the host, in order.
    pub preimages: Vec<Vec<u8>>,
}

/// A compiled program.
pub struct Program {
    engine: Engine,
    module: Module,
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

    /// Compiles `wasm`, refusing any import this runtime does not serve.
    ///
    /// # Errors
    /// [`Error::Wasm`] for invalid WASM, [`Error::UnknownImport`] naming the first unknown import.
    pub fn from_wasm(wasm: &[u8]) -> Result<Self> {
        let engine = Engine::default();
        let module = Module::new(&engine, wasm)?;
        for import in module.imports() {
            if import.module() != "vm_hooks" || !SUPPORTED_IMPORTS.contains(&import.name()) {
                return Err(Error::UnknownImport(format!(
                    "{}::{}",
                    import.module(),
                    import.name()
                )));
            }
        }
        Ok(Self { engine, module })
    }

    /// The program's imports, as `vm_hooks` names.
    pub fn imports(&self) -> Vec<String> {
        self.module.imports().map(|import| import.name().to_string()).collect()
    }

    /// Runs one call.
    ///
    /// # Errors
    /// [`Error::MissingExport`] when the program has no entry point or memory; [`Error::Wasm`]
    /// when wasmi fails for a reason other than the program trapping.
    pub fn run(&self, message: &Message, env: &mut dyn Environment) -> Result<Outcome> {
        let state = HostState { message: message.clone(), ..HostState::default() };
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
                        let word = env.load(message.contract, slot);
                        store.data_mut().known.insert(slot, word);
                        memory
                            .write(&mut store, dest as usize, word.as_slice())
                            .map_err(wasmi::Error::from)?;
                        call = trap.resume(&mut store, &[]);
                    }
                    Some(Pending::Call { request, length_out }) => {
                        let outcome = env.call(message.contract, request.clone());
                        let state = store.data_mut();
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
        let state = store.into_data();
        let (slots, calls, preimages) = (state.slots, state.calls, state.preimages);
        Ok(match status {
            Some(0) => {
                let mut writes: Vec<_> = state.writes.into_iter().collect();
                writes.sort();
                let output = state.result;
                Outcome { success: true, output, logs: state.logs, writes, slots, calls, preimages }
            }
            Some(_) => {
                let output = state.result;
                Outcome { success: false, output, slots, calls, preimages, ..Outcome::default() }
            }
            None => Outcome { success: false, slots, calls, preimages, ..Outcome::default() },
        })
    }
}

/// What the program waits for from the driver.
enum Pending {
    /// A storage word not read yet, to write at `dest`.
    Load { slot: U256, dest: u32 },
    /// A call; the return data's length goes to `length_out`.
    Call { request: CallRequest, length_out: u32 },
}

/// The state hostios act on during one run.
#[derive(Default)]
struct HostState {
    message: Message,
    /// Every slot read or written so far, with its current word (Nitro's storage cache).
    known: Storage,
    /// Every slot written, with its latest word.
    writes: Storage,
    result: Vec<u8>,
    return_data: Vec<u8>,
    logs: Vec<Log>,
    slots: Vec<U256>,
    calls: Vec<CallRequest>,
    preimages: Vec<Vec<u8>>,
    pending: Option<Pending>,
}

impl Default for Message {
    fn default() -> Self {
        Self {
            sender: Address::ZERO,
            value: U256::ZERO,
            contract: Address::ZERO,
            chain_id: 0,
            data: Vec::new(),
        }
    }
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

fn call_out(
    mut caller: Caller<'_, HostState>,
    kind: CallKind,
    (to, data, data_len, value): (i32, i32, i32, Option<i32>),
    length_out: i32,
) -> Result<i32, wasmi::Error> {
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
    const M: &str = "vm_hooks";
    linker.func_wrap(M, "read_args", |mut caller: Caller<'_, HostState>, dest: i32| {
        let args = caller.data().message.data.clone();
        write(&mut caller, dest, &args)
    })?;
    linker.func_wrap(
        M,
        "write_result",
        |mut caller: Caller<'_, HostState>, data: i32, len: i32| {
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
            state.slots.push(slot);
            match state.known.get(&slot).copied() {
                Some(word) => write(&mut caller, dest, word.as_slice()),
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
            state.slots.push(slot);
            state.known.insert(slot, word);
            state.writes.insert(slot, word);
            Ok(())
        },
    )?;
    // Writes stay in the run until it ends (see the crate docs): within one frame, flushing
    // changes nothing the program can observe.
    linker.func_wrap(M, "storage_flush_cache", |_: Caller<'_, HostState>, _clear: i32| {})?;
    linker.func_wrap(M, "msg_sender", |mut caller: Caller<'_, HostState>, dest: i32| {
        let sender = caller.data().message.sender;
        write(&mut caller, dest, sender.as_slice())
    })?;
    linker.func_wrap(M, "msg_value", |mut caller: Caller<'_, HostState>, dest: i32| {
        let value = caller.data().message.value.to_be_bytes::<32>();
        write(&mut caller, dest, &value)
    })?;
    // One frame per run: the program is never entered twice.
    linker.func_wrap(M, "msg_reentrant", |_: Caller<'_, HostState>| 0i32)?;
    linker.func_wrap(M, "chainid", |caller: Caller<'_, HostState>| {
        caller.data().message.chain_id as i64
    })?;
    linker.func_wrap(M, "contract_address", |mut caller: Caller<'_, HostState>, dest: i32| {
        let contract = caller.data().message.contract;
        write(&mut caller, dest, contract.as_slice())
    })?;
    linker.func_wrap(
        M,
        "native_keccak256",
        |mut caller: Caller<'_, HostState>, bytes: i32, len: i32, out: i32| {
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
            let bytes = read(&caller, data, len as u32 as usize)?;
            let split = (topics as usize * 32).min(bytes.len());
            let log = Log {
                topics: bytes[..split].chunks(32).map(B256::from_slice).collect(),
                data: bytes[split..].to_vec(),
            };
            caller.data_mut().logs.push(log);
            Ok(())
        },
    )?;
    // Memory costs are not metered (see the crate docs).
    linker.func_wrap(M, "pay_for_memory_grow", |_: Caller<'_, HostState>, _pages: i32| {})?;
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
            write(&mut caller, dest, &slice)?;
            Ok(slice.len() as i32)
        },
    )?;
    linker.func_wrap(M, "return_data_size", |caller: Caller<'_, HostState>| {
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
        for (module, name) in [("vm_hooks", "block_timestamp"), ("env", "chainid")] {
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
            fn load(&mut self, _: Address, _: U256) -> B256 {
                B256::ZERO
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
            data: vec![],
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
