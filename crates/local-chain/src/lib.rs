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
//!
//! The crate's parts: [`Chain`] (`chain.rs`), the facade the tests, the demo and the node
//! share; the Stylus frames in the EVM (`stylus/`, [`StylusInspector`]); and the ERC-7562
//! recorder (`erc7562.rs`, [`Recorder`]), an inspector of its own that the Stylus inspector
//! drives and feeds with what its frames touched.

pub mod arbos;
pub mod artifacts;
mod chain;
mod erc7562;
mod stylus;

pub use chain::{Chain, State, StateReader, StateWriter};
pub use erc7562::{Recorder, ValidationRecord};
pub use revm::{
    context::{result::ExecutionResult, TxEnv},
    primitives::{Log, TxKind},
};
pub use stylus::{EvmFrame, StylusFrame, StylusInspector};

/// The chain's context type.
type ChainContext = revm::handler::MainnetContext<State>;

/// What the chain refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A transaction refused before it ran (fees, balance, gas limit, nonce), with revm's
    /// reason.
    InvalidTransaction(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidTransaction(reason) => write!(f, "invalid transaction: {reason}"),
        }
    }
}

impl std::error::Error for Error {}

/// The crate's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;
