//! Prints the module's Solidity interface (`cargo run --features export-abi`).

#![cfg_attr(not(feature = "export-abi"), no_main)]

#[cfg(feature = "export-abi")]
fn main() {
    stylus_smart_sessions::print_from_args();
}
