//! `inspect` on every encoding the module reads.

use alloy_primitives::aliases::U48;
use alloy_primitives::{address, Bytes, U256};
use session_core::{
    erc4337::validation_data as word,
    interface::{
        ArgRule, Execution, ISmartSessions, Session, SessionExecution, SessionRevocation,
        TokenLimit,
    },
};

use serde_json::json;

use super::*;
use crate::{encode, policy::Policy};

const GAME_POLICY: &str = include_str!("../../../../examples/game-session.toml");

fn explained(bytes: &[u8]) -> (&'static str, String) {
    let explanation = explain(bytes).unwrap();
    (explanation.kind, explanation.lines.join("\n"))
}

#[test]
fn a_session_signature_for_the_account_shows_its_module_session_and_message() {
    let module = address!("5e55105e55105e55105e55105e55105e55105e55");
    let id = B256::repeat_byte(0x11);
    let personal = crate::erc1271::AppMessage::personal(b"log in to the game");
    let (kind, text) = explained(&personal.signature(module, id, &[0x22; 65]));
    assert_eq!(kind, "session-signature");
    assert!(text.contains("of a personal message"), "{text}");
    assert!(text.contains(&format!("permissionId {id}")), "{text}");
    assert!(text.contains("message log in to the game"), "{text}");

    let challenge = include_str!("../../../../examples/game-challenge.json");
    let typed = crate::erc1271::AppMessage::typed(serde_json::from_str(challenge).unwrap());
    let bytes = typed.unwrap().signature(module, id, &[0x22; 65]);
    let (kind, text) = explained(&bytes);
    assert_eq!(kind, "session-signature");
    assert!(text.contains("of typed data"), "{text}");
    assert!(text.contains("contents type Challenge("), "{text}");
    assert!(explain(&bytes[..bytes.len() - 1]).is_err(), "a cut description is no signature");
}

#[test]
fn a_use_signature_names_its_session() {
    let id = B256::repeat_byte(0x11);
    let (kind, text) = explained(&encode::use_signature(id, &[0x22; 65]));
    assert_eq!(kind, "use-signature");
    assert!(text.contains(&format!("permissionId {id}")), "{text}");
}

#[test]
fn a_use_signature_reads_its_key_type_and_period_index_from_its_length() {
    let id = B256::repeat_byte(0x11);
    let secp256k1 =
        explain(&encode::use_signature(id, &[[0x22; 65].as_slice(), &[0, 0, 1, 2]].concat()))
            .unwrap();
    assert_eq!(secp256k1.lines[2], format!("  {SIGNED_MESSAGE}"));
    assert_eq!(
        secp256k1.lines[3..],
        [
            format!("  secp256k1 key signature (r ‖ s ‖ v) 0x{}", "22".repeat(65)),
            "  period index 258: counts in period 258 of the session (from validAfter + 258 · \
             period); a newer period starts the counters over, an older one is refused \
             (SessionPeriodInvalid)"
                .to_string(),
        ]
    );
    assert_eq!(secp256k1.proof["periodIndex"], 258);
    assert_eq!(secp256k1.proof["keyType"], "secp256k1");

    let key = encode::P256Signer::from_hex(&format!("0x{}", "48".repeat(32))).unwrap();
    let signed = key.sign(B256::repeat_byte(0x99));
    let p256 = explain(&encode::use_signature(id, &signed)).unwrap();
    let public_key = hex(&key.public_key());
    assert_eq!(
        p256.lines[3..],
        [
            format!("  P-256 key signature (r ‖ s) {}", hex(&signed[..64])),
            format!(
                "  P-256 public key (x ‖ y) {public_key}, key id {} (the session's key must \
                 be this id)",
                key.key_id()
            ),
            "  no period index: for a session without periods".to_string(),
        ]
    );
    assert_eq!(
        p256.proof,
        json!({
            "permissionId": id, "keyType": "p256", "keySignature": hex(&signed[..64]),
            "publicKey": public_key, "keyId": key.key_id(), "periodIndex": null
        })
    );
    let periodic = [signed.as_slice(), &[0, 0, 0, 7]].concat();
    let p256 = explain(&encode::use_signature(id, &periodic)).unwrap();
    assert_eq!(p256.proof["periodIndex"], 7);
    assert!(explain(&encode::use_signature(id, &[0x22; 66])).is_err(), "no such proof");
}

