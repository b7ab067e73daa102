//! The deployed artifacts end to end: on `stylus-runtime` (`tests/support/chain.rs`) and on the
//! in-process chain beside the real EntryPoint and the four accounts (`tests/support/evm.rs`,
//! `tests/support/accounts.rs`): one test binary for every chain test file, so `tests/support`
//! and revm are compiled and linked once. Each file is a module named after it (`cargo test
//! --test chain accounts::nexus`).

mod support;

#[path = "accounts.rs"]
mod accounts;
#[path = "artifact.rs"]
mod artifact;
#[path = "client.rs"]
mod client;
#[path = "e2e.rs"]
mod e2e;
#[path = "e2e_executor.rs"]
mod e2e_executor;
#[path = "e2e_gas.rs"]
mod e2e_gas;
#[path = "e2e_key_types.rs"]
mod e2e_key_types;
#[path = "e2e_limits.rs"]
mod e2e_limits;
#[path = "e2e_p256.rs"]
mod e2e_p256;
#[path = "e2e_signing.rs"]
mod e2e_signing;
#[path = "e2e_smart_sessions.rs"]
mod e2e_smart_sessions;
#[path = "e2e_tokens.rs"]
mod e2e_tokens;
#[path = "solidity.rs"]
mod solidity;
