//! Native test support: the module runs through its real ABI entry ([`SmartSessions::dispatch`])
//! on the SDK's `TestVM`, with two gaps of `TestVM` closed:
//! - calls to the ecrecover, SHA-256 and P256VERIFY precompiles run a real secp256k1 recovery (k256) or
//!   P-256 verification (p256) on the exact bytes the module sends, where `TestVM` would answer
//!   any static call with the last mocked data;
//! - a reverted call rolls back its storage writes and logs, as the chain does;
//! - mutating calls out of the module are recorded and answered per callee (`TestVM` answers
//!   any of them with the last mocked data).
#![allow(dead_code, unreachable_pub)]

pub mod accounts;
pub mod chain;
pub mod erc7739;
pub mod evm;
pub mod executor;
pub mod smart_sessions;

use std::{
    cell::{Cell, RefCell},
    collections::HashMap,
    rc::Rc,
};

use alloy_primitives::{address, aliases::U48, keccak256, Address, Bytes, FixedBytes, B256, U256};
use alloy_sol_types::{SolCall, SolEvent, SolInterface, SolValue};
use smart_session::encode::{self, Signer};
// Each test binary uses its own share of support; re-exports are not dead code either.
use session_core::interface::{
    Action, ActionState, ArgRule, EnableSession, Error, Execution, ISmartSessions,
    PackedUserOperation, Session, SessionGrant, SessionState, IERC1271,
};
pub use session_core::session_key::session_op_hash;
#[allow(unused_imports)]
pub use smart_session::encode::{execute_batch, use_signature};
pub use stylus_runtime::precompiles::ecrecover;
use stylus_runtime::precompiles::{p256verify, sha256, P256VERIFY, SHA256};
use stylus_sdk::{
    stylus_core::{
        AccountAccess, BlockAccess, CalldataAccess, ChainAccess, CryptographyAccess, Host,
        MemoryAccess, MessageAccess, MeteringAccess, RawLogAccess, StorageAccess, UnsafeCallAccess,
        UnsafeDeploymentAccess,
    },
    testing::{state::VMState, TestVM},
};
use stylus_smart_sessions::SmartSessions;

/// Where the module is deployed in the tests.
pub const MODULE: Address = address!("00000000000000000000000000000000005e5510");
/// The chain the tests run on (Arbitrum Sepolia's id).
pub const CHAIN_ID: u64 = 421_614;
/// Alice's smart account.
pub const ALICE: Address = address!("00000000000000000000000000000000000a11ce");
/// Bob's smart account.
pub const BOB: Address = address!("0000000000000000000000000000000000000b0b");
/// The game contract.
pub const GAME: Address = address!("0000000000000000000000000000000000009a3e");
/// Another contract the session may not call.
pub const OTHER: Address = address!("00000000000000000000000000000000000071e5");
/// `move(uint8,uint8)`.
pub const MOVE: FixedBytes<4> = selector("move(uint8,uint8)");
/// `claimPrize()`: a game function the session may not call.
pub const CLAIM: FixedBytes<4> = selector("claimPrize()");

/// The 4-byte selector of a function signature.
pub const fn selector(signature: &str) -> FixedBytes<4> {
    let hash = stylus_sdk::keccak_const::Keccak256::new().update(signature.as_bytes()).finalize();
    FixedBytes::new([hash[0], hash[1], hash[2], hash[3]])
}
/// 1 ether in wei.
pub const ETHER: u128 = 1_000_000_000_000_000_000;
/// The game session's start.
pub const NOW: u64 = 1_800_000_000;
/// Two hours.
pub const TWO_HOURS: u64 = 2 * 60 * 60;

use stylus_runtime::precompiles::ECRECOVER;

/// An ERC-1271 question: (account, hash, signature).
pub type Erc1271Call = (Address, B256, Vec<u8>);

/// A static call answered with fixed data: (callee, selector).
pub type StaticQuestion = (Address, [u8; 4]);
/// A mutating call out of the module: (callee, call data, value).
pub type CallOut = (Address, Vec<u8>, U256);
/// A callee's answer: `Ok(return data)` or `Err(revert data)`.
pub type CallAnswer = Result<Vec<u8>, Vec<u8>>;