/// The game session in periods of an hour, its moves capped at 4 by a rule, its key P-256.
fn ruled_hourly_p256_session() -> Session {
    let mut session = Policy::parse(GAME_POLICY).unwrap().session(1_800_000_000).unwrap();
    let game = session.actions[0].clone();
    session.period = U48::from(3_600u64);
    session.keyType = KeyType::P256.code();
    session.argRules = vec![
        ArgRule {
            target: game.target,
            selector: game.selector,
            offset: 0,
            condition: 1,
            value: B256::with_last_byte(4),
        },
        ArgRule {
            target: game.target,
            selector: game.selector,
            offset: 33,
            condition: 3,
            value: B256::repeat_byte(0xee),
        },
        ArgRule {
            target: game.target,
            selector: game.selector,
            offset: 64,
            condition: 0,
            value: address!("a11cea11cea11cea11cea11cea11cea11cea11ce").into_word(),
        },
    ];
    session.tokenLimits.push(TokenLimit { token: game.target, maxAmount: U256::from(5) });
    session
}

#[test]
fn describe_session_says_the_key_type_the_period_and_each_actions_rules() {
    let session = ruled_hourly_p256_session();
    let game = session.actions[0].target;
    assert_eq!(
        describe_session(&session),
        [
            format!(
                "account {}, P-256 session key with id {} (its public key travels in each \
                 signature)",
                session.account,
                Address::from_word(session.key)
            ),
            "valid from 1800000000 until 1800007200 (unix) in periods of 3600 seconds (1h) \
             from its start; per period at most 500 uses, 100000000000000000 wei (value and gas)"
                .to_string(),
            "gas: at most 1000000000000000 wei an operation (its prefund), counted with the value; \
             no paymaster"
                .to_string(),
            format!("may call {game} with selector 0x701bd985, at most 10000000000000000 wei per call"),
            "  only when the argument word at byte 0 (argument 0) ≤ 4 (as unsigned 256-bit numbers)".to_string(),
            format!("  only when the argument word at byte 33 ≠ {} (as unsigned 256-bit numbers)", B256::repeat_byte(0xee)),
            "  only when the argument word at byte 64 (argument 2) = 0xA11cea11CEA11CEA11cEa11CeA11ceA11CEA11Ce (as unsigned 256-bit numbers)".to_string(),
            format!("may move at most 5 base units of the token {game} by transfer, approve, increaseAllowance and transferFrom, per period"),
        ]
    );
}

#[test]
fn an_enable_signature_of_a_periodic_session_shows_its_periods_window() {
    let mut grant = Policy::parse(GAME_POLICY).unwrap().grant(1_800_000_000).unwrap();
    grant.session.period = U48::from(3_600u64);
    let proof = [[0x22; 65].as_slice(), &[0, 0, 0, 1]].concat();
    let bytes = encode::enable_signature(grant.clone(), Bytes::new(), &proof);
    let explanation = explain(&bytes).unwrap();
    assert_eq!(
        explanation.lines[explanation.lines.len() - 2..],
        [
            format!("  secp256k1 key signature (r ‖ s ‖ v) 0x{}", "22".repeat(65)),
            "  period index 1: counts in the session's period 1, seconds 1800003600 to \
             1800007199 (unix), the validation data's window"
                .to_string(),
        ]
    );
    assert_eq!(explanation.proof["periodIndex"], 1);
    assert!(explanation.proof.get("permissionId").is_none(), "no chain, no module: no id");

    let bytes = encode::enable_signature(grant, Bytes::new(), &[0x22; 65]);
    let text = explained(&bytes).1;
    assert!(
        text.ends_with(&format!(
            "  session key proof 0x{} — not the length the module reads for this session's \
             key type and period (it would answer SIG_VALIDATION_FAILED)",
            "22".repeat(65)
        )),
        "{text}"
    );
}

#[test]
fn a_p256_session_signature_for_the_account_shows_the_public_key() {
    let module = address!("5e55105e55105e55105e55105e55105e55105e55");
    let id = B256::repeat_byte(0x11);
    let key = encode::P256Signer::from_hex(&format!("0x{}", "48".repeat(32))).unwrap();
    let challenge = include_str!("../../../../examples/game-challenge.json");
    let typed = crate::erc1271::AppMessage::typed(serde_json::from_str(challenge).unwrap());
    let typed = typed.unwrap();
    let signed = key.sign(typed.digest(&crate::erc1271::AccountDomain {
        name: "SessionAccount".into(),
        version: "1".into(),
        chain_id: 421_614,
        account: Address::repeat_byte(0xa1),
        salt: None,
    }));
    let (kind, text) = explained(&typed.signature(module, id, &signed));
    assert_eq!(kind, "session-signature");
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(lines[3], format!("  session P-256 key signature (r ‖ s) {}", hex(&signed[..64])));
    assert_eq!(
        lines[4],
        format!(
            "  session P-256 public key (x ‖ y) {}, key id {} (the session's key must be this \
             id)",
            hex(&signed[64..]),
            key.key_id()
        )
    );
    assert!(text.contains("contents type Challenge("), "{text}");
}

