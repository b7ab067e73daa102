//! Any of the module's encodings, explained in words: UserOperation signatures (USE and ENABLE),
//! the account's `execute` calldata, calls to the module, its revert data, validation data, and
//! session signatures for the account (ERC-1271 through ERC-7739).
//!
//! Decoding goes through the module's own strict readers, so "inspect accepts it" means "the
//! module reads it this way", and a refusal names the byte where the module would stop too.

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::{SolCall, SolInterface};
use serde_json::Value;
use session_core::{
    calls::{decode_execute, TRANSFER_SELECTOR},
    codec::Reader,
    erc4337::read_validation_data,
    erc7739::{SIGNED_PERSONAL_MESSAGE, SIGNED_TYPED_DATA},
    interface::{
        ArgRule,
        IERC7579Execution::executeCall,
        ISmartSessions::{ISmartSessionsCalls, ISmartSessionsErrors},
        Session,
    },
    rule::Condition,
    session_key::{parse_use, KeyType, MODE_ENABLE},
};

use crate::key_proof::{signature_lines, split_session_signature, KeyProof};

/// What a byte string turned out to be, and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// `use-signature`, `enable-signature`, `execute`, `module-call`, `module-error`,
    /// `validation-data`, `session-signature`.
    pub kind: &'static str,
    /// One line per fact, indented for nesting.
    pub lines: Vec<String>,
    /// The key proof's parts, for scripts, when the bytes carry one (a UserOperation
    /// signature): `permissionId`, `keyType` (`"secp256k1"` or `"p256"`), `keySignature`,
    /// `publicKey` and `keyId` (P-256), `periodIndex` (`null` without periods). Else `null`.
    pub proof: Value,
}

/// Bytes none of the module's encodings match, or that the module's reader refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRecognized(pub String);

impl std::fmt::Display for NotRecognized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotRecognized {}

/// Explains `bytes`.
///
/// # Errors
/// [`NotRecognized`] saying what was tried, or where the module's reader stopped.
pub fn explain(bytes: &[u8]) -> Result<Explanation, NotRecognized> {
    let selector = bytes.first_chunk::<4>().copied().unwrap_or_default();
    // A USE proof is a secp256k1 (65 bytes) or P-256 (128) signature, 4 more with a period.
    let use_signature = parse_use(bytes).and_then(|(permission_id, proof)| {
        Some((permission_id, KeyProof::split(proof, None, None)?))
    });
    let mut proof = Value::Null;
    let (kind, lines) = if let Some((permission_id, key_proof)) = use_signature {
        proof = key_proof.json(Some(permission_id));
        ("use-signature", explain_use(permission_id, &key_proof))
    } else if bytes.first() == Some(&MODE_ENABLE) && bytes.len() > 1 + 32 + 65 {
        let (lines, key_proof) = enable_signature(bytes)?;
        proof = key_proof;
        ("enable-signature", lines)
    } else if selector == executeCall::SELECTOR {
        ("execute", execute(bytes)?)
    } else if ISmartSessionsCalls::valid_selector(selector) {
        ("module-call", module_call(bytes)?)
    } else if ISmartSessionsErrors::valid_selector(selector) {
        let error = ISmartSessionsErrors::abi_decode(bytes)
            .map_err(|e| NotRecognized(format!("a module error that does not decode: {e}")))?;
        ("module-error", vec![format!("the module refused: {error:?}")])
    } else if bytes.len() == 32 {
        ("validation-data", validation_data(B256::from_slice(bytes)))
    } else if let Some(lines) = session_signature(bytes) {
        ("session-signature", lines)
    } else {
        return Err(NotRecognized(format!(
            "{} bytes starting {}: not a session signature (0x00 ‖ id ‖ sig, 98 bytes, or \
             0x01 ‖ grant), execute calldata, a module call or error, a 32-byte validation \
             data word, or an ERC-1271 session signature (module ‖ kind ‖ id ‖ sig ‖ message)",
            bytes.len(),
            hex(&bytes[..bytes.len().min(4)])
        )));
    };
    Ok(Explanation { kind, lines, proof })
}

