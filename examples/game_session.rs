//! The 2-hour game session, narrated: Alice lets a game frontend's key play for 2 hours, only
//! `move` on the game contract, at most 0.01 ether per move.
//!
//! Runs the module through its ABI entry on the SDK's test VM (with a real ecrecover, see
//! `tests/support`), acting as Alice's account and as the EntryPoint's clock: the module never
//! reads the clock, it returns the session window, and the EntryPoint refuses an operation
//! outside it (`AA22 expired or not due`).

#[path = "../tests/support/mod.rs"]
mod support;

use alloy_primitives::{aliases::U48, Bytes, U256};
use stylus_smart_sessions::interface::{Error, ISmartSessions::*, SessionGrant};
use support::*;

/// What the EntryPoint makes of the module's answer at time `now`.
fn entry_point_verdict(result: &Result<U256, Error>, now: u64) -> String {
    match result {
        Err(error) => format!("refused by the module: {error:?}"),
        Ok(data) => {
            let word = data.to_be_bytes::<32>();
            let valid_after =
                u64::from_be_bytes([0, 0, word[0], word[1], word[2], word[3], word[4], word[5]]);
            let valid_until =
                u64::from_be_bytes([0, 0, word[6], word[7], word[8], word[9], word[10], word[11]]);
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
    let mut chain = Harness::new();
    println!("Stylus Smart Sessions: the 2-hour game session\n");
    println!("module      {MODULE}");
    println!("alice       {ALICE} (smart account)");
    println!("frontend    {} (session key)", frontend.address());
    println!("game        {GAME}\n");

    let owner = SessionKey::from_seed(0x0a);
    chain.install(ALICE);
    chain.set_owner(ALICE, &owner);
    println!("1. Alice installs the module                       ok");
    // Alice signs the grant off-chain, once; it can be enabled within the next hour.
    let grant = SessionGrant {
        session: game_session(ALICE, &frontend),
        nonce: U256::ZERO,
        deadline: U48::from(NOW + 3600),
    };
    let digest = grant.digest(CHAIN_ID, MODULE);
    println!("2. Alice signs the grant off-chain (no transaction) digest {digest}");
    println!(
        "   window {}..={} (2 h), move(uint8,uint8) on the game, <= 0.01 ETH per move",
        NOW,
        NOW + TWO_HOURS
    );
    let permission_id = grant.session.permission_id(CHAIN_ID, MODULE);
    let enable = single_chain_enable(grant, &owner, CHAIN_ID, MODULE);
    let first =
        chain.enable_op(ALICE, enable, &frontend, execute_single(GAME, 0, &move_data(0, 0)));
    let enabled = chain.validate(ALICE, &first);
    println!(
        "3. frontend's first move enables it (ENABLE mode)  {}",
        entry_point_verdict(&enabled, NOW + 60)
    );
    assert!(enabled.is_ok());
    println!("   permissionId {permission_id}\n");

    let mut step = 4;
    let mut attempt = |what: &str, call_data: Bytes, signer: &SessionKey, now: u64| {
        let op = chain.signed_op(ALICE, permission_id, signer, call_data);
        let before = chain.snapshot();
        let result = chain.validate(ALICE, &op);
        let verdict = entry_point_verdict(&result, now);
        // An operation the EntryPoint refuses reverts whole: its use is not counted.
        if !verdict.starts_with("executes") {
            chain.restore(before);
        }
        println!("{step}. {what:<48} {verdict}");
        step += 1;
        result
    };
    let move_with = |value| execute_single(GAME, value, &move_data(3, 4));
    let ok = attempt(
        "frontend moves, 0.01 ETH, 10 minutes in",
        move_with(ETHER / 100),
        &frontend,
        NOW + 600,
    );
    assert!(ok.is_ok());
    let batch = attempt(
        "frontend moves twice in one batch",
        execute_batch(&[
            execution(GAME, 0, move_data(1, 1)),
            execution(GAME, ETHER / 200, move_data(2, 2)),
        ]),
        &frontend,
        NOW + 900,
    );
    assert!(batch.is_ok());
    let other = attempt(
        "frontend calls another contract",
        execute_single(OTHER, 0, &move_data(0, 0)),
        &frontend,
        NOW + 1000,
    );
    assert!(other.is_err());
    let claim = attempt(
        "frontend calls claimPrize() on the game",
        execute_single(GAME, 0, CLAIM.as_slice()),
        &frontend,
        NOW + 1100,
    );
    assert!(claim.is_err());
    let greedy =
        attempt("frontend moves with 0.02 ETH", move_with(2 * ETHER / 100), &frontend, NOW + 1200);
    assert!(greedy.is_err());
    let thief = SessionKey::from_seed(0x66);
    let stolen = attempt("another key signs a move", move_with(0), &thief, NOW + 1300);
    assert!(entry_point_verdict(&stolen, NOW + 1300).contains("AA24"));
    let late = attempt(
        "frontend moves 2 hours and 1 second in",
        move_with(0),
        &frontend,
        NOW + TWO_HOURS + 1,
    );
    assert!(entry_point_verdict(&late, NOW + TWO_HOURS + 1).contains("AA22"));

    let state =
        chain.call(ALICE, getSessionCall { account: ALICE, permissionId: permission_id }).unwrap();
    println!(
        "   session counters: uses={} of {}, spent={} of {} wei",
        state.uses, state.maxUses, state.spent, state.maxTotalValue
    );

    chain.call(ALICE, revokeAllSessionsCall {}).expect("Alice revokes");
    println!("{step}. Alice revokes every session                     ok");
    let after =
        chain.validate(ALICE, &chain.signed_op(ALICE, permission_id, &frontend, move_with(0)));
    println!(
        "{}. frontend moves after the revocation              {}",
        step + 1,
        entry_point_verdict(&after, NOW + 60)
    );
}
