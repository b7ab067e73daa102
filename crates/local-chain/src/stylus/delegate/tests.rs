//! DELEGATECALL between two tiny Stylus programs written in WAT: a delegator and a callee.

use revm::{
    bytecode::opcode,
    context_interface::cfg::gas::calculate_initial_tx_gas,
    primitives::{keccak256, Bytes, Log, LogData, B256, U256},
};
use stylus_runtime::{
    pricing::{call_base_gas, ink_to_gas_ceil, log_gas, storage_miss_gas, store_gas},
    CallKind, CallRequest, Environment, Program,
};

use super::*;
use crate::{
    chain::SPEC, erc7562::VALIDATE_USER_OP, Chain, ExecutionResult, StateWriter, StylusFrame,
    StylusInspector, ValidationRecord,
};

/// Writes the word of its arguments `[0..32)` at `keccak(msg.sender ‖ 0)` (flushed), logs it
/// as a topic, and returns `msg.sender`, `msg.value`, `contract_address` and `msg_reentrant`
/// as four words; reverts with the same data when argument byte 32 is 1.
const CALLEE: &str = r#"(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "storage_cache_bytes32" (func $cache (param i32 i32)))
  (import "vm_hooks" "storage_flush_cache" (func $flush (param i32)))
  (import "vm_hooks" "msg_sender" (func $msg_sender (param i32)))
  (import "vm_hooks" "msg_value" (func $msg_value (param i32)))
  (import "vm_hooks" "contract_address" (func $contract_address (param i32)))
  (import "vm_hooks" "msg_reentrant" (func $msg_reentrant (result i32)))
  (import "vm_hooks" "native_keccak256" (func $keccak (param i32 i32 i32)))
  (import "vm_hooks" "emit_log" (func $emit_log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 0))
    (call $msg_sender (i32.const 76))
    (call $keccak (i32.const 64) (i32.const 64) (i32.const 128))
    (call $cache (i32.const 128) (i32.const 0))
    (call $flush (i32.const 0))
    (call $emit_log (i32.const 0) (i32.const 32) (i32.const 1))
    (call $msg_sender (i32.const 268))
    (call $msg_value (i32.const 288))
    (call $contract_address (i32.const 332))
    (i32.store8 (i32.const 383) (call $msg_reentrant))
    (call $write_result (i32.const 256) (i32.const 128))
    (i32.load8_u (i32.const 32))))"#;

/// Arguments: flags (1 byte), an address `to` (20), data. Reads `keccak(msg.sender ‖ 0)`
/// (now in its storage cache), flushes — clearing the cache unless flag 1 —, DELEGATECALLs
/// `to` with the data (a CALL under flag 2; twice under flag 4), reads the slot again and
/// returns: the last call's status (0 = success), its own `msg_reentrant`, the word read
/// after the call, and the call's return data.
const DELEGATOR: &str = r#"(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "storage_load_bytes32" (func $load (param i32 i32)))
  (import "vm_hooks" "storage_flush_cache" (func $flush (param i32)))
  (import "vm_hooks" "msg_sender" (func $msg_sender (param i32)))
  (import "vm_hooks" "msg_reentrant" (func $msg_reentrant (result i32)))
  (import "vm_hooks" "native_keccak256" (func $keccak (param i32 i32 i32)))
  (import "vm_hooks" "call_contract"
    (func $call (param i32 i32 i32 i32 i64 i32) (result i32)))
  (import "vm_hooks" "delegate_call_contract"
    (func $delegate (param i32 i32 i32 i64 i32) (result i32)))
  (import "vm_hooks" "read_return_data" (func $read_return_data (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $flag (param $flag i32) (result i32)
    (i32.and (i32.load8_u (i32.const 0)) (local.get $flag)))
  (func $call_out (param $len i32) (result i32)
    (if (result i32) (call $flag (i32.const 2))
      (then (call $call (i32.const 1) (i32.const 21) (i32.sub (local.get $len) (i32.const 21))
        (i32.const 448) (i64.const -1) (i32.const 640)))
      (else (call $delegate (i32.const 1) (i32.const 21) (i32.sub (local.get $len) (i32.const 21))
        (i64.const -1) (i32.const 640)))))
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (local $status i32)
    (call $read_args (i32.const 0))
    (call $msg_sender (i32.const 524))
    (call $keccak (i32.const 512) (i32.const 64) (i32.const 576))
    (call $load (i32.const 576) (i32.const 608))
    (call $flush (i32.eqz (call $flag (i32.const 1))))
    (local.set $status (call $call_out (local.get $len)))
    (if (call $flag (i32.const 4))
      (then (local.set $status (call $call_out (local.get $len)))))
    (call $load (i32.const 576) (i32.const 1026))
    (i32.store8 (i32.const 1024) (local.get $status))
    (i32.store8 (i32.const 1025) (call $msg_reentrant))
    (drop (call $read_return_data (i32.const 1058) (i32.const 0) (i32.load (i32.const 640))))
    (call $write_result (i32.const 1024) (i32.add (i32.const 34) (i32.load (i32.const 640))))
    (i32.const 0)))"#;

