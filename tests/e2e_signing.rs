//! Session signatures end to end on the in-process chain: OpenZeppelin's `AccountERC7579` (EVM
//! bytecode, with an EIP-712 domain) routes `isValidSignature(hash, module ‖ signature)` to the
//! module's deployed artifact, which asks the account for its domain (ERC-5267) and answers for
//! the session. (The session's signatures on each account, accepted and refused:
//! `tests/accounts.rs`.)

use crate::support;

use alloy_primitives::FixedBytes;
use alloy_sol_types::SolCall;
use session_core::interface::ISmartSessions::removeSessionCall;
use smart_session::accounts::AccountKind;
use support::{
    erc7739::{mail_domain, mail_hash, typed_signature},
    evm::World,
    execute_single, SessionKey, MODULE, NOW,
};

#[test]
fn a_removed_session_signs_nothing_for_the_account() {
    let key = SessionKey::from_seed(1);
    let (mut world, id) = World::signing_on(AccountKind::OpenZeppelin, &key);
    let account = world.account;
    world.chain.set_timestamp(NOW + 60);
    let typed = typed_signature(&key, id, account, &mail_domain());
    assert_eq!(world.is_valid_signature(mail_hash(), &typed), FixedBytes([0x16, 0x26, 0xba, 0x7e]));
    let remove = removeSessionCall { permissionId: id }.abi_encode();
    world.owner_op(execute_single(MODULE, 0, &remove).to_vec()).expect("the owner removes it");
    assert_eq!(world.is_valid_signature(mail_hash(), &typed), FixedBytes([0xff; 4]));
}
