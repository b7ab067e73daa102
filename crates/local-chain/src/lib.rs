//! An in-process chain: revm executes Solidity contracts as real EVM bytecode, and every call
//! to an account holding Stylus code (`EF F0 00` + brotli) is run by `stylus-runtime` on the
//! deployed WASM, its storage, logs and reverts kept in revm's journal.
//!
//! The EVM is Prague's, plus Arbitrum's P256VERIFY precompile (RIP-7212, at `0x100`, 3,450
//! gas). Stylus calls are served from an [`Inspector`] hook. From inside a Stylus frame, the
//! program can call the ecrecover and P256VERIFY precompiles (served natively) and call into
//! the EVM: each call runs in a nested EVM over a snapshot of the current state, and what a
//! successful (non-static) call changed — balances, nonces, code, storage, logs — is written
//! back into the journal, inside the Stylus frame's checkpoint, so a revert of the frame undoes
//! it too. A Stylus program called again while one of its frames is live sees `msg_reentrant`
//! (the SDK's entrypoint refuses the call). Calls sending value to Stylus code revert (the
//! value is not moved into the frame).
//!
//! DELEGATECALL from a Stylus frame into another Stylus program runs that program, as Nitro
//! does, as a frame of the delegating (acting) address, on the same journal: its
//! `contract_address`, storage, `msg.sender` and `msg.value` are the delegating frame's, a
//! static context stays static, its writes sit in a checkpoint that is reverted if it fails,
//! and its logs carry the acting address (logged when it ends: before the delegating frame's
//! own, as for calls). `msg_reentrant` follows Nitro's count of open frames per address, which
//! skips delegate frames: a delegate frame is reentrant only when the acting address already
//! has two real frames open. Each frame has its own storage cache, so a program flushes and
//! clears it before delegatecalling (the SDK's `call::delegate_call` does) to re-read what the
//! callee wrote. A DELEGATECALL to an account without code succeeds with no data; to EVM code
//! it is not supported (no program of this project needs it) and fails as if reverted. The
//! delegate frame is listed among the [`StylusFrame`]s (with its `code_address`) before the
//! frame that delegated; in a recorded validation its storage accesses count as the acting
//! address's, and its keccak preimages are recorded.
//!
//! Gas: a Stylus frame costs what Nitro would charge — entry (activation's init and cached
//! costs; a program already called in the same transaction counts as cached, as ArbOS 60's
//! per-block cache does for one transaction per block), ink at Nitro's prices, and the EVM-side
//! gas of its storage, logs and calls, with SSTORE refunds. A DELEGATECALL costs the delegating
//! frame the call (100 gas, 2,600 to a cold address) plus all the callee frame used: its entry
//! (cached as above), ink and EVM-side gas; the callee's refunds count when it succeeds.
//! Approximations: a callee of a Stylus frame in the EVM runs on a fresh access list (its
//! storage reads are cold even when the transaction warmed them), a static callee fails when it
//! wrote storage or logged (its value transfers are not checked), the callee's `tx.origin` is
//! the Stylus program, transient storage does not cross into it, its logs land before the
//! frame's own, it gets the whole transaction's gas rather than what the program forwards; a
//! frame (a delegate frame too) has no gas limit of its own (it is charged afterwards, out of
//! gas if it needed more than it had), memory pages are counted per frame rather than per
//! transaction, and a recorded validation lists a frame's own accesses before those of its
//! calls. These limits are the next steps towards Nitro's semantics (revm frames driven by
//! the runtime's resumable host calls).

use std::{
    cell::RefCell,
    collections::{HashMap, HashSet},
    sync::Arc,
};

use revm::{
    bytecode::opcode,
    context::{BlockEnv, Cfg, CfgEnv, ContextTr, TxEnv},
    database::{CacheDB, EmptyDB},
    handler::EthPrecompiles,
    interpreter::{
        interpreter_types::{InputsTr, Jumps, MemoryTr},
        CallInputs, CallOutcome, Gas, InstructionResult, Interpreter, InterpreterResult,
    },
    precompile::{secp256r1, Precompiles},
    primitives::{hardfork::SpecId, keccak256, Address, Bytes, TxKind, B256, U256},
    state::{AccountInfo, Bytecode},
    Context, InspectCommitEvm, Inspector, MainBuilder, MainContext,
};
use stylus_runtime::{CallRequest, Message, Program};