/// Flags of DELEGATOR.
const KEEP_CACHE: u8 = 1;
const REAL_CALL: u8 = 2;
const TWICE: u8 = 4;

const SENDER: Address = Address::repeat_byte(0x5e);
const DELEGATOR_AT: Address = Address::repeat_byte(0xd0);
const CALLEE_AT: Address = Address::repeat_byte(0xc0);
/// EVM forwarders to DELEGATOR: by CALL, by STATICCALL, and a watched account that drops the
/// `validateUserOp` selector from its call data.
const FORWARDER: Address = Address::repeat_byte(0xe0);
const STATIC_FORWARDER: Address = Address::repeat_byte(0xe5);
const ACCOUNT: Address = Address::repeat_byte(0xe7);

/// The word the callee writes.
const WORD: B256 = B256::repeat_byte(0x77);

fn stylus_code(wat: &str) -> Vec<u8> {
    stylus_artifact::deployable(&wat::parse_str(wat).expect("valid WAT"))
}

/// The entry gas of the program of `wat`.
fn entry_gas(wat: &str, cached: bool) -> u64 {
    Program::from_code(&stylus_code(wat)).unwrap().activation().entry_gas(cached)
}

/// EVM code forwarding its call data, less the first `skip` bytes, to `target` with `call`
/// (`CALL` or `STATICCALL`), and returning or reverting with what it answered.
fn forwarder(target: Address, call: u8, skip: u8) -> Vec<u8> {
    // CALLDATACOPY(0, skip, CALLDATASIZE - skip); retSize 0, retOffset 0, argsSize, argsOffset 0
    let mut code = vec![0x60, skip, 0x36, 0x03, 0x60, skip, 0x5f, 0x37];
    code.extend([0x5f, 0x5f, 0x60, skip, 0x36, 0x03, 0x5f]);
    if call == opcode::CALL {
        code.push(0x5f); // no value
    }
    code.push(0x73); // PUSH20 target
    code.extend(target.as_slice());
    code.extend([0x5a, call, 0x3d, 0x5f, 0x5f, 0x3e]); // GAS, call, RETURNDATACOPY(0, 0, size)
    let ok = code.len() as u8 + 6;
    // JUMPI(ok, success); REVERT(0, size); ok: RETURN(0, size)
    code.extend([0x60, ok, 0x57, 0x3d, 0x5f, 0xfd, 0x5b, 0x3d, 0x5f, 0xf3]);
    code
}

/// A chain with DELEGATOR, CALLEE and the forwarders deployed.
fn chain() -> Chain {
    let mut chain = Chain::new(1, 0);
    chain.set_code(DELEGATOR_AT, stylus_code(DELEGATOR));
    chain.set_code(CALLEE_AT, stylus_code(CALLEE));
    chain.set_code(FORWARDER, forwarder(DELEGATOR_AT, opcode::CALL, 0));
    chain.set_code(STATIC_FORWARDER, forwarder(DELEGATOR_AT, opcode::STATICCALL, 0));
    chain.set_code(ACCOUNT, forwarder(DELEGATOR_AT, opcode::CALL, 4));
    chain
}

/// DELEGATOR's arguments.
fn delegate(flags: u8, to: Address, data: &[u8]) -> Vec<u8> {
    [&[flags][..], to.as_slice(), data].concat()
}

/// CALLEE's arguments: write `word`, then return or revert.
fn write(word: B256, revert: bool) -> Vec<u8> {
    [word.as_slice(), &[u8::from(revert)]].concat()
}

/// The preimage of the slot both programs use: `sender ‖ 0`.
fn preimage(sender: Address) -> Vec<u8> {
    [sender.into_word().as_slice(), &[0; 32]].concat()
}

