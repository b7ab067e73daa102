//! ERC-7715 permission requests (`wallet_requestExecutionPermissions`, the ERC's current
//! shape: `chainId`, `from`, `to`, one `permission`, `rules`) to a session policy and back.
//!
//! A session is one request array: every request names the same chain, account (`from`),
//! session key (`to`) and `expiry` rule, and their permissions together make its actions and
//! caps.
//!
//! | ERC-7715 | session |
//! |---|---|
//! | `from` / `to` | `account` / the secp256k1 `session_key` (the delegate's address) |
//! | `expiry` rule (required: sessions always end) | `validUntil` |
//! | `startTime` of the permissions | `validAfter` |
//! | `native-token-allowance {allowanceAmount}` | `maxTotalValue`, over every call that sends value |
//! | `native-token-periodic {periodAmount, periodDuration}` | `maxTotalValue` per `period` of `periodDuration` seconds |
//! | their `payee` rule | a plain-transfer action to each payee, up to the amount per call |
//! | `erc20-token-allowance {tokenAddress, allowanceAmount}` | a `TokenLimit` of the token, and an action allowing its `transfer(address,uint256)` (sending no value) |
//! | `erc20-token-periodic {tokenAddress, periodAmount, periodDuration}` | the same, the limit per `period` of `periodDuration` seconds |
//! | `contract-call {address, calls, valueLimit}` | an action per call (signature or selector), `valueLimit` wei per call |
//! | `call-limit {count}` rule (ERC-7715's first draft's `call-limit`) | `maxUses` |
//! | `gas-cost {maxPerOperation, maxTotal?}` rule (this module's; ERC-7715 has no gas form) | `maxGasCostPerOp`; `maxTotal` is `maxTotalValue` when no native-token permission sets it |
//! | `paymaster {addresses}` rule (this module's) | `paymasters` |
//!
//! The module counts gas the account pays into `maxTotalValue`: a native-token allowance caps
//! the calls' value *and* their gas, so the wallet should show it as such. Without a
//! `gas-cost` rule the account pays no gas: a paymaster (a `paymaster` rule) must. The
//! `gas-cost` and `paymaster` rules, like `expiry` and `call-limit`, are the same on every
//! request of a session.
//!
//! A session has one period for all its limits, counted from its start (`validAfter`): its
//! periodic permissions must share one `periodDuration`, their `startTime` (when given) must be
//! the session's start, and a session with periods cannot also hold an amount counted in all
//! (an `…-allowance`) or a `call-limit` (its `maxUses` would count per period too).
//!
//! An `erc20-token-…` permission allows transfers only, to anyone (a `payee` rule on it is
//! refused): the session's `approve` calls, which the module counts against the same budget,
//! have no ERC-7715 form, and neither has a `contract-call` naming
//! `transfer(address,uint256)` or `approve(address,uint256)` (the module counts those amounts
//! against a token budget; without one they move nothing).
//!
//! Everything else is refused, naming the field: streaming allowances, other ERC-20 permissions
//! and NFT permissions, unknown rules, and an allowance that nothing can spend (no payee rule
//! and no `contract-call` with a `valueLimit`: a session names whom it may pay). On the way
//! back, a P-256 session key (ERC-7715's `to` is an address), argument rules, a session's
//! approve action, a token transfer without a token limit, a token limit without a transfer
//! action, and a period with a use limit or with no amount to count are refused.
//! `contract-call` is the shape viem and Reown use, not one the current ERC defines.

use alloy_primitives::{Address, U256};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use session_core::{
    calls::TRANSFER_SELECTOR,
    erc20::TokenCall,
    interface::{Action, Session},
    session_key::KeyType,
};

use crate::policy::{error, ActionPolicy, Policy, PolicyError, TokenLimitPolicy};

/// One `wallet_requestExecutionPermissions` request.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PermissionRequest {
    /// The chain, as hex (`"0x66eee"`).
    pub chain_id: U256,
    /// The account granting (absent: the wallet picks one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Address>,
    /// The delegate: here, the session key's address.
    pub to: Address,
    /// What it may do.
    pub permission: Permission,
    /// Limits on it: `expiry`, `payee`, `call-limit`.
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// A permission: its type and its type's data.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Permission {
    /// `native-token-allowance`, `contract-call`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// Whether the wallet may grant less than asked (a session is granted as asked).
    pub is_adjustment_allowed: bool,
    /// The type's fields.
    pub data: Value,
}

/// A rule: its type and data.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// `expiry`, `payee`, `call-limit`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The rule's fields.
    pub data: Value,
}

/// `native-token-allowance` data (`allowance` is the ERC example's name for the amount).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NativeTokenAllowance {
    #[serde(alias = "allowance", deserialize_with = "amount")]
    allowance_amount: U256,
    #[serde(default)]
    start_time: Option<u64>,
    /// Shown to the user by the wallet; a session has no place for it.
    #[serde(default, rename = "justification")]
    _justification: Option<String>,
}

/// `native-token-periodic` data: wei per period of `periodDuration` seconds.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NativeTokenPeriodic {
    #[serde(deserialize_with = "amount")]
    period_amount: U256,
    period_duration: u64,
    #[serde(default)]
    start_time: Option<u64>,
    /// Shown to the user by the wallet; a session has no place for it.
    #[serde(default, rename = "justification")]
    _justification: Option<String>,
}