mod delegate;
mod frame;
mod journaled;

pub use revm::context::result::ExecutionResult;

/// Prefix of deployed Stylus code: `EF F0` magic, version 0.
const STYLUS_PREFIX: [u8; 3] = [0xEF, 0xF0, 0x00];

/// `IAccount.validateUserOp(PackedUserOperation,bytes32,uint256)`: where ERC-7562's rules start.
const VALIDATE_USER_OP: [u8; 4] = [0x19, 0x82, 0x2f, 0x7c];

/// Runs Stylus programs for calls revm is about to make to Stylus code, and records storage
/// access during the validation of a watched account.
#[derive(Default)]
pub struct StylusInspector {
    /// Compiled programs by code hash: each is compiled once.
    programs: RefCell<HashMap<B256, Arc<Program>>>,
    /// Programs called in the current transaction: cached for the calls after the first.
    called: RefCell<HashSet<B256>>,
    /// Addresses with a Stylus frame running now, outermost first, for `msg_reentrant`: the
    /// frames of calls, not those of DELEGATECALLs (which Nitro does not count).
    live: Vec<Address>,
    /// Every Stylus call made, with what the program touched (for ERC-7562 checks).
    pub frames: Vec<StylusFrame>,
    /// The account whose `validateUserOp` calls to record.
    watch: Option<Address>,
    /// Call depth now, and the depth of the validation being recorded.
    depth: usize,
    recording_from: Option<usize>,
    /// What each recorded validation touched.
    pub validations: Vec<ValidationRecord>,
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

/// Everything one account's `validateUserOp` touched, EVM contracts and Stylus programs alike.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationRecord {
    /// The validating account.
    pub sender: Address,
    /// Every (contract, slot) read or written, in order.
    pub accesses: Vec<(Address, U256)>,
    /// Every keccak preimage hashed (EVM `KECCAK256` and Stylus `native_keccak256`).
    pub preimages: Vec<Vec<u8>>,
}