/// The slot both programs use: `keccak(sender ‖ 0)`.
fn slot(sender: Address) -> U256 {
    U256::from_be_bytes(keccak256(preimage(sender)).0)
}

/// What CALLEE returns.
fn seen(sender: Address, value: u64, contract: Address, reentrant: bool) -> Vec<u8> {
    let words = [
        sender.into_word(),
        U256::from(value).into(),
        contract.into_word(),
        B256::with_last_byte(reentrant.into()),
    ];
    words.concat()
}

/// What DELEGATOR returns.
fn answer(success: bool, reentrant: bool, word: B256, data: &[u8]) -> Vec<u8> {
    [&[u8::from(!success), u8::from(reentrant)][..], word.as_slice(), data].concat()
}

/// Output and logs of a successful transaction.
fn succeeded(result: ExecutionResult) -> (Vec<u8>, Vec<Log>) {
    match result {
        ExecutionResult::Success { output, logs, .. } => (output.into_data().to_vec(), logs),
        other => panic!("the transaction failed: {other:?}"),
    }
}

/// (contract, code address, caller, success, slots) of each frame.
type Shape = (Address, Option<Address>, Address, bool, Vec<U256>);

/// Whether each Stylus frame run so far succeeded, in the order they are listed.
fn successes(chain: &Chain) -> Vec<bool> {
    chain.stylus_frames().iter().map(|frame| frame.success).collect()
}

fn shapes(frames: &[StylusFrame]) -> Vec<Shape> {
    let shape =
        |f: &StylusFrame| (f.contract, f.code_address, f.caller, f.success, f.slots.clone());
    frames.iter().map(shape).collect()
}

#[test]
fn the_callee_runs_on_the_delegators_storage_as_its_caller_saw_it() {
    let mut chain = chain();
    let data = delegate(0, CALLEE_AT, &write(WORD, false));
    let (output, logs) = succeeded(chain.call(SENDER, DELEGATOR_AT, data, U256::ZERO));
    // The delegator re-read its slot after the call (its cache cleared) and found the write;
    // the callee saw the delegator's caller and address, and is not reentrant.
    assert_eq!(output, answer(true, false, WORD, &seen(SENDER, 0, DELEGATOR_AT, false)));
    assert_eq!(
        logs,
        [Log { address: DELEGATOR_AT, data: LogData::new_unchecked(vec![WORD], Bytes::new()) }]
    );
    assert_eq!(chain.storage(DELEGATOR_AT, slot(SENDER)), U256::from_be_bytes(WORD.0));
    assert_eq!(chain.storage(CALLEE_AT, slot(SENDER)), U256::ZERO);
    let at = slot(SENDER);
    assert_eq!(
        shapes(chain.stylus_frames()),
        [
            (DELEGATOR_AT, Some(CALLEE_AT), SENDER, true, vec![at]),
            (DELEGATOR_AT, None, SENDER, true, vec![at, at]),
        ]
    );
    let delegated = CallRequest {
        kind: CallKind::Delegate,
        to: CALLEE_AT,
        value: U256::ZERO,
        data: write(WORD, false),
    };
    assert_eq!(chain.stylus_frames()[1].calls, [delegated]);
}

#[test]
fn a_frame_records_what_it_returned_or_reverted_with_even_when_its_caller_drops_it() {
    let mut chain = chain();
    // Straight to the callee: it returns what it saw, then reverts with the same data.
    succeeded(chain.call(SENDER, CALLEE_AT, write(WORD, false), U256::ZERO));
    let reverted = chain.call(SENDER, CALLEE_AT, write(WORD, true), U256::ZERO);
    assert!(matches!(reverted, ExecutionResult::Revert { .. }), "{reverted:?}");
    let outputs: Vec<_> =
        chain.stylus_frames().iter().map(|frame| (frame.success, frame.output.clone())).collect();
    let data = seen(SENDER, 0, CALLEE_AT, false);
    assert_eq!(outputs, [(true, data.clone()), (false, data)]);
    // The delegator answers with a status byte, not the callee's revert: the frame still has it.
    chain.clear_stylus_frames();
    let call = delegate(0, CALLEE_AT, &write(WORD, true));
    succeeded(chain.call(SENDER, DELEGATOR_AT, call, U256::ZERO));
    let callee = &chain.stylus_frames()[0];
    assert_eq!(callee.code_address, Some(CALLEE_AT));
    assert_eq!((callee.success, &callee.output), (false, &seen(SENDER, 0, DELEGATOR_AT, false)));
}