#[test]
fn an_enable_signature_shows_the_grant_and_its_session() {
    let grant = Policy::parse(GAME_POLICY).unwrap().grant(1_800_000_000).unwrap();
    let bytes = encode::enable_signature(grant, Bytes::from(vec![0xaa; 3]), &[0x22; 65]);
    let (kind, text) = explained(&bytes);
    assert_eq!(kind, "enable-signature");
    assert!(text.contains("grant nonce 0, enable by 1800003600"), "{text}");
    assert!(text.contains("valid from 1800000000 until 1800007200"), "{text}");
    assert!(text.contains("selector 0x701bd985, at most 10000000000000000 wei"), "{text}");
    assert!(text.contains("owner signature (for the account's ERC-1271) 0xaaaaaa"), "{text}");

    // One byte short: the module's reader stops where the encoding runs out.
    let error = explain(&bytes[..bytes.len() - 1]).unwrap_err();
    assert!(error.0.starts_with("ENABLE data the module refuses at byte"), "{error}");
}

#[test]
fn execute_calldata_lists_every_call() {
    let game = address!("9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e");
    let (kind, text) = explained(&encode::execute_single(game, U256::from(5), &[1, 2, 3, 4, 9]));
    assert_eq!(kind, "execute");
    assert!(text.contains("one call"), "{text}");
    assert!(text.contains(&format!("to {game} sending 5 wei: selector 0x01020304 with 1 bytes")));

    let batch = encode::execute_batch(&[
        Execution { target: game, value: U256::ZERO, callData: Bytes::new() },
        Execution { target: game, value: U256::from(1), callData: Bytes::new() },
    ]);
    let (_, text) = explained(&batch);
    assert!(text.contains("a batch of 2"), "{text}");
    assert_eq!(text.matches("a plain transfer").count(), 2, "{text}");

    // A trailing byte makes the encoding non-canonical: the module's own error, with where.
    let error = explain(&[batch.to_vec(), vec![0]].concat()).unwrap_err();
    assert!(error.0.contains("CalldataMalformed"), "{error}");
}

#[test]
fn revert_data_names_the_error_and_its_fields() {
    let error = ISmartSessions::UsageLimitReached { permissionId: B256::ZERO, maxUses: 3 };
    let (kind, text) = explained(&ISmartSessionsErrors::from(error).abi_encode());
    assert_eq!(kind, "module-error");
    assert!(text.contains("UsageLimitReached") && text.contains("maxUses: 3"), "{text}");
}

/// One move on the game, as the account's `execute` calldata.
fn game_move() -> Bytes {
    encode::execute_single(Address::repeat_byte(0x9a), U256::from(5), &[1, 2, 3, 4, 9])
}

#[test]
fn explain_reads_the_inner_execute_when_the_key_calls_execute_as_session() {
    let id = B256::repeat_byte(0x11);
    let account = Address::repeat_byte(0xa1);
    let (kind, text) = explained(&encode::execute_as_session(account, id, game_move()));
    assert_eq!(kind, "module-call");
    let (_, inner) = explained(&game_move());
    let inner: Vec<_> = inner.lines().map(|line| format!("    {line}")).collect();
    assert_eq!(
        text,
        [
            format!(
                "executeAsSession: the session key runs calls for {account} under session {id}"
            ),
            "  callData:".into(),
            inner.join("\n"),
        ]
        .join("\n")
    );
}

#[test]
fn explain_reads_nonce_deadline_and_inner_execute_when_an_execution_is_relayed() {
    let execution = SessionExecution {
        account: Address::repeat_byte(0xa1),
        permissionId: B256::repeat_byte(0x11),
        nonce: U256::from(3),
        deadline: U48::from(1_800_000_600u64),
        callData: game_move(),
    };
    let (kind, text) = explained(&encode::execute_as_session_by_signature(execution, &[0x22; 65]));
    assert_eq!(kind, "module-call");
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(lines[1], "  execution nonce 3, relay by 1800000600 (unix)");
    assert_eq!(lines[2], format!("  session key signature 0x{}", "22".repeat(65)));
    assert_eq!(lines[3..5], ["  callData:", "    the account's execute: one call"]);
}

#[test]
fn explain_names_the_session_when_asked_for_its_execution_nonce() {
    let call = ISmartSessions::executionNonceCall {
        account: Address::repeat_byte(0xa1),
        permissionId: B256::repeat_byte(0x11),
    };
    let (_, text) = explained(&call.abi_encode());
    assert_eq!(
        text,
        format!(
            "executionNonce: the nonce the next relayed execution of session {} for {} must \
             carry",
            B256::repeat_byte(0x11),
            Address::repeat_byte(0xa1)
        )
    );
}

