//! The JSON-RPC methods, on jsonrpsee's server. One thread owns the node (revm's EVM is not
//! `Send`) and serves the requests the server's handlers forward to it, one at a time in
//! arrival order, so concurrent clients never see a half-applied transaction.
//!
//! Errors: a revert is code 3, "execution reverted", its revert data in `data`; refused
//! transactions and halted calls -32000 with the reason; unknown blocks -32001; bad
//! parameters -32602; unknown methods -32601 and malformed JSON -32700 (jsonrpsee's). A panic
//! while serving (a bug) becomes -32603 and the node goes on serving.

use std::{
    panic::{catch_unwind, AssertUnwindSafe},
    sync::{mpsc, Mutex, PoisonError},
};

use alloy_consensus::{transaction::Recovered, EMPTY_OMMER_ROOT_HASH, EMPTY_ROOT_HASH};
use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_rpc_types_eth::{
    state::StateOverride, Filter, FilterBlockOption, Transaction, TransactionRequest,
};
use jsonrpsee::{
    core::RegisterMethodError,
    types::{ErrorObjectOwned, Params},
    RpcModule,
};
use local_chain::{State, StateReader, StateWriter};
use serde_json::{json, Value};

use crate::{
    node::{call_tx, read, Block, Mined, Node, BASE_FEE, BLOCK_GAS_LIMIT},
    Error,
};

/// A method's result.
type Answer = Result<Value, ErrorObjectOwned>;

/// The client version `web3_clientVersion` answers.
pub const CLIENT_VERSION: &str = concat!(
    "stylus-smart-sessions-dev-node/",
    env!("CARGO_PKG_VERSION"),
    " (revm; stylus-runtime)"
);

impl From<Error> for ErrorObjectOwned {
    fn from(error: Error) -> Self {
        let code = match &error {
            Error::Reverted(data) => {
                return ErrorObjectOwned::owned(3, error.to_string(), Some(data.to_string()))
            }
            Error::InvalidRawTransaction(_)
            | Error::UnsupportedType(_)
            | Error::TimestampNotAfter(..) => -32602,
            Error::UnknownBlock(_) | Error::UnknownBlockHash(_) => -32001,
            _ => -32000,
        };
        ErrorObjectOwned::owned(code, error.to_string(), None::<()>)
    }
}

/// A quantity as JSON-RPC writes it: `0x`-prefixed hex, no leading zeros.
fn quantity(value: impl Into<u128>) -> Value {
    json!(format!("{:#x}", value.into()))
}

/// A quantity parameter given as a JSON number or a hex (or decimal) string.
fn number_param(value: &Value) -> Result<u64, ErrorObjectOwned> {
    let parsed = match value {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => match text.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16).ok(),
            None => text.parse().ok(),
        },
        _ => None,
    };
    parsed.ok_or_else(|| invalid_params(format!("not a quantity: {value}")))
}

fn invalid_params(message: String) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(-32602, message, None::<()>)
}

/// The block number a block parameter names (latest when absent; no pending block: each
/// transaction is mined at once).
fn resolve(node: &Node, block: Option<BlockId>) -> Result<u64, Error> {
    match block.unwrap_or(BlockId::Number(BlockNumberOrTag::Latest)) {
        BlockId::Hash(hash) => node
            .block_by_hash(hash.block_hash)
            .map(|block| block.number)
            .ok_or(Error::UnknownBlockHash(hash.block_hash)),
        BlockId::Number(tag) => resolve_tag(node, tag),
    }
}

fn resolve_tag(node: &Node, tag: BlockNumberOrTag) -> Result<u64, Error> {
    match tag {
        BlockNumberOrTag::Number(number) if node.block(number).is_some() => Ok(number),
        BlockNumberOrTag::Number(number) => Err(Error::UnknownBlock(number)),
        BlockNumberOrTag::Earliest => Ok(0),
        _ => Ok(node.latest().number),
    }
}