/// `TestVM` with a real ecrecover precompile (see the module docs).
#[derive(Clone)]
pub struct PrecompileVM {
    pub inner: TestVM,
    /// Return data of the last precompile call, when the last call went to a precompile.
    precompile_return: Rc<RefCell<Option<Vec<u8>>>>,
    /// Every input the module sent to ecrecover.
    pub ecrecover_inputs: Rc<RefCell<Vec<Vec<u8>>>>,
    /// Every storage slot read or written.
    pub slots: Rc<RefCell<Vec<U256>>>,
    /// Accounts that answer ERC-1271 `isValidSignature`: account → owner key address.
    pub owners: Rc<RefCell<HashMap<Address, Address>>>,
    /// Every ERC-1271 question the module asked an account.
    pub erc1271_calls: Rc<RefCell<Vec<Erc1271Call>>>,
    /// Static calls answered with fixed return data: (callee, selector) → return data (an
    /// account's ERC-5267 `eip712Domain()`).
    pub static_answers: Rc<RefCell<HashMap<StaticQuestion, Vec<u8>>>>,
    /// Every mutating call the module made: (callee, call data, value).
    pub calls_out: Rc<RefCell<Vec<CallOut>>>,
    /// How callees answer mutating calls: `Ok(return data)` or `Err(revert data)`; any other
    /// callee succeeds with no data, as an address without code does.
    pub call_answers: Rc<RefCell<HashMap<Address, CallAnswer>>>,
    /// The block time, for the calls allowed to read it; `None` (the default) makes a read
    /// panic, as validation must never read the clock (ERC-7562).
    pub clock: Rc<Cell<Option<u64>>>,
}

impl PrecompileVM {
    pub fn new() -> Self {
        Self {
            inner: TestVM::new(),
            precompile_return: Rc::default(),
            ecrecover_inputs: Rc::default(),
            slots: Rc::default(),
            owners: Rc::default(),
            erc1271_calls: Rc::default(),
            static_answers: Rc::default(),
            calls_out: Rc::default(),
            call_answers: Rc::default(),
            clock: Rc::default(),
        }
    }
}

/// An account whose owner is an ECDSA key, as its ERC-1271 `isValidSignature` answers: the
/// magic value when `owner` signed the hash (`r ‖ s ‖ v`), else `0xffffffff`.
pub fn erc1271(owner: Address, input: &[u8], record: impl FnOnce(B256, &[u8])) -> Vec<u8> {
    let call = IERC1271::isValidSignatureCall::abi_decode(input).expect("an isValidSignature call");
    record(call.hash, &call.signature);
    let signed = call.signature.len() == 65 && {
        let v = U256::from(call.signature[64]).to_be_bytes::<32>();
        let input = [call.hash.as_slice(), &v, &call.signature[..64]].concat();
        ecrecover(&input) == owner.into_word().to_vec()
    };
    let magic: [u8; 4] = if signed { [0x16, 0x26, 0xba, 0x7e] } else { [0xff; 4] };
    FixedBytes::<4>::from(magic).abi_encode()
}

impl CryptographyAccess for PrecompileVM {
    fn native_keccak256(&self, input: &[u8]) -> B256 {
        self.inner.native_keccak256(input)
    }
}

impl CalldataAccess for PrecompileVM {
    fn read_args(&self, len: usize) -> Vec<u8> {
        self.inner.read_args(len)
    }
    fn read_return_data(&self, offset: usize, size: Option<usize>) -> Vec<u8> {
        match &*self.precompile_return.borrow() {
            Some(data) => {
                let start = offset.min(data.len());
                let end = size.map_or(data.len(), |size| (start + size).min(data.len()));
                data[start..end].to_vec()
            }
            None => self.inner.read_return_data(offset, size),
        }
    }
    fn return_data_size(&self) -> usize {
        match &*self.precompile_return.borrow() {
            Some(data) => data.len(),
            None => self.inner.return_data_size(),
        }
    }
    fn write_result(&self, data: &[u8]) {
        self.inner.write_result(data)
    }
}

unsafe impl UnsafeDeploymentAccess for PrecompileVM {
    unsafe fn create1(
        &self,
        code: *const u8,
        len: usize,
        endowment: *const u8,
        contract: *mut u8,
        revert: *mut usize,
    ) {
        unsafe { self.inner.create1(code, len, endowment, contract, revert) }
    }
    unsafe fn create2(
        &self,
        code: *const u8,
        len: usize,
        endowment: *const u8,
        salt: *const u8,
        contract: *mut u8,
        revert: *mut usize,
    ) {
        unsafe { self.inner.create2(code, len, endowment, salt, contract, revert) }
    }
}

