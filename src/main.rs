//! Writes the module's Solidity interface, JSON ABI and EIP-712 types: `export-abi <dir>` (see
//! `make abi`).

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::io::Result<()> {
    use stylus_smart_sessions::export::{json_abi, solidity_interface, typed_data_types};

    let dir = std::env::args().nth(1).unwrap_or_else(|| "abi".into());
    std::fs::create_dir_all(&dir)?;
    std::fs::write(format!("{dir}/ISmartSessions.sol"), solidity_interface())?;
    std::fs::write(format!("{dir}/ISmartSessions.json"), json_abi())?;
    std::fs::write(format!("{dir}/typed-data.json"), typed_data_types())?;
    println!("wrote {dir}/ISmartSessions.sol, {dir}/ISmartSessions.json and {dir}/typed-data.json");
    Ok(())
}

#[cfg(target_arch = "wasm32")]
fn main() {}