impl ValidationRecord {
    /// The accesses ERC-7562's association rule refuses: not the sender's own storage, not the
    /// slot `sender`, and not `keccak(sender ‖ x) + n` (n ≤ 128) for a keccak computed here.
    pub fn unassociated(&self) -> Vec<(Address, U256)> {
        let word = self.sender.into_word();
        let bases: Vec<U256> = self
            .preimages
            .iter()
            .filter(|preimage| preimage.len() >= 32 && preimage[..32] == word[..])
            .map(|preimage| U256::from_be_bytes(keccak256(preimage).0))
            .collect();
        let limit = U256::from(128);
        self.accesses
            .iter()
            .filter(|(contract, slot)| {
                *contract != self.sender
                    && *slot != U256::from_be_bytes(word.0)
                    && !bases.iter().any(|base| slot >= base && *slot - *base <= limit)
            })
            .copied()
            .collect()
    }
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

/// The chain's context type.
type ChainContext = revm::handler::MainnetContext<CacheDB<EmptyDB>>;

impl Inspector<ChainContext> for StylusInspector {
    fn call(&mut self, context: &mut ChainContext, inputs: &mut CallInputs) -> Option<CallOutcome> {
        self.depth += 1;
        if self.recording_from.is_none()
            && self.watch == Some(inputs.target_address)
            && inputs.input.bytes(context).starts_with(&VALIDATE_USER_OP)
        {
            self.recording_from = Some(self.depth);
            self.validations
                .push(ValidationRecord { sender: inputs.target_address, ..Default::default() });
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
        if let Some(record) = self.recording() {
            record.accesses.extend(done.touched.accesses);
            record.preimages.extend(done.touched.preimages);
        }
        Some(CallOutcome::new(result, inputs.return_memory_offset.clone()))
    }

    fn call_end(
        &mut self,
        _context: &mut ChainContext,
        _inputs: &CallInputs,
        _outcome: &mut CallOutcome,
    ) {
        if self.recording_from == Some(self.depth) {
            self.recording_from = None;
        }
        self.depth -= 1;
    }

    fn step(&mut self, interpreter: &mut Interpreter, _context: &mut ChainContext) {
        if self.recording_from.is_none() {
            return;
        }
        let contract = interpreter.input.target_address();
        let top = |n| interpreter.stack.peek(n).ok();
        let access = match interpreter.bytecode.opcode() {
            opcode::SLOAD | opcode::SSTORE => top(0).map(|slot| (Some((contract, slot)), None)),
            opcode::KECCAK256 => match (top(0), top(1)) {
                // Hashes of memory not written yet are not slot keys: skip them.
                (Some(offset), Some(size))
                    if offset.saturating_add(size) <= U256::from(interpreter.memory.size()) =>
                {
                    let (offset, size) = (offset.to::<usize>(), size.to::<usize>());
                    Some((None, Some(interpreter.memory.slice_len(offset, size).to_vec())))
                }
                _ => None,
            },
            _ => None,
        };
        if let (Some((access, preimage)), Some(record)) = (access, self.recording()) {
            record.accesses.extend(access);
            record.preimages.extend(preimage);
        }
    }
}

impl StylusInspector {
    /// The inspector of a nested EVM for calls out of the frames live now: the same compiled
    /// programs, program cache and live frames.
    fn nested(&self) -> Self {
        // A validation being recorded goes on being recorded in the callee, at every depth.
        let recording = self
            .recording_from
            .and(self.validations.last())
            .map(|record| vec![ValidationRecord { sender: record.sender, ..Default::default() }]);
        Self {
            programs: self.programs.clone(),
            called: self.called.clone(),
            live: self.live.clone(),
            recording_from: recording.as_ref().map(|_| 0),
            validations: recording.unwrap_or_default(),
            ..Self::default()
        }
    }