impl StorageAccess for PrecompileVM {
    fn storage_load_bytes32(&self, key: U256) -> B256 {
        self.slots.borrow_mut().push(key);
        self.inner.storage_load_bytes32(key)
    }
    unsafe fn storage_cache_bytes32(&self, key: U256, value: B256) {
        self.slots.borrow_mut().push(key);
        unsafe { self.inner.storage_cache_bytes32(key, value) }
    }
    fn flush_cache(&self, clear: bool) {
        self.inner.flush_cache(clear)
    }
}

unsafe impl UnsafeCallAccess for PrecompileVM {
    unsafe fn call_contract(
        &self,
        to: *const u8,
        data: *const u8,
        len: usize,
        value: *const u8,
        gas: u64,
        outs_len: &mut usize,
    ) -> u8 {
        // `TestVM` answers with the last mocked data whatever the callee: answer here instead.
        let _ = gas;
        let target = Address::from_slice(unsafe { std::slice::from_raw_parts(to, 20) });
        let input = unsafe { std::slice::from_raw_parts(data, len) }.to_vec();
        let value = U256::from_be_slice(unsafe { std::slice::from_raw_parts(value, 32) });
        self.calls_out.borrow_mut().push((target, input, value));
        let answer: CallAnswer =
            self.call_answers.borrow().get(&target).cloned().unwrap_or(Ok(Vec::new()));
        let (status, output) = match answer {
            Ok(output) => (0, output),
            Err(output) => (1, output),
        };
        *outs_len = output.len();
        *self.precompile_return.borrow_mut() = Some(output);
        status
    }
    unsafe fn static_call_contract(
        &self,
        to: *const u8,
        data: *const u8,
        len: usize,
        gas: u64,
        outs_len: &mut usize,
    ) -> u8 {
        let target = Address::from_slice(unsafe { std::slice::from_raw_parts(to, 20) });
        let input = unsafe { std::slice::from_raw_parts(data, len) }.to_vec();
        let selector = input.first_chunk::<4>().copied().unwrap_or_default();
        if let Some(output) = self.static_answers.borrow().get(&(target, selector)).cloned() {
            *outs_len = output.len();
            *self.precompile_return.borrow_mut() = Some(output);
            return 0;
        }
        if let Some(owner) = self.owners.borrow().get(&target).copied() {
            let output = erc1271(owner, &input, |hash, signature| {
                self.erc1271_calls.borrow_mut().push((target, hash, signature.to_vec()))
            });
            *outs_len = output.len();
            *self.precompile_return.borrow_mut() = Some(output);
            return 0;
        }
        if target == SHA256 {
            let output = sha256(&input);
            *outs_len = output.len();
            *self.precompile_return.borrow_mut() = Some(output);
            return 0;
        }
        if target == P256VERIFY {
            let output = p256verify(&input);
            *outs_len = output.len();
            *self.precompile_return.borrow_mut() = Some(output);
            return 0;
        }
        if target != ECRECOVER {
            *self.precompile_return.borrow_mut() = None;
            return unsafe { self.inner.static_call_contract(to, data, len, gas, outs_len) };
        }
        let output = ecrecover(&input);
        self.ecrecover_inputs.borrow_mut().push(input);
        *outs_len = output.len();
        *self.precompile_return.borrow_mut() = Some(output);
        0
    }
    unsafe fn delegate_call_contract(
        &self,
        to: *const u8,
        data: *const u8,
        len: usize,
        gas: u64,
        outs_len: &mut usize,
    ) -> u8 {
        *self.precompile_return.borrow_mut() = None;
        unsafe { self.inner.delegate_call_contract(to, data, len, gas, outs_len) }
    }
}

impl BlockAccess for PrecompileVM {
    fn block_basefee(&self) -> U256 {
        self.inner.block_basefee()
    }
    fn block_coinbase(&self) -> Address {
        self.inner.block_coinbase()
    }
    fn block_number(&self) -> u64 {
        self.inner.block_number()
    }
    fn block_timestamp(&self) -> u64 {
        self.clock.get().expect("block_timestamp read where no clock was set")
    }
    fn block_gas_limit(&self) -> u64 {
        self.inner.block_gas_limit()
    }
}

impl ChainAccess for PrecompileVM {
    fn chain_id(&self) -> u64 {
        self.inner.chain_id()
    }
}

