//! A P-256 session key end to end: the real EntryPoint v0.7 and OpenZeppelin account (EVM
//! bytecode), the module's deployed artifact, and the RIP-7212 precompile the chain serves.

mod support;

use alloy_primitives::U256;
use support::{evm::World, execute_single, move_data, P256Key, MODULE};

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
        let hash = world.user_op_hash(&op);
        op.signature = [&[0u8][..], id.as_slice(), &signer.sign(hash)].concat().into();
        op
    };
    let op = sign_with(&mut world, &key);
    assert_eq!(world.handle(op), Ok(()));
    assert_eq!(world.moves(), U256::from(1));
    let stolen = sign_with(&mut world, &P256Key::from_seed(8));
    let refused = support::evm::IEntryPoint::FailedOp {
        opIndex: U256::ZERO,
        reason: "AA24 signature error".into(),
    };
    assert_eq!(world.handle(stolen), Err(alloy_sol_types::SolError::abi_encode(&refused)));
    assert_eq!(world.moves(), U256::from(1));
}
