//! The 2-hour game session, narrated: Alice lets a game frontend's key play for 2 hours, only
//! `move` on the game contract, at most 0.01 ether per move.
//!
//! Runs the deployed artifact `make build` wrote (`target/stylus_smart_sessions.code`) on
//! `stylus-runtime`, acting as Alice's account (which answers ERC-1271 for her owner key) and
//! as the EntryPoint's clock: the module never reads the clock, it returns the session window,
//! and the EntryPoint refuses an operation outside it (`AA22 expired or not due`).

#[path = "../tests/support/mod.rs"]
mod support;

use alloy_primitives::{aliases::U48, Bytes, U256};
use stylus_smart_sessions::interface::{Error, ISmartSessions::*, SessionGrant};
use support::{chain::Chain, *};

/// What the EntryPoint makes of the module's answer at time `now`.
fn entry_point_verdict(result: &Result<U256, Error>, now: u64) -> String {
    match result {
        Err(error) => format!("refused by the module: {error:?}"),
        Ok(data) => {
            let word = data.to_be_bytes::<32>();
            let time = |at: usize| {
                u64::from_be_bytes([
                    0,
                    0,
                    word[at],
                    word[at + 1],
                    word[at + 2],
                    word[at + 3],
                    word[at + 4],
                    word[at + 5],
                ])
            };
            let (valid_after, valid_until) = (time(0), time(6));
            if word[31] == 1 {
                "refused by the EntryPoint: AA24 signature error".into()
            } else if now > valid_until || now < valid_after {
                format!("refused by the EntryPoint: AA22 expired or not due (valid {valid_after}..={valid_until})")
            } else {
                format!("executes (valid {valid_after}..={valid_until})")
            }
        }
    }
}

fn main() {
    let frontend = SessionKey::from_seed(0x47);
    let owner = SessionKey::from_seed(0x0a);
    let mut chain = Chain::new();
    chain.world.owners.insert(ALICE, owner.address());
    println!("Stylus Smart Sessions: the 2-hour game session, on the deployed artifact\n");
    println!("module      {MODULE} ({} bytes of code: EF F0 00 00 + brotli)", code_size());
    println!("alice       {ALICE} (smart account, owner {})", owner.address());
    println!("frontend    {} (session key)", frontend.address());
    println!("game        {GAME}\n");

    chain.call(ALICE, onInstallCall { data: Bytes::new() }).expect("Alice installs");
    println!("1. Alice installs the module                       ok");
    // Alice signs the grant off-chain, once; it can be enabled within the next hour.
    let grant = SessionGrant {
        session: game_session(ALICE, &frontend),
        nonce: U256::ZERO,
        deadline: U48::from(NOW + 3600),
    };
    println!(
        "2. Alice signs the grant off-chain (no transaction) digest {}",
        grant.digest(CHAIN_ID, MODULE)
    );
    println!(
        "   window {NOW}..={} (2 h), move(uint8,uint8) on the game, <= 0.01 ETH per move",
        NOW + TWO_HOURS
    );
    let permission_id = grant.session.permission_id(CHAIN_ID, MODULE);
    let enable = single_chain_enable(grant, &owner, CHAIN_ID, MODULE);
    let first = enable_op(ALICE, enable, &frontend, execute_single(GAME, 0, &move_data(0, 0)));
    let enabled = chain.validate(ALICE, &first);
    println!(
        "3. frontend's first move enables it (ENABLE mode)  {}",
        entry_point_verdict(&enabled, NOW + 60)
    );
    assert!(enabled.is_ok());
    println!("   permissionId {permission_id}\n");

    let mut step = 4;
    let mut attempt = |what: &str, call_data: Bytes, signer: &SessionKey, now: u64| {
        let op = signed_op(ALICE, permission_id, signer, call_data);
        let before = chain.world.storage.clone();
        let result = chain.validate(ALICE, &op);
        let verdict = entry_point_verdict(&result, now);
        // An operation the EntryPoint refuses reverts whole: its use is not counted.
        if !verdict.starts_with("executes") {
            chain.world.storage = before;
        }
        println!("{step}. {what:<48} {verdict}");
        step += 1;
        verdict
    };
    let move_with = |value| execute_single(GAME, value, &move_data(3, 4));
    let batch = execute_batch(&[
        execution(GAME, 0, move_data(1, 1)),
        execution(GAME, ETHER / 200, move_data(2, 2)),
    ]);
    let verdicts = [
        attempt(
            "frontend moves, 0.01 ETH, 10 minutes in",
            move_with(ETHER / 100),
            &frontend,
            NOW + 600,
        ),
        attempt("frontend moves twice in one batch", batch, &frontend, NOW + 900),
        attempt(
            "frontend calls another contract",
            execute_single(OTHER, 0, &move_data(0, 0)),
            &frontend,
            NOW + 1000,
        ),
        attempt(
            "frontend calls claimPrize() on the game",
            execute_single(GAME, 0, CLAIM.as_slice()),
            &frontend,
            NOW + 1100,
        ),
        attempt("frontend moves with 0.02 ETH", move_with(2 * ETHER / 100), &frontend, NOW + 1200),
        attempt("another key signs a move", move_with(0), &SessionKey::from_seed(0x66), NOW + 1300),
        attempt(
            "frontend moves 2 hours and 1 second in",
            move_with(0),
            &frontend,
            NOW + TWO_HOURS + 1,
        ),
    ];
    let expected = [
        "executes",
        "executes",
        "ActionNotAllowed",
        "ActionNotAllowed",
        "CallValueAboveLimit",
        "AA24",
        "AA22",
    ];
    for (verdict, expected) in verdicts.iter().zip(expected) {
        assert!(verdict.contains(expected), "{verdict}");
    }

    let state =
        chain.call(BOB, getSessionCall { account: ALICE, permissionId: permission_id }).unwrap();
    println!(
        "   session counters: uses={} of {}, spent={} of {} wei",
        state.uses, state.maxUses, state.spent, state.maxTotalValue
    );
    chain.call(ALICE, revokeAllSessionsCall {}).expect("Alice revokes");
    println!("11. Alice revokes every session                    ok");
    let after = chain.validate(ALICE, &signed_op(ALICE, permission_id, &frontend, move_with(0)));
    println!(
        "12. frontend moves after the revocation             {}",
        entry_point_verdict(&after, NOW + 60)
    );
    assert!(after.is_err());
}

fn code_size() -> usize {
    std::fs::metadata(concat!(env!("CARGO_MANIFEST_DIR"), "/target/stylus_smart_sessions.code"))
        .map_or(0, |m| m.len() as usize)
}
