//! A session policy as people write it (TOML or JSON: addresses, "2h", "0.01 ether",
//! `move(uint8,uint8)`), turned into the module's `Session` and `SessionGrant`.

use alloy_json_abi::Function;
use alloy_primitives::{
    aliases::U48,
    keccak256,
    utils::{ParseUnits, Unit},
    Address, FixedBytes, B256, U256,
};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use stylus_smart_sessions::{
    eip712::{KEY_TYPE_SECP256K1, TRANSFER_SELECTOR},
    interface::{Action, Session, SessionGrant, SigningScope, TokenLimit},
    storage::MAX_AMOUNT,
};

/// A policy file: who may act for which account, when, on what, for how much.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The chain the session lives on.
    pub chain_id: u64,
    /// The module's address.
    pub module: Address,
    /// The smart account the session acts for.
    pub account: Address,
    /// The session key's address (secp256k1).
    pub session_key: Address,
    /// When the session starts, unix seconds (default: now).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_after: Option<u64>,
    /// How long it lasts from its start: `"2h"`, `"30m"`, `"7days"` (or say `valid_until`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_for: Option<String>,
    /// Its last second, unix seconds (or say `valid_for`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<u64>,
    /// Value all calls may move in all (`"1 ether"`, `"5000 gwei"`, wei as a number string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_total_value: Option<String>,
    /// How many UserOperations the session may validate.
    pub max_uses: u64,
    /// Distinguishes otherwise identical sessions (default zero).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<B256>,
    /// What it may call (besides what `token_limits` entries `allow`).
    #[serde(default)]
    pub actions: Vec<ActionPolicy>,
    /// ERC-20 budgets: how much of each token its `transfer` and `approve` calls may move in
    /// all (a token without one moves nothing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub token_limits: Vec<TokenLimitPolicy>,
    /// What it may sign for the account (ERC-1271 through ERC-7739); none by default.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signing: Vec<SigningPolicy>,
    /// The owner's grant (ENABLE mode): nonce and how long it may be used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant: Option<GrantPolicy>,
}

/// One allowed call.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ActionPolicy {
    /// The contract called.
    pub target: Address,
    /// The function, as a signature (`move(uint8,uint8)`) or a selector (`0x701bd985`);
    /// absent for a plain value transfer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// Value one call may send (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_value_per_call: Option<String>,
}

/// One ERC-20 budget. The module adds up the amounts of every `transfer(address,uint256)` and
/// `approve(address,uint256)` call on `token` against `max_amount`; the call itself still needs
/// an action, which `allow` writes.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TokenLimitPolicy {
    /// The ERC-20 contract.
    pub token: Address,
    /// The budget: in the token's base units (`"100000000"`), or in whole tokens (`"100"`,
    /// `"12.5"`) when `decimals` says how many base units make one.
    pub max_amount: String,
    /// The token's `decimals()` (USDC: 6), to write `max_amount` in whole tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u8>,
    /// Calls on `token` to allow: `"transfer"`, `"approve"`, each an action sending no value
    /// (default none: the actions are written by hand).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<TokenCall>,
}

/// An ERC-20 call whose amount counts against the token's budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenCall {
    /// `transfer(address,uint256)`.
    Transfer,
    /// `approve(address,uint256)`.
    Approve,
}

impl TokenCall {
    /// The function's signature.
    pub fn signature(self) -> &'static str {
        match self {
            Self::Transfer => "transfer(address,uint256)",
            Self::Approve => "approve(address,uint256)",
        }
    }

    /// The function's selector.
    pub fn selector(self) -> FixedBytes<4> {
        FixedBytes::from_slice(&keccak256(self.signature())[..4])
    }

    /// The token call whose selector is `selector`, if any.
    pub fn from_selector(selector: FixedBytes<4>) -> Option<Self> {
        [Self::Transfer, Self::Approve].into_iter().find(|call| call.selector() == selector)
    }
}

