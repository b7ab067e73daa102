//! Writes the module's Solidity interface and JSON ABI: `export-abi <dir>` (see `make abi`).

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::io::Result<()> {
    use stylus_smart_sessions::export::{json_abi, solidity_interface};

    let dir = std::env::args().nth(1).unwrap_or_else(|| "abi".into());
    std::fs::create_dir_all(&dir)?;
    std::fs::write(format!("{dir}/ISmartSessions.sol"), solidity_interface())?;
    std::fs::write(format!("{dir}/ISmartSessions.json"), json_abi())?;
    println!("wrote {dir}/ISmartSessions.sol and {dir}/ISmartSessions.json");
    Ok(())
}

#[cfg(target_arch = "wasm32")]
fn main() {}
