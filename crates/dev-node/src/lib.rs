//! A local JSON-RPC node over the in-process Stylus chain (`local-chain`): Ethereum tools
//! (viem, cast, a bundler) talk to it over HTTP on 127.0.0.1 while revm runs the EVM contracts
//! and `stylus-runtime` the module's deployed programs, their gas at Nitro's prices.
//!
//! At start it deploys EntryPoint v0.7 at its canonical address, the module's three programs,
//! OpenZeppelin's account (owned by dev key 0), the game and a test token, and funds anvil's
//! ten dev keys ([`setup`]). Each transaction is mined at once in a block of its own
//! ([`node`]); [`rpc`] serves the methods.

pub mod keys;
pub mod node;
pub mod rpc;
pub mod setup;

/// What the node refuses, each a JSON-RPC error ([`rpc`] gives the codes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// `make build` or `make evm` has not written this artifact.
    MissingArtifact(String),
    /// A deployment at start failed.
    Setup(String),
    /// A raw transaction that does not decode.
    InvalidRawTransaction(String),
    /// A transaction type the node does not run (EIP-4844, EIP-7702).
    UnsupportedType(u8),
    /// A transaction signed for another chain: (its chain id, the node's).
    WrongChain(u64, u64),
    /// A signature no sender recovers from.
    BadSignature,
    /// (the transaction's nonce, the sender's next nonce).
    NonceTooLow(u64, u64),
    /// (the transaction's nonce, the sender's next nonce): the node keeps no pool, so a
    /// transaction after a gap is refused, not queued.
    NonceTooHigh(u64, u64),
    /// (the transaction's gas limit, the block's).
    GasLimitAboveBlock(u64, u64),
    /// Refused by the chain before running (fees, balance, intrinsic gas), with its reason.
    Rejected(String),
    /// A call that reverted, with its revert data.
    Reverted(alloy_primitives::Bytes),
    /// A call that halted (out of gas, invalid opcode, ...).
    Halted(String),
    /// A block the node has not mined.
    UnknownBlock(u64),
    /// A block hash the node does not know.
    UnknownBlockHash(alloy_primitives::B256),
    /// The state of a block older than the node keeps: (the block, how many it keeps).
    StateGone(u64, usize),
    /// `evm_setNextBlockTimestamp` or `evm_mine` with a time not after the latest block's:
    /// (the time asked, the latest block's).
    TimestampNotAfter(u64, u64),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::MissingArtifact(what) => write!(f, "missing artifact: {what}"),
            Self::Setup(what) => write!(f, "setup failed: {what}"),
            Self::InvalidRawTransaction(why) => write!(f, "invalid raw transaction: {why}"),
            Self::UnsupportedType(ty) => write!(f, "transaction type {ty} is not supported"),
            Self::WrongChain(got, ours) => {
                write!(f, "transaction for chain {got}, this is chain {ours}")
            }
            Self::BadSignature => write!(f, "invalid transaction signature"),
            Self::NonceTooLow(got, next) => write!(f, "nonce too low: next nonce {next}, tx nonce {got}"),
            Self::NonceTooHigh(got, next) => write!(
                f,
                "nonce too high: next nonce {next}, tx nonce {got} (transactions are mined at once; none is queued)"
            ),
            Self::GasLimitAboveBlock(got, block) => {
                write!(f, "gas limit {got} exceeds the block gas limit {block}")
            }
            Self::Rejected(why) => write!(f, "transaction rejected: {why}"),
            Self::Reverted(_) => write!(f, "execution reverted"),
            Self::Halted(why) => write!(f, "execution halted: {why}"),
            Self::UnknownBlock(number) => write!(f, "block {number} not found"),
            Self::UnknownBlockHash(hash) => write!(f, "block {hash} not found"),
            Self::StateGone(number, kept) => {
                write!(f, "state of block {number} is gone (the node keeps the last {kept} blocks')")
            }
            Self::TimestampNotAfter(asked, latest) => {
                write!(f, "timestamp {asked} is not after the latest block's ({latest})")
            }
        }
    }
}

impl std::error::Error for Error {}

/// The crate's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;