/// `erc20-token-periodic` data: the token, and base units per period of `periodDuration`
/// seconds.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Erc20TokenPeriodic {
    token_address: Address,
    #[serde(deserialize_with = "amount")]
    period_amount: U256,
    period_duration: u64,
    #[serde(default)]
    start_time: Option<u64>,
    /// Shown to the user by the wallet; a session has no place for it.
    #[serde(default, rename = "justification")]
    _justification: Option<String>,
}

/// `erc20-token-allowance` data: the token and its amount in base units.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Erc20TokenAllowance {
    token_address: Address,
    #[serde(alias = "allowance", deserialize_with = "amount")]
    allowance_amount: U256,
    #[serde(default)]
    start_time: Option<u64>,
    /// Shown to the user by the wallet; a session has no place for it.
    #[serde(default, rename = "justification")]
    _justification: Option<String>,
}

/// `contract-call` data: `calls` are signatures (`move(uint8,uint8)`) or selectors.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ContractCall {
    address: Address,
    calls: Vec<String>,
    #[serde(default, deserialize_with = "optional_amount")]
    value_limit: Option<U256>,
    #[serde(default)]
    start_time: Option<u64>,
    /// Shown to the user by the wallet; a session has no place for it.
    #[serde(default, rename = "justification")]
    _justification: Option<String>,
}

/// An amount: hex (`"0x1DCD6500"`, any case, zero-padded or not) or decimal digits; `"0x"`
/// alone is refused rather than read as zero.
fn amount<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<U256, D::Error> {
    let text = String::deserialize(deserializer)?;
    let parsed = match text.strip_prefix("0x") {
        Some(digits) if !digits.is_empty() => U256::from_str_radix(digits, 16).ok(),
        Some(_) => None,
        None => text.parse().ok(),
    };
    parsed.ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not an amount")))
}

fn optional_amount<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<U256>, D::Error> {
    amount(deserializer).map(Some)
}

const NATIVE_TOKEN_ALLOWANCE: &str = "native-token-allowance";
const NATIVE_TOKEN_PERIODIC: &str = "native-token-periodic";
const CONTRACT_CALL: &str = "contract-call";
const ERC20_TOKEN_ALLOWANCE: &str = "erc20-token-allowance";
const ERC20_TOKEN_PERIODIC: &str = "erc20-token-periodic";

/// What the module cannot hold, by permission type.
fn unsupported(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "native-token-stream" | "erc20-token-stream" => {
            "streaming allowances are not supported: the module's limits start over each \
             period, they do not accrue"
        }
        kind if kind.starts_with("erc721") || kind.starts_with("erc1155") => {
            "NFT permissions are not supported: the module budgets ERC-20 tokens only"
        }
        kind if kind.starts_with("erc20") => {
            "of the ERC-20 permissions only erc20-token-allowance and erc20-token-periodic are \
             supported"
        }
        "token-approval-revocation" => "revocation permissions are not supported",
        _ => return None,
    })
}

/// How an amount permission counts: in all, or per period of so many seconds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Counting {
    InAll,
    PerPeriod(u64),
}

/// The one period of a session, as its requests ask for it: the first amount permission read
/// fixes how every other must count.
#[derive(Default)]
struct PeriodOfRequests {
    /// The first amount permission's counting, its request index and its type.
    first: Option<(Counting, usize, String)>,
}

impl PeriodOfRequests {
    /// Request `i`'s amount permission of `kind` counts so.
    fn count(&mut self, i: usize, kind: &str, counting: Counting) -> Result<(), PolicyError> {
        if counting == Counting::PerPeriod(0) {
            return Err(error(
                format!("[{i}].permission.data.periodDuration"),
                "a period lasts at least 1 second",
            ));
        }
        let Some((first, j, first_kind)) = &self.first else {
            self.first = Some((counting, i, kind.to_string()));
            return Ok(());
        };
        match (*first, counting) {
            (Counting::PerPeriod(a), Counting::PerPeriod(b)) if a != b => Err(error(
                format!("[{i}].permission.data.periodDuration"),
                format!(
                    "{b} seconds, but [{j}] asks for periods of {a}: a session has one period \
                     for all its limits"
                ),
            )),
            (Counting::InAll, Counting::PerPeriod(_))
            | (Counting::PerPeriod(_), Counting::InAll) => Err(error(
                format!("[{i}].permission.type"),
                format!(
                    "`{kind}` and [{j}]'s `{first_kind}` mix an amount counted in all with \
                         one counted per period: a session has one period for all its limits"
                ),
            )),
            _ => Ok(()),
        }
    }

    /// The session's period in seconds, if its amounts count per period.
    fn seconds(&self) -> Option<u64> {
        match self.first {
            Some((Counting::PerPeriod(seconds), ..)) => Some(seconds),
            _ => None,
        }
    }
}

