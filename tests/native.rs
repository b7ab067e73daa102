//! The module on the SDK's test VM, through its real ABI entry (`tests/support`'s `Harness`):
//! one test binary for every native test file, so `tests/support` is compiled once. Each file
//! is a module named after it (`cargo test --test native validator::`).

mod support;

#[path = "abi.rs"]
mod abi;
#[path = "enable.rs"]
mod enable;
#[path = "executor.rs"]
mod executor;
#[path = "gas.rs"]
mod gas;
#[path = "key_types.rs"]
mod key_types;
#[path = "management.rs"]
mod management;
#[path = "p256.rs"]
mod p256;
#[path = "periods.rs"]
mod periods;
#[path = "rules.rs"]
mod rules;
#[path = "signing.rs"]
mod signing;
#[path = "tokens.rs"]
mod tokens;
#[path = "validator.rs"]
mod validator;
#[path = "worked_example.rs"]
mod worked_example;
