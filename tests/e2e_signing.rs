//! Session signatures end to end on the in-process chain: OpenZeppelin's `AccountERC7579` (EVM
//! bytecode, with an EIP-712 domain) routes `isValidSignature(hash, module ‖ signature)` to the
//! module's deployed artifact, which asks the account for its domain (ERC-5267) and answers for
//! the session.

mod support;

use alloy_primitives::{Address, Bytes, FixedBytes, B256, U256};
use alloy_sol_types::SolCall;
use local_chain::ExecutionResult;
use session_core::interface::{ISmartSessions::removeSessionCall, SigningScope};
use support::{
    erc7739::{mail_domain, mail_hash, personal_signature, typed_signature},
    evm::{World, DEPLOYER, IERC1271},
    execute_single, SessionKey, MODULE, NOW, TWO_HOURS,
};

const MAGIC: FixedBytes<4> = FixedBytes::new([0x16, 0x26, 0xba, 0x7e]);

/// What the account answers an app asking `isValidSignature(hash, module ‖ signature)`.
fn account_answers(world: &mut World, hash: B256, signature: &Bytes) -> FixedBytes<4> {
    let call = IERC1271::isValidSignatureCall {
        hash,
        signature: [MODULE.as_slice(), signature].concat().into(),
    };
    let account = world.account;
    match world.chain.call(DEPLOYER, account, call.abi_encode(), U256::ZERO) {
        ExecutionResult::Success { output, .. } => {
            IERC1271::isValidSignatureCall::abi_decode_returns(output.data()).unwrap()
        }
        other => panic!("isValidSignature failed: {other:?}"),
    }
}

/// The game session of `key`, allowed to sign the mail app's typed data and personal messages.
fn signing_world(key: &SessionKey) -> (World, B256) {
    let mut world = World::installed();
    let mut session = world.game_session(key);
    session.signing = vec![
        SigningScope { appDomain: mail_domain().separator(), contentsType: B256::ZERO },
        SigningScope { appDomain: B256::ZERO, contentsType: B256::ZERO },
    ];
    let id = world.enable_by_owner(session);
    (world, id)
}

#[test]
fn the_account_answers_the_erc1271_magic_for_a_sessions_typed_data_and_personal_message() {
    let key = SessionKey::from_seed(1);
    let (mut world, id) = signing_world(&key);
    let account = world.account;
    world.chain.set_timestamp(NOW + 60);
    let typed = typed_signature(&key, id, account, &mail_domain());
    assert_eq!(account_answers(&mut world, mail_hash(), &typed), MAGIC);
    let (hash, personal) = personal_signature(&key, id, account, b"log in to the game");
    assert_eq!(account_answers(&mut world, hash, &personal), MAGIC);

    // Signed for another account (same key): refused. After expiry: refused.
    let elsewhere = typed_signature(&key, id, Address::repeat_byte(0x77), &mail_domain());
    assert_eq!(account_answers(&mut world, mail_hash(), &elsewhere), FixedBytes([0xff; 4]));
    world.chain.set_timestamp(NOW + TWO_HOURS + 1);
    assert_eq!(account_answers(&mut world, mail_hash(), &typed), FixedBytes([0xff; 4]));
}

#[test]
fn a_removed_session_signs_nothing_for_the_account() {
    let key = SessionKey::from_seed(1);
    let (mut world, id) = signing_world(&key);
    let account = world.account;
    world.chain.set_timestamp(NOW + 60);
    let typed = typed_signature(&key, id, account, &mail_domain());
    let remove = removeSessionCall { permissionId: id }.abi_encode();
    world.owner_op(execute_single(MODULE, 0, &remove).to_vec()).expect("the owner removes it");
    assert_eq!(account_answers(&mut world, mail_hash(), &typed), FixedBytes([0xff; 4]));
}
