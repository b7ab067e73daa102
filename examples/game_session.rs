//! The 2-hour game session, narrated on the in-process chain: the real ERC-4337 EntryPoint
//! v0.7 and OpenZeppelin's `AccountERC7579` as EVM bytecode (`make evm`), the module as its
//! deployed Stylus artifact (`make build`), run by revm and `stylus-runtime`.
//!
//! Alice lets a game frontend's key play for 2 hours, only `move` on the game contract, at
//! most 0.01 ether per move; she signs once, off-chain, and never again.

#[path = "../tests/support/mod.rs"]
mod support;

use alloy_primitives::{aliases::U48, Bytes, U256};
use alloy_sol_types::{SolError, SolInterface};
use session_core::interface::{Error, SessionGrant};
use stylus_smart_sessions::programs::{TEST_EXECUTOR, TEST_MANAGER};
use support::{
    evm::{IEntryPoint, World},
    *,
};

/// The EntryPoint's verdict on one `handleOps`, in words.
fn verdict(result: &Result<(), Vec<u8>>) -> String {
    match result {
        Ok(()) => "executed".into(),
        Err(data) => {
            if let Ok(failed) = IEntryPoint::FailedOpWithRevert::abi_decode(data) {
                let inner = Error::abi_decode(&failed.inner)
                    .map_or_else(|_| format!("{}", failed.inner), |e| format!("{e:?}"));
                format!("refused: {} — {inner}", failed.reason)
            } else if let Ok(failed) = IEntryPoint::FailedOp::abi_decode(data) {
                format!("refused: {}", failed.reason)
            } else {
                format!("refused: {data:?}")
            }
        }
    }
}

fn main() {
    let frontend = SessionKey::from_seed(0x47);
    let mut world = World::installed();
    let (game, account) = (world.game, world.account);
    println!("Stylus Smart Sessions: the 2-hour game session on the in-process chain\n");
    println!("EntryPoint v0.7 {}", world.entry_point);
    println!(
        "alice's account {account} (OpenZeppelin AccountERC7579, owner {})",
        world.owner.address()
    );
    println!(
        "module          {MODULE} (Stylus validator, {} bytes of code; its manager {TEST_MANAGER}, {} bytes; its executor {TEST_EXECUTOR}, {} bytes)",
        code_size(),
        support::chain::manager_code().len(),
        support::chain::executor_code().len()
    );
    println!("game            {game}");
    println!("frontend key    {}\n", frontend.address());
    println!("1. Alice's own UserOperation installs the module           executed");

    let session = world.game_session(&frontend);
    let grant = SessionGrant { session, nonce: U256::ZERO, deadline: U48::from(NOW + 3600) };
    let digest = grant.digest(CHAIN_ID, MODULE);
    let permission_id = grant.session.permission_id(CHAIN_ID, MODULE);
    println!("2. Alice signs the grant off-chain (no transaction)        digest {digest}");
    let owner_signature: Bytes = world.owner_signature(digest);

    let mut step = 3;
    let mut show = |what: &str, world: &mut World, op| {
        let (result, gas) = world.handle_with_gas(op);
        let module = world.last_validation().map_or(0, |frame| frame.gas);
        let verdict = verdict(&result);
        println!("{step}. {what:<54} {verdict} [handleOps {gas} gas, module {module}]");
        step += 1;
        verdict
    };
    let first = world.enable_op(
        grant,
        owner_signature,
        &frontend,
        execute_single(game, 0, &move_data(0, 0)),
    );
    let enabled = show("frontend's first move enables the session (ENABLE)", &mut world, first);
    let mut moves = Vec::new();
    for (what, target, value, data, key) in [
        ("frontend moves, 0.01 ETH", game, ETHER / 100, move_data(1, 2), &frontend),
        ("frontend calls claimPrize() on the game", game, 0, CLAIM.to_vec(), &frontend),
        ("frontend moves with 0.02 ETH", game, 2 * ETHER / 100, move_data(2, 3), &frontend),
        ("another key signs a move", game, 0, move_data(3, 4), &SessionKey::from_seed(0x66)),
    ] {
        let op = world.session_op(permission_id, key, execute_single(target, value, &data));
        moves.push(show(what, &mut world, op));
    }
    // The frontend's holder also runs the bundler: a free move priced at 5,000,000
    // pre-verification gas and 1,000 gwei would have the EntryPoint take 9 ETH from Alice.
    let mut drain = world.op(MODULE, execute_single(game, 0, &move_data(4, 4)).to_vec());
    drain.preVerificationGas = U256::from(5_000_000);
    drain.gasFees = support::packed_gas(1_000_000_000_000, 1_000_000_000_000);
    let drain = world.signed_for_session(drain, permission_id, &frontend);
    moves.push(show("frontend prices a free move at 1,000 gwei (9 ETH gas)", &mut world, drain));
    world.chain.set_timestamp(NOW + TWO_HOURS + 1);
    let late =
        world.session_op(permission_id, &frontend, execute_single(game, 0, &move_data(5, 5)));
    moves.push(show("frontend moves 2 hours and 1 second in", &mut world, late));

    let expected = [
        "executed",
        "ActionNotAllowed",
        "CallValueAboveLimit",
        "AA24",
        "GasCostAboveLimit",
        "AA22",
    ];
    assert!(enabled.starts_with("executed"), "{enabled}");
    for (verdict, expected) in moves.iter().zip(expected) {
        assert!(verdict.contains(expected), "{verdict}");
    }
    println!(
        "\ngame moves by alice's account: {}; ETH the game received: {} wei",
        world.moves(),
        world.chain.balance(game)
    );
    println!(
        "(gas: revm's EVM gas, the module's Stylus frames at Nitro's prices; `module` is its \
         validateUserOp frame; `make bench` has the table)"
    );
}

fn code_size() -> usize {
    support::chain::deployed_code().len()
}
