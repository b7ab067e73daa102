//! The node's chain and its history: blocks mined one per transaction (auto-mine), receipts,
//! the state after each recent block, and the clock users can move.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

use alloy_consensus::{transaction::SignerRecoverable, Transaction as _, TxEnvelope, TxType};
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{keccak256, Address, Bloom, Bytes, Log, B256, U256};
use local_chain::{Chain, ExecutionResult, State, StateReader, TxEnv, TxKind};

use crate::{Error, Result};

/// The node's block gas limit: no transaction may ask for more (Arbitrum's per-block 32M
/// rounded down to the usual 30M).
pub const BLOCK_GAS_LIMIT: u64 = 30_000_000;

/// The base fee per gas: constant, 0.1 gwei as on Arbitrum One's floor.
pub const BASE_FEE: u64 = 100_000_000;

/// How many recent blocks keep their state for calls at a past block.
const KEPT_STATES: usize = 128;

/// A mined transaction and what it did.
#[derive(Debug, Clone)]
pub struct Mined {
    /// Its hash (of its EIP-2718 encoding).
    pub hash: B256,
    /// The signed transaction.
    pub envelope: TxEnvelope,
    /// Its sender.
    pub from: Address,
    /// Whether it succeeded.
    pub success: bool,
    /// Gas used (after refunds).
    pub gas_used: u64,
    /// Its logs.
    pub logs: Vec<Log>,
    /// The contract it created, if any.
    pub contract_address: Option<Address>,
    /// Wei paid per gas.
    pub effective_gas_price: u128,
}

/// A mined block: at most one transaction.
#[derive(Debug, Clone)]
pub struct Block {
    /// Its number.
    pub number: u64,
    /// Its hash: keccak of its number, parent hash, time and transaction hash (not a real
    /// header hash: there is no header to hash).
    pub hash: B256,
    /// The hash of the block before it (zero for block 0).
    pub parent_hash: B256,
    /// Its time.
    pub timestamp: u64,
    /// Its transaction, if any.
    pub transaction: Option<Mined>,
    /// The state after it, kept for the last [`KEPT_STATES`] blocks.
    state: Option<Arc<State>>,
}

impl Block {
    /// Gas its transaction used.
    pub fn gas_used(&self) -> u64 {
        self.transaction.as_ref().map_or(0, |tx| tx.gas_used)
    }

    /// The bloom filter of its logs.
    pub fn logs_bloom(&self) -> Bloom {
        let mut bloom = Bloom::ZERO;
        if let Some(tx) = &self.transaction {
            bloom.accrue_logs(&tx.logs);
        }
        bloom
    }
}

/// The node: a [`Chain`] and its blocks.
pub struct Node {
    chain: Chain,
    blocks: Vec<Block>,
    /// Block number of each mined transaction, by hash.
    transactions: HashMap<B256, u64>,
    /// Seconds added to the wall clock (`evm_increaseTime`, `evm_setNextBlockTimestamp`).
    time_offset: i64,
    /// The exact time of the next block, when set by `evm_setNextBlockTimestamp`.
    next_timestamp: Option<u64>,
}

/// Seconds since the epoch now.
fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |now| now.as_secs() as i64)
}

impl Node {
    /// The node over `chain` (set up already): block 0 holds its state.
    pub fn new(mut chain: Chain) -> Self {
        let timestamp = chain.timestamp();
        chain.set_base_fee(BASE_FEE);
        let hash = keccak256([0u8; 8]);
        let state = Some(Arc::new(chain.state().clone()));
        let genesis =
            Block { number: 0, hash, parent_hash: B256::ZERO, timestamp, transaction: None, state };
        let time_offset = timestamp as i64 - unix_now();
        Self {
            chain,
            blocks: vec![genesis],
            transactions: HashMap::new(),
            time_offset,
            next_timestamp: None,
        }
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.chain.chain_id()
    }

