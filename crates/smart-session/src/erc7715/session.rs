//! A session → the ERC-7715 requests that ask for it.

use alloy_primitives::{Address, U256};
use serde_json::Value;
use session_core::{
    calls::TRANSFER_SELECTOR,
    erc20::TokenCall,
    interface::{Action, Session},
    session_key::KeyType,
};

use super::{
    Permission, PermissionRequest, Rule, CONTRACT_CALL, ERC20_TOKEN_ALLOWANCE,
    ERC20_TOKEN_PERIODIC, NATIVE_TOKEN_ALLOWANCE, NATIVE_TOKEN_PERIODIC,
};
use crate::policy::{error, PolicyError};

/// The request array that asks for `session` on `chain_id`: the inverse of
/// [`policy_from_requests`].
///
/// # Errors
/// [`PolicyError`] naming the session field ERC-7715 cannot carry: a salt, a transfer whose
/// per-call cap differs from the total, value sent to contracts without a total cap, an ERC-20
/// approve action, a token transfer without a token limit or a token limit without one.
pub fn requests_from_session(
    session: &Session,
    chain_id: u64,
) -> Result<Vec<PermissionRequest>, PolicyError> {
    if !session.salt.is_zero() {
        return Err(error("salt", "ERC-7715 has no salt"));
    }
    if !session.signing.is_empty() {
        return Err(error("signing", "ERC-7715 has no signing permissions"));
    }
    if session.keyType != KeyType::Secp256k1.code() {
        return Err(error(
            "keyType",
            "ERC-7715's `to` is the delegate's address: a P-256 session key has no ERC-7715 form",
        ));
    }
    if !session.argRules.is_empty() {
        return Err(error("argRules", "ERC-7715 has no argument rules"));
    }
    let period = session.period.to::<u64>();
    if period != 0 && session.maxUses != u64::MAX {
        return Err(error(
            "maxUses",
            "a periodic session's maxUses counts per period, and ERC-7715's call-limit in all",
        ));
    }
    let start_time = Some(session.validAfter.to::<u64>()).filter(|start| *start != 0);
    // With a period, amounts become `…-periodic` permissions of the same period.
    let amount = |amount: U256, mut data: serde_json::Value| {
        if period == 0 {
            data["allowanceAmount"] = serde_json::json!(amount);
        } else {
            data["periodAmount"] = serde_json::json!(amount);
            data["periodDuration"] = serde_json::json!(period);
        }
        with_start(data, start_time)
    };
    let kind = |allowance: &str, periodic: &str| {
        if period == 0 { allowance } else { periodic }.to_string()
    };
    let mut rules = vec![Rule::new(
        "expiry",
        serde_json::json!({ "timestamp": session.validUntil.to::<u64>() }),
    )];
    if session.maxUses != u64::MAX {
        rules.push(Rule::new("call-limit", serde_json::json!({ "count": session.maxUses })));
    }
    let sends_value = session.actions.iter().any(|action| !action.maxValuePerCall.is_zero());
    if !session.maxGasCostPerOp.is_zero() {
        let mut data = serde_json::json!({ "maxPerOperation": session.maxGasCostPerOp });
        // With value to send, the native-token permission carries the total.
        if !sends_value {
            data["maxTotal"] = serde_json::json!(session.maxTotalValue);
        }
        rules.push(Rule::new("gas-cost", data));
    }
    if !session.paymasters.is_empty() {
        rules.push(Rule::new("paymaster", serde_json::json!({ "addresses": session.paymasters })));
    }
    let request = |permission: Permission, extra: Option<Rule>| PermissionRequest {
        chain_id: U256::from(chain_id),
        from: Some(session.account),
        to: Address::from_word(session.key),
        permission,
        rules: rules.iter().cloned().chain(extra).collect(),
    };
    let mut requests = Vec::new();

    // ERC-20 transfers become erc20-token-allowances with their token limits; approvals and
    // transfers without a limit have no ERC-7715 form.
    let (token_calls, actions): (Vec<_>, Vec<_>) = session
        .actions
        .iter()
        .enumerate()
        .partition(|(_, action)| TokenCall::from_selector(action.selector).is_some());
    for (k, action) in &token_calls {
        token_transfer(*k, action, session)?;
    }
    let (transfers, calls): (Vec<_>, Vec<_>) = actions
        .into_iter()
        .map(|(_, action)| action)
        .partition(|action| action.selector == TRANSFER_SELECTOR);
    let total = session.maxTotalValue;
    if let Some(action) = transfers.iter().find(|action| action.maxValuePerCall != total) {
        return Err(error(
            format!("actions (transfer to {})", action.target),
            "ERC-7715 caps transfers by the allowance only: the per-call cap must equal maxTotalValue",
        ));
    }
    if sends_value {
        let payees: Vec<_> = transfers.iter().map(|action| action.target).collect();
        let payee_rule = (!payees.is_empty())
            .then(|| Rule::new("payee", serde_json::json!({ "addresses": payees })));
        requests.push(request(
            Permission {
                kind: kind(NATIVE_TOKEN_ALLOWANCE, NATIVE_TOKEN_PERIODIC),
                is_adjustment_allowed: false,
                data: amount(total, serde_json::json!({})),
            },
            payee_rule,
        ));
    } else if !transfers.is_empty() {
        return Err(error("actions", "transfers of at most 0 wei have no ERC-7715 form"));
    }
    for (i, limit) in session.tokenLimits.iter().enumerate() {
        if !token_calls.iter().any(|(_, action)| action.target == limit.token) {
            return Err(error(
                format!("tokenLimits[{i}]"),
                format!(
                    "{} has a limit but no transfer action: ERC-7715's erc20-token-allowance is \
                     a transfer permission",
                    limit.token
                ),
            ));
        }
        let data = amount(limit.maxAmount, serde_json::json!({ "tokenAddress": limit.token }));
        requests.push(request(
            Permission {
                kind: kind(ERC20_TOKEN_ALLOWANCE, ERC20_TOKEN_PERIODIC),
                is_adjustment_allowed: false,
                data,
            },
            None,
        ));
    }
    if period != 0 && !requests.iter().any(|r| r.permission.kind.ends_with("-periodic")) {
        return Err(error(
            "period",
            "the session has no amount to count per period: ERC-7715 has no period without one",
        ));
    }
    // One contract-call per (contract, per-call cap), in the session's order.
    let mut groups: Vec<(Address, U256, Vec<String>)> = Vec::new();
    for action in calls {
        let selector = action.selector.to_string();
        match groups
            .iter_mut()
            .find(|(target, limit, _)| (*target, *limit) == (action.target, action.maxValuePerCall))
        {
            Some((_, _, selectors)) => selectors.push(selector),
            None => groups.push((action.target, action.maxValuePerCall, vec![selector])),
        }
    }
    for (address, limit, selectors) in groups {
        let mut data = serde_json::json!({ "address": address, "calls": selectors });
        if !limit.is_zero() {
            data["valueLimit"] = serde_json::json!(limit);
        }
        requests.push(request(
            Permission {
                kind: CONTRACT_CALL.into(),
                is_adjustment_allowed: false,
                data: with_start(data, start_time),
            },
            None,
        ));
    }
    Ok(requests)
}