fn log_json(block: &Block, tx: &Mined, index: usize, log: &alloy_primitives::Log) -> Value {
    json!({
        "address": log.address,
        "topics": log.topics(),
        "data": log.data.data,
        "blockNumber": quantity(block.number),
        "blockHash": block.hash,
        "blockTimestamp": quantity(block.timestamp),
        "transactionHash": tx.hash,
        "transactionIndex": "0x0",
        "logIndex": quantity(index as u64),
        "removed": false,
    })
}

fn transaction_json(block: &Block, tx: &Mined) -> Answer {
    let transaction = Transaction {
        inner: Recovered::new_unchecked(tx.envelope.clone(), tx.from),
        block_hash: Some(block.hash),
        block_number: Some(block.number),
        transaction_index: Some(0),
        effective_gas_price: Some(tx.effective_gas_price),
    };
    serde_json::to_value(transaction).map_err(|error| internal(&error.to_string()))
}

fn receipt_json(block: &Block, tx: &Mined) -> Value {
    use alloy_consensus::Transaction as _;
    let logs: Vec<Value> =
        tx.logs.iter().enumerate().map(|(index, log)| log_json(block, tx, index, log)).collect();
    json!({
        "transactionHash": tx.hash,
        "transactionIndex": "0x0",
        "blockHash": block.hash,
        "blockNumber": quantity(block.number),
        "from": tx.from,
        "to": tx.envelope.to(),
        "cumulativeGasUsed": quantity(tx.gas_used),
        "gasUsed": quantity(tx.gas_used),
        "effectiveGasPrice": quantity(tx.effective_gas_price),
        "contractAddress": tx.contract_address,
        "logs": logs,
        "logsBloom": block.logs_bloom(),
        "status": if tx.success { "0x1" } else { "0x0" },
        "type": quantity(tx.envelope.tx_type() as u8),
    })
}

fn block_json(block: &Block, full: bool) -> Answer {
    let transactions = match (&block.transaction, full) {
        (Some(tx), true) => vec![transaction_json(block, tx)?],
        (Some(tx), false) => vec![json!(tx.hash)],
        (None, _) => Vec::new(),
    };
    let root = if block.transaction.is_some() { B256::with_last_byte(1) } else { EMPTY_ROOT_HASH };
    Ok(json!({
        "number": quantity(block.number),
        "hash": block.hash,
        "parentHash": block.parent_hash,
        "nonce": "0x0000000000000000",
        "sha3Uncles": EMPTY_OMMER_ROOT_HASH,
        "logsBloom": block.logs_bloom(),
        "transactionsRoot": root,
        "stateRoot": B256::ZERO,
        "receiptsRoot": root,
        "miner": Address::ZERO,
        "difficulty": "0x0",
        "totalDifficulty": "0x0",
        "extraData": "0x",
        "size": "0x0",
        "gasLimit": quantity(BLOCK_GAS_LIMIT),
        "gasUsed": quantity(block.gas_used()),
        "timestamp": quantity(block.timestamp),
        "baseFeePerGas": quantity(BASE_FEE),
        "mixHash": B256::ZERO,
        "withdrawals": [],
        "withdrawalsRoot": EMPTY_ROOT_HASH,
        "transactions": transactions,
        "uncles": [],
    }))
}

fn internal(message: &str) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(-32603, format!("internal error: {message}"), None::<()>)
}

/// Applies `eth_call`'s state overrides to a state.
fn apply_overrides(state: &mut State, overrides: &StateOverride) {
    for (address, change) in overrides {
        if let Some(balance) = change.balance {
            state.set_balance(*address, balance);
        }
        if let Some(nonce) = change.nonce {
            state.set_nonce(*address, nonce);
        }
        if let Some(code) = &change.code {
            state.set_code(*address, code.clone());
        }
        let word = |(slot, value): (&B256, &B256)| {
            (U256::from_be_bytes(slot.0), U256::from_be_bytes(value.0))
        };
        if let Some(words) = &change.state {
            state.replace_storage(*address, words.iter().map(word).collect());
        }
        for (slot, value) in change.state_diff.iter().flatten().map(word) {
            state.set_storage(*address, slot, value);
        }
    }
}