impl TokenLimitPolicy {
    fn limit(&self, index: usize) -> Result<TokenLimit, PolicyError> {
        let field = format!("token_limits[{index}].max_amount");
        let unit = match self.decimals {
            None => Unit::WEI,
            Some(decimals) => Unit::new(decimals).ok_or_else(|| {
                error(format!("token_limits[{index}].decimals"), "at most 77 decimals")
            })?,
        };
        let max_amount = units(&field, &self.max_amount, &self.max_amount, unit).map_err(|e| {
            match self.decimals {
                None if self.max_amount.contains('.') => error(
                    e.field,
                    format!(
                        "{}: base units are whole; say `decimals` to count in tokens",
                        e.message
                    ),
                ),
                _ => e,
            }
        })?;
        // The module keeps budgets in 96 bits; a larger one would silently be held lower.
        if max_amount > U256::from(MAX_AMOUNT) {
            return Err(error(field, "more than the module holds (2^96 − 1 base units)"));
        }
        Ok(TokenLimit { token: self.token, maxAmount: max_amount })
    }
}

/// One kind of message the session may sign for the account: typed data of one app (of one
/// type, or of any), or personal messages.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SigningPolicy {
    /// The app's EIP-712 domain separator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_domain: Option<B256>,
    /// The typed data's type string, primary type first (`"Mail(address to,string contents)"`);
    /// absent: any type of the app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contents_type: Option<String>,
    /// Personal messages (`personal_sign`) instead of an app's typed data.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub personal: bool,
}

impl SigningPolicy {
    fn scope(&self, index: usize) -> Result<SigningScope, PolicyError> {
        let field = |name: &str| format!("signing[{index}].{name}");
        let contents_type = self.contents_type.as_deref().map(keccak256).unwrap_or_default();
        match (self.personal, self.app_domain) {
            (true, None) if self.contents_type.is_none() => {
                Ok(SigningScope { appDomain: B256::ZERO, contentsType: B256::ZERO })
            }
            (true, _) => Err(error(
                field("personal"),
                "personal messages have no app_domain or contents_type",
            )),
            (false, Some(app_domain)) if !app_domain.is_zero() => {
                Ok(SigningScope { appDomain: app_domain, contentsType: contents_type })
            }
            (false, _) => Err(error(
                field("app_domain"),
                "say the app's domain separator, or personal = true",
            )),
        }
    }
}

/// The owner's grant.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GrantPolicy {
    /// The account's grant nonce at the module (0 until `invalidateGrants`).
    #[serde(default)]
    pub nonce: u64,
    /// How long after now the grant may still enable the session: `"1h"`.
    pub valid_for: String,
}

/// A policy that cannot become a session, naming the field at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    /// The field, as a path: `actions[0].max_value_per_call`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for PolicyError {}

/// A [`PolicyError`] on `field`.
pub fn error(field: impl Into<String>, message: impl Into<String>) -> PolicyError {
    PolicyError { field: field.into(), message: message.into() }
}

/// Reads a file's `T` from TOML, or JSON when `text` starts with `{`.
///
/// # Errors
/// The parser's error (naming the line and the key) on the field `TOML` or `JSON`.
pub fn parse_text<T: DeserializeOwned>(text: &str) -> Result<T, PolicyError> {
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| error("JSON", e.to_string()))
    } else {
        toml::from_str(text).map_err(|e| error("TOML", e.to_string()))
    }
}