/// An ERC-1271 signature as the account takes it: `module ‖ kind ‖ permissionId ‖ key
/// signature ‖ message` (see `session_core::erc7739`); `None` when the bytes cannot be one.
///
/// The key signature's length depends on the session's key type, which the bytes do not
/// carry: a secp256k1 `r ‖ s ‖ v` is tried first when its `v` would be 27 or 28, else a P-256
/// `r ‖ s ‖ x ‖ y` (128 bytes); the first whose message then parses is taken (a personal
/// message parses either way, so one signed by a P-256 key whose 65th byte is 27 or 28 reads
/// as secp256k1).
fn session_signature(bytes: &[u8]) -> Option<Vec<String>> {
    let (module, rest) = bytes.split_first_chunk::<20>()?;
    let (&kind, rest) = rest.split_first()?;
    let (permission_id, rest) = rest.split_first_chunk::<32>()?;
    // A canonical secp256k1 `v` is 27 or 28: read those bytes as secp256k1 first; the key
    // types whose signatures carry their length after the fixed ones.
    let key_types = match rest.get(64) {
        Some(27 | 28) => [KeyType::Secp256k1, KeyType::P256, KeyType::Multisig, KeyType::WebAuthn],
        _ => [KeyType::P256, KeyType::Secp256k1, KeyType::Multisig, KeyType::WebAuthn],
    };
    let (key_type, signature, message) = split_session_signature(rest, &key_types, |message| {
        session_signature_payload(kind, message).is_some()
    })?;
    let payload_lines = session_signature_payload(kind, message)?;
    let key_lines: Vec<_> = signature_lines(key_type, signature)
        .into_iter()
        .map(|line| format!("  session {line}"))
        .collect();
    let heading = match kind {
        SIGNED_PERSONAL_MESSAGE => {
            "ERC-1271 session signature of a personal message (ERC-7739 PersonalSign)"
        }
        _ => "ERC-1271 session signature of typed data (ERC-7739 TypedDataSign)",
    };
    let mut lines = vec![
        heading.to_string(),
        format!("for the validator module {}", Address::from(*module)),
        format!("  permissionId {}", B256::from(*permission_id)),
    ];
    lines.extend(key_lines);
    lines.extend(payload_lines);
    Some(lines)
}

/// The message after the key signature, in words; `None` when it cannot be the message of a
/// session signature of `kind`.
fn session_signature_payload(kind: u8, payload: &[u8]) -> Option<Vec<String>> {
    let mut lines = Vec::new();
    match kind {
        SIGNED_PERSONAL_MESSAGE => {
            lines.push(format!("  message {}", String::from_utf8_lossy(payload)));
        }
        SIGNED_TYPED_DATA => {
            let (payload, length) = payload.split_last_chunk::<2>()?;
            let (app_domain, rest) = payload.split_first_chunk::<32>()?;
            let encoded = rest.len().checked_sub(usize::from(u16::from_be_bytes(*length)))?;
            let (encode_data, descr) = rest.split_at_checked(encoded)?;
            if encode_data.len() % 32 != 0 {
                return None;
            }
            let descr = std::str::from_utf8(descr).ok()?;
            lines.push(format!("  app domain separator {}", B256::from(*app_domain)));
            lines.push(format!("  contents type {descr}"));
            lines.push(format!("  encodeData: {} words", encode_data.len() / 32));
        }
        _ => return None,
    }
    Some(lines)
}

/// What the key proof of a UserOperation signs (`session_op_hash`), in words.
const SIGNED_MESSAGE: &str =
    "the key signs keccak256(abi.encode(userOpHash, permissionId, uint256(periodIndex)))";

fn explain_use(permission_id: B256, proof: &KeyProof<'_>) -> Vec<String> {
    let mut lines = vec![
        "USE mode: a session already enabled signs this UserOperation".into(),
        format!("  permissionId {permission_id}"),
        format!("  {SIGNED_MESSAGE}"),
    ];
    lines.extend(proof.lines(None).into_iter().map(|line| format!("  {line}")));
    lines
}