impl AccountAccess for PrecompileVM {
    fn balance(&self, account: Address) -> U256 {
        self.inner.balance(account)
    }
    fn contract_address(&self) -> Address {
        self.inner.contract_address()
    }
    fn code(&self, account: Address) -> Vec<u8> {
        self.inner.code(account)
    }
    fn code_size(&self, account: Address) -> usize {
        self.inner.code_size(account)
    }
    fn code_hash(&self, account: Address) -> B256 {
        self.inner.code_hash(account)
    }
}

impl MemoryAccess for PrecompileVM {
    fn pay_for_memory_grow(&self, pages: u16) {
        self.inner.pay_for_memory_grow(pages)
    }
}

impl MessageAccess for PrecompileVM {
    fn msg_sender(&self) -> Address {
        self.inner.msg_sender()
    }
    fn msg_reentrant(&self) -> bool {
        self.inner.msg_reentrant()
    }
    fn msg_value(&self) -> U256 {
        self.inner.msg_value()
    }
    fn tx_origin(&self) -> Address {
        self.inner.tx_origin()
    }
}

impl MeteringAccess for PrecompileVM {
    fn evm_gas_left(&self) -> u64 {
        self.inner.evm_gas_left()
    }
    fn evm_ink_left(&self) -> u64 {
        self.inner.evm_ink_left()
    }
    fn tx_gas_price(&self) -> U256 {
        self.inner.tx_gas_price()
    }
    fn tx_ink_price(&self) -> u32 {
        self.inner.tx_ink_price()
    }
}

impl RawLogAccess for PrecompileVM {
    fn emit_log(&self, input: &[u8], num_topics: usize) {
        self.inner.emit_log(input, num_topics)
    }
    fn raw_log(&self, topics: &[B256], data: &[u8]) -> Result<(), &'static str> {
        self.inner.raw_log(topics, data)
    }
}

impl Host for PrecompileVM {}

/// A secp256k1 session key.
pub struct SessionKey(Signer);

impl SessionKey {
    /// A fixed key from a seed byte.
    pub fn from_seed(seed: u8) -> Self {
        Self(Signer::from_hex(&B256::repeat_byte(seed).to_string()).expect("valid scalar"))
    }

    pub fn address(&self) -> Address {
        self.0.address()
    }

    /// The client's signer of this key.
    pub fn signer(&self) -> &Signer {
        &self.0
    }

    /// `r ‖ s ‖ v` over `hash` itself (no prefix), low-s, `v ∈ {27, 28}`: the client library's
    /// signature.
    pub fn sign(&self, hash: B256) -> [u8; 65] {
        self.0.sign(hash)
    }
}

/// A USE signature `signature` made for a session with periods: the period index appended
/// (the key's signature does not cover it, so any index may be put on afterwards).
pub fn with_period_index(signature: &[u8], index: u32) -> Bytes {
    [signature, &index.to_be_bytes()].concat().into()
}

/// A P-256 session key (key type 1): the client library's signer.
pub struct P256Key(encode::P256Signer);

impl P256Key {
    /// A fixed key from a seed byte.
    pub fn from_seed(seed: u8) -> Self {
        let hex = B256::repeat_byte(seed).to_string();
        Self(encode::P256Signer::from_hex(&hex).expect("valid scalar"))
    }

    /// The client's signer of this key.
    pub fn signer(&self) -> &encode::P256Signer {
        &self.0
    }

    /// The public key `x ‖ y`.
    pub fn public_key(&self) -> [u8; 64] {
        self.0.public_key()
    }

    /// The key's id, as a session's `key` names it: the last 20 bytes of `keccak256(x ‖ y)`.
    pub fn id(&self) -> Address {
        self.0.key_id()
    }

    /// `r ‖ s ‖ x ‖ y` over `hash` itself: what the module passes to P256VERIFY.
    pub fn sign(&self, hash: B256) -> [u8; 128] {
        self.0.sign(hash)
    }
}

/// `execute(single, abi.encodePacked(target, value, data))`, the value in wei as a literal.
pub fn execute_single(target: Address, value: u128, data: &[u8]) -> Bytes {
    encode::execute_single(target, U256::from(value), data)
}

/// A game move's call data.
pub fn move_data(x: u8, y: u8) -> Vec<u8> {
    [MOVE.as_slice(), &U256::from(x).to_be_bytes::<32>(), &U256::from(y).to_be_bytes::<32>()]
        .concat()
}