impl Policy {
    /// Reads a policy from TOML, or JSON when `text` starts with `{`.
    ///
    /// # Errors
    /// The parser's error, which names the line and the key.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        parse_text(text)
    }

    /// The session this policy describes, starting at `now` unless `valid_after` says when.
    ///
    /// # Errors
    /// [`PolicyError`] naming the first field that cannot be represented.
    pub fn session(&self, now: u64) -> Result<Session, PolicyError> {
        let start = self.valid_after.unwrap_or(now);
        let end = match (&self.valid_for, self.valid_until) {
            (Some(duration), None) => later("valid_for", start, duration)?,
            (None, Some(end)) if end > start && end < 1 << 48 => end,
            (None, Some(end)) => {
                return Err(error("valid_until", format!("{end} is not a uint48 after {start}")))
            }
            _ => return Err(error("valid_for", "say either valid_for or valid_until")),
        };
        if self.max_uses == 0 {
            return Err(error("max_uses", "a session needs at least one use"));
        }
        let mut actions = self
            .actions
            .iter()
            .enumerate()
            .map(|(i, action)| action.action(i))
            .collect::<Result<Vec<_>, _>>()?;
        let token_limits = self.token_limits(&mut actions)?;
        if actions.is_empty() {
            return Err(error("actions", "a session needs at least one action"));
        }
        Ok(Session {
            account: self.account,
            keyType: KEY_TYPE_SECP256K1,
            key: self.session_key.into_word(),
            validAfter: U48::from(start),
            validUntil: U48::from(end),
            period: U48::ZERO,
            actions,
            argRules: Vec::new(),
            signing: self
                .signing
                .iter()
                .enumerate()
                .map(|(i, scope)| scope.scope(i))
                .collect::<Result<_, _>>()?,
            tokenLimits: token_limits,
            maxTotalValue: value("max_total_value", self.max_total_value.as_deref())?,
            maxUses: self.max_uses,
            salt: self.salt.unwrap_or_default(),
        })
    }

    /// The session's token limits; the calls their `allow` names are added to `actions`.
    fn token_limits(&self, actions: &mut Vec<Action>) -> Result<Vec<TokenLimit>, PolicyError> {
        let written = actions.len();
        let mut limits: Vec<TokenLimit> = Vec::new();
        for (i, entry) in self.token_limits.iter().enumerate() {
            let field = |name: &str| format!("token_limits[{i}].{name}");
            if let Some(first) = limits.iter().position(|limit| limit.token == entry.token) {
                return Err(error(
                    field("token"),
                    format!(
                        "{} already has token_limits[{first}]: one limit per token (the module \
                         refuses a second with TokenLimitDuplicated)",
                        entry.token
                    ),
                ));
            }
            limits.push(entry.limit(i)?);
            for call in &entry.allow {
                let action = Action {
                    target: entry.token,
                    selector: call.selector(),
                    maxValuePerCall: U256::ZERO,
                };
                let same = |other: &Action| {
                    (other.target, other.selector) == (action.target, action.selector)
                };
                if let Some(k) = actions.iter().position(same) {
                    let by = match k < written {
                        true => format!("actions[{k}] already allows it"),
                        false => "it is listed twice".into(),
                    };
                    return Err(error(
                        field("allow"),
                        format!(
                            "`{}` on {}: {by} (the module refuses an action listed twice)",
                            call.signature(),
                            entry.token
                        ),
                    ));
                }
                actions.push(action);
            }
        }
        Ok(limits)
    }

    /// The owner's grant of [`Policy::session`], its deadline counted from `now`.
    ///
    /// # Errors
    /// [`PolicyError`] for the session's fields, or for a policy without `[grant]`.
    pub fn grant(&self, now: u64) -> Result<SessionGrant, PolicyError> {
        let grant = self.grant.as_ref().ok_or_else(|| error("grant", "missing [grant] table"))?;
        let deadline = later("grant.valid_for", now, &grant.valid_for)?;
        Ok(SessionGrant {
            session: self.session(now)?,
            nonce: U256::from(grant.nonce),
            deadline: U48::from(deadline),
        })
    }
}

impl ActionPolicy {
    fn action(&self, index: usize) -> Result<Action, PolicyError> {
        let field = |name: &str| format!("actions[{index}].{name}");
        Ok(Action {
            target: self.target,
            selector: self.selector(&field("function"))?,
            maxValuePerCall: value(
                &field("max_value_per_call"),
                self.max_value_per_call.as_deref(),
            )?,
        })
    }

