//! Argument rules and recurring periods end to end: the real EntryPoint v0.7 and OpenZeppelin
//! account (EVM bytecode) and the module's deployed artifact. The EntryPoint enforces a
//! period's window from the validation data; the module refuses broken rules.

use crate::support;

use alloy_primitives::{aliases::U48, Bytes, B256, U256};
use alloy_sol_types::SolError;
use session_core::interface::ISmartSessions;
use support::{
    evm::{failed_op, failed_op_with_revert, PackedUserOperation, World},
    execute_single, game_rule, move_data, SessionKey, MOVE, NOW,
};

const HOUR: u64 = 3_600;

/// `op` signed by `key` for the session, counting in period `index`.
fn in_period(
    world: &mut World,
    id: B256,
    key: &SessionKey,
    index: u32,
    call_data: Bytes,
) -> PackedUserOperation {
    world.session_op_in(id, key, call_data, Some(index))
}

#[test]
fn one_move_per_hour_and_the_entry_point_holds_each_to_its_hour() {
    let key = SessionKey::from_seed(1);
    let mut world = World::installed();
    let mut session = world.game_session(&key);
    session.validUntil = U48::from(NOW + 3 * HOUR);
    session.period = U48::from(HOUR);
    session.maxUses = 1;
    let id = world.enable_by_owner(session);
    let game = world.game;
    let a_move = || execute_single(game, 0, &move_data(1, 2));

    // The chain's clock is 10 minutes into the session: period 0.
    let first = in_period(&mut world, id, &key, 0, a_move());
    assert_eq!(world.handle(first), Ok(()));
    let second = in_period(&mut world, id, &key, 0, a_move());
    let used_up = ISmartSessions::UsageLimitReached { permissionId: id, maxUses: 1 };
    assert_eq!(world.handle(second), Err(failed_op_with_revert(used_up.abi_encode())));
    // Naming the next period early: the module answers that period's window, which the
    // EntryPoint refuses now.
    let early = in_period(&mut world, id, &key, 1, a_move());
    assert_eq!(world.handle(early.clone()), Err(failed_op("AA22 expired or not due")));
    assert_eq!(world.moves(), U256::from(1));

    world.chain.set_timestamp(NOW + HOUR + 60);
    assert_eq!(world.handle(early), Ok(()), "the same operation, in its hour");
    assert_eq!(world.moves(), U256::from(2));
    let late = in_period(&mut world, id, &key, 0, a_move());
    let gone = ISmartSessions::SessionPeriodInvalid { permissionId: id, periodIndex: 0 };
    assert_eq!(world.handle(late), Err(failed_op_with_revert(gone.abi_encode())));
}

#[test]
fn a_move_breaking_an_argument_rule_never_reaches_the_game() {
    let key = SessionKey::from_seed(1);
    let mut world = World::installed();
    let mut session = world.game_session(&key);
    let mut rule = game_rule(MOVE, 0, 1, 7);
    rule.target = world.game;
    session.argRules = vec![rule];
    let id = world.enable_by_owner(session);
    let game = world.game;

    let op = world.session_op(id, &key, execute_single(game, 0, &move_data(7, 0)));
    assert_eq!(world.handle(op), Ok(()));
    let op = world.session_op(id, &key, execute_single(game, 0, &move_data(8, 0)));
    let broken = ISmartSessions::ArgumentRuleViolated {
        permissionId: id,
        target: game,
        selector: MOVE,
        ruleIndex: U256::ZERO,
    };
    assert_eq!(world.handle(op), Err(failed_op_with_revert(broken.abi_encode())));
    assert_eq!(world.moves(), U256::from(1));
}