    /// The latest block.
    pub fn latest(&self) -> &Block {
        self.blocks.last().expect("block 0 is never removed")
    }

    /// Block `number`, if mined.
    pub fn block(&self, number: u64) -> Option<&Block> {
        self.blocks.get(usize::try_from(number).ok()?)
    }

    /// The block with hash `hash`, if any.
    pub fn block_by_hash(&self, hash: B256) -> Option<&Block> {
        self.blocks.iter().rev().find(|block| block.hash == hash)
    }

    /// All blocks from `from` to `to` (inclusive), as far as mined.
    pub fn blocks(&self, from: u64, to: u64) -> impl Iterator<Item = &Block> {
        let end =
            usize::try_from(to.saturating_add(1)).unwrap_or(usize::MAX).min(self.blocks.len());
        let start = usize::try_from(from).unwrap_or(usize::MAX).min(end);
        self.blocks[start..end].iter()
    }

    /// The mined transaction `hash` and its block, if any.
    pub fn transaction(&self, hash: B256) -> Option<(&Block, &Mined)> {
        let block = self.block(*self.transactions.get(&hash)?)?;
        Some((block, block.transaction.as_ref()?))
    }

    /// The state after block `number`: the current one for the latest block.
    ///
    /// # Errors
    /// [`Error::UnknownBlock`] for a block not mined, [`Error::StateGone`] for one too old.
    pub fn state_at(&self, number: u64) -> Result<Arc<State>> {
        if number == self.latest().number {
            return Ok(Arc::new(self.chain.state().clone()));
        }
        let block = self.block(number).ok_or(Error::UnknownBlock(number))?;
        block.state.clone().ok_or(Error::StateGone(number, KEPT_STATES))
    }

    /// The current state (after the latest block and any dev changes since).
    pub fn state(&self) -> &State {
        self.chain.state()
    }

    /// Gives `address` a balance of `wei` now (`anvil_setBalance`).
    pub fn set_balance(&mut self, address: Address, wei: U256) {
        self.chain.set_balance(address, wei);
    }

    /// The time the next block gets: the clock (with the user's offset), after the latest
    /// block's, or what `evm_setNextBlockTimestamp` set.
    pub fn next_timestamp(&self) -> u64 {
        let clock = u64::try_from(unix_now() + self.time_offset).unwrap_or(0);
        self.next_timestamp.unwrap_or_else(|| clock.max(self.latest().timestamp + 1))
    }

    /// Moves the clock `seconds` on (`evm_increaseTime`); the total offset from the wall clock.
    pub fn increase_time(&mut self, seconds: u64) -> i64 {
        self.time_offset =
            self.time_offset.saturating_add(i64::try_from(seconds).unwrap_or(i64::MAX));
        if let Some(next) = &mut self.next_timestamp {
            *next = next.saturating_add(seconds);
        }
        self.time_offset
    }

    /// Gives the next block the time `timestamp` (`evm_setNextBlockTimestamp`); the clock goes
    /// on from there.
    ///
    /// # Errors
    /// [`Error::TimestampNotAfter`] when `timestamp` is not after the latest block's time.
    pub fn set_next_timestamp(&mut self, timestamp: u64) -> Result<()> {
        let latest = self.latest().timestamp;
        if timestamp <= latest {
            return Err(Error::TimestampNotAfter(timestamp, latest));
        }
        self.next_timestamp = Some(timestamp);
        self.time_offset = i64::try_from(timestamp).unwrap_or(i64::MAX) - unix_now();
        Ok(())
    }

    /// Puts the chain in the block to mine next: its number and time.
    fn enter_next_block(&mut self) {
        let (number, timestamp) = (self.latest().number + 1, self.next_timestamp());
        self.chain.set_block_number(number);
        self.chain.set_timestamp(timestamp);
    }