#[test]
fn explain_reads_the_deadline_when_a_revocation_is_relayed() {
    let revocation = SessionRevocation {
        account: Address::repeat_byte(0xa1),
        permissionId: B256::repeat_byte(0x11),
        deadline: U48::from(1_800_000_600u64),
    };
    let (_, text) = explained(&encode::revoke_session_by_signature(revocation, &[0x22; 65]));
    assert_eq!(text.lines().nth(1), Some("  relay by 1800000600 (unix)"));
}

#[test]
fn explain_names_each_executor_refusal_and_its_fields_when_given_its_revert_data() {
    use ISmartSessions::*;
    let id = B256::repeat_byte(0x11);
    let at = U48::from(1_800_000_600u64);
    let (four, three) = (U256::from(4), U256::from(3));
    let refusals: [(ISmartSessionsErrors, &str, &str); 5] = [
        (
            SessionNotYetValid { permissionId: id, validAfter: at }.into(),
            "SessionNotYetValid",
            "validAfter: 1800000600",
        ),
        (
            SessionExpired { permissionId: id, validUntil: at }.into(),
            "SessionExpired",
            "validUntil: 1800000600",
        ),
        (ExecutionExpired { deadline: at }.into(), "ExecutionExpired", "deadline: 1800000600"),
        (
            ExecutionNonceInvalid { permissionId: id, expected: four, nonce: three }.into(),
            "ExecutionNonceInvalid",
            "expected: 4, nonce: 3",
        ),
        (
            ExecutionSignatureInvalid { permissionId: id }.into(),
            "ExecutionSignatureInvalid",
            "permissionId: 0x1111",
        ),
    ];
    for (error, name, fields) in refusals {
        let (kind, text) = explained(&error.abi_encode());
        assert_eq!(kind, "module-error");
        assert!(text.starts_with(&format!("the module refused: {name}({name} {{")), "{text}");
        assert!(text.contains(fields), "{name}: {text}");
    }
}

#[test]
fn a_session_with_a_token_limit_lists_it() {
    let mut session = Policy::parse(GAME_POLICY).unwrap().session(1_800_000_000).unwrap();
    let usdc = address!("af88d065e77c8cc2239327c5edb3a432268e5831");
    session.tokenLimits.push(TokenLimit { token: usdc, maxAmount: U256::from(100_000_000) });
    let lines = describe_session(&session);
    assert_eq!(
        lines.last().unwrap(),
        &format!(
            "may move at most 100000000 base units of the token {usdc} by transfer, \
             approve, increaseAllowance and transferFrom, in all"
        )
    );
}

#[test]
fn explain_names_each_token_refusal_and_its_fields_when_given_its_revert_data() {
    use ISmartSessions::*;
    let (id, usdc) =
        (B256::repeat_byte(0x11), address!("af88d065e77c8cc2239327c5edb3a432268e5831"));
    let (spent, limit) = (U256::from(101), U256::from(100));
    let refusals: [(ISmartSessionsErrors, &str, String); 3] = [
        (
            TokenSpendLimitExceeded { permissionId: id, token: usdc, spent, limit }.into(),
            "TokenSpendLimitExceeded",
            format!("token: {usdc:?}, spent: 101, limit: 100"),
        ),
        (
            TokenAmountUnreadable { token: usdc }.into(),
            "TokenAmountUnreadable",
            format!("token: {usdc:?}"),
        ),
        (
            TokenLimitDuplicated { token: usdc }.into(),
            "TokenLimitDuplicated",
            format!("token: {usdc:?}"),
        ),
    ];
    for (error, name, fields) in refusals {
        let (kind, text) = explained(&error.abi_encode());
        assert_eq!(kind, "module-error");
        assert!(text.starts_with(&format!("the module refused: {name}({name} {{")), "{text}");
        assert!(text.contains(&fields), "{name}: {text}");
    }
}

#[test]
fn validation_data_reads_the_verdict_and_the_window() {
    let (kind, text) = explained(word(true, 10, 20).as_slice());
    assert_eq!(kind, "validation-data");
    assert!(text.contains("SIG_VALIDATION_FAILED") && text.contains("from 10 until 20"), "{text}");
    let (_, text) = explained(word(false, 0, 0).as_slice());
    assert!(text.contains("signature valid") && text.contains("until forever"), "{text}");
}

#[test]
fn anything_else_is_not_recognized() {
    let error = explain(&[0xde, 0xad, 0xbe, 0xef, 0x00]).unwrap_err();
    assert!(error.0.starts_with("5 bytes starting 0xdeadbeef"), "{error}");
}
