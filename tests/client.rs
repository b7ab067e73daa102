//! The client library against the deployed artifact: a policy parsed, a grant built and signed
//! (the typed data's hash, as a wallet signs it), UserOperation signatures encoded — all by
//! `smart-session` — enable and validate in the real program.

mod support;

use alloy_primitives::{Bytes, U256};
use smart_session::{
    encode::{self, Signer},
    policy::Policy,
    typed_data::grant_typed_data,
};
use stylus_smart_sessions::{
    interface::{Error, ISmartSessions::onInstallCall},
    validation::SIG_VALIDATION_FAILED,
};
use support::{chain::Chain, move_data, op_hash, user_op, ALICE, CHAIN_ID, GAME, MODULE, NOW};

const OWNER_KEY: &str = "0x0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a";
const SESSION_KEY: &str = "0x4747474747474747474747474747474747474747474747474747474747474747";

fn game_policy(session_key: &Signer) -> Policy {
    Policy::parse(&format!(
        r#"
        chain_id = {CHAIN_ID}
        module = "{MODULE}"
        account = "{ALICE}"
        session_key = "{}"
        valid_for = "2h"
        max_total_value = "0.1 ether"
        max_uses = 10
        [[actions]]
        target = "{GAME}"
        function = "move(uint8,uint8)"
        max_value_per_call = "0.01 ether"
        [grant]
        valid_for = "1h"
        "#,
        session_key.address()
    ))
    .expect("the policy parses")
}

#[test]
fn a_grant_built_and_signed_by_the_client_enables_and_validates_in_the_artifact() {
    let (owner, session_key) =
        (Signer::from_hex(OWNER_KEY).unwrap(), Signer::from_hex(SESSION_KEY).unwrap());
    let policy = game_policy(&session_key);
    let grant = policy.grant(NOW).unwrap();
    let permission_id = grant.session.permission_id(CHAIN_ID, MODULE);
    let wallet_hash = grant_typed_data(&grant, CHAIN_ID, MODULE).eip712_signing_hash().unwrap();
    let owner_signature = Bytes::copy_from_slice(&owner.sign(wallet_hash));

    let mut chain = Chain::new();
    chain.world.owners.insert(ALICE, owner.address());
    chain.call(ALICE, onInstallCall { data: Bytes::new() }).expect("the account installs it");
    let one_move = encode::execute_single(GAME, U256::from(10u64.pow(16)), &move_data(1, 2));

    // ENABLE: the first move carries the grant.
    let mut op = user_op(ALICE, one_move.clone(), Bytes::new());
    let key_signature = session_key.sign(op_hash(&op));
    op.signature = encode::enable_signature(grant.clone(), owner_signature, &key_signature);
    let validation = chain.validate(ALICE, &op).expect("the client's grant enables");
    // validationData: validUntil in bits 160..208, validAfter above; ENABLE caps at the deadline.
    let window = |data: U256| {
        let bits = |from: usize| (data >> from).as_limbs()[0] & 0xffff_ffff_ffff;
        (bits(160), bits(208))
    };
    assert_eq!(window(validation), (NOW + 3600, NOW));

    // USE: the next move, signed by the session key alone.
    let mut op = user_op(ALICE, one_move.clone(), Bytes::new());
    op.signature = encode::use_signature(permission_id, &session_key.sign(op_hash(&op)));
    let validation = chain.validate(ALICE, &op).expect("the session validates");
    assert_eq!(window(validation), (NOW + 2 * 3600, NOW));

    // Another key's USE signature is refused: SIG_VALIDATION_FAILED in the aggregator bits.
    let stranger = Signer::from_hex(OWNER_KEY).unwrap();
    op.signature = encode::use_signature(permission_id, &stranger.sign(op_hash(&op)));
    let refused = chain.validate(ALICE, &op).expect("a bad signature is an answer, not a revert");
    let aggregator = refused & ((U256::from(1) << 160) - U256::from(1));
    assert_eq!(aggregator, U256::from_be_bytes(SIG_VALIDATION_FAILED.0));

    // A call the policy does not allow is refused by the module, naming it.
    let claim = encode::execute_single(GAME, U256::ZERO, support::CLAIM.as_slice());
    let mut op = user_op(ALICE, claim, Bytes::new());
    op.signature = encode::use_signature(permission_id, &session_key.sign(op_hash(&op)));
    assert!(matches!(chain.validate(ALICE, &op), Err(Error::ActionNotAllowed(_))));
}