/// The call an `eth_call` / `eth_estimateGas` request asks for, and at which block.
fn call_params(
    node: &Node,
    params: &Params,
) -> Result<(local_chain::TxEnv, u64, StateOverride), ErrorObjectOwned> {
    let mut seq = params.sequence();
    let request: TransactionRequest = seq.next()?;
    let block: Option<BlockId> = seq.optional_next()?;
    let overrides: Option<StateOverride> = seq.optional_next()?;
    let number = resolve(node, block)?;
    let gas = request.gas.unwrap_or(BLOCK_GAS_LIMIT).min(BLOCK_GAS_LIMIT);
    let gas_price = request.gas_price.or(request.max_fee_per_gas).unwrap_or(0);
    let to = request.to.and_then(|kind| kind.to().copied());
    let data = request.input.input().cloned().unwrap_or_default();
    let from = request.from.unwrap_or_default();
    let tx = call_tx(from, to, data, request.value.unwrap_or_default(), gas, gas_price);
    Ok((tx, number, overrides.unwrap_or_default()))
}

fn eth_call(node: &mut Node, params: &Params) -> Answer {
    let (tx, number, overrides) = call_params(node, params)?;
    let result = node.simulate(tx, number, |state| apply_overrides(state, &overrides))?;
    match result {
        local_chain::ExecutionResult::Success { output, .. } => Ok(json!(output.into_data())),
        local_chain::ExecutionResult::Revert { output, .. } => Err(Error::Reverted(output).into()),
        local_chain::ExecutionResult::Halt { reason, .. } => {
            Err(Error::Halted(format!("{reason:?}")).into())
        }
    }
}

fn eth_estimate_gas(node: &mut Node, params: &Params) -> Answer {
    let (tx, number, overrides) = call_params(node, params)?;
    let gas = node.estimate_gas(tx, number, |state| apply_overrides(state, &overrides))?;
    Ok(quantity(gas))
}

fn fee_history(node: &mut Node, params: &Params) -> Answer {
    let mut seq = params.sequence();
    let count = number_param(&seq.next::<Value>()?)?.clamp(1, 1024);
    let newest = resolve_tag(node, seq.next::<BlockNumberOrTag>()?)?;
    let percentiles: Vec<f64> = seq.optional_next()?.unwrap_or_default();
    let oldest = (newest + 1).saturating_sub(count);
    let blocks: Vec<&Block> = node.blocks(oldest, newest).collect();
    let ratios: Vec<f64> =
        blocks.iter().map(|block| block.gas_used() as f64 / BLOCK_GAS_LIMIT as f64).collect();
    // Tips buy nothing on a chain that mines every transaction at once: every reward is 0.
    let rewards: Vec<Vec<Value>> =
        blocks.iter().map(|_| percentiles.iter().map(|_| quantity(0u8)).collect()).collect();
    let fees: Vec<Value> = (0..=blocks.len()).map(|_| quantity(BASE_FEE)).collect();
    let mut answer =
        json!({ "oldestBlock": quantity(oldest), "baseFeePerGas": fees, "gasUsedRatio": ratios });
    if !percentiles.is_empty() {
        answer["reward"] = json!(rewards);
    }
    Ok(answer)
}

fn get_logs(node: &mut Node, params: &Params) -> Answer {
    let filter: Filter = params.sequence().next()?;
    let (from, to) = match filter.block_option {
        FilterBlockOption::AtBlockHash(hash) => {
            let block = node.block_by_hash(hash).ok_or(Error::UnknownBlockHash(hash))?;
            (block.number, block.number)
        }
        FilterBlockOption::Range { from_block, to_block } => {
            let latest = BlockNumberOrTag::Latest;
            let from = resolve_tag(node, from_block.unwrap_or(latest)).unwrap_or(u64::MAX);
            let to = to_block.map_or(Ok(node.latest().number), |tag| resolve_tag(node, tag));
            (from, to.unwrap_or(node.latest().number))
        }
    };
    let mut logs = Vec::new();
    for block in node.blocks(from, to) {
        let Some(tx) = &block.transaction else { continue };
        for (index, log) in tx.logs.iter().enumerate() {
            if filter.matches_address(log.address) && filter.matches_topics(log.topics()) {
                logs.push(log_json(block, tx, index, log));
            }
        }
    }
    Ok(json!(logs))
}