    /// The selector of `function`, or the plain transfer's when it is absent.
    ///
    /// # Errors
    /// [`PolicyError`] on `field` for a signature that does not parse, or a selector that is
    /// not 4 bytes (or is the plain transfer's).
    pub(crate) fn selector(&self, field: &str) -> Result<FixedBytes<4>, PolicyError> {
        Ok(match &self.function {
            None => TRANSFER_SELECTOR,
            Some(selector) if selector.starts_with("0x") => selector
                .parse::<FixedBytes<4>>()
                .ok()
                .filter(|selector| *selector != TRANSFER_SELECTOR)
                .ok_or_else(|| error(field, format!("`{selector}` is no selector")))?,
            Some(signature) => FixedBytes(
                Function::parse(signature)
                    .map_err(|e| error(field, format!("`{signature}`: {e}")))?
                    .selector()
                    .0,
            ),
        })
    }
}

/// `start` plus `text` (`"2h"`, `"90s"`, `"1day 2h"`), as uint48 seconds.
fn later(field: &str, start: u64, text: &str) -> Result<u64, PolicyError> {
    let duration = humantime::parse_duration(text)
        .map_err(|e| error(field, format!("`{text}` is not a duration like \"2h\": {e}")))?;
    start
        .checked_add(duration.as_secs())
        .filter(|end| *end < 1 << 48)
        .ok_or_else(|| error(field, "ends beyond uint48 seconds"))
}

/// `"0.01 ether"`, `"5 gwei"`, `"1000 wei"` or `"1000"` (wei) as wei; absent is zero.
pub fn value(field: &str, text: Option<&str>) -> Result<U256, PolicyError> {
    let Some(text) = text else { return Ok(U256::ZERO) };
    let mut parts = text.split_whitespace();
    let (amount, unit) = match (parts.next(), parts.next(), parts.next()) {
        (Some(amount), unit, None) => (amount, unit.unwrap_or("wei")),
        _ => return Err(error(field, format!("`{text}` is not an amount like \"0.01 ether\""))),
    };
    let unit = unit.parse::<Unit>().map_err(|e| error(field, format!("`{text}`: {e}")))?;
    units(field, text, amount, unit)
}

