//! The chain facade: accounts, contracts and transactions over revm with the
//! [`StylusInspector`], one transaction per block. What the tests, the demo and the node share.

use revm::{
    context::{BlockEnv, CfgEnv, ContextTr, TxEnv},
    database::{CacheDB, EmptyDB},
    handler::EthPrecompiles,
    precompile::{secp256r1, Precompiles},
    primitives::{hardfork::SpecId, Address, Bytes, TxKind, U256},
    state::{AccountInfo, Bytecode},
    Context, InspectCommitEvm, InspectEvm, MainBuilder, MainContext,
};

use crate::{
    erc7562::ValidationRecord, ChainContext, Error, EvmFrame, ExecutionResult, Result, StylusFrame,
    StylusInspector,
};

/// The chain's hard fork.
pub(crate) const SPEC: SpecId = SpecId::PRAGUE;

/// Gas a transaction of the test API ([`Chain::call`], [`Chain::deploy`]) may use.
const TEST_TX_GAS: u64 = 30_000_000;

/// The chain's precompiles: Prague's, and P256VERIFY at RIP-7212's 3,450 gas as on Arbitrum
/// (revm adds it only from Osaka, at 6,900).
pub(crate) fn chain_precompiles() -> EthPrecompiles {
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
pub(crate) type ChainEvm = revm::handler::MainnetEvm<ChainContext, StylusInspector>;

/// The chain's EVM over `state`, with Stylus frames served by `inspector`.
pub(crate) fn evm(
    state: State,
    cfg: CfgEnv,
    block: BlockEnv,
    inspector: StylusInspector,
) -> ChainEvm {
    let mut evm = Context::mainnet()
        .with_db(state)
        .with_cfg(cfg)
        .with_block(block)
        .build_mainnet_with_inspector(inspector);
    evm.precompiles = chain_precompiles();
    evm
}

/// The whole state of a chain at one point: accounts, code, storage.
pub type State = CacheDB<EmptyDB>;

/// Reads of a [`State`].
pub trait StateReader {
    /// The account at `address`, if it ever existed.
    fn account(&self, address: Address) -> Option<&AccountInfo>;
    /// The balance of `address`.
    fn balance(&self, address: Address) -> U256 {
        self.account(address).map_or(U256::ZERO, |account| account.balance)
    }
    /// The nonce of `address`.
    fn nonce(&self, address: Address) -> u64 {
        self.account(address).map_or(0, |account| account.nonce)
    }
    /// The code at `address` (empty for none).
    fn code(&self, address: Address) -> Bytes;
    /// The word at `slot` of `address`'s storage.
    fn storage(&self, address: Address, slot: U256) -> U256;
}

/// Changes to a [`State`], for setting up accounts and for calls with state overrides.
pub trait StateWriter {
    /// Gives `address` a balance of `wei`.
    fn set_balance(&mut self, address: Address, wei: U256);
    /// Sets the nonce of `address`.
    fn set_nonce(&mut self, address: Address, nonce: u64);
    /// Puts `code` at `address` as is, keeping its balance, nonce and storage.
    fn set_code(&mut self, address: Address, code: Bytes);
    /// Sets the word at `slot` of `address`'s storage.
    fn set_storage(&mut self, address: Address, slot: U256, value: U256);
    /// Replaces the whole storage of `address` with `words` (every other slot reads zero).
    fn replace_storage(&mut self, address: Address, words: Vec<(U256, U256)>);
}

impl StateWriter for State {
    fn set_balance(&mut self, address: Address, wei: U256) {
        let mut info = self.account(address).cloned().unwrap_or_default();
        info.balance = wei;
        self.insert_account_info(address, info);
    }

    fn set_nonce(&mut self, address: Address, nonce: u64) {
        let mut info = self.account(address).cloned().unwrap_or_default();
        info.nonce = nonce;
        self.insert_account_info(address, info);
    }

    fn set_code(&mut self, address: Address, code: Bytes) {
        let info = self.account(address).cloned().unwrap_or_default();
        self.insert_account_info(address, info.with_code(Bytecode::new_raw(code)));
    }

    fn set_storage(&mut self, address: Address, slot: U256, value: U256) {
        // A `CacheDB<EmptyDB>` cannot fail to load an account.
        let Ok(()) = self.insert_account_storage(address, slot, value);
    }

    fn replace_storage(&mut self, address: Address, words: Vec<(U256, U256)>) {
        let Ok(()) = self.replace_account_storage(address, words.into_iter().collect());
    }
}

impl StateReader for State {
    fn account(&self, address: Address) -> Option<&AccountInfo> {
        self.cache.accounts.get(&address).map(|account| &account.info)
    }

    /// An account's code as its info holds it, or else from the contracts by its code hash
    /// (where the database keeps code it did not leave in the info).
    fn code(&self, address: Address) -> Bytes {
        let Some(info) = self.account(address) else { return Bytes::new() };
        match &info.code {
            Some(code) => code.original_bytes(),
            None => self
                .cache
                .contracts
                .get(&info.code_hash)
                .map_or_else(Bytes::new, Bytecode::original_bytes),
        }
    }

    fn storage(&self, address: Address, slot: U256) -> U256 {
        let account = self.cache.accounts.get(&address);
        account.and_then(|account| account.storage.get(&slot).copied()).unwrap_or_default()
    }
}

/// An in-process chain with Stylus: accounts, contracts, transactions.
pub struct Chain {
    pub(crate) evm: ChainEvm,
}

impl Chain {
    /// An empty chain with id `chain_id`, at block time `timestamp`, with no base fee and no
    /// nonce checks (transactions of the test API come from fixed addresses in any order).
    pub fn new(chain_id: u64, timestamp: u64) -> Self {
        let mut cfg = CfgEnv::default();
        cfg.chain_id = chain_id;
        cfg.spec = SPEC;
        cfg.disable_nonce_check = true;
        cfg.tx_gas_limit_cap = Some(u64::MAX);
        cfg.limit_contract_code_size = Some(usize::MAX);
        // Arbitrum accepts created code that starts with 0xEF when it is Stylus code (`EF F0
        // 00`): how `cargo stylus deploy` deploys. revm can only turn EIP-3541 off whole.
        cfg.disable_eip3541 = true;
        let block = BlockEnv {
            timestamp: U256::from(timestamp),
            basefee: 0,
            gas_limit: u64::MAX,
            ..BlockEnv::default()
        };
        let mut state = State::default();
        crate::arbos::install(&mut state);
        Self { evm: evm(state, cfg, block, StylusInspector::default()) }
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.evm.ctx.cfg.chain_id
    }

    /// The block time.
    pub fn timestamp(&self) -> u64 {
        self.evm.ctx.block.timestamp.saturating_to()
    }

    /// Sets the block time.
    pub fn set_timestamp(&mut self, timestamp: u64) {
        self.evm.ctx.block.timestamp = U256::from(timestamp);
    }

    /// The number of the block transactions run in.
    pub fn block_number(&self) -> u64 {
        self.evm.ctx.block.number.saturating_to()
    }

    /// Sets the number of the block transactions run in.
    pub fn set_block_number(&mut self, number: u64) {
        self.evm.ctx.block.number = U256::from(number);
    }

    /// The base fee per gas (wei) of the block transactions run in.
    pub fn base_fee(&self) -> u64 {
        self.evm.ctx.block.basefee
    }

    /// Sets the base fee per gas: transactions must then offer at least that much.
    pub fn set_base_fee(&mut self, wei: u64) {
        self.evm.ctx.block.basefee = wei;
    }

    /// Sets the address the fees beyond the base fee go to (the block's beneficiary).
    pub fn set_coinbase(&mut self, address: Address) {
        self.evm.ctx.block.beneficiary = address;
    }

    /// The state now.
    pub fn state(&self) -> &State {
        &self.evm.ctx.journaled_state.database
    }

    /// Gives `address` a balance of `wei`.
    pub fn set_balance(&mut self, address: Address, wei: U256) {
        self.evm.ctx.db_mut().set_balance(address, wei);
    }

    /// The balance of `address`.
    pub fn balance(&mut self, address: Address) -> U256 {
        self.state().balance(address)
    }

    /// The word at `slot` of `address`'s storage.
    pub fn storage(&mut self, address: Address, slot: U256) -> U256 {
        self.state().storage(address, slot)
    }

    /// The code at `address` (empty for an account without code): what a test copies to
    /// another address, as a chain's predeploy would put it there.
    pub fn code(&self, address: Address) -> Bytes {
        self.state().code(address)
    }

    /// Puts `code` at `address` as is, in a fresh account: how the tests place programs and
    /// predeploys. Stylus code arrives activated, as `cargo stylus deploy` leaves it.
    pub fn set_code(&mut self, address: Address, code: Vec<u8>) {
        crate::arbos::activate_in(self.evm.ctx.db_mut(), &code);
        let bytecode = Bytecode::new_raw(code.into());
        let info = AccountInfo::default().with_code(bytecode);
        self.evm.ctx.db_mut().insert_account_info(address, info);
    }

    /// Moves the contract at `from` (code and storage) to `to`, leaving `from` empty: how a
    /// contract lands at an address its creation cannot reach here (a canonical address
    /// another chain's deployer gave it). Its immutables stay as its creation set them.
    pub fn relocate(&mut self, from: Address, to: Address) {
        let db = self.evm.ctx.db_mut();
        let Some(account) = db.cache.accounts.remove(&from) else {
            return;
        };
        let words = account.storage.iter().map(|(slot, value)| (*slot, *value)).collect();
        db.insert_account_info(to, account.info);
        db.replace_storage(to, words);
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

    /// [`Self::deploy`], `None` when the deployment fails.
    pub fn deploy_checked(&mut self, from: Address, init_code: Vec<u8>) -> Option<Address> {
        match self.transact(from, TxKind::Create, init_code, U256::ZERO) {
            ExecutionResult::Success { output, .. } => output.address().copied(),
            _ => None,
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

    /// Runs `tx` in the current block and commits it.
    ///
    /// # Errors
    /// [`Error::InvalidTransaction`] when the chain refuses it before running it (fees,
    /// balance, gas limit): nothing is committed.
    pub fn execute(&mut self, tx: TxEnv) -> Result<ExecutionResult> {
        // One transaction per block: the per-block program cache starts empty.
        self.evm.inspector.called.get_mut().clear();
        self.evm.inspect_tx_commit(tx).map_err(|error| Error::InvalidTransaction(error.to_string()))
    }

    /// Runs `tx` on `state` (the current state when `None`) in the current block, and forgets
    /// it: what `eth_call` and gas estimation do. The base fee is not asked of it.
    ///
    /// # Errors
    /// [`Error::InvalidTransaction`] when the chain refuses it before running it.
    pub fn simulate(&self, tx: TxEnv, state: Option<State>) -> Result<ExecutionResult> {
        let state = state.unwrap_or_else(|| self.state().clone());
        let mut cfg = self.evm.ctx.cfg.clone();
        cfg.disable_base_fee = true;
        let block = self.evm.ctx.block.clone();
        let mut evm = evm(state, cfg, block, self.evm.inspector.sibling());
        evm.inspect_tx(tx)
            .map(|run| run.result)
            .map_err(|error| Error::InvalidTransaction(error.to_string()))
    }

    /// The Stylus frames run so far.
    pub fn stylus_frames(&self) -> &[StylusFrame] {
        &self.evm.inspector.frames
    }

    /// Forgets the Stylus frames recorded so far.
    pub fn clear_stylus_frames(&mut self) {
        self.evm.inspector.frames.clear();
    }

    /// The calls into EVM code run so far (see [`EvmFrame`]).
    pub fn evm_frames(&self) -> &[EvmFrame] {
        &self.evm.inspector.evm_frames
    }

    /// From now on, records what every `validateUserOp` of `account` touches.
    pub fn record_validations_of(&mut self, account: Address) {
        self.evm.inspector.recorder.watch(account);
    }

    /// The validations recorded so far.
    pub fn validations(&self) -> &[ValidationRecord] {
        self.evm.inspector.recorder.validations()
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
            .gas_limit(TEST_TX_GAS)
            .gas_price(0)
            .chain_id(Some(self.chain_id()))
            .build_fill();
        self.execute(tx).expect("the chain accepts the transaction")
    }
}

#[cfg(test)]
mod tests;