#[test]
fn without_clearing_its_cache_the_delegator_reads_its_stale_word() {
    let mut chain = chain();
    let data = delegate(KEEP_CACHE, CALLEE_AT, &write(WORD, false));
    let (output, _) = succeeded(chain.call(SENDER, DELEGATOR_AT, data, U256::ZERO));
    assert_eq!(output, answer(true, false, B256::ZERO, &seen(SENDER, 0, DELEGATOR_AT, false)));
    assert_eq!(chain.storage(DELEGATOR_AT, slot(SENDER)), U256::from_be_bytes(WORD.0));
}

#[test]
fn a_reverting_callee_leaves_no_write_and_no_log() {
    let mut chain = chain();
    let data = delegate(0, CALLEE_AT, &write(WORD, true));
    let (output, logs) = succeeded(chain.call(SENDER, DELEGATOR_AT, data, U256::ZERO));
    assert_eq!(output, answer(false, false, B256::ZERO, &seen(SENDER, 0, DELEGATOR_AT, false)));
    assert_eq!(logs, []);
    assert_eq!(chain.storage(DELEGATOR_AT, slot(SENDER)), U256::ZERO);
    assert_eq!(successes(&chain), [false, true]);
}

#[test]
fn the_delegator_pays_each_callee_frame_entry_cached_after_the_first_in_a_transaction() {
    let mut chain = chain();
    let data = delegate(TWICE, CALLEE_AT, &write(WORD, false));
    let result = chain.call(SENDER, DELEGATOR_AT, data.clone(), U256::ZERO);
    let ExecutionResult::Success { gas, .. } = result else { panic!("{result:?}") };
    let [first, second, outer] = chain.stylus_frames() else { panic!("three frames") };
    assert_eq!(
        (first.entry_gas, second.entry_gas, outer.entry_gas),
        (entry_gas(CALLEE, false), entry_gas(CALLEE, true), entry_gas(DELEGATOR, false))
    );
    // A callee frame: its entry, its ink, its log and its write, to a slot the delegator warmed.
    let (zero, word) = (B256::ZERO.0, WORD.0);
    let logged = log_gas(1, 32);
    let stored = store_gas(zero, zero, word, false).0;
    assert_eq!(first.gas, first.entry_gas + ink_to_gas_ceil(first.ink) + logged + stored);
    let stored = store_gas(zero, word, word, false).0;
    assert_eq!(second.gas, second.entry_gas + ink_to_gas_ceil(second.ink) + logged + stored);
    // The delegator: its entry and ink, its cold read, each call (the callee cold, then warm)
    // with all the callee used, and its re-read (warm: the cache was cleared).
    let calls = call_base_gas(true, false, false) + first.gas + call_base_gas(false, false, false);
    let reads = storage_miss_gas(true) + storage_miss_gas(false);
    let own = outer.entry_gas + ink_to_gas_ceil(outer.ink) + reads;
    assert_eq!(outer.gas, own + calls + second.gas);
    let intrinsic = calculate_initial_tx_gas(SPEC, &data, false, 0, 0, 0, None).initial_regular_gas;
    assert_eq!(gas.total_gas_spent(), intrinsic + outer.gas);

    // A new transaction: the program cache starts empty again.
    chain.clear_stylus_frames();
    let data = delegate(0, CALLEE_AT, &write(WORD, false));
    succeeded(chain.call(SENDER, DELEGATOR_AT, data, U256::ZERO));
    let [callee, outer] = chain.stylus_frames() else { panic!("two frames") };
    assert_eq!(
        (callee.entry_gas, outer.entry_gas),
        (entry_gas(CALLEE, false), entry_gas(DELEGATOR, false))
    );
}

#[test]
fn a_callee_clearing_a_slot_earns_the_refund() {
    let mut chain = chain();
    let data = delegate(0, CALLEE_AT, &write(WORD, false));
    succeeded(chain.call(SENDER, DELEGATOR_AT, data, U256::ZERO));
    let data = delegate(0, CALLEE_AT, &write(B256::ZERO, false));
    let result = chain.call(SENDER, DELEGATOR_AT, data, U256::ZERO);
    let ExecutionResult::Success { gas, .. } = result else { panic!("{result:?}") };
    // EIP-3529: clearing a slot that held a word at the start of the transaction.
    assert_eq!(gas.inner_refunded(), 4_800);
    assert_eq!(chain.storage(DELEGATOR_AT, slot(SENDER)), U256::ZERO);
}

