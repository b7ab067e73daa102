//! ERC-7715 requests → a session policy.

use alloy_primitives::{Address, U256};
use serde::Deserialize;
use serde_json::Value;
use session_core::{erc20::TokenCall, session_key::KeyType};

use super::{
    PermissionRequest, CONTRACT_CALL, ERC20_TOKEN_ALLOWANCE, ERC20_TOKEN_PERIODIC,
    NATIVE_TOKEN_ALLOWANCE, NATIVE_TOKEN_PERIODIC,
};
use crate::policy::{error, ActionPolicy, Policy, PolicyError, TokenLimitPolicy};

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