    /// Mines a block with `transaction` (or none), at the time the chain is in.
    fn mine(&mut self, transaction: Option<Mined>) -> &Block {
        let parent = self.latest();
        let (number, parent_hash) = (parent.number + 1, parent.hash);
        let timestamp = self.chain.timestamp();
        let tx_hash = transaction.as_ref().map_or(B256::ZERO, |tx| tx.hash);
        let hash = keccak256(
            [
                &number.to_be_bytes()[..],
                parent_hash.as_slice(),
                &timestamp.to_be_bytes(),
                tx_hash.as_slice(),
            ]
            .concat(),
        );
        if let Some(tx) = &transaction {
            self.transactions.insert(tx.hash, number);
        }
        // Only the last blocks keep their state: each is a copy of every account.
        if let Some(old) = self.blocks.len().checked_sub(KEPT_STATES) {
            self.blocks[old].state = None;
        }
        let state = Some(Arc::new(self.chain.state().clone()));
        self.next_timestamp = None;
        self.blocks.push(Block { number, hash, parent_hash, timestamp, transaction, state });
        self.latest()
    }

    /// Mines an empty block (`evm_mine`), at `timestamp` if given.
    ///
    /// # Errors
    /// [`Error::TimestampNotAfter`] for a `timestamp` not after the latest block's.
    pub fn mine_empty(&mut self, timestamp: Option<u64>) -> Result<u64> {
        if let Some(timestamp) = timestamp {
            self.set_next_timestamp(timestamp)?;
        }
        self.enter_next_block();
        Ok(self.mine(None).number)
    }

    /// Runs a signed raw transaction (EIP-2718: legacy, EIP-2930 or EIP-1559) in a block of
    /// its own; its hash. A transaction that reverts or runs out of gas is mined, failed.
    ///
    /// # Errors
    /// [`Error::InvalidRawTransaction`], [`Error::UnsupportedType`], [`Error::WrongChain`],
    /// [`Error::BadSignature`], [`Error::NonceTooLow`], [`Error::NonceTooHigh`],
    /// [`Error::GasLimitAboveBlock`], or [`Error::Rejected`] (fees, balance, intrinsic gas):
    /// nothing is mined.
    pub fn send_raw(&mut self, raw: &[u8]) -> Result<B256> {
        let envelope = TxEnvelope::decode_2718_exact(raw)
            .map_err(|error| Error::InvalidRawTransaction(error.to_string()))?;
        let tx_type = envelope.tx_type();
        if !matches!(tx_type, TxType::Legacy | TxType::Eip2930 | TxType::Eip1559) {
            return Err(Error::UnsupportedType(tx_type as u8));
        }
        if let Some(chain_id) = envelope.chain_id() {
            if chain_id != self.chain_id() {
                return Err(Error::WrongChain(chain_id, self.chain_id()));
            }
        }
        let from = envelope.recover_signer().map_err(|_| Error::BadSignature)?;
        let expected = self.chain.state().nonce(from);
        match envelope.nonce() {
            nonce if nonce < expected => return Err(Error::NonceTooLow(nonce, expected)),
            nonce if nonce > expected => return Err(Error::NonceTooHigh(nonce, expected)),
            _ => {}
        }
        if envelope.gas_limit() > BLOCK_GAS_LIMIT {
            return Err(Error::GasLimitAboveBlock(envelope.gas_limit(), BLOCK_GAS_LIMIT));
        }
        let tx = TxEnv::builder()
            .tx_type(Some(tx_type as u8))
            .caller(from)
            .kind(envelope.kind())
            .data(envelope.input().clone())
            .value(envelope.value())
            .gas_limit(envelope.gas_limit())
            .gas_price(envelope.max_fee_per_gas())
            .gas_priority_fee(envelope.max_priority_fee_per_gas())
            .nonce(envelope.nonce())
            .chain_id(envelope.chain_id())
            .access_list(envelope.access_list().cloned().unwrap_or_default())
            .build_fill();
        self.enter_next_block();
        let result = self.chain.execute(tx).map_err(rejected)?;
        let hash = keccak256(raw);
        let effective_gas_price = envelope.effective_gas_price(Some(BASE_FEE));
        let (success, logs, contract_address) = match &result {
            ExecutionResult::Success { logs, output, .. } => {
                (true, logs.clone(), output.address().copied())
            }
            _ => (false, Vec::new(), None),
        };
        let mined = Mined {
            hash,
            envelope,
            from,
            success,
            gas_used: result.tx_gas_used(),
            logs,
            contract_address,
            effective_gas_price,
        };
        self.mine(Some(mined));
        Ok(hash)
    }