/// The session policy a request array asks for, on `module`.
///
/// # Errors
/// [`PolicyError`] naming the request field (`[1].permission.type`) that a session cannot
/// represent, or where the requests disagree on chain, account, key, window or period.
pub fn policy_from_requests(
    requests: &[PermissionRequest],
    module: Address,
) -> Result<Policy, PolicyError> {
    let first = requests.first().ok_or_else(|| error("[]", "no permission requests"))?;
    let account = first.from.ok_or_else(|| {
        error("[0].from", "a session binds one account: name it (the wallet cannot pick)")
    })?;
    let chain_id =
        u64::try_from(first.chain_id).map_err(|_| error("[0].chainId", "not a 64-bit chain id"))?;
    let mut policy = Policy {
        chain_id,
        module,
        account,
        session_key: first.to.to_vec().into(),
        signers: Vec::new(),
        threshold: None,
        key_type: KeyType::Secp256k1,
        valid_after: None,
        valid_for: None,
        valid_until: None,
        period: None,
        max_total_value: None,
        max_gas_cost_per_op: None,
        paymasters: Vec::new(),
        max_uses: u64::MAX,
        salt: None,
        actions: Vec::new(),
        token_limits: Vec::new(),
        signing: Vec::new(),
        grant: None,
    };
    // The call-limit's count and the field it was read from.
    let mut max_uses: Option<(u64, String)> = None;
    // The gas-cost rule and the field it was read from; the paymaster rule's addresses.
    let mut gas_cost: Option<(GasCost, String)> = None;
    let mut paymasters: Option<Vec<Address>> = None;
    let mut period = PeriodOfRequests::default();
    for (i, request) in requests.iter().enumerate() {
        let at = |field: &str| format!("[{i}].{field}");
        if (request.chain_id, request.from, request.to) != (first.chain_id, first.from, first.to) {
            return Err(error(
                at("chainId"),
                "every request of a session names the same chainId, from and to",
            ));
        }
        let mut payees = None;
        let mut expiry = None;
        for (j, rule) in request.rules.iter().enumerate() {
            let field = at(&format!("rules[{j}]"));
            match rule.kind.as_str() {
                "expiry" => expiry = Some(number(&field, &rule.data, "timestamp")?),
                "call-limit" => {
                    let count = number(&field, &rule.data, "count")?;
                    if max_uses.as_ref().is_some_and(|(uses, _)| *uses != count) {
                        return Err(error(
                            field,
                            "every request of a session has the same call-limit",
                        ));
                    }
                    max_uses = Some((count, field));
                }
                "payee" => {
                    payees = Some(typed::<Payees>(&format!("{field}.data"), &rule.data)?.addresses)
                }
                "gas-cost" => {
                    let rule = typed::<GasCost>(&format!("{field}.data"), &rule.data)?;
                    if gas_cost.as_ref().is_some_and(|(first, _)| *first != rule) {
                        return Err(error(
                            field,
                            "every request of a session has the same gas-cost",
                        ));
                    }
                    gas_cost = Some((rule, field));
                }
                "paymaster" => {
                    let rule = typed::<Payees>(&format!("{field}.data"), &rule.data)?.addresses;
                    if paymasters.as_ref().is_some_and(|first| *first != rule) {
                        return Err(error(
                            field,
                            "every request of a session has the same paymaster rule",
                        ));
                    }
                    paymasters = Some(rule);
                }
                other => {
                    return Err(error(
                        format!("{field}.type"),
                        format!("rule `{other}` is not supported"),
                    ))
                }
            }
        }
        let expiry = expiry
            .ok_or_else(|| error(at("rules"), "an expiry rule is required: sessions always end"))?;
        if policy.valid_until.is_some_and(|until| until != expiry) {
            return Err(error(at("rules"), "every request of a session has the same expiry"));
        }
        policy.valid_until = Some(expiry);

        let permission = &request.permission;
        let kind = permission.kind.as_str();
        let data_field = at("permission.data");
        let start_time = match kind {
            NATIVE_TOKEN_ALLOWANCE | NATIVE_TOKEN_PERIODIC => {
                let (amount, start_time, counting) = if kind == NATIVE_TOKEN_PERIODIC {
                    let data: NativeTokenPeriodic = typed(&data_field, &permission.data)?;
                    let counting = Counting::PerPeriod(data.period_duration);
                    (data.period_amount, data.start_time, counting)
                } else {
                    let data: NativeTokenAllowance = typed(&data_field, &permission.data)?;
                    (data.allowance_amount, data.start_time, Counting::InAll)
                };
                if policy.max_total_value.is_some() {
                    return Err(error(
                        at("permission.type"),
                        "one native-token allowance (total or periodic) per session",
                    ));
                }
                period.count(i, kind, counting)?;
                policy.max_total_value = Some(amount.to_string());
                policy.actions.extend(payees.take().unwrap_or_default().into_iter().map(|payee| {
                    ActionPolicy {
                        target: payee,
                        function: None,
                        max_value_per_call: Some(amount.to_string()),
                        rules: Vec::new(),
                    }
                }));
                start_time
            }
            CONTRACT_CALL => {
                let data: ContractCall = typed(&data_field, &permission.data)?;
                if data.calls.is_empty() {
                    return Err(error(format!("{data_field}.calls"), "name at least one function"));
                }
                let value_limit = data.value_limit.filter(|limit| !limit.is_zero());
                for (j, call) in data.calls.into_iter().enumerate() {
                    let action = ActionPolicy {
                        target: data.address,
                        function: Some(call),
                        max_value_per_call: value_limit.map(|limit| limit.to_string()),
                        rules: Vec::new(),
                    };
                    let field = format!("{data_field}.calls[{j}]");
                    let selector = action.selector(&field)?;
                    if TokenCall::from_selector(selector).is_some() {
                        return Err(error(
                            field,
                            "the module counts ERC-20 transfer, approve, increaseAllowance and \
                             transferFrom amounts against a token budget: ask for an \
                             erc20-token-allowance or erc20-token-periodic (transfers; the others \
                             have no ERC-7715 form)",
                        ));
                    }
                    policy.actions.push(action);
                }
                data.start_time
            }
            ERC20_TOKEN_ALLOWANCE | ERC20_TOKEN_PERIODIC => {
                let (token, amount, start_time, counting) = if kind == ERC20_TOKEN_PERIODIC {
                    let data: Erc20TokenPeriodic = typed(&data_field, &permission.data)?;
                    let counting = Counting::PerPeriod(data.period_duration);
                    (data.token_address, data.period_amount, data.start_time, counting)
                } else {
                    let data: Erc20TokenAllowance = typed(&data_field, &permission.data)?;
                    (data.token_address, data.allowance_amount, data.start_time, Counting::InAll)
                };
                if policy.token_limits.iter().any(|limit| limit.token == token) {
                    return Err(error(
                        format!("{data_field}.tokenAddress"),
                        "one erc20-token allowance (total or periodic) per token",
                    ));
                }
                period.count(i, kind, counting)?;
                policy.token_limits.push(TokenLimitPolicy {
                    token,
                    max_amount: amount.to_string(),
                    decimals: None,
                    allow: vec![TokenCall::Transfer],
                });
                start_time
            }
            kind => {
                let reason = unsupported(kind).unwrap_or("unknown permission type");
                return Err(error(at("permission.type"), format!("`{kind}`: {reason}")));
            }
        };
        if payees.is_some() {
            return Err(error(at("rules"), "a payee rule belongs to a native-token allowance"));
        }
        if let Some(start) = start_time {
            match policy.valid_after {
                Some(after) if after != start && kind.ends_with("-periodic") => {
                    return Err(error(
                        format!("{data_field}.startTime"),
                        format!(
                            "periods count from the session's start ({after}, an earlier \
                             permission's startTime): a periodic startTime must equal it"
                        ),
                    ))
                }
                Some(after) if after != start => {
                    return Err(error(
                        format!("{data_field}.startTime"),
                        "every permission of a session starts at the same time",
                    ))
                }
                _ => policy.valid_after = Some(start),
            }
        }
    }
    if let Some(seconds) = period.seconds() {
        if let Some((_, field)) = max_uses.take() {
            return Err(error(
                field,
                "a call-limit counts calls in all, but with periodic allowances the session's \
                 use count starts over each period",
            ));
        }
        policy.period = Some(format!("{seconds}s"));
    }
    policy.max_uses = max_uses.map_or(u64::MAX, |(count, _)| count);
    let value_paths = policy.actions.iter().any(|action| action.max_value_per_call.is_some());
    match (&policy.max_total_value, value_paths) {
        (None, true) => {
            return Err(error("[]", "a contract-call valueLimit needs a native-token allowance that caps the total"))
        }
        (Some(_), false) => {
            return Err(error("[]", "nothing can spend the native-token allowance: add a payee rule or a contract-call valueLimit"))
        }
        _ => {}
    }
    policy.paymasters = paymasters.unwrap_or_default();
    if let Some((gas, field)) = gas_cost {
        policy.max_gas_cost_per_op = Some(gas.max_per_operation.to_string());
        match (gas.max_total, &policy.max_total_value) {
            (Some(_), Some(_)) => {
                return Err(error(
                    format!("{field}.data.maxTotal"),
                    "the native-token allowance caps gas too: a gas-cost maxTotal goes only \
                     where no native-token permission is asked for",
                ))
            }
            (Some(total), None) => policy.max_total_value = Some(total.to_string()),
            (None, _) => {}
        }
    }
    Ok(policy)
}