/// Whether ERC-7715 can say the session's counted ERC-20 action `k`: a transfer, sending no
/// value, on a token with a limit.
fn token_transfer(k: usize, action: &Action, session: &Session) -> Result<(), PolicyError> {
    let field = format!("actions[{k}]");
    match TokenCall::from_selector(action.selector) {
        Some(TokenCall::Transfer) => {}
        other => {
            let signature = other.map_or("", TokenCall::signature);
            return Err(error(
                field,
                format!(
                    "`{signature}` on {}: ERC-7715's erc20-token-allowance allows transfers only; \
                     approvals, allowance increases and transfers from others have no ERC-7715 \
                     form",
                    action.target
                ),
            ));
        }
    }
    if !session.tokenLimits.iter().any(|limit| limit.token == action.target) {
        return Err(error(
            field,
            format!(
                "`{}` on {} has no token limit (a budget of 0) and no ERC-7715 form",
                TokenCall::Transfer.signature(),
                action.target
            ),
        ));
    }
    if !action.maxValuePerCall.is_zero() {
        return Err(error(
            format!("{field}.maxValuePerCall"),
            "an erc20-token-allowance's transfers send no value",
        ));
    }
    Ok(())
}

fn with_start(mut data: Value, start_time: Option<u64>) -> Value {
    if let Some(start) = start_time {
        data["startTime"] = serde_json::json!(start);
    }
    data
}