    /// Runs `tx` on the state after block `number` (the current state for the latest) in the
    /// next block's environment, with `overrides` applied to that state first, and forgets it.
    ///
    /// # Errors
    /// As [`Self::state_at`]; [`Error::Rejected`] when the chain refuses `tx`.
    pub fn simulate(
        &mut self,
        mut tx: TxEnv,
        number: u64,
        overrides: impl FnOnce(&mut State),
    ) -> Result<ExecutionResult> {
        let mut state = Arc::unwrap_or_clone(self.state_at(number)?);
        overrides(&mut state);
        tx.nonce = state.nonce(tx.caller);
        tx.chain_id = Some(self.chain_id());
        self.enter_next_block();
        self.chain.simulate(tx, Some(state)).map_err(rejected)
    }

    /// The smallest gas limit (within 1/64, as the 63/64 rule makes exact answers moot) with
    /// which `tx` succeeds on the current state, searched by bisection up to `tx`'s gas limit.
    ///
    /// # Errors
    /// [`Error::Reverted`] / [`Error::Halted`] when it fails even with its whole gas limit;
    /// as [`Self::simulate`].
    pub fn estimate_gas(
        &mut self,
        tx: TxEnv,
        number: u64,
        overrides: impl Fn(&mut State),
    ) -> Result<u64> {
        let cap = tx.gas_limit;
        let mut run = |gas: u64| {
            let tx = TxEnv { gas_limit: gas, ..tx.clone() };
            self.simulate(tx, number, &overrides)
        };
        let used = match run(cap)? {
            success @ ExecutionResult::Success { .. } => success.tx_gas_used(),
            ExecutionResult::Revert { output, .. } => return Err(Error::Reverted(output)),
            ExecutionResult::Halt { reason, .. } => {
                return Err(Error::Halted(format!("{reason:?}")))
            }
        };
        // What the run used is a lower bound (refunds and the 63/64 rule can ask for more).
        let (mut low, mut high) = (used.saturating_sub(1), cap);
        while high - low > (high / 64).max(1) {
            let middle = low + (high - low) / 2;
            if matches!(run(middle)?, ExecutionResult::Success { .. }) {
                high = middle;
            } else {
                low = middle;
            }
        }
        Ok(high)
    }
}

/// The chain's refusal of a transaction, as the node's.
fn rejected(error: local_chain::Error) -> Error {
    match error {
        local_chain::Error::InvalidTransaction(reason) => Error::Rejected(reason),
    }
}

/// The node's current-state reads: by address, at block `number`.
pub fn read<T>(node: &Node, number: u64, read: impl FnOnce(&State) -> T) -> Result<T> {
    if number == node.latest().number {
        return Ok(read(node.state()));
    }
    Ok(read(node.state_at(number)?.as_ref()))
}

/// A transaction for a call: what `eth_call` and `eth_estimateGas` run.
pub fn call_tx(
    from: Address,
    to: Option<Address>,
    data: Bytes,
    value: U256,
    gas: u64,
    gas_price: u128,
) -> TxEnv {
    TxEnv::builder()
        .caller(from)
        .kind(to.map_or(TxKind::Create, TxKind::Call))
        .data(data)
        .value(value)
        .gas_limit(gas)
        .gas_price(gas_price)
        .build_fill()
}
