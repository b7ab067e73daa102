//! Rhinestone's SmartSession beside this module (`make bench` compares them): on the same chain
//! and account, the game session it runs must enforce what this module's does, or the figures
//! would compare unlike work. Its session validator and policies are this project's minimal
//! ones (tests/evm/contracts/smart-sessions/Parts.sol).

use crate::support;

use alloy_primitives::U256;
use alloy_sol_types::SolError;
use support::{
    evm::{failed_op, failed_op_with_revert, World},
    execute_single, move_data,
    smart_sessions::{self, Parts, PolicyViolation},
    SessionKey, ETHER, NOW, TWO_HOURS,
};

fn a_move(world: &World, value: u128, square: u8) -> alloy_primitives::Bytes {
    execute_single(world.game, value, &move_data(square, square))
}

/// SmartSession installed on the account, with the game session for `key` enabled by the
/// owner under the window and value policies.
fn playing(key: &SessionKey) -> (World, Parts, alloy_primitives::B256) {
    let mut world = World::new();
    let parts = smart_sessions::install(&mut world);
    let session = parts.game_session(&world, key, true);
    let id = parts.enable_by_owner(&mut world, session);
    (world, parts, id)
}

#[test]
fn smart_sessions_moves_pass_and_the_policies_refuse_what_this_module_refuses() {
    let key = SessionKey::from_seed(1);
    let (mut world, parts, id) = playing(&key);
    let call = a_move(&world, ETHER / 100, 1);
    let op = parts.use_op(&mut world, id, &key, call);
    assert_eq!(world.handle(op), Ok(()));
    assert_eq!(world.moves(), U256::from(1));
    assert!(smart_sessions::last_validation(&world).success);

    // 0.02 ether: the value policy fails the operation, and SmartSession reverts naming it.
    let call = a_move(&world, ETHER / 50, 2);
    let op = parts.use_op(&mut world, id, &key, call);
    let refusal = PolicyViolation { permissionId: id, policy: parts.value_limit };
    assert_eq!(world.handle(op), Err(failed_op_with_revert(refusal.abi_encode())));
    // Another key: the session validator refuses its signature.
    let call = a_move(&world, 0, 3);
    let op = parts.use_op(&mut world, id, &SessionKey::from_seed(2), call);
    assert_eq!(world.handle(op), Err(failed_op("AA24 signature error")));
    // Past the window: the EntryPoint refuses the window the policy returned.
    world.chain.set_timestamp(NOW + TWO_HOURS + 1);
    let call = a_move(&world, 0, 4);
    let op = parts.use_op(&mut world, id, &key, call);
    assert_eq!(world.handle(op), Err(failed_op("AA22 expired or not due")));
    assert_eq!(world.moves(), U256::from(1));
}

#[test]
fn smart_sessions_sudo_session_moves_and_enable_mode_enables_in_the_first_operation() {
    let key = SessionKey::from_seed(1);
    let mut world = World::new();
    let parts = smart_sessions::install(&mut world);
    let sudo = parts.game_session(&world, &key, false);
    let id = parts.enable_by_owner(&mut world, sudo);
    let call = a_move(&world, ETHER / 100, 1);
    let op = parts.use_op(&mut world, id, &key, call);
    assert_eq!(world.handle(op), Ok(()));

    // ENABLE: the owner's signature travels in the key's first operation.
    let other = SessionKey::from_seed(3);
    let session = parts.game_session(&world, &other, true);
    let call = a_move(&world, ETHER / 100, 2);
    let op = parts.enable_op(&mut world, session.clone(), &other, call);
    assert_eq!(world.handle(op), Ok(()));
    assert_eq!(world.moves(), U256::from(2));
    // Enabled for good: the next operation is a plain USE.
    let id = smart_sessions::permission_id(&mut world, &session);
    let call = a_move(&world, ETHER / 100, 3);
    let op = parts.use_op(&mut world, id, &other, call);
    assert_eq!(world.handle(op), Ok(()));
    assert_eq!(world.moves(), U256::from(3));
}