/// `(address, block)` reads: balance, code, nonce.
fn account_read(
    node: &Node,
    params: &Params,
    read_with: impl FnOnce(&State, Address) -> Value,
) -> Answer {
    let mut seq = params.sequence();
    let address: Address = seq.next()?;
    let number = resolve(node, seq.optional_next()?)?;
    Ok(read(node, number, |state| read_with(state, address))?)
}

/// Every method, by name.
fn dispatch(name: &str, node: &mut Node, params: &Params) -> Answer {
    match name {
        "web3_clientVersion" => Ok(json!(CLIENT_VERSION)),
        "eth_chainId" => Ok(quantity(node.chain_id())),
        "net_version" => Ok(json!(node.chain_id().to_string())),
        "eth_blockNumber" => Ok(quantity(node.latest().number)),
        "eth_accounts" => Ok(json!([])),
        "eth_syncing" => Ok(json!(false)),
        "eth_gasPrice" => Ok(quantity(BASE_FEE)),
        "eth_maxPriorityFeePerGas" => Ok(quantity(0u8)),
        "eth_feeHistory" => fee_history(node, params),
        "eth_getBalance" => {
            account_read(node, params, |state, address| json!(state.balance(address)))
        }
        "eth_getCode" => account_read(node, params, |state, address| json!(state.code(address))),
        "eth_getTransactionCount" => {
            account_read(node, params, |state, address| quantity(state.nonce(address)))
        }
        "eth_getStorageAt" => {
            let mut seq = params.sequence();
            let (address, slot): (Address, U256) = (seq.next()?, seq.next()?);
            let number = resolve(node, seq.optional_next()?)?;
            let word = read(node, number, |state| state.storage(address, slot))?;
            Ok(json!(B256::from(word)))
        }
        "eth_getBlockByNumber" | "eth_getBlockByHash" => {
            let mut seq = params.sequence();
            let block = if name == "eth_getBlockByHash" {
                node.block_by_hash(seq.next()?)
            } else {
                resolve_tag(node, seq.next()?).ok().and_then(|number| node.block(number))
            };
            let full: bool = seq.optional_next()?.unwrap_or(false);
            block.map_or(Ok(Value::Null), |block| block_json(block, full))
        }
        "eth_call" => eth_call(node, params),
        "eth_estimateGas" => eth_estimate_gas(node, params),
        "eth_sendRawTransaction" => {
            let raw: Bytes = params.sequence().next()?;
            Ok(json!(node.send_raw(&raw)?))
        }
        "eth_getTransactionReceipt" | "eth_getTransactionByHash" => {
            let hash: B256 = params.sequence().next()?;
            match node.transaction(hash) {
                None => Ok(Value::Null),
                Some((block, tx)) if name == "eth_getTransactionReceipt" => {
                    Ok(receipt_json(block, tx))
                }
                Some((block, tx)) => transaction_json(block, tx),
            }
        }
        "eth_getLogs" => get_logs(node, params),
        "evm_increaseTime" => {
            let seconds = number_param(&params.sequence().next::<Value>()?)?;
            Ok(json!(node.increase_time(seconds)))
        }
        "evm_setNextBlockTimestamp" => {
            let timestamp = number_param(&params.sequence().next::<Value>()?)?;
            node.set_next_timestamp(timestamp)?;
            Ok(Value::Null)
        }
        "evm_mine" => {
            let timestamp = match params.sequence().optional_next::<Value>()? {
                Some(Value::Object(options)) => {
                    options.get("timestamp").map(number_param).transpose()?
                }
                Some(Value::Null) | None => None,
                Some(value) => Some(number_param(&value)?),
            };
            node.mine_empty(timestamp)?;
            Ok(json!("0x0"))
        }
        "anvil_setBalance" => {
            let mut seq = params.sequence();
            let (address, wei): (Address, U256) = (seq.next()?, seq.next()?);
            node.set_balance(address, wei);
            Ok(Value::Null)
        }
        _ => Err(ErrorObjectOwned::owned(-32601, format!("method {name} not found"), None::<()>)),
    }
}