/// An ENABLE signature in words, and its key proof as JSON.
fn enable_signature(bytes: &[u8]) -> Result<(Vec<String>, Value), NotRecognized> {
    let request = Reader::new(&bytes[1..], 1).enable_request().map_err(|position| {
        NotRecognized(format!("ENABLE data the module refuses at byte {position}"))
    })?;
    let grant = &request.grant;
    let mut lines = vec![
        "ENABLE mode: enables the owner's grant, then uses it for this UserOperation".into(),
        format!("  grant nonce {}, enable by {} (unix)", grant.nonce, grant.deadline),
    ];
    lines.extend(describe_session(&grant.session).into_iter().map(|line| format!("  {line}")));
    if request.chains.is_empty() {
        lines.push("  the owner signed this chain's grant digest".into());
    } else {
        lines.push(format!(
            "  the owner signed {} chains' digests; this chain is entry {}",
            request.chains.len(),
            request.chain_index
        ));
        for chain in &request.chains {
            lines.push(format!("    chain {}: digest {}", chain.chainId, chain.grantDigest));
        }
    }
    lines.push(format!(
        "  owner signature (for the account's ERC-1271) {}",
        hex(request.owner_signature)
    ));
    let session = &grant.session;
    // The module refuses an unknown key type when it enables the session; read as secp256k1.
    let key_type = KeyType::from_code(session.keyType).unwrap_or_default();
    let proof =
        KeyProof::split(request.key_signature, Some(key_type), Some(!session.period.is_zero()));
    let Some(proof) = proof else {
        lines.push(format!(
            "  session key proof {} — not the length the module reads for this session's key \
             type and period (it would answer SIG_VALIDATION_FAILED)",
            hex(request.key_signature)
        ));
        return Ok((lines, Value::Null));
    };
    lines.push(format!("  {SIGNED_MESSAGE} (the granted session's)"));
    lines.extend(proof.lines(Some(session)).into_iter().map(|line| format!("  {line}")));
    // The permissionId depends on the chain and module, which the bytes do not carry.
    Ok((lines, proof.json(None)))
}

fn execute(bytes: &[u8]) -> Result<Vec<String>, NotRecognized> {
    let calls = decode_execute(bytes).map_err(|error| {
        NotRecognized(format!("execute calldata the module refuses: {error:?}"))
    })?;
    // The mode word's first byte, after the selector: 0x00 single, 0x01 batch.
    let shape = match bytes[4] {
        0 => "one call".to_string(),
        _ => format!("a batch of {}", calls.len()),
    };
    let mut lines = vec![format!("the account's execute: {shape}")];
    for call in calls {
        let what = match call.data.first_chunk::<4>() {
            None => "a plain transfer".to_string(),
            Some(selector) => format!(
                "selector 0x{} with {} bytes of arguments",
                alloy_primitives::hex::encode(selector),
                call.data.len() - 4
            ),
        };
        lines.push(format!("  to {} sending {} wei: {what}", call.target, call.value));
    }
    Ok(lines)
}

fn module_call(bytes: &[u8]) -> Result<Vec<String>, NotRecognized> {
    let call = ISmartSessionsCalls::abi_decode_validate(bytes)
        .map_err(|e| NotRecognized(format!("a module call that does not decode: {e}")))?;
    Ok(match call {
        ISmartSessionsCalls::enableSession(call) => {
            let mut lines = vec!["the account enables a session:".to_string()];
            lines.extend(
                describe_session(&call.session).into_iter().map(|line| format!("  {line}")),
            );
            lines
        }
        ISmartSessionsCalls::validateUserOp(call) => {
            let op = &call.userOp;
            let mut lines = vec![
                format!(
                    "validateUserOp of {} (nonce {}), hash {}",
                    op.sender, op.nonce, call.userOpHash
                ),
                "  signature:".into(),
            ];
            lines.extend(nested(&op.signature));
            lines.push("  callData:".into());
            lines.extend(nested(&op.callData));
            lines
        }
        ISmartSessionsCalls::executeAsSession(call) => {
            let mut lines = vec![
                format!(
                    "executeAsSession: the session key runs calls for {} under session {}",
                    call.account, call.permissionId
                ),
                "  callData:".into(),
            ];
            lines.extend(nested(&call.callData));
            lines
        }
        ISmartSessionsCalls::executeAsSessionBySignature(call) => {
            let mut lines = vec![
                format!(
                    "executeAsSessionBySignature: a relayer runs calls for {} under session {}",
                    call.account, call.permissionId
                ),
                format!("  execution nonce {}, relay by {} (unix)", call.nonce, call.deadline),
                format!("  session key signature {}", hex(&call.signature)),
                "  callData:".into(),
            ];
            lines.extend(nested(&call.callData));
            lines
        }
        ISmartSessionsCalls::executionNonce(call) => vec![format!(
            "executionNonce: the nonce the next relayed execution of session {} for {} must carry",
            call.permissionId, call.account
        )],
        ISmartSessionsCalls::revokeSessionBySignature(call) => vec![
            format!(
                "revokeSessionBySignature: a relayer ends session {} of {} for its key",
                call.permissionId, call.account
            ),
            format!("  relay by {} (unix)", call.deadline),
            format!("  session key signature {}", hex(&call.signature)),
        ],
        other => vec![format!("{other:?}")],
    })
}