/// One batch entry.
pub fn execution(target: Address, value: u128, data: Vec<u8>) -> Execution {
    Execution { target, value: U256::from(value), callData: data.into() }
}

/// Two 128-bit gas figures packed as the EntryPoint packs `accountGasLimits` (verification,
/// call) and `gasFees` (priority fee, max fee).
pub fn packed_gas(high: u128, low: u128) -> B256 {
    B256::from(U256::from(high) << 128 | U256::from(low))
}

/// A user operation of `sender` with the given call data and signature. Its `maxFeePerGas`
/// is zero, so it costs the account no gas and what tests count is the calls' value alone;
/// `tests/gas.rs` prices gas.
pub fn user_op(sender: Address, call_data: Bytes, signature: Bytes) -> PackedUserOperation {
    PackedUserOperation {
        sender,
        nonce: U256::from(7),
        initCode: Bytes::new(),
        callData: call_data,
        accountGasLimits: packed_gas(500_000, 500_000),
        preVerificationGas: U256::from(50_000),
        gasFees: B256::ZERO,
        paymasterAndData: Bytes::new(),
        signature,
    }
}

/// A stand-in for the EntryPoint's `userOpHash`: bound to every field but the signature.
pub fn op_hash(op: &PackedUserOperation) -> B256 {
    let mut unsigned = op.clone();
    unsigned.signature = Bytes::new();
    keccak256(unsigned.abi_encode())
}

/// A USE-mode user operation of `account`, signed by `key` over its hash.
pub fn signed_op(
    account: Address,
    permission_id: B256,
    key: &SessionKey,
    call_data: Bytes,
) -> PackedUserOperation {
    signed_op_in(account, permission_id, key, call_data, None)
}

/// A USE-mode operation as [`signed_op`], for a session with periods when `period` is set:
/// the key signs the period index with the operation, and the proof carries it.
pub fn signed_op_in(
    account: Address,
    permission_id: B256,
    key: &SessionKey,
    call_data: Bytes,
    period: Option<u32>,
) -> PackedUserOperation {
    signed_for(user_op(account, call_data, Bytes::new()), permission_id, key, period)
}

/// `op` with `key`'s USE-mode signature for the session `permission_id` (in `period`), for an
/// `op` changed after [`user_op`]: other gas figures, a paymaster.
pub fn signed_for(
    mut op: PackedUserOperation,
    permission_id: B256,
    key: &SessionKey,
    period: Option<u32>,
) -> PackedUserOperation {
    let signature = key.sign(session_op_hash(op_hash(&op), permission_id, period.unwrap_or(0)));
    op.signature = use_signature(permission_id, &key_proof(&signature, period));
    op
}

/// Alice's free move as a USE operation of the session `id`, its key signature
/// `signature(the message the key signs)`: for tests that bend the signature.
pub fn op_signed_with(id: B256, signature: impl Fn(B256) -> Vec<u8>) -> PackedUserOperation {
    let mut op = user_op(ALICE, execute_single(GAME, 0, &move_data(1, 1)), Bytes::new());
    op.signature = use_signature(id, &signature(session_op_hash(op_hash(&op), id, 0)));
    op
}

/// A harness where Alice installed the module as validator and executor and enabled
/// `session`; its permission id.
pub fn alice_with(session: &Session) -> (Harness, B256) {
    let mut harness = Harness::new();
    harness.install(ALICE);
    harness.install(ALICE);
    let id = harness.enable(session).unwrap();
    (harness, id)
}

/// A key proof: the key's signature, then the period index for a session with periods.
pub fn key_proof(signature: &[u8], period: Option<u32>) -> Bytes {
    match period {
        Some(index) => with_period_index(signature, index),
        None => Bytes::copy_from_slice(signature),
    }
}

/// An ENABLE-mode operation of `account`: `0x01 ‖ abi.encode(enable)`, with the session key's
/// signature over the operation's hash filled in.
pub fn enable_op(
    account: Address,
    enable: EnableSession,
    key: &SessionKey,
    call_data: Bytes,
) -> PackedUserOperation {
    enable_op_on(CHAIN_ID, account, enable, key, call_data)
}