/// The methods [`dispatch`] serves.
pub const METHODS: &[&str] = &[
    "web3_clientVersion",
    "eth_chainId",
    "net_version",
    "eth_blockNumber",
    "eth_accounts",
    "eth_syncing",
    "eth_gasPrice",
    "eth_maxPriorityFeePerGas",
    "eth_feeHistory",
    "eth_getBalance",
    "eth_getCode",
    "eth_getTransactionCount",
    "eth_getStorageAt",
    "eth_getBlockByNumber",
    "eth_getBlockByHash",
    "eth_call",
    "eth_estimateGas",
    "eth_sendRawTransaction",
    "eth_getTransactionReceipt",
    "eth_getTransactionByHash",
    "eth_getLogs",
    "evm_increaseTime",
    "evm_setNextBlockTimestamp",
    "evm_mine",
    "anvil_setBalance",
];

/// A request for the chain thread: a method, its parameters (JSON) and where to answer.
pub struct Request {
    name: &'static str,
    params: Option<String>,
    reply: mpsc::Sender<Answer>,
}

/// Serves requests on the thread that owns `node` (revm's EVM is not `Send`), one at a time
/// in the order they arrive, until every sender is gone.
pub fn serve_chain(mut node: Node, requests: &mpsc::Receiver<Request>) {
    for Request { name, params, reply } in requests {
        let params = Params::new(params.as_deref());
        // A panic while serving (a bug) is answered as an internal error; the node goes on.
        let answer = catch_unwind(AssertUnwindSafe(|| dispatch(name, &mut node, &params)))
            .unwrap_or_else(|_| Err(internal("the node failed serving this request")));
        // A client that went away needs no answer.
        let _ = reply.send(answer);
    }
}

/// The RPC module: every method of [`METHODS`] forwarded to the chain thread ([`serve_chain`]).
///
/// # Errors
/// jsonrpsee's, were a method registered twice (a unit test checks [`METHODS`]).
pub fn module(
    chain: mpsc::Sender<Request>,
) -> Result<RpcModule<Mutex<mpsc::Sender<Request>>>, RegisterMethodError> {
    let mut module = RpcModule::new(Mutex::new(chain));
    for &name in METHODS {
        module.register_blocking_method(name, move |params, chain, _| -> Answer {
            let (reply, answer) = mpsc::channel();
            let params = params.as_str().map(str::to_owned);
            let sent = chain.lock().unwrap_or_else(PoisonError::into_inner).send(Request {
                name,
                params,
                reply,
            });
            let gone = || internal("the chain thread has stopped");
            sent.map_err(|_| gone())?;
            answer.recv().map_err(|_| gone())?
        })?;
    }
    Ok(module)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_is_registered_once() {
        let mut names = METHODS.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), METHODS.len());
    }

    #[test]
    fn quantities_parse_from_numbers_and_strings_and_refuse_the_rest() {
        assert_eq!(number_param(&json!(10)).unwrap(), 10);
        assert_eq!(number_param(&json!("0xa")).unwrap(), 10);
        assert_eq!(number_param(&json!("10")).unwrap(), 10);
        assert_eq!(number_param(&json!("0xzz")).unwrap_err().code(), -32602);
        assert_eq!(number_param(&json!([1])).unwrap_err().code(), -32602);
    }

    #[test]
    fn a_revert_is_code_3_with_its_data() {
        let error = ErrorObjectOwned::from(Error::Reverted(Bytes::from(vec![0xab, 0xcd])));
        assert_eq!((error.code(), error.message()), (3, "execution reverted"));
        assert_eq!(error.data().map(|data| data.get()), Some("\"0xabcd\""));
    }
}
