//! The client library against the deployed artifact: a policy parsed, a grant built and signed
//! (the typed data's hash, as a wallet signs it), UserOperation signatures encoded — all by
//! `smart-session` — enable and validate in the real program; session signatures for the
//! account (ERC-7739) built by `smart-session` are accepted by it; argument rules written in a
//! policy hold in the program exactly, a periodic session's key proofs count in the period the
//! client computed, and a P-256 session key's signatures made by the client (UserOperations,
//! session signatures, revocations) pass the program's RIP-7212 check.

use crate::support;

use alloy_primitives::{address, aliases::U48, Address, Bytes, FixedBytes, U256};
use alloy_sol_types::SolCall;
use session_core::{
    erc20::TokenCall,
    erc4337::SIG_VALIDATION_FAILED,
    interface::{
        Error,
        ISmartSessions::{
            enableSessionCall, getTokenBudgetCall, isValidSignatureWithSenderCall, onInstallCall,
            revokeSessionBySignatureCall, ArgumentRuleViolated, SessionNotEnabled,
            SessionPeriodInvalid, TokenSpendLimitExceeded, UsageLimitReached,
        },
        SessionRevocation,
    },
};
use smart_session::{
    calls::function_data,
    encode::{self, P256Signer, Signer},
    erc1271::{AccountDomain, AppMessage},
    policy::Policy,
    typed_data::grant_typed_data,
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

/// The artifact with Alice's account installed, answering ERC-1271 for `owner`.
fn installed_for(owner: &Signer) -> Chain {
    let mut chain = Chain::new();
    chain.world.owners.insert(ALICE, owner.address());
    chain.call(ALICE, onInstallCall { data: Bytes::new() }).expect("the account installs it");
    chain
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

    let mut chain = installed_for(&owner);
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

/// validationData's window: (validUntil, validAfter).
fn window(data: U256) -> (u64, u64) {
    let bits = |from: usize| (data >> from).as_limbs()[0] & 0xffff_ffff_ffff;
    (bits(160), bits(208))
}

/// The account's `execute` of one ERC-20 `transfer(to, amount)` on `token`.
fn transfer(token: Address, to: Address, amount: u64) -> Bytes {
    let args = [to.to_string(), amount.to_string()];
    let data = function_data("", TokenCall::Transfer.signature(), &args).unwrap();
    encode::execute_single(token, U256::ZERO, &data)
}

/// `examples/periodic-allowance.toml` for Alice's account on the test module, the session key
/// `key`, and `edit` applied to its text.
fn periodic_allowance(key: &Signer, edit: impl Fn(String) -> String) -> Policy {
    let example = include_str!("../examples/periodic-allowance.toml")
        .replace("0x5e55105e55105e55105e55105e55105e55105e55", &MODULE.to_string())
        .replace("0xa11cea11cea11cea11cea11cea11cea11cea11ce", &ALICE.to_string())
        .replace("0xb595B18c88b1f651cA387489067f855b5C8E6720", &key.address().to_string());
    Policy::parse(&edit(example)).expect("the example parses")
}

/// The example's token and recipient.
const USDC: Address = address!("75faf114eafb1bdbe2f0316df893fd58ce46aa4d");
const RECIPIENT: Address = address!("b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0");

#[test]
fn a_grant_with_argument_rules_enables_calls_that_keep_them_and_refuses_one_that_breaks_them() {
    let (owner, key) =
        (Signer::from_hex(OWNER_KEY).unwrap(), Signer::from_hex(SESSION_KEY).unwrap());
    // The example's rules (to the recipient, at least 1) and one more: at most 60 USDC a call.
    let policy = periodic_allowance(&key, |text| {
        text.replace(
            r#"{ arg = 1, ge = "1" },"#,
            r#"{ arg = 1, ge = "1" }, { arg = 1, le = "60000000" },"#,
        )
    });
    let grant = policy.grant(NOW).unwrap();
    assert_eq!(grant.session.argRules.len(), 3);
    let permission_id = grant.session.permission_id(CHAIN_ID, MODULE);
    let wallet_hash = grant_typed_data(&grant, CHAIN_ID, MODULE).eip712_signing_hash().unwrap();
    let owner_signature = Bytes::copy_from_slice(&owner.sign(wallet_hash));

    let mut chain = installed_for(&owner);
    // Every operation here counts in the first day.
    let signed = |call_data: Bytes, enable: bool| {
        let mut op = user_op(ALICE, call_data, Bytes::new());
        let proof = encode::key_proof(&grant.session, &key.sign(op_hash(&op)), NOW).unwrap();
        op.signature = match enable {
            true => encode::enable_signature(grant.clone(), owner_signature.clone(), &proof),
            false => encode::use_signature(permission_id, &proof),
        };
        op
    };

    // ENABLE with a transfer that keeps every rule, then USE within them.
    let validation = chain.validate(ALICE, &signed(transfer(USDC, RECIPIENT, 60_000_000), true));
    assert_eq!(window(validation.expect("the grant enables")), (NOW + 3_600, NOW));
    chain.validate(ALICE, &signed(transfer(USDC, RECIPIENT, 1), false)).expect("within the rules");

    // Each rule broken alone: the module names it by its index among the action's rules.
    let violated = |rule: u64| {
        Err(Error::ArgumentRuleViolated(ArgumentRuleViolated {
            permissionId: permission_id,
            target: USDC,
            selector: TokenCall::Transfer.selector(),
            ruleIndex: U256::from(rule),
        }))
    };
    let stranger = address!("00000000000000000000000000000000000071e5");
    for (call_data, rule) in [
        (transfer(USDC, stranger, 1), 0),
        (transfer(USDC, RECIPIENT, 0), 1),
        (transfer(USDC, RECIPIENT, 60_000_001), 2),
    ] {
        assert_eq!(chain.validate(ALICE, &signed(call_data, false)), violated(rule));
    }
}

#[test]
fn a_periodic_sessions_use_signature_counts_in_the_period_the_client_computed() {
    let key = Signer::from_hex(SESSION_KEY).unwrap();
    // One use a day, 100 USDC a day.
    let policy = periodic_allowance(&key, |text| text.replace("max_uses = 5", "max_uses = 1"));
    let session = policy.session(NOW).unwrap();
    let permission_id = session.permission_id(CHAIN_ID, MODULE);
    let mut chain = Chain::new();
    chain.call(ALICE, onInstallCall { data: Bytes::new() }).expect("the account installs it");
    let enabled = chain.call(ALICE, enableSessionCall { session: session.clone() });
    assert_eq!(enabled, Ok(permission_id), "the module takes the policy's session as is");

    const DAY: u64 = 86_400;
    // The operation `call_data` meant for second `at`, its proof made by the library.
    let signed_at = |call_data: Bytes, at: u64| {
        let mut op = user_op(ALICE, call_data, Bytes::new());
        let proof = encode::key_proof(&session, &key.sign(op_hash(&op)), at).unwrap();
        op.signature = encode::use_signature(permission_id, &proof);
        op
    };
    let pay = |amount| transfer(USDC, RECIPIENT, amount);

    // The third day: the validation data carries that day's window, as the client says.
    let at = NOW + 2 * DAY + 77;
    assert_eq!(encode::period_index(&session, at), Ok(Some(2)));
    let validation = chain.validate(ALICE, &signed_at(pay(50_000_000), at)).expect("day 3");
    let (after, until) = session.periods().window(2).unwrap();
    assert_eq!((after, until), (NOW + 2 * DAY, NOW + 3 * DAY - 1));
    assert_eq!(window(validation), (until, after));
    let budget = chain.call(
        ALICE,
        getTokenBudgetCall { account: ALICE, permissionId: permission_id, token: USDC },
    );
    let budget = budget.unwrap();
    assert_eq!(
        (budget.spent, budget.limit, budget.periodIndex),
        (U256::from(50_000_000), U256::from(100_000_000), 2)
    );

    // The day's one use is spent (its budget is not); the next day starts over; an earlier day
    // is refused.
    assert_eq!(
        chain.validate(ALICE, &signed_at(pay(1), at + 60)),
        Err(Error::UsageLimitReached(UsageLimitReached {
            permissionId: permission_id,
            maxUses: 1
        }))
    );
    let next_day = NOW + 3 * DAY;
    let validation = chain.validate(ALICE, &signed_at(pay(100_000_000), next_day)).expect("day 4");
    assert_eq!(window(validation), (NOW + 4 * DAY - 1, NOW + 3 * DAY));
    assert_eq!(
        chain.validate(ALICE, &signed_at(pay(1), at)),
        Err(Error::SessionPeriodInvalid(SessionPeriodInvalid {
            permissionId: permission_id,
            periodIndex: 2
        }))
    );

    // 100 USDC a day, not more: a 101st in a fresh day is over its budget.
    let last_day = NOW + 29 * DAY;
    assert_eq!(
        chain.validate(ALICE, &signed_at(pay(100_000_001), last_day)),
        Err(Error::TokenSpendLimitExceeded(TokenSpendLimitExceeded {
            permissionId: permission_id,
            token: USDC,
            spent: U256::from(100_000_001),
            limit: U256::from(100_000_000),
        }))
    );
    assert_eq!(
        encode::key_proof(&session, &[0; 65], NOW + 30 * DAY).unwrap_err().valid_until,
        NOW + 30 * DAY - 1,
        "30 whole days, and no proof past them"
    );
}

#[test]
fn a_p256_session_built_by_the_client_validates_signs_and_revokes_in_the_artifact() {
    const MAGIC: FixedBytes<4> = FixedBytes::new([0x16, 0x26, 0xba, 0x7e]);
    let owner = Signer::from_hex(OWNER_KEY).unwrap();
    // examples/p256-session.toml's key, for Alice's account on the test module, that may also
    // sign personal messages.
    let key = P256Signer::from_hex(&format!("0x{}", "48".repeat(32))).unwrap();
    let policy = Policy::parse(
        &include_str!("../examples/p256-session.toml")
            .replace("0x5e55105e55105e55105e55105e55105e55105e55", &MODULE.to_string())
            .replace("0xa11cea11cea11cea11cea11cea11cea11cea11ce", &ALICE.to_string())
            .replace("0x9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e", &GAME.to_string())
            .replace("[grant]", "[[signing]]\npersonal = true\n\n[grant]"),
    )
    .unwrap();
    let grant = policy.grant(NOW).unwrap();
    assert_eq!((grant.session.keyType, Address::from_word(grant.session.key)), (1, key.key_id()));
    let permission_id = grant.session.permission_id(CHAIN_ID, MODULE);
    let owner_signature = Bytes::copy_from_slice(&owner.sign(grant.digest(CHAIN_ID, MODULE)));

    let mut chain = installed_for(&owner);
    chain.world.set_domain(ALICE, "SessionAccount", "1");
    let one_move = encode::execute_single(GAME, U256::from(10u64.pow(16)), &move_data(1, 2));

    // ENABLE, then USE: the key's 128 bytes, no period index.
    let mut op = user_op(ALICE, one_move.clone(), Bytes::new());
    let proof = encode::key_proof(&grant.session, &key.sign(op_hash(&op)), NOW).unwrap();
    assert_eq!(proof.len(), 128);
    op.signature = encode::enable_signature(grant.clone(), owner_signature, &proof);
    assert_eq!(window(chain.validate(ALICE, &op).expect("enabled")), (NOW + 3_600, NOW));
    let mut op = user_op(ALICE, one_move.clone(), Bytes::new());
    op.signature = encode::use_signature(permission_id, &key.sign(op_hash(&op)));
    assert_eq!(window(chain.validate(ALICE, &op).expect("used")), (NOW + 7_200, NOW));

    // Another P-256 key: the signature fails (its public key has another id).
    let other = P256Signer::from_hex(&format!("0x{}", "49".repeat(32))).unwrap();
    op.signature = encode::use_signature(permission_id, &other.sign(op_hash(&op)));
    let refused = chain.validate(ALICE, &op).expect("an answer, not a revert");
    assert_eq!(refused & U256::from(1), U256::from(1), "SIG_VALIDATION_FAILED");

    // A personal message signed for the account by the P-256 key (ERC-7739).
    let message = AppMessage::personal(b"log in with a passkey");
    let account = AccountDomain {
        name: "SessionAccount".into(),
        version: "1".into(),
        chain_id: CHAIN_ID,
        account: ALICE,
        salt: None,
    };
    let signature = message.signature(MODULE, permission_id, &key.sign(message.digest(&account)));
    let call = isValidSignatureWithSenderCall {
        sender: ALICE,
        hash: message.hash(),
        signature: signature.slice(20..),
    };
    assert_eq!(chain.call(ALICE, call), Ok(MAGIC));

    // The key logs out through a relayer; the session is gone.
    let revocation = SessionRevocation {
        account: ALICE,
        permissionId: permission_id,
        deadline: U48::from(NOW + 600),
    };
    let data = encode::revoke_session_by_signature(
        revocation.clone(),
        &key.sign(revocation.digest(CHAIN_ID, MODULE)),
    );
    let call = revokeSessionBySignatureCall::abi_decode(&data).unwrap();
    chain.call(GAME, call).expect("anyone relays the key's revocation");
    let mut op = user_op(ALICE, one_move, Bytes::new());
    op.signature = encode::use_signature(permission_id, &key.sign(op_hash(&op)));
    assert_eq!(
        chain.validate(ALICE, &op),
        Err(Error::SessionNotEnabled(SessionNotEnabled {
            permissionId: permission_id,
            account: ALICE
        }))
    );
}