/// [`enable_op`] on the chain `chain_id` (the session's permission id, which the key signs,
/// is the chain's).
pub fn enable_op_on(
    chain_id: u64,
    account: Address,
    mut enable: EnableSession,
    key: &SessionKey,
    call_data: Bytes,
) -> PackedUserOperation {
    let mut op = user_op(account, call_data, Bytes::new());
    let permission_id = enable.grant.session.permission_id(chain_id, MODULE);
    let message = session_op_hash(op_hash(&op), permission_id, 0);
    enable.keySignature = key.sign(message).to_vec().into();
    op.signature = [vec![0x01], enable.abi_encode()].concat().into();
    op
}

/// `grant` signed by `owner` for one chain: the ENABLE data, key signature still empty.
pub fn single_chain_enable(
    grant: SessionGrant,
    owner: &SessionKey,
    chain_id: u64,
    module: Address,
) -> EnableSession {
    let owner_signature = owner.sign(grant.digest(chain_id, module)).to_vec().into();
    EnableSession {
        grant,
        chains: vec![],
        chainIndex: U256::ZERO,
        ownerSignature: owner_signature,
        keySignature: Bytes::new(),
    }
}

/// The game session's gas cap per operation: 0.001 ether.
pub const GAS_COST_PER_OP: u128 = ETHER / 1_000;

/// Alice's 2-hour game session: only `move` on the game, at most 0.01 ether per move, and
/// 0.001 ether of gas per operation.
pub fn game_session(account: Address, key: &SessionKey) -> Session {
    Session {
        account,
        keyType: 0,
        key: key.address().into_word(),
        validAfter: U48::from(NOW),
        validUntil: U48::from(NOW + TWO_HOURS),
        period: U48::ZERO,
        actions: vec![Action {
            target: GAME,
            selector: MOVE,
            maxValuePerCall: U256::from(ETHER / 100),
        }],
        argRules: vec![],
        signing: vec![],
        tokenLimits: vec![],
        paymasters: vec![],
        maxTotalValue: U256::from(ETHER),
        maxGasCostPerOp: U256::from(GAS_COST_PER_OP),
        maxUses: 1_000,
        salt: B256::ZERO,
    }
}

/// An argument rule on the game's `selector`: the word at `offset` compared (`condition`) with
/// `value`.
pub fn game_rule(selector: FixedBytes<4>, offset: u16, condition: u8, value: u64) -> ArgRule {
    ArgRule { target: GAME, selector, offset, condition, value: U256::from(value).into() }
}

/// `session` with `extra` more actions, on other targets (the lookup stays one slot).
pub fn with_extra_actions(mut session: Session, extra: u8) -> Session {
    for i in 0..extra {
        session.actions.push(Action {
            target: Address::with_last_byte(0x40 + i),
            selector: selector("play(uint256)"),
            maxValuePerCall: U256::ZERO,
        });
    }
    session
}

/// The module on a `PrecompileVM`, called through its ABI entry.
pub struct Harness {
    pub vm: PrecompileVM,
    pub module: SmartSessions,
}

impl Harness {
    pub fn new() -> Self {
        Self::deployed(MODULE, CHAIN_ID)
    }

    /// The module deployed at `module` on `chain_id`.
    pub fn deployed(module: Address, chain_id: u64) -> Self {
        let vm = PrecompileVM::new();
        vm.inner.set_contract_address(module);
        vm.inner.set_chain_id(chain_id);
        let module = SmartSessions::from(&vm);
        Self { vm, module }
    }

    /// Makes `account` answer ERC-1271 for signatures of `owner`.
    pub fn set_owner(&mut self, account: Address, owner: &SessionKey) {
        self.vm.owners.borrow_mut().insert(account, owner.address());
    }

    /// Calls the module from `from` with raw call data; a revert rolls back storage and logs.
    pub fn call_raw(&mut self, from: Address, data: &[u8]) -> Result<Vec<u8>, Vec<u8>> {
        let before = self.vm.inner.snapshot();
        self.vm.inner.set_sender(from);
        let result = self.module.dispatch(data);
        if result.is_err() {
            self.restore(before);
        }
        result
    }

    /// Storage and logs as they are now.
    pub fn snapshot(&self) -> VMState {
        self.vm.inner.snapshot()
    }

    /// Puts storage and logs back as `state` had them (what a revert does).
    pub fn restore(&mut self, state: VMState) {
        self.vm.inner.clear_storage();
        for (key, value) in state.storage {
            self.vm.inner.set_storage(key, value);
        }
        self.vm.inner.clear_mocks();
        for (topics, data) in state.emitted_logs {
            self.vm.inner.raw_log(&topics, &data).unwrap();
        }
    }