/// `bytes` explained inside another encoding, indented under its heading.
fn nested(bytes: &[u8]) -> Vec<String> {
    let lines = match explain(bytes) {
        Ok(explanation) => explanation.lines,
        Err(error) => vec![format!("not understood: {error}")],
    };
    lines.into_iter().map(|line| format!("    {line}")).collect()
}

fn validation_data(word: B256) -> Vec<String> {
    let (authorizer, valid_after, valid_until) = read_validation_data(&word);
    let verdict = match authorizer {
        Address::ZERO => "signature valid".to_string(),
        a if a == Address::with_last_byte(1) => "SIG_VALIDATION_FAILED".to_string(),
        a => format!("aggregator {a}"),
    };
    vec![
        format!("ERC-4337 validation data: {verdict}"),
        format!(
            "  valid from {valid_after} until {} (unix)",
            if valid_until == 0 { "forever".into() } else { valid_until.to_string() }
        ),
    ]
}

/// Who pays a session's gas, in words.
fn gas(session: &Session) -> String {
    let paymasters = match session.paymasters.as_slice() {
        [] => "no paymaster".to_string(),
        listed => {
            let names: Vec<_> = listed.iter().map(Address::to_string).collect();
            format!("paymasters {} (their operations count no gas)", names.join(", "))
        }
    };
    if session.maxGasCostPerOp.is_zero() {
        format!("gas: the account pays none, so each operation needs a paymaster; {paymasters}")
    } else {
        format!(
            "gas: at most {} wei an operation (its prefund), counted with the value; {paymasters}",
            session.maxGasCostPerOp
        )
    }
}

/// A session in words, one fact per line.
pub fn describe_session(session: &Session) -> Vec<String> {
    let key = Address::from_word(session.key);
    let key = match KeyType::from_code(session.keyType) {
        Some(KeyType::Secp256k1) => format!("session key {key}"),
        Some(KeyType::P256) => {
            format!("P-256 session key with id {key} (its public key travels in each signature)")
        }
        Some(KeyType::WebAuthn) => format!(
            "passkey (WebAuthn, user present) with id {key} (its public key travels in each \
             assertion)"
        ),
        Some(KeyType::WebAuthnUserVerified) => format!(
            "passkey (WebAuthn, user present and verified) with id {key} (its public key \
             travels in each assertion)"
        ),
        Some(KeyType::Multisig) => format!(
            "multisig session key with id {key} (its threshold and signers travel in each \
             signature)"
        ),
        None => format!(
            "session key {key} of unknown key type {} (the module refuses it)",
            session.keyType
        ),
    };
    let period = session.period.to::<u64>();
    let (per, window) = match period {
        0 => (
            "in all",
            format!(
                "valid from {} until {} (unix), at most {} uses, {} wei in all (value and gas)",
                session.validAfter, session.validUntil, session.maxUses, session.maxTotalValue
            ),
        ),
        _ => (
            "per period",
            format!(
                "valid from {} until {} (unix) in periods of {period} seconds ({}) from its \
                 start; per period at most {} uses, {} wei (value and gas)",
                session.validAfter,
                session.validUntil,
                humantime::format_duration(std::time::Duration::from_secs(period)),
                session.maxUses,
                session.maxTotalValue
            ),
        ),
    };
    let mut lines = vec![format!("account {}, {key}", session.account), window, gas(session)];
    for action in &session.actions {
        let what = if action.selector == TRANSFER_SELECTOR {
            "plain transfers".to_string()
        } else {
            format!("selector {}", action.selector)
        };
        lines.push(format!(
            "may call {} with {what}, at most {} wei per call",
            action.target, action.maxValuePerCall
        ));
        let rules = session
            .argRules
            .iter()
            .filter(|rule| (rule.target, rule.selector) == (action.target, action.selector));
        lines.extend(rules.map(|rule| format!("  {}", describe_rule(rule))));
    }
    for rule in session.argRules.iter().filter(|rule| {
        !session.actions.iter().any(|a| (a.target, a.selector) == (rule.target, rule.selector))
    }) {
        lines.push(format!(
            "a rule for selector {} on {}, which no action allows (the module refuses the session: \
             ArgumentRuleInvalid): {}",
            rule.selector,
            rule.target,
            describe_rule(rule)
        ));
    }
    for limit in &session.tokenLimits {
        lines.push(format!(
            "may move at most {} base units of the token {} by transfer, approve, increaseAllowance and transferFrom, {per}",
            limit.maxAmount, limit.token
        ));
    }
    for scope in &session.signing {
        lines.push(match (scope.appDomain.is_zero(), scope.contentsType.is_zero()) {
            (true, _) => "may sign personal messages for the account".to_string(),
            (false, true) => {
                format!("may sign any typed data of the app domain {}", scope.appDomain)
            }
            (false, false) => format!(
                "may sign typed data of the app domain {} whose type hashes to {}",
                scope.appDomain, scope.contentsType
            ),
        });
    }
    if !session.salt.is_zero() {
        lines.push(format!("salt {}", session.salt));
    }
    lines
}

