//! Sessions and their argument rules in words, one fact per line.

use alloy_primitives::{Address, U256};
use session_core::{
    calls::TRANSFER_SELECTOR,
    interface::{ArgRule, Session},
    rule::Condition,
    session_key::KeyType,
};

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
