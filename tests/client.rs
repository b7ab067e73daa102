//! The client library against the deployed artifact: a policy parsed, a grant built and signed
//! (the typed data's hash, as a wallet signs it), UserOperation signatures encoded — all by
//! `smart-session` — enable and validate in the real program; session signatures for the
//! account (ERC-7739) built by `smart-session` are accepted by it.

mod support;

use alloy_primitives::{address, Address, Bytes, FixedBytes, U256};
use smart_session::{
    encode::{self, Signer},
    erc1271::{AccountDomain, AppMessage},
    policy::Policy,
    typed_data::grant_typed_data,
};
use stylus_smart_sessions::{
    interface::{
        Error,
        ISmartSessions::{enableSessionCall, isValidSignatureWithSenderCall, onInstallCall},
    },
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

/// The game's chat app, whose `Mail` typed data the session may sign.
const MAIL_APP: Address = address!("00000000000000000000000000000000000a9901");

/// A `Mail` of the chat app in `eth_signTypedData_v4` JSON, under domain version `version`.
fn mail(version: &str) -> AppMessage {
    let json = format!(
        r#"{{
        "types": {{
            "EIP712Domain": [
                {{"name": "name", "type": "string"}},
                {{"name": "version", "type": "string"}},
                {{"name": "chainId", "type": "uint256"}},
                {{"name": "verifyingContract", "type": "address"}}
            ],
            "Mail": [{{"name": "to", "type": "address"}}, {{"name": "contents", "type": "string"}}]
        }},
        "primaryType": "Mail",
        "domain": {{"name": "Mail", "version": "{version}", "chainId": {CHAIN_ID},
                   "verifyingContract": "{MAIL_APP}"}},
        "message": {{"to": "{GAME}", "contents": "gg, rematch?"}}
    }}"#
    );
    AppMessage::typed(serde_json::from_str(&json).unwrap()).unwrap()
}

/// An `Order` of the chat app's shop: its `Asset` sorts first, so ERC-7739's explicit mode.
fn order() -> AppMessage {
    let json = format!(
        r#"{{
        "types": {{
            "Order": [{{"name": "asset", "type": "Asset"}}, {{"name": "to", "type": "address"}}],
            "Asset": [{{"name": "token", "type": "address"}}, {{"name": "amount", "type": "uint256"}}]
        }},
        "primaryType": "Order",
        "domain": {{"name": "Mail", "version": "1", "chainId": {CHAIN_ID},
                   "verifyingContract": "{MAIL_APP}"}},
        "message": {{"asset": {{"token": "{GAME}", "amount": "5"}}, "to": "{ALICE}"}}
    }}"#
    );
    AppMessage::typed(serde_json::from_str(&json).unwrap()).unwrap()
}

#[test]
fn session_signatures_built_by_the_client_are_accepted_by_the_artifact_only_in_scope() {
    const MAGIC: FixedBytes<4> = FixedBytes::new([0x16, 0x26, 0xba, 0x7e]);
    const INVALID: FixedBytes<4> = FixedBytes::new([0xff; 4]);
    let session_key = Signer::from_hex(SESSION_KEY).unwrap();
    let mut policy = game_policy(&session_key);
    policy.signing = [mail("1"), order(), AppMessage::personal(b"")]
        .iter()
        .map(AppMessage::signing_policy)
        .collect();
    let session = policy.session(NOW).unwrap();
    let permission_id = session.permission_id(CHAIN_ID, MODULE);

    let mut chain = Chain::new();
    chain.call(ALICE, onInstallCall { data: Bytes::new() }).expect("the account installs it");
    chain.call(ALICE, enableSessionCall { session }).expect("the account enables it");
    chain.world.set_domain(ALICE, "SessionAccount", "1");
    let account = AccountDomain {
        name: "SessionAccount".into(),
        version: "1".into(),
        chain_id: CHAIN_ID,
        account: ALICE,
        salt: None,
    };
    // What the account's isValidSignature passes on to the module: all after the module's address.
    let mut ask = |message: &AppMessage| {
        let key_signature = session_key.sign(message.digest(&account));
        let signature = message.signature(MODULE, permission_id, &key_signature);
        assert_eq!(&signature[..20], MODULE.as_slice());
        let call = isValidSignatureWithSenderCall {
            sender: MAIL_APP,
            hash: message.hash(),
            signature: signature.slice(20..),
        };
        chain.call(ALICE, call).expect("never reverts")
    };

    assert_eq!(ask(&mail("1")), MAGIC, "the app's typed data, in scope");
    assert_eq!(ask(&order()), MAGIC, "typed data whose contents descriptor is explicit");
    assert_eq!(ask(&AppMessage::personal(b"log in to the game")), MAGIC, "a personal message");
    assert_eq!(ask(&mail("2")), INVALID, "another app's typed data");
}
