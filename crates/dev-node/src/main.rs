//! `dev-node`: the local JSON-RPC node (`make node`). Deploys the module and its EVM
//! counterparts, prints their addresses and the dev keys, then serves on 127.0.0.1.

use std::{net::SocketAddr, path::PathBuf, process::ExitCode, sync::mpsc};

use clap::Parser;
use dev_node::{
    keys::dev_keys,
    node::Node,
    rpc,
    setup::{self, Artifacts, Deployment, CREATE2_DEPLOYER, DEV_KEY_ETHER},
};
use jsonrpsee::server::Server;
use local_chain::Chain;

/// The chain thread's stack: 1 GiB of address space for deep nesting of EVM and Stylus frames.
const CHAIN_STACK: usize = 1 << 30;

/// Nitro's dev chain id (its dev node's), so wallets treat the node as Arbitrum's local chain.
const CHAIN_ID: u64 = 412_346;

/// A local JSON-RPC node over the in-process Stylus chain, with the smart-session module,
/// EntryPoint v0.7, OpenZeppelin's account, the game and a test token deployed.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The port to serve on (127.0.0.1 only); 0 picks a free one.
    #[arg(long, default_value_t = 8547)]
    port: u16,
    /// The build directory holding `make build`'s programs and `make evm`'s out/.
    #[arg(long)]
    artifacts: Option<PathBuf>,
}

fn print(deployment: &Deployment) {
    let d = deployment;
    println!("dev-node: Stylus Smart Sessions on the in-process chain, chain id {CHAIN_ID}");
    println!("EntryPoint v0.7   {}", d.entry_point);
    println!("module            {} (Stylus validator)", d.module);
    println!("module manager    {} (Stylus, delegatecalled by the validator)", d.manager);
    println!("module executor   {} (Stylus, delegatecalled by the validator)", d.executor);
    println!("owner validator   {}", d.owner_validator);
    println!("CREATE2 deployer  {CREATE2_DEPLOYER} (the deterministic-deployment proxy)");
    println!(
        "account           {} (OpenZeppelin AccountERC7579, owner dev key 0, 10 ETH)",
        d.account
    );
    println!("game              {}", d.game);
    println!("test token        {} (1,000,000 TT minted to the account)", d.token);
    println!(
        "account factory   {} (more such accounts: createAccount(owner, salt), getAddress(owner, salt))",
        d.account_factory
    );
    println!("dev keys          {DEV_KEY_ETHER} ETH each (anvil's test mnemonic; never use them elsewhere)");
    for (index, key) in dev_keys().iter().enumerate() {
        println!("  ({index}) {} {}", key.address, key.private_key);
    }
}

/// Sets the chain up and serves it on a thread of its own (revm's EVM is not `Send`); what
/// it deployed, or why it could not.
fn start_chain(artifacts: Artifacts) -> Result<(Deployment, mpsc::Sender<rpc::Request>), String> {
    let (requests, incoming) = mpsc::channel();
    let (ready, deployed) = mpsc::channel();
    // Calls out of Stylus frames run in nested EVMs, natively recursive: a bundler's simulation
    // of a UserOperation validated by the module overflowed the default 2 MiB stack. Only the
    // pages touched are committed.
    let serve = move || {
        let mut chain = Chain::new(CHAIN_ID, 0);
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        chain.set_timestamp(now.map_or(0, |now| now.as_secs()));
        match setup::deploy(&mut chain, &artifacts) {
            Ok(deployment) => {
                let _ = ready.send(Ok(deployment));
                rpc::serve_chain(Node::new(chain), &incoming);
            }
            Err(error) => {
                let _ = ready.send(Err(error.to_string()));
            }
        }
    };
    let spawned =
        std::thread::Builder::new().name("chain".into()).stack_size(CHAIN_STACK).spawn(serve);
    spawned.map_err(|error| format!("cannot start the chain thread: {error}"))?;
    let deployment = deployed.recv().map_err(|_| "the chain thread died during setup")??;
    Ok((deployment, requests))
}

async fn serve(args: Args) -> Result<(), String> {
    let artifacts = Artifacts { dir: args.artifacts.unwrap_or_else(setup::default_artifacts_dir) };
    let (deployment, chain) = start_chain(artifacts.clone())?;
    let address = SocketAddr::from(([127, 0, 0, 1], args.port));
    let server = Server::builder()
        .build(address)
        .await
        .map_err(|error| format!("cannot listen on {address}: {error}"))?;
    let bound = server.local_addr().map_err(|error| error.to_string())?;
    print(&deployment);
    let module = rpc::module(chain).map_err(|error| error.to_string())?;
    let handle = server.start(module);
    // The last line, which scripts and tests wait for.
    println!("listening on http://{bound}");
    tokio::select! {
        () = handle.clone().stopped() => {}
        _ = tokio::signal::ctrl_c() => { let _ = handle.stop(); }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match serve(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("dev-node: {error}");
            ExitCode::FAILURE
        }
    }
}