#[test]
fn under_staticcall_the_callee_cannot_write() {
    let mut chain = chain();
    let data = delegate(0, CALLEE_AT, &write(WORD, false));
    let (output, _) = succeeded(chain.call(SENDER, STATIC_FORWARDER, data, U256::ZERO));
    // The callee failed at its flush: no return data, the slot unchanged.
    assert_eq!(output, answer(false, false, B256::ZERO, &[]));
    assert_eq!(chain.storage(DELEGATOR_AT, slot(STATIC_FORWARDER)), U256::ZERO);
    assert_eq!(successes(&chain), [false, true]);
}

#[test]
fn a_delegate_frame_is_reentrant_only_under_two_real_frames_of_its_address() {
    let mut chain = chain();
    // An EVM contract calls the delegator, which calls itself (a real CALL): that second frame
    // is reentrant, and so is the callee it delegatecalls, the address having two real frames.
    let inner = delegate(0, CALLEE_AT, &write(WORD, false));
    let data = delegate(REAL_CALL, DELEGATOR_AT, &inner);
    let (output, _) = succeeded(chain.call(SENDER, FORWARDER, data, U256::ZERO));
    let callee = seen(DELEGATOR_AT, 0, DELEGATOR_AT, true);
    let inner = answer(true, true, WORD, &callee);
    assert_eq!(output, answer(true, false, B256::ZERO, &inner));
    assert_eq!(chain.storage(DELEGATOR_AT, slot(DELEGATOR_AT)), U256::from_be_bytes(WORD.0));
}

#[test]
fn a_recorded_validation_counts_the_callees_accesses_as_the_delegators() {
    let mut chain = chain();
    chain.record_validations_of(ACCOUNT);
    let data = [&VALIDATE_USER_OP[..], &delegate(0, CALLEE_AT, &write(WORD, false))].concat();
    succeeded(chain.call(SENDER, ACCOUNT, data, U256::ZERO));
    let at = (DELEGATOR_AT, slot(ACCOUNT));
    // The delegator's read, re-read, then the callee's write; both hashed the slot's key.
    let record = ValidationRecord {
        sender: ACCOUNT,
        accesses: vec![at, at, at],
        preimages: vec![preimage(ACCOUNT), preimage(ACCOUNT)],
    };
    assert_eq!(record.unassociated(), []);
    assert_eq!(chain.validations(), [record]);
}

#[test]
fn the_callee_sees_the_delegating_frames_value_and_an_account_without_code_answers_nothing() {
    let mut chain = chain();
    let outer = StylusInspector::default();
    let (sender, value) = (SENDER, U256::from(7));
    let context = &mut chain.evm.ctx;
    let mut frame = Journaled { context, read_only: false, outer: &outer, sender, value };
    let to = |to| CallRequest {
        kind: CallKind::Delegate,
        to,
        value: U256::ZERO,
        data: write(WORD, false),
    };
    let outcome = frame.call(DELEGATOR_AT, to(CALLEE_AT));
    assert_eq!(
        (outcome.success, outcome.data, outcome.cold),
        (true, seen(SENDER, 7, DELEGATOR_AT, false), true)
    );
    let callees = outer.callees.take();
    assert_eq!(outcome.callee_gas, callees.frames[0].gas);
    // An account without code: success, no data, no callee gas.
    let nobody = Address::repeat_byte(0x0b);
    let nothing = StylusCallOutcome { success: true, cold: true, ..StylusCallOutcome::default() };
    assert_eq!(frame.call(DELEGATOR_AT, to(nobody)), nothing);
    // EVM code is not run (see the crate docs): the call fails.
    let refused = StylusCallOutcome { cold: true, ..StylusCallOutcome::default() };
    assert_eq!(frame.call(DELEGATOR_AT, to(FORWARDER)), refused);
    // A program never activated (another program: activation goes by code hash) fails with
    // ArbWasm's error, as a call to it does.
    let inactive = Address::repeat_byte(0xc1);
    let other = stylus_code(
        &CALLEE.replace("(memory (export \"memory\") 1)", "(memory (export \"memory\") 2)"),
    );
    frame.context.db_mut().set_code(inactive, other.into());
    let not_activated = StylusCallOutcome {
        cold: true,
        data: crate::arbos::not_activated().to_vec(),
        ..StylusCallOutcome::default()
    };
    assert_eq!(frame.call(DELEGATOR_AT, to(inactive)), not_activated);
}