/// An argument rule in words: which word, the condition, the value.
pub fn describe_rule(rule: &ArgRule) -> String {
    let Some(condition) = Condition::from_code(rule.condition).map(Condition::symbol) else {
        let code = rule.condition;
        return format!("a rule of unknown condition {code} (the module refuses it)");
    };
    let word = match rule.offset % 32 {
        0 => format!("the argument word at byte {} (argument {})", rule.offset, rule.offset / 32),
        _ => format!("the argument word at byte {}", rule.offset),
    };
    // Small numbers read best in decimal, address words as addresses; anything else whole.
    let value = U256::from_be_bytes(rule.value.0);
    let value = if value < U256::from(u64::MAX) {
        value.to_string()
    } else if rule.value[..12].iter().all(|&byte| byte == 0) {
        Address::from_word(rule.value).to_string()
    } else {
        rule.value.to_string()
    };
    format!("only when {word} {condition} {value} (as unsigned 256-bit numbers)")
}

fn hex(bytes: &[u8]) -> String {
    alloy_primitives::hex::encode_prefixed(bytes)
}

#[cfg(test)]
mod tests {
    use alloy_primitives::aliases::U48;
    use alloy_primitives::{address, Bytes, U256};
    use session_core::{
        erc4337::validation_data as word,
        interface::{Execution, ISmartSessions, SessionExecution, SessionRevocation, TokenLimit},
    };

    use serde_json::json;

    use super::*;
    use crate::{encode, policy::Policy};

    const GAME_POLICY: &str = include_str!("../../../examples/game-session.toml");

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

        let challenge = include_str!("../../../examples/game-challenge.json");
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
        let challenge = include_str!("../../../examples/game-challenge.json");
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
        assert_eq!(
            lines[3],
            format!("  session P-256 key signature (r ‖ s) {}", hex(&signed[..64]))
        );
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
        let (kind, text) =
            explained(&encode::execute_single(game, U256::from(5), &[1, 2, 3, 4, 9]));
        assert_eq!(kind, "execute");
        assert!(text.contains("one call"), "{text}");
        assert!(
            text.contains(&format!("to {game} sending 5 wei: selector 0x01020304 with 1 bytes"))
        );

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
        let (kind, text) =
            explained(&encode::execute_as_session_by_signature(execution, &[0x22; 65]));
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
        assert!(
            text.contains("SIG_VALIDATION_FAILED") && text.contains("from 10 until 20"),
            "{text}"
        );
        let (_, text) = explained(word(false, 0, 0).as_slice());
        assert!(text.contains("signature valid") && text.contains("until forever"), "{text}");
    }

    #[test]
    fn anything_else_is_not_recognized() {
        let error = explain(&[0xde, 0xad, 0xbe, 0xef, 0x00]).unwrap_err();
        assert!(error.0.starts_with("5 bytes starting 0xdeadbeef"), "{error}");
    }
}