/// The `gas-cost` rule's data (this module's rule): the most gas one operation may make the
/// account pay, and (without a native-token permission) the most in all.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct GasCost {
    #[serde(deserialize_with = "amount")]
    max_per_operation: U256,
    #[serde(default, deserialize_with = "optional_amount")]
    max_total: Option<U256>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Payees {
    addresses: Vec<Address>,
}

fn typed<T: serde::de::DeserializeOwned>(field: &str, data: &Value) -> Result<T, PolicyError> {
    serde_json::from_value(data.clone()).map_err(|e| error(field, e.to_string()))
}

fn number(field: &str, data: &Value, name: &str) -> Result<u64, PolicyError> {
    data.get(name).and_then(Value::as_u64).ok_or_else(|| {
        error(format!("{field}.data.{name}"), "expected a number of seconds or a count")
    })
}

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
    let mut rules = vec![Rule {
        kind: "expiry".into(),
        data: serde_json::json!({ "timestamp": session.validUntil.to::<u64>() }),
    }];
    if session.maxUses != u64::MAX {
        rules.push(Rule {
            kind: "call-limit".into(),
            data: serde_json::json!({ "count": session.maxUses }),
        });
    }
    let sends_value = session.actions.iter().any(|action| !action.maxValuePerCall.is_zero());
    if !session.maxGasCostPerOp.is_zero() {
        let mut data = serde_json::json!({ "maxPerOperation": session.maxGasCostPerOp });
        // With value to send, the native-token permission carries the total.
        if !sends_value {
            data["maxTotal"] = serde_json::json!(session.maxTotalValue);
        }
        rules.push(Rule { kind: "gas-cost".into(), data });
    }
    if !session.paymasters.is_empty() {
        rules.push(Rule {
            kind: "paymaster".into(),
            data: serde_json::json!({ "addresses": session.paymasters }),
        });
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
        let payee_rule = (!payees.is_empty()).then(|| Rule {
            kind: "payee".into(),
            data: serde_json::json!({ "addresses": payees }),
        });
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

#[cfg(test)]
mod tests {
    use alloy_primitives::{address, FixedBytes, B256};
    use session_core::interface::TokenLimit;

    use super::*;

    const GAME_POLICY: &str = include_str!("../../../examples/game-session.toml");
    const MODULE: Address = address!("5e55105e55105e55105e55105e55105e55105e55");
    const NOW: u64 = 1_800_000_000;

    fn requests(json: &str) -> Vec<PermissionRequest> {
        serde_json::from_str(json).unwrap()
    }

    fn refusal(json: &str) -> PolicyError {
        policy_from_requests(&requests(json), MODULE).unwrap_err()
    }

    #[test]
    fn the_game_session_survives_the_round_trip_through_json() {
        let policy = Policy::parse(GAME_POLICY).unwrap();
        let session = policy.session(NOW).unwrap();
        let json =
            serde_json::to_string(&requests_from_session(&session, policy.chain_id).unwrap())
                .unwrap();
        assert!(
            json.contains(r#""type":"contract-call""#)
                && json.contains(r#""calls":["0x701bd985"]"#),
            "{json}"
        );
        assert!(json.contains(r#""chainId":"0x66eee""#), "chain id as hex: {json}");

        let back = policy_from_requests(&requests(&json), MODULE).unwrap();
        assert_eq!(back.session(NOW + 99).unwrap(), session, "startTime pins the window");
    }

    #[test]
    fn gas_and_paymaster_rules_survive_the_round_trip_and_name_their_field() {
        // A contract-call session sending no value: the gas-cost rule carries the total.
        let contract_call = |rules: &str| {
            format!(
                r#"[{{
            "chainId": "0x66eee",
            "from": "0xa11cea11cea11cea11cea11cea11cea11cea11ce",
            "to": "0xb595b18c88b1f651ca387489067f855b5c8e6720",
            "permission": {{"type": "contract-call", "isAdjustmentAllowed": false,
                           "data": {{"address": "0x9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e",
                                    "calls": ["move(uint8,uint8)"]}}}},
            "rules": [{{"type": "expiry", "data": {{"timestamp": 1800007200}}}}{rules}]
        }}]"#
            )
        };
        let json = contract_call(
            r#",{"type": "gas-cost", "data": {"maxPerOperation": "1000000000000000", "maxTotal": "0x2386f26fc10000"}},
                {"type": "paymaster", "data": {"addresses": ["0x00000000000000000000000000000000000a55a5"]}}"#,
        );
        let policy = policy_from_requests(&requests(&json), MODULE).unwrap();
        let session = policy.session(NOW).unwrap();
        assert_eq!(session.maxGasCostPerOp, U256::from(10u64.pow(15)));
        assert_eq!(session.maxTotalValue, U256::from(10u64.pow(16)), "maxTotal is the total");
        assert_eq!(session.paymasters, vec![address!("00000000000000000000000000000000000a55a5")]);
        let again = requests_from_session(&session, policy.chain_id).unwrap();
        let back = policy_from_requests(&again, MODULE).unwrap();
        assert_eq!(back.session(NOW).unwrap(), session);

        // Without a gas-cost rule the account pays no gas.
        let policy = policy_from_requests(&requests(&contract_call("")), MODULE).unwrap();
        assert_eq!(policy.session(NOW).unwrap().maxGasCostPerOp, U256::ZERO);

        // A gas cap the total cannot cover is refused, naming the field.
        let json = contract_call(
            r#",{"type": "gas-cost", "data": {"maxPerOperation": "1000000000000000"}}"#,
        );
        let error = policy_from_requests(&requests(&json), MODULE).unwrap().session(NOW);
        assert_eq!(error.unwrap_err().field, "max_gas_cost_per_op");
    }

    #[test]
    fn a_gas_cost_total_beside_a_native_allowance_is_refused() {
        let error = refusal(
            r#"[{
            "chainId": "0x66eee",
            "from": "0xa11cea11cea11cea11cea11cea11cea11cea11ce",
            "to": "0xb595b18c88b1f651ca387489067f855b5c8e6720",
            "permission": {"type": "native-token-allowance", "isAdjustmentAllowed": false,
                           "data": {"allowanceAmount": "0x2386f26fc10000"}},
            "rules": [{"type": "expiry", "data": {"timestamp": 1800007200}},
                      {"type": "payee", "data": {"addresses": ["0x00000000000000000000000000000000000b0b0b"]}},
                      {"type": "gas-cost", "data": {"maxPerOperation": "1000000000", "maxTotal": "1000000000"}}]
        }]"#,
        );
        assert_eq!(error.field, "[0].rules[2].data.maxTotal");
    }

    #[test]
    fn a_metamask_allowance_with_payees_becomes_capped_transfers() {
        let policy = policy_from_requests(&requests(r#"[{
            "chainId": "0xaa36a7",
            "from": "0xa11cea11cea11cea11cea11cea11cea11cea11ce",
            "to": "0xb595b18c88b1f651ca387489067f855b5c8e6720",
            "permission": {"type": "native-token-allowance", "isAdjustmentAllowed": true,
                           "data": {"allowanceAmount": "0x38d7ea4c68000", "justification": "rent"}},
            "rules": [{"type": "expiry", "data": {"timestamp": 1893456000}},
                      {"type": "payee", "data": {"addresses": ["0x00000000000000000000000000000000000b0b0b"]}}]
        }]"#), MODULE).unwrap();
        let session = policy.session(NOW).unwrap();
        assert_eq!((policy.chain_id, session.maxUses), (11_155_111, u64::MAX));
        assert_eq!(
            (session.validAfter.to::<u64>(), session.validUntil.to::<u64>()),
            (NOW, 1_893_456_000)
        );
        assert_eq!(session.maxTotalValue, U256::from(1_000_000_000_000_000u64));
        assert_eq!(session.actions.len(), 1);
        assert_eq!(session.actions[0].target, address!("00000000000000000000000000000000000b0b0b"));
        assert_eq!(session.actions[0].selector, TRANSFER_SELECTOR);
        assert_eq!(session.actions[0].maxValuePerCall, session.maxTotalValue);
    }

    fn one(permission: &str, rules: &str) -> String {
        format!(
            r#"[{{"chainId": "0x1", "from": "0xa11cea11cea11cea11cea11cea11cea11cea11ce",
                "to": "0xb595b18c88b1f651ca387489067f855b5c8e6720",
                "permission": {permission}, "rules": {rules}}}]"#
        )
    }

    const EXPIRY: &str = r#"[{"type": "expiry", "data": {"timestamp": 1893456000}}]"#;

    #[test]
    fn what_a_session_cannot_hold_is_refused_naming_the_field() {
        let stream = r#"{"type": "native-token-stream", "isAdjustmentAllowed": false,
            "data": {"amountPerSecond": "0x1"}}"#;
        assert_eq!(
            refusal(&one(stream, EXPIRY)),
            error("[0].permission.type", "`native-token-stream`: streaming allowances are not supported: the module's limits start over each period, they do not accrue")
        );
        let erc20 =
            r#"{"type": "erc20-token-revocation", "isAdjustmentAllowed": false, "data": {}}"#;
        assert!(refusal(&one(erc20, EXPIRY))
            .message
            .contains("only erc20-token-allowance and erc20-token-periodic"));
        let nft = r#"{"type": "erc721-token-allowance", "isAdjustmentAllowed": false, "data": {}}"#;
        assert!(refusal(&one(nft, EXPIRY)).message.contains("ERC-20 tokens only"));

        let call = r#"{"type": "contract-call", "isAdjustmentAllowed": false,
            "data": {"address": "0x9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e", "calls": ["move(uint8,uint8)"]}}"#;
        assert_eq!(refusal(&one(call, "[]")).field, "[0].rules", "no expiry");
        let redeemer = r#"[{"type": "redeemer", "data": {"addresses": []}}]"#;
        assert_eq!(refusal(&one(call, redeemer)).field, "[0].rules[0].type");
        assert_eq!(
            refusal(
                &one(call, EXPIRY)
                    .replace(r#""from": "0xa11cea11cea11cea11cea11cea11cea11cea11ce","#, "")
            )
            .field,
            "[0].from"
        );

        let allowance_alone = r#"{"type": "native-token-allowance", "isAdjustmentAllowed": false,
            "data": {"allowance": "0x1DCD6500"}}"#;
        assert!(refusal(&one(allowance_alone, EXPIRY)).message.starts_with("nothing can spend"));
        let call_with_value = call.replace(r#""calls""#, r#""valueLimit": "0x10", "calls""#);
        assert!(refusal(&one(&call_with_value, EXPIRY))
            .message
            .contains("needs a native-token allowance"));
        let empty_amount = allowance_alone.replace("0x1DCD6500", "0x");
        assert_eq!(refusal(&one(&empty_amount, EXPIRY)).field, "[0].permission.data");
        let typo = call.replace("calls", "cals");
        assert_eq!(refusal(&one(&typo, EXPIRY)).field, "[0].permission.data");
    }

    const USDC_ALLOWANCE: &str = r#"{"type": "erc20-token-allowance", "isAdjustmentAllowed": false,
        "data": {"tokenAddress": "0x1c7d4b196cb0c7b01d743fbc6116a902379c7238",
                 "allowanceAmount": "0x5f5e100", "justification": "100 USDC"}}"#;
    const USDC: Address = address!("1c7d4b196cb0c7b01d743fbc6116a902379c7238");

    #[test]
    fn an_erc20_allowance_becomes_a_token_limit_and_its_transfers_and_back() {
        let policy = policy_from_requests(&requests(&one(USDC_ALLOWANCE, EXPIRY)), MODULE).unwrap();
        let session = policy.session(NOW).unwrap();
        assert_eq!(
            session.tokenLimits,
            [TokenLimit { token: USDC, maxAmount: U256::from(100_000_000) }]
        );
        assert_eq!(
            session.actions,
            [Action {
                target: USDC,
                selector: TokenCall::Transfer.selector(),
                maxValuePerCall: U256::ZERO
            }],
            "transfers only, no approvals"
        );
        assert_eq!(session.maxTotalValue, U256::ZERO);

        let json = serde_json::to_string(&requests_from_session(&session, 1).unwrap()).unwrap();
        assert!(json.contains(r#""type":"erc20-token-allowance""#), "{json}");
        assert!(json.contains(r#""allowanceAmount":"0x5f5e100""#), "{json}");
        let back = policy_from_requests(&requests(&json), MODULE).unwrap();
        assert_eq!(back.session(NOW + 99).unwrap(), session, "startTime pins the window");
    }

    #[test]
    fn erc20_requests_a_session_cannot_hold_are_refused_naming_the_field() {
        let payee = r#"[{"type": "expiry", "data": {"timestamp": 1893456000}},
            {"type": "payee", "data": {"addresses": ["0x00000000000000000000000000000000000b0b0b"]}}]"#;
        assert_eq!(
            refusal(&one(USDC_ALLOWANCE, payee)),
            error("[0].rules", "a payee rule belongs to a native-token allowance")
        );
        let a = one(USDC_ALLOWANCE, EXPIRY);
        let twice = format!("[{},{}]", &a[1..a.len() - 1], &a[1..a.len() - 1]);
        assert_eq!(
            refusal(&twice),
            error(
                "[1].permission.data.tokenAddress",
                "one erc20-token allowance (total or periodic) per token"
            )
        );
        let approve = r#"{"type": "contract-call", "isAdjustmentAllowed": false,
            "data": {"address": "0x1c7d4b196cb0c7b01d743fbc6116a902379c7238",
                     "calls": ["balanceOf(address)", "approve(address,uint256)"]}}"#;
        let error = refusal(&one(approve, EXPIRY));
        assert_eq!(error.field, "[0].permission.data.calls[1]");
        assert!(error.message.contains("ask for an erc20-token-allowance"), "{error}");
        let bad = approve.replace("balanceOf(address)", "balanceOf(address");
        assert_eq!(refusal(&one(&bad, EXPIRY)).field, "[0].permission.data.calls[0]");
    }

    #[test]
    fn token_permissions_erc_7715_cannot_say_are_refused() {
        let policy = policy_from_requests(&requests(&one(USDC_ALLOWANCE, EXPIRY)), MODULE).unwrap();
        let session = policy.session(NOW).unwrap();
        let refused = |change: &dyn Fn(&mut Session)| {
            let mut changed = session.clone();
            change(&mut changed);
            requests_from_session(&changed, 1).unwrap_err()
        };
        for call in [TokenCall::Approve, TokenCall::IncreaseAllowance, TokenCall::TransferFrom] {
            let error = refused(&|s| s.actions[0].selector = call.selector());
            assert_eq!(error.field, "actions[0]");
            assert!(error.message.starts_with(&format!("`{}` on ", call.signature())), "{error}");
            assert!(error.message.contains("have no ERC-7715 form"), "{error}");
        }
        let error = refused(&|s| s.tokenLimits[0].token = Address::repeat_byte(1));
        assert_eq!(error.field, "actions[0]");
        assert!(error.message.contains("has no token limit"), "{error}");
        let error = refused(&|s| s.actions[0].target = Address::repeat_byte(1));
        assert_eq!(error.field, "actions[0]", "a transfer on another token has no limit");
        let error = refused(&|s| {
            s.actions.push(Action {
                target: Address::repeat_byte(0x9a),
                selector: FixedBytes([1, 2, 3, 4]),
                maxValuePerCall: U256::ZERO,
            });
            s.actions.swap(0, 1);
            s.tokenLimits
                .push(TokenLimit { token: Address::repeat_byte(2), maxAmount: U256::from(1) });
        });
        assert_eq!(error.field, "tokenLimits[1]");
        assert!(error.message.contains("no transfer action"), "{error}");
        let error = refused(&|s| s.actions[0].maxValuePerCall = U256::from(1));
        assert_eq!(error.field, "actions[0].maxValuePerCall");
    }

    #[test]
    fn requests_of_one_session_must_agree() {
        let call = r#"{"type": "contract-call", "isAdjustmentAllowed": false,
            "data": {"address": "0x9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e", "calls": ["move(uint8,uint8)"]}}"#;
        let a = one(call, EXPIRY);
        let b = one(call, &EXPIRY.replace("1893456000", "1893456001"));
        let both = format!("[{},{}]", &a[1..a.len() - 1], &b[1..b.len() - 1]);
        assert_eq!(
            refusal(&both),
            error("[1].rules", "every request of a session has the same expiry")
        );
    }

    #[test]
    fn sessions_with_what_erc_7715_cannot_say_are_refused() {
        let mut session = Policy::parse(GAME_POLICY).unwrap().session(NOW).unwrap();
        session.salt = B256::repeat_byte(1);
        assert_eq!(requests_from_session(&session, 1).unwrap_err().field, "salt");
        session.salt = B256::ZERO;
        session.actions[0].selector = TRANSFER_SELECTOR;
        let error = requests_from_session(&session, 1).unwrap_err();
        assert!(error.message.contains("per-call cap must equal maxTotalValue"), "{error}");
    }

    const DAY: u64 = 86_400;
    /// 0.001 ether a day to a payee, from NOW.
    const NATIVE_PERIODIC: &str = r#"{"type": "native-token-periodic", "isAdjustmentAllowed": false,
        "data": {"periodAmount": "0x38d7ea4c68000", "periodDuration": 86400, "startTime": 1800000000,
                 "justification": "rent, daily"}}"#;
    /// 10 USDC a day.
    const USDC_PERIODIC: &str = r#"{"type": "erc20-token-periodic", "isAdjustmentAllowed": false,
        "data": {"tokenAddress": "0x1c7d4b196cb0c7b01d743fbc6116a902379c7238",
                 "periodAmount": "0x989680", "periodDuration": 86400}}"#;
    const PAYEE: &str = r#"[{"type": "expiry", "data": {"timestamp": 1893456000}},
        {"type": "payee", "data": {"addresses": ["0x00000000000000000000000000000000000b0b0b"]}}]"#;

    /// The requests `a` and `b` (each a one-request array) as one array.
    fn both(a: &str, b: &str) -> String {
        format!("[{},{}]", &a[1..a.len() - 1], &b[1..b.len() - 1])
    }

    #[test]
    fn periodic_allowances_become_the_sessions_period_and_its_limits_and_back() {
        let json = both(&one(NATIVE_PERIODIC, PAYEE), &one(USDC_PERIODIC, EXPIRY));
        let policy = policy_from_requests(&requests(&json), MODULE).unwrap();
        assert_eq!(policy.period.as_deref(), Some("86400s"));
        let session = policy.session(NOW + 99).unwrap();
        assert_eq!(session.period.to::<u64>(), DAY);
        assert_eq!(session.validAfter.to::<u64>(), NOW, "startTime is the session's start");
        assert_eq!(session.maxTotalValue, U256::from(1_000_000_000_000_000u64), "per day");
        assert_eq!(session.maxUses, u64::MAX);
        assert_eq!(
            session.tokenLimits,
            [TokenLimit { token: USDC, maxAmount: U256::from(10_000_000) }]
        );
        let calls: Vec<_> = session.actions.iter().map(|a| (a.target, a.selector)).collect();
        assert_eq!(
            calls,
            [
                (address!("00000000000000000000000000000000000b0b0b"), TRANSFER_SELECTOR),
                (USDC, TokenCall::Transfer.selector())
            ]
        );

        let back = requests_from_session(&session, 1).unwrap();
        let kinds: Vec<_> = back.iter().map(|r| r.permission.kind.as_str()).collect();
        assert_eq!(kinds, ["native-token-periodic", "erc20-token-periodic"]);
        assert_eq!(
            back[1].permission.data,
            serde_json::json!({
                "tokenAddress": USDC, "periodAmount": "0x989680", "periodDuration": DAY,
                "startTime": NOW
            })
        );
        let again = policy_from_requests(&back, MODULE).unwrap().session(NOW + 5).unwrap();
        assert_eq!(again, session, "the round trip keeps the session");
    }

    #[test]
    fn periodic_requests_a_session_cannot_hold_are_refused_naming_the_field() {
        let hourly = USDC_PERIODIC.replace("86400", "3600");
        assert_eq!(
            refusal(&both(&one(NATIVE_PERIODIC, PAYEE), &one(&hourly, EXPIRY))),
            error(
                "[1].permission.data.periodDuration",
                "3600 seconds, but [0] asks for periods of 86400: a session has one period for \
                 all its limits"
            )
        );
        assert_eq!(
            refusal(&both(&one(USDC_ALLOWANCE, EXPIRY), &one(NATIVE_PERIODIC, PAYEE))),
            error(
                "[1].permission.type",
                "`native-token-periodic` and [0]'s `erc20-token-allowance` mix an amount counted \
                 in all with one counted per period: a session has one period for all its limits"
            )
        );
        let native_total =
            NATIVE_PERIODIC.replace("native-token-periodic", "native-token-allowance").replace(
                r#""periodAmount": "0x38d7ea4c68000", "periodDuration": 86400"#,
                r#""allowanceAmount": "0x1""#,
            );
        assert_eq!(
            refusal(&both(&one(USDC_PERIODIC, EXPIRY), &one(&native_total, PAYEE))).field,
            "[1].permission.type"
        );
        let later = USDC_PERIODIC.replace(
            r#""periodDuration": 86400"#,
            r#""periodDuration": 86400, "startTime": 1800000001"#,
        );
        assert_eq!(
            refusal(&both(&one(NATIVE_PERIODIC, PAYEE), &one(&later, EXPIRY))),
            error(
                "[1].permission.data.startTime",
                "periods count from the session's start (1800000000, an earlier permission's \
                 startTime): a periodic startTime must equal it"
            )
        );
        let limited = r#"[{"type": "expiry", "data": {"timestamp": 1893456000}},
            {"type": "call-limit", "data": {"count": 5}}]"#;
        assert_eq!(
            refusal(&one(USDC_PERIODIC, limited)),
            error(
                "[0].rules[1]",
                "a call-limit counts calls in all, but with periodic allowances the session's use \
                 count starts over each period"
            )
        );
        assert_eq!(
            refusal(&one(&USDC_PERIODIC.replace("86400", "0"), EXPIRY)),
            error("[0].permission.data.periodDuration", "a period lasts at least 1 second")
        );
        assert_eq!(
            refusal(&one(&USDC_PERIODIC.replace("periodDuration", "period"), EXPIRY)).field,
            "[0].permission.data"
        );
    }

    #[test]
    fn sessions_with_what_erc_7715_cannot_say_of_periods_rules_and_keys_are_refused() {
        let json = one(USDC_PERIODIC, EXPIRY);
        let session = policy_from_requests(&requests(&json), MODULE).unwrap().session(NOW).unwrap();
        let refused = |change: &dyn Fn(&mut Session)| {
            let mut changed = session.clone();
            change(&mut changed);
            requests_from_session(&changed, 1).unwrap_err()
        };
        assert_eq!(
            refused(&|s| s.maxUses = 10),
            error(
                "maxUses",
                "a periodic session's maxUses counts per period, and ERC-7715's call-limit in all"
            )
        );
        let nothing_per_period = refused(&|s| {
            s.tokenLimits.clear();
            s.actions[0].selector = FixedBytes([1, 2, 3, 4]);
        });
        assert_eq!(nothing_per_period.field, "period");
        assert_eq!(
            refused(&|s| s.keyType = 1),
            error(
                "keyType",
                "ERC-7715's `to` is the delegate's address: a P-256 session key has no ERC-7715 \
                 form"
            )
        );
        assert_eq!(
            refused(&|s| s.argRules.push(Default::default())),
            error("argRules", "ERC-7715 has no argument rules")
        );
    }
}