    /// Calls `call` from `from`: the decoded return value, or the decoded custom error.
    pub fn call<C: SolCall>(&mut self, from: Address, call: C) -> Result<C::Return, Error> {
        match self.call_raw(from, &call.abi_encode()) {
            Ok(output) => Ok(C::abi_decode_returns_validate(&output).expect("return data decodes")),
            Err(revert) => Err(Error::abi_decode(&revert).expect("revert data is a module error")),
        }
    }

    pub fn install(&mut self, account: Address) {
        self.call(account, ISmartSessions::onInstallCall { data: Bytes::new() }).unwrap();
    }

    pub fn enable(&mut self, session: &Session) -> Result<B256, Error> {
        self.call(session.account, ISmartSessions::enableSessionCall { session: session.clone() })
    }

    /// `validateUserOp` called by `account` (as the account does when the EntryPoint asks).
    pub fn validate(&mut self, account: Address, op: &PackedUserOperation) -> Result<U256, Error> {
        let call =
            ISmartSessions::validateUserOpCall { userOp: op.clone(), userOpHash: op_hash(op) };
        self.call(account, call)
    }

    /// Storage slots touched while running `f`.
    pub fn trace<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> (T, Vec<U256>) {
        self.vm.slots.borrow_mut().clear();
        let result = f(self);
        (result, self.vm.slots.borrow().clone())
    }

    /// `getSession(account, permissionId)`.
    pub fn session(&mut self, account: Address, permission_id: B256) -> SessionState {
        self.call(BOB, ISmartSessions::getSessionCall { account, permissionId: permission_id })
            .expect("getSession never reverts")
    }

    /// `getAction(account, permissionId, target, selector)`.
    pub fn action(
        &mut self,
        account: Address,
        permission_id: B256,
        target: Address,
        selector: FixedBytes<4>,
    ) -> ActionState {
        let call = ISmartSessions::getActionCall {
            account,
            permissionId: permission_id,
            target,
            selector,
        };
        self.call(BOB, call).expect("getAction never reverts")
    }

    /// Logs emitted so far, decoded as `E` where they are one.
    pub fn events<E: SolEvent>(&self) -> Vec<E> {
        self.vm
            .inner
            .get_emitted_logs()
            .into_iter()
            .filter_map(|(topics, data)| E::decode_raw_log(topics, &data).ok())
            .collect()
    }
}

/// `validationData` for a good signature, valid from `after` to `until`.
pub fn window(after: u64, until: u64) -> U256 {
    (U256::from(until) << 160) | (U256::from(after) << 208)
}

/// `validationData` with the `SIG_VALIDATION_FAILED` bit set.
pub fn sig_failed(after: u64, until: u64) -> U256 {
    window(after, until) | U256::from(1)
}

/// The inner keys `x` of the module's layout for one game session (see `crates/session-core/src/layout.rs`):
/// slot 0 (accounts), `keccak(permissionId ‖ 1)`, `keccak(actionKey ‖ 2)` for `move` on the
/// game.
pub fn game_layout_keys(permission_id: B256) -> Vec<B256> {
    game_layout_keys_for(permission_id, GAME)
}

/// `keccak256(key ‖ root)`: the inner key `x` of the module's mapping at `root` for `key`
/// (see `crates/session-core/src/layout.rs`).
pub fn mapping(key: B256, root: u64) -> B256 {
    keccak256([key.0, U256::from(root).to_be_bytes::<32>()].concat())
}

/// [`game_layout_keys`] for the game deployed at `game`.
pub fn game_layout_keys_for(permission_id: B256, game: Address) -> Vec<B256> {
    vec![
        B256::ZERO,
        mapping(permission_id, 1),
        // The account's first enabling: instance 1.
        mapping(session_core::layout::action_key(permission_id, 1, game, MOVE), 2),
    ]
}

/// Asserts ERC-7562's association rule for every slot: the account itself, or
/// `keccak(account ‖ x) + n` with `n ≤ 128`, for one of the words `xs`.
pub fn assert_associated(account: Address, slots: &[U256], xs: &[B256]) {
    for slot in slots {
        let associated = *slot == U256::from_be_slice(account.as_slice())
            || xs.iter().any(|x| {
                let base = U256::from_be_bytes(keccak256([account.into_word().0, x.0].concat()).0);
                *slot >= base && *slot - base <= U256::from(128)
            });
        assert!(associated, "slot {slot:#x} is not associated with {account}");
    }
}