    fn recording(&mut self) -> Option<&mut ValidationRecord> {
        self.recording_from.and(self.validations.last_mut())
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

/// The chain's hard fork.
const SPEC: SpecId = SpecId::PRAGUE;

/// The chain's precompiles: Prague's, and P256VERIFY at RIP-7212's 3,450 gas as on Arbitrum
/// (revm adds it only from Osaka, at 6,900).
fn chain_precompiles() -> EthPrecompiles {
    static PRECOMPILES: std::sync::OnceLock<Precompiles> = std::sync::OnceLock::new();
    let precompiles = PRECOMPILES.get_or_init(|| {
        let mut precompiles = Precompiles::prague().clone();
        precompiles.extend([secp256r1::P256VERIFY]);
        precompiles
    });
    // Tagged with the chain's spec, or revm would swap in its own set for the chain's spec.
    EthPrecompiles { precompiles, spec: SPEC }
}

/// The EVM of a [`Chain`].
type ChainEvm = revm::handler::MainnetEvm<ChainContext, StylusInspector>;

/// An in-process chain with Stylus: accounts, contracts, transactions.
pub struct Chain {
    evm: ChainEvm,
}

impl Chain {
    /// An empty chain with id `chain_id`, at block time `timestamp`.
    pub fn new(chain_id: u64, timestamp: u64) -> Self {
        let context = Context::mainnet()
            .with_db(CacheDB::new(EmptyDB::default()))
            .modify_cfg_chained(|cfg: &mut CfgEnv| {
                cfg.chain_id = chain_id;
                cfg.spec = SPEC;
                cfg.disable_nonce_check = true;
                cfg.tx_gas_limit_cap = Some(u64::MAX);
                cfg.limit_contract_code_size = Some(usize::MAX);
            })
            .modify_block_chained(|block: &mut BlockEnv| {
                block.timestamp = U256::from(timestamp);
                block.basefee = 0;
                block.gas_limit = u64::MAX;
            });
        let mut evm = context.build_mainnet_with_inspector(StylusInspector::default());
        evm.precompiles = chain_precompiles();
        Self { evm }
    }

    /// Sets the block time.
    pub fn set_timestamp(&mut self, timestamp: u64) {
        self.evm.ctx.block.timestamp = U256::from(timestamp);
    }

    /// Gives `address` a balance of `wei`.
    pub fn set_balance(&mut self, address: Address, wei: U256) {
        let db = self.evm.ctx.db_mut();
        let mut info =
            db.cache.accounts.get(&address).map(|account| account.info.clone()).unwrap_or_default();
        info.balance = wei;
        db.insert_account_info(address, info);
    }

    /// The balance of `address`.
    pub fn balance(&mut self, address: Address) -> U256 {
        self.evm
            .ctx
            .db_mut()
            .cache
            .accounts
            .get(&address)
            .map_or(U256::ZERO, |account| account.info.balance)
    }

    /// The word at `slot` of `address`'s storage.
    pub fn storage(&mut self, address: Address, slot: U256) -> U256 {
        let db = self.evm.ctx.db_mut();
        let account = db.cache.accounts.get(&address);
        account.and_then(|account| account.storage.get(&slot).copied()).unwrap_or_default()
    }

    /// The code at `address` (empty for an account without code): what a test copies to
    /// another address, as a chain's predeploy would put it there.
    pub fn code(&mut self, address: Address) -> Bytes {
        let db = self.evm.ctx.db_mut();
        let info = db.cache.accounts.get(&address).map(|account| account.info.clone());
        let Some(info) = info else { return Bytes::new() };
        match info.code {
            Some(code) => code.original_bytes(),
            None => db
                .cache
                .contracts
                .get(&info.code_hash)
                .map_or_else(Bytes::new, |code| code.original_bytes()),
        }
    }

    /// Puts `code` at `address` as is (how Stylus code arrives: CREATE refuses `0xEF` code).
    pub fn set_code(&mut self, address: Address, code: Vec<u8>) {
        let bytecode = Bytecode::new_raw(code.into());
        let info = AccountInfo::default().with_code(bytecode);
        self.evm.ctx.db_mut().insert_account_info(address, info);
    }

    /// Deploys `init_code` from `from`; the new contract's address.
    ///
    /// # Panics
    /// When the deployment fails: a test fixture that cannot deploy is a broken test.
    pub fn deploy(&mut self, from: Address, init_code: Vec<u8>) -> Address {
        match self.transact(from, TxKind::Create, init_code, U256::ZERO) {
            ExecutionResult::Success { output, .. } => {
                output.address().copied().expect("a created address")
            }
            other => panic!("deployment failed: {other:?}"),
        }
    }

    /// Sends a transaction calling `to` from `from` with `data` and `value`, and commits it.
    pub fn call(
        &mut self,
        from: Address,
        to: Address,
        data: Vec<u8>,
        value: U256,
    ) -> ExecutionResult {
        self.transact(from, TxKind::Call(to), data, value)
    }

    /// The Stylus frames run so far.
    pub fn stylus_frames(&self) -> &[StylusFrame] {
        &self.evm.inspector.frames
    }

    /// Forgets the Stylus frames recorded so far.
    pub fn clear_stylus_frames(&mut self) {
        self.evm.inspector.frames.clear();
    }

    /// From now on, records what every `validateUserOp` of `account` touches.
    pub fn record_validations_of(&mut self, account: Address) {
        self.evm.inspector.watch = Some(account);
    }

    /// The validations recorded so far.
    pub fn validations(&self) -> &[ValidationRecord] {
        &self.evm.inspector.validations
    }

    fn transact(
        &mut self,
        from: Address,
        kind: TxKind,
        data: Vec<u8>,
        value: U256,
    ) -> ExecutionResult {
        let tx = TxEnv::builder()
            .caller(from)
            .kind(kind)
            .data(data.into())
            .value(value)
            .gas_limit(30_000_000)
            .gas_price(0)
            .chain_id(Some(self.evm.ctx.cfg.chain_id))
            .build_fill();
        // One transaction per block: the per-block program cache starts empty.
        self.evm.inspector.called.get_mut().clear();
        self.evm.inspect_tx_commit(tx).expect("the chain accepts the transaction")
    }
}

#[cfg(test)]
mod tests {
    use p256::ecdsa::{signature::hazmat::PrehashSigner, Signature, SigningKey};
    use stylus_runtime::{
        precompiles::{p256verify, P256VERIFY},
        CallKind, CallOutcome as StylusCallOutcome, Environment,
    };

    use super::*;
    use crate::journaled::Journaled;

    /// A static frame's view of `chain`, run by `outer`.
    fn static_frame<'a>(chain: &'a mut Chain, outer: &'a StylusInspector) -> Journaled<'a> {
        let (sender, value) = (Address::ZERO, U256::ZERO);
        Journaled { context: &mut chain.evm.ctx, read_only: true, outer, sender, value }
    }

    /// EVM code that passes its call data to P256VERIFY and returns the gas between the two
    /// `GAS` readings around the `STATICCALL` (a word), then what P256VERIFY returned.
    const PROBE: &[u8] = &[
        0x36, 0x5f, 0x5f, 0x37, // CALLDATACOPY(0, 0, CALLDATASIZE)
        0x5a, // GAS
        0x5f, 0x5f, 0x36, 0x5f, // retSize 0, retOffset 0, argsSize, argsOffset 0
        0x61, 0x01, 0x00, 0x5a, 0xfa, // STATICCALL to 0x100 with all the gas left
        0x5a, 0x90, 0x50, 0x90, 0x03, // GAS, drop the success flag, SUB: the gas in between
        0x5f, 0x52, // MSTORE(0, gas)
        0x3d, 0x5f, 0x60, 0x20, 0x3e, // RETURNDATACOPY(0x20, 0, RETURNDATASIZE)
        0x3d, 0x60, 0x20, 0x01, 0x5f, 0xf3, // RETURN(0, 0x20 + RETURNDATASIZE)
    ];

    /// Gas between PROBE's two `GAS` readings: P256VERIFY's 3,450, a warm `STATICCALL`'s 100
    /// and 15 for the seven cheap opcodes (four `PUSH0`, `CALLDATASIZE`, `PUSH2`, `GAS`).
    const PROBE_GAS: u64 = 3_450 + 100 + 15;

    /// A P256VERIFY input, `hash` signed by a fixed secp256r1 key (low s), and its variants:
    /// the high-s twin, a flipped hash bit, r = 0, a point off the curve, 159 and 161 bytes.
    fn p256_inputs() -> Vec<Vec<u8>> {
        let hash = [9u8; 32];
        let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let signature: Signature = key.sign_prehash(&hash).unwrap();
        let signature = signature.normalize_s().unwrap_or(signature);
        let point = key.verifying_key().to_encoded_point(false);
        let valid = [&hash[..], &signature.to_bytes(), &point.as_bytes()[1..]].concat();
        let (r, s) = signature.split_scalars();
        let twin = Signature::from_scalars(r, -s).unwrap();
        let variant = |range: std::ops::Range<usize>, bytes: &[u8]| {
            let mut input = valid.clone();
            input[range].copy_from_slice(bytes);
            input
        };
        vec![
            valid.clone(),
            variant(32..96, &twin.to_bytes()),
            variant(31..32, &[valid[31] ^ 1]),
            variant(32..64, &[0; 32]),
            variant(159..160, &[valid[159] ^ 1]),
            valid[..159].to_vec(),
            [&valid[..], &[0]].concat(),
        ]
    }

    /// The word P256VERIFY answers for a valid signature.
    fn one() -> Vec<u8> {
        B256::with_last_byte(1).to_vec()
    }

    #[test]
    fn a_stylus_frame_gets_p256verify_natively_warm_at_3450_gas() {
        let mut chain = Chain::new(1, 0);
        let outer = StylusInspector::default();
        let mut journaled = static_frame(&mut chain, &outer);
        let expected = [true, true, false, false, false, false, false];
        for (input, valid) in p256_inputs().into_iter().zip(expected) {
            let request = CallRequest {
                kind: CallKind::Static,
                to: P256VERIFY,
                value: U256::ZERO,
                data: input,
            };
            let data = if valid { one() } else { Vec::new() };
            assert_eq!(
                journaled.call(Address::repeat_byte(0xaa), request),
                StylusCallOutcome {
                    success: true,
                    data,
                    cold: false,
                    callee_gas: 3_450,
                    refund: 0
                }
            );
        }
    }

    #[test]
    fn evm_code_gets_p256verify_at_3450_gas_agreeing_with_the_stylus_side() {
        let mut chain = Chain::new(1, 0);
        let probe = Address::repeat_byte(0xbb);
        chain.set_code(probe, PROBE.to_vec());
        let expected = [true, true, false, false, false, false, false];
        for (input, valid) in p256_inputs().into_iter().zip(expected) {
            let mut answer = U256::from(PROBE_GAS).to_be_bytes::<32>().to_vec();
            answer.extend(if valid { one() } else { Vec::new() });
            // The EVM precompile (revm's) and the native one (stylus-runtime's) agree.
            assert_eq!(answer[32..], p256verify(&input));
            let output = match chain.call(Address::repeat_byte(0xaa), probe, input, U256::ZERO) {
                ExecutionResult::Success { output, .. } => output.into_data().to_vec(),
                other => panic!("the probe failed: {other:?}"),
            };
            assert_eq!(output, answer);
        }
    }

    #[test]
    fn evm_code_called_out_of_a_stylus_frame_gets_p256verify_too() {
        let mut chain = Chain::new(1, 0);
        let probe = Address::repeat_byte(0xbb);
        chain.set_code(probe, PROBE.to_vec());
        let outer = StylusInspector::default();
        let mut journaled = static_frame(&mut chain, &outer);
        let valid = p256_inputs().swap_remove(0);
        let request =
            CallRequest { kind: CallKind::Static, to: probe, value: U256::ZERO, data: valid };
        let outcome = journaled.call(Address::repeat_byte(0xaa), request);
        let mut answer = U256::from(PROBE_GAS).to_be_bytes::<32>().to_vec();
        answer.extend(one());
        assert_eq!((outcome.success, outcome.data), (true, answer));
    }

    #[test]
    fn code_is_the_deployed_runtime_code_and_empty_elsewhere() {
        let mut chain = Chain::new(1, 0);
        // Init code returning the 3 bytes `PUSH0 PUSH0 RETURN` (5f 5f f3) as runtime code.
        let init = vec![0x62, 0x5f, 0x5f, 0xf3, 0x5f, 0x52, 0x60, 0x03, 0x60, 0x1d, 0xf3];
        let deployed = chain.deploy(Address::repeat_byte(0xaa), init);
        assert_eq!(chain.code(deployed), Bytes::from(vec![0x5f, 0x5f, 0xf3]));
        assert_eq!(chain.code(Address::repeat_byte(0xcc)), Bytes::new());
        chain.set_code(Address::repeat_byte(0xcd), vec![0x00]);
        assert_eq!(chain.code(Address::repeat_byte(0xcd)), Bytes::from(vec![0x00]));
    }

    #[test]
    fn unassociated_reports_exactly_the_slots_outside_the_rule() {
        let sender = Address::repeat_byte(0xaa);
        let other = Address::repeat_byte(0xbb);
        let preimage = [sender.into_word().0, B256::with_last_byte(3).0].concat();
        let base = U256::from_be_bytes(keccak256(&preimage).0);
        let record = ValidationRecord {
            sender,
            accesses: vec![
                (sender, U256::from(7)),                         // the sender's own storage
                (other, U256::from_be_slice(sender.as_slice())), // the slot `sender`
                (other, base),                                   // keccak(sender ‖ x)
                (other, base + U256::from(128)),                 // … + 128
                (other, base + U256::from(129)),                 // … + 129: too far
                (other, U256::from(1)),                          // unrelated
            ],
            preimages: vec![preimage],
        };
        assert_eq!(
            record.unassociated(),
            vec![(other, base + U256::from(129)), (other, U256::from(1))]
        );
    }
}
