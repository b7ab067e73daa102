//! Passkeys (WebAuthn) and 2-of-3 multisig session keys end to end: the real EntryPoint v0.7
//! and OpenZeppelin account (EVM bytecode), the module's deployed artifact, and the SHA-256,
//! RIP-7212 and ecrecover precompiles the chain serves. Validation stays within ERC-7562: only
//! storage associated with the account, and calls to precompiles alone.

use crate::support;

use alloy_primitives::{address, Address, B256, U256};
use session_core::session_key::KeyType;
use smart_session::{
    encode::{MultisigSigner, SessionSigner, Signer},
    passkey::Passkey,
};
use support::{
    evm::{failed_op, World},
    execute_single, move_data, session_op_hash, use_signature, P256Key, MODULE,
};

/// The precompiles validation may call: ecrecover, SHA-256, P256VERIFY.
const PRECOMPILES: [Address; 3] = [
    address!("0000000000000000000000000000000000000001"),
    address!("0000000000000000000000000000000000000002"),
    address!("0000000000000000000000000000000000000100"),
];

/// `signer` plays a move through `handleOps`; `stranger` (same key type) cannot.
fn plays_through_handle_ops(signer: &SessionSigner, stranger: &SessionSigner) {
    let mut world = World::installed();
    let mut session = world.game_session(&support::SessionKey::from_seed(1));
    session.keyType = signer.key_type().code();
    session.key = signer.key_id().into_word();
    let id = world.enable_by_owner(session);
    let game = world.game;
    world.chain.clear_stylus_frames();
    world.chain.record_validations_of(world.account);

    let sign_with = |world: &mut World, key: &SessionSigner| {
        let mut op = world.op(MODULE, execute_single(game, 0, &move_data(1, 2)).to_vec());
        let hash = session_op_hash(world.user_op_hash(&op), id, 0);
        op.signature = use_signature(id, &key.sign(hash));
        op
    };
    let op = sign_with(&mut world, signer);
    assert_eq!(world.handle(op), Ok(()));
    assert_eq!(world.moves(), U256::from(1));
    let op = sign_with(&mut world, stranger);
    assert_eq!(world.handle(op), Err(failed_op("AA24 signature error")));
    assert_eq!(world.moves(), U256::from(1));

    let validations = world.chain.validations().to_vec();
    assert!(!validations.is_empty());
    for validation in &validations {
        assert_eq!(validation.unassociated(), vec![]);
    }
    let account = world.account;
    for frame in world.chain.stylus_frames().iter().filter(|frame| frame.caller == account) {
        assert!(frame.calls.iter().all(|call| PRECOMPILES.contains(&call.to)), "{:?}", frame.calls);
    }
}

fn passkey(seed: u8) -> SessionSigner {
    let key = P256Key::from_seed(seed);
    let passkey = Passkey::new(key.signer(), "game.example", true);
    SessionSigner::WebAuthn(passkey, KeyType::WebAuthnUserVerified, key.id())
}

fn two_of_three(seeds: [u8; 3]) -> SessionSigner {
    let key = |seed: u8| Signer::from_hex(&B256::repeat_byte(seed).to_string()).unwrap();
    SessionSigner::Multisig(MultisigSigner {
        threshold: 2,
        signers: seeds.iter().map(|&seed| key(seed).address()).collect(),
        keys: vec![key(seeds[0]), key(seeds[2])],
    })
}

#[test]
fn a_passkey_plays_through_handle_ops_and_another_cannot() {
    plays_through_handle_ops(&passkey(7), &passkey(8));
}

#[test]
fn two_of_three_keys_play_through_handle_ops_and_another_set_cannot() {
    plays_through_handle_ops(&two_of_three([0x31, 0x32, 0x33]), &two_of_three([0x31, 0x32, 0x34]));
}