/// `amount` (`text`'s number) times 10^`unit`: not negative, and no finer than the unit, so
/// nothing is rounded away.
fn units(field: &str, text: &str, amount: &str, unit: Unit) -> Result<U256, PolicyError> {
    let decimals = amount.split_once('.').map_or(0, |(_, fraction)| fraction.len());
    if amount.starts_with('-') {
        return Err(error(field, format!("`{text}` is negative")));
    }
    if decimals > usize::from(unit.get()) {
        return Err(error(field, format!("`{text}` has more than {unit} decimals")));
    }
    ParseUnits::parse_units(amount, unit)
        .map(ParseUnits::get_absolute)
        .map_err(|e| error(field, format!("`{text}`: {e}")))
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{address, fixed_bytes};

    use super::*;

    const USDC: Address = address!("af88d065e77c8cc2239327c5edb3a432268e5831");

    /// A bot's policy: `actions` is the TOML array of its actions, `token_limits` its
    /// `[[token_limits]]` entries.
    fn bot(actions: &str, token_limits: &str) -> Result<Session, PolicyError> {
        Policy::parse(&format!(
            r#"
            chain_id = 42161
            module = "0x5e55105e55105e55105e55105e55105e55105e55"
            account = "0xa11cea11cea11cea11cea11cea11cea11cea11ce"
            session_key = "0xb595b18c88b1f651ca387489067f855b5c8e6720"
            valid_for = "1day"
            max_uses = 10
            actions = {actions}
            {token_limits}
            "#
        ))?
        .session(1_800_000_000)
    }

    #[test]
    fn a_token_limit_in_whole_tokens_is_its_base_units_and_allow_writes_its_actions() {
        let session = bot(
            "[]",
            &format!(
                r#"[[token_limits]]
            token = "{USDC}"
            max_amount = "12.5"
            decimals = 6
            allow = ["transfer", "approve"]"#
            ),
        )
        .unwrap();
        assert_eq!(
            session.tokenLimits,
            [TokenLimit { token: USDC, maxAmount: U256::from(12_500_000) }]
        );
        let calls: Vec<_> =
            session.actions.iter().map(|a| (a.target, a.selector, a.maxValuePerCall)).collect();
        assert_eq!(
            calls,
            [
                (USDC, fixed_bytes!("a9059cbb"), U256::ZERO),
                (USDC, fixed_bytes!("095ea7b3"), U256::ZERO)
            ]
        );

        let policy = Policy::parse(&format!(
            r#"chain_id = 1
            module = "0x5e55105e55105e55105e55105e55105e55105e55"
            account = "0xa11cea11cea11cea11cea11cea11cea11cea11ce"
            session_key = "0xb595b18c88b1f651ca387489067f855b5c8e6720"
            valid_until = 1900000000
            max_uses = 1
            [[token_limits]]
            token = "{USDC}"
            max_amount = "12500000"
            allow = ["transfer"]"#
        ))
        .unwrap();
        let toml = toml::to_string(&policy).unwrap();
        assert!(toml.contains("[[token_limits]]") && toml.contains(r#"allow = ["transfer"]"#));
        let again = Policy::parse(&toml).unwrap().session(0).unwrap();
        assert_eq!(again, policy.session(0).unwrap(), "the entry survives serde");
        assert_eq!(again.tokenLimits[0].maxAmount, U256::from(12_500_000), "base units");
    }

    #[test]
    fn a_bad_token_limit_is_refused_naming_its_field() {
        let entry = |fields: &str| format!("[[token_limits]]\ntoken = \"{USDC}\"\n{fields}\n");
        let refused = |entries: &str| bot("[]", entries).unwrap_err();
        let whole = r#"max_amount = "100""#;

        let error = refused(&entry(r#"max_amount = "12.5""#));
        assert_eq!(error.field, "token_limits[0].max_amount");
        assert!(error.message.contains("base units are whole; say `decimals`"), "{error}");
        let error = refused(&entry("max_amount = \"1.2345678\"\ndecimals = 6"));
        assert_eq!(error.message, "`1.2345678` has more than 6 decimals");
        assert_eq!(refused(&entry(r#"max_amount = "-1""#)).message, "`-1` is negative");
        let too_much = refused(&entry(&format!("max_amount = \"{}\"", 1u128 << 96)));
        assert_eq!(too_much.message, "more than the module holds (2^96 − 1 base units)");
        assert_eq!(
            refused(&entry(&format!("{whole}\ndecimals = 78"))).field,
            "token_limits[0].decimals"
        );

        let twice = refused(&[entry(whole), entry(whole)].concat());
        assert_eq!(twice.field, "token_limits[1].token");
        assert!(twice.message.contains("TokenLimitDuplicated"), "{twice}");

        let by_hand =
            format!(r#"[{{ target = "{USDC}", function = "transfer(address,uint256)" }}]"#);
        let allow = entry(&format!("{whole}\nallow = [\"transfer\"]"));
        let error = bot(&by_hand, &allow).unwrap_err();
        assert_eq!(error.field, "token_limits[0].allow");
        assert!(error.message.contains("actions[0] already allows it"), "{error}");
        let error = refused(&entry(&format!("{whole}\nallow = [\"approve\", \"approve\"]")));
        assert!(error.message.contains("listed twice"), "{error}");
        assert!(refused(&entry(&format!("{whole}\nallow = [\"transferFrom\"]")))
            .message
            .contains("unknown variant `transferFrom`"));

        assert_eq!(refused(&entry(whole)).field, "actions", "a limit alone allows no call");
    }

    #[test]
    fn amounts_are_never_negative_nor_rounded() {
        let wei = |text| value("max_total_value", Some(text));
        assert_eq!(wei("0.01 ether"), Ok(U256::from(10u64.pow(16))));
        assert_eq!(wei("5000"), Ok(U256::from(5000)));
        assert_eq!(wei("-1 ether"), Err(error("max_total_value", "`-1 ether` is negative")));
        assert_eq!(
            wei("1.5 wei"),
            Err(error("max_total_value", "`1.5 wei` has more than 0 decimals"))
        );
        assert!(wei("1 coin").unwrap_err().message.starts_with("`1 coin`: "));
    }
}
