//! A P-256 session key end to end: the real EntryPoint v0.7 and OpenZeppelin account (EVM
//! bytecode), the module's deployed artifact, and the RIP-7212 precompile the chain serves.

use crate::support;

use alloy_primitives::U256;
use support::{
    evm::{failed_op, World},
    execute_single, move_data, session_op_hash, use_signature, P256Key, MODULE,
};

#[test]
fn a_p256_key_plays_through_handle_ops_and_another_key_cannot() {
    let key = P256Key::from_seed(7);
    let mut world = World::installed();
    let mut session = world.game_session(&support::SessionKey::from_seed(1));
    session.keyType = 1;
    session.key = key.id().into_word();
    let id = world.enable_by_owner(session);
    let game = world.game;

    let sign_with = |world: &mut World, signer: &P256Key| {
        let mut op = world.op(MODULE, execute_single(game, 0, &move_data(1, 2)).to_vec());
        let hash = session_op_hash(world.user_op_hash(&op), id, 0);
        op.signature = use_signature(id, &signer.sign(hash));
        op
    };
    let op = sign_with(&mut world, &key);
    assert_eq!(world.handle(op), Ok(()));
    assert_eq!(world.moves(), U256::from(1));
    let stolen = sign_with(&mut world, &P256Key::from_seed(8));
    assert_eq!(world.handle(stolen), Err(failed_op("AA24 signature error")));
    assert_eq!(world.moves(), U256::from(1));
}
