//! A session policy as people write it (TOML or JSON: addresses, "2h", "0.01 ether",
//! `move(uint8,uint8)`), turned into the module's `Session` and `SessionGrant`.
//!
//! Besides the window, actions and caps, a policy may say:
//! - `period = "1day"`: the window is cut into periods of that length from its start, and
//!   `max_uses`, `max_total_value` and every `[[token_limits]]` budget count **per period**,
//!   starting over in each (one period for all of them: a session has one clock). With a
//!   period, `valid_for` is the window's exact length (`"30days"` holds 30 periods of a day);
//!   a window that is not a whole number of periods ends with a shorter one, whose limits are
//!   whole all the same;
//! - `rules = [{ arg = 1, le = "100" }, …]` on an action: conditions on the arguments of its
//!   calls, all of which must hold (at most 8 per action; see [`ArgRulePolicy`]);
//! - `key_type = "p256"`: the session key is a P-256 key (a passkey, a secure enclave), and
//!   `session_key` its public key; the session then holds the key's id (see
//!   [`key_id`]). The default is secp256k1, `session_key` being its address.

use std::collections::BTreeMap;

use alloy_dyn_abi::{DynSolType, Specifier};
use alloy_primitives::{
    aliases::U48,
    keccak256,
    utils::{ParseUnits, Unit},
    Address, Bytes, FixedBytes, B256, U256,
};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use session_core::{
    calls::TRANSFER_SELECTOR,
    erc20::TokenCall,
    interface::{Action, ArgRule, Session, SessionGrant, SigningScope, TokenLimit},
    layout::{gas_cost_gwei, gwei_to_wei, MAX_AMOUNT, MAX_ARG_RULES, MAX_GAS_COST_GWEI, MAX_WEI},
    multisig,
    period::Periods,
    rule::Condition,
    session_key::{key_id, KeyType},
    Keyword,
};

use crate::{calls::parse_function, keyword};

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
    /// The session key: secp256k1, its address (20 bytes); P-256 and WebAuthn (`key_type =
    /// "p256"`, `"webauthn"`, `"webauthn-uv"`), its public key, uncompressed SEC1
    /// `0x04 ‖ x ‖ y` (65 bytes), `x ‖ y` (64) or compressed (33); multisig, absent (say
    /// `signers` and `threshold`).
    #[serde(default, skip_serializing_if = "<[u8]>::is_empty")]
    pub session_key: Bytes,
    /// A multisig key's signers (`key_type = "multisig"`, at most 5 secp256k1 addresses).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signers: Vec<Address>,
    /// How many of `signers` must sign each operation (`key_type = "multisig"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<u8>,
    /// How the session key signs: `"secp256k1"` (the default) or `"p256"`.
    #[serde(default, skip_serializing_if = "keyword::is_default", with = "keyword")]
    pub key_type: KeyType,
    /// When the session starts, unix seconds (default: now).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_after: Option<u64>,
    /// How long it lasts from its start: `"2h"`, `"30m"`, `"7days"` (or say `valid_until`).
    /// Its last second is `start + valid_for`, or with a `period` `start + valid_for − 1`, so
    /// that the window holds whole periods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_for: Option<String>,
    /// Its last second, unix seconds (or say `valid_for`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<u64>,
    /// The length of the periods the window is cut into from its start (`"1day"`, same syntax
    /// as `valid_for`): with a period, `max_uses`, `max_total_value` and the token limits count
    /// per period, starting over in each. Absent: one period, the whole window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Value the account may pay through the session in all, or per period (`"1 ether"`,
    /// `"5000 gwei"`, wei as a number string): what its calls send, plus the gas of each
    /// operation no paymaster pays for (see `max_gas_cost_per_op`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_total_value: Option<String>,
    /// The most gas one UserOperation may make the account pay (`"0.0005 ether"`, in whole
    /// gwei), counted as the EntryPoint's prefund and added to what `max_total_value` caps.
    /// Absent: `0`, the account pays no gas for the session — each operation needs one of
    /// `paymasters`. (No default figure: gas prices differ a thousandfold between chains, and
    /// a refused operation names what it would have cost.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_gas_cost_per_op: Option<String>,
    /// Paymasters that may pay for the session's UserOperations (none by default: an operation
    /// naming a paymaster is refused). When one pays, nothing is counted for gas.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paymasters: Vec<Address>,
    /// How many UserOperations (and executor-path calls) the session may run, in all or per
    /// period.
    pub max_uses: u64,
    /// Distinguishes otherwise identical sessions (default zero).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<B256>,
    /// What it may call (besides what `token_limits` entries `allow`).
    #[serde(default)]
    pub actions: Vec<ActionPolicy>,
    /// ERC-20 budgets: how much of each token its `transfer` and `approve` calls may move in
    /// all, or per period (a token without one moves nothing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub token_limits: Vec<TokenLimitPolicy>,
    /// What it may sign for the account (ERC-1271 through ERC-7739); none by default.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signing: Vec<SigningPolicy>,
    /// The owner's grant (ENABLE mode): nonce and how long it may be used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant: Option<GrantPolicy>,
}

/// The session key a policy names, read for its key type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyKey {
    /// A secp256k1 key, by its address.
    Secp256k1(Address),
    /// A P-256 public key, `x ‖ y`, signing raw hashes (`P256`) or WebAuthn assertions.
    P256(KeyType, [u8; 64]),
    /// `threshold` of the secp256k1 `signers`.
    Multisig {
        /// How many must sign.
        threshold: u8,
        /// The signers' addresses.
        signers: Vec<Address>,
    },
}

impl PolicyKey {
    /// The key's type.
    pub fn key_type(&self) -> KeyType {
        match self {
            Self::Secp256k1(_) => KeyType::Secp256k1,
            Self::P256(key_type, _) => *key_type,
            Self::Multisig { .. } => KeyType::Multisig,
        }
    }

    /// The key's id, `Session.key` as an address: the secp256k1 address, or the P-256 key's
    /// [`key_id`].
    pub fn id(&self) -> Address {
        match self {
            Self::Secp256k1(address) => *address,
            Self::P256(_, public_key) => key_id(public_key),
            Self::Multisig { threshold, signers } => {
                multisig::key_id(*threshold, signers).unwrap_or_default()
            }
        }
    }
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
    /// Conditions on the arguments of every call of this action (at most 8), all of which must
    /// hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<ArgRulePolicy>,
}

/// One condition on one 32-byte word of a call's arguments: `{ arg = 1, le = "100" }`.
///
/// The word is named by `arg`, the index of a static argument of the action's `function` (its
/// word's place is computed from the signature; with a bare selector, argument `i` is the word
/// at `32 · i`), or by `offset`, its byte offset after the selector. The condition is one of
/// [`Condition`]'s keywords (`eq`, `ne`, `le`, `ge`: =, ≠, ≤, ≥), the module comparing the word
/// and the value as unsigned 256-bit numbers. The value is read as the argument's type says when the signature is known
/// (`address`, `uint…` with optional units like `"0.5 ether"`, `int…`, `bool`, `bytes…`),
/// else as a `uint256` (decimal, or `0x` hex: a number, so shorter hex is right-aligned).
/// `le` and `ge` are refused on signed integers, whose negative values compare as huge unsigned
/// numbers; dynamic arguments (`bytes`, `string`, arrays) are refused, their word being an
/// offset, not the value.
///
/// The module compares the raw word: a target built with Solidity's ABI coder v1 masks the high
/// bits of an `address` or `uintN` argument instead of refusing them, so there a `ge` or `ne`
/// rule on such an argument can be passed with dirty high bits (`eq` and `le` hold).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct ArgRulePolicy {
    /// The argument, by its index in the function's signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arg: Option<u64>,
    /// The word, by its byte offset in the arguments (after the 4-byte selector).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// The condition, by its keyword (`eq`, `ne`, `le`, `ge`: [`Condition::keyword`]), and the
    /// value; any other key is kept to be refused by name (`lt` is no condition).
    #[serde(flatten)]
    pub conditions: BTreeMap<String, RuleValue>,
}

/// A rule's value as written: a string (`"0xabc…"`, `"100"`), a number or a boolean.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum RuleValue {
    /// `"100"`, `"0.5 ether"`, `"0xb0b…"`, `"-3"`.
    Text(String),
    /// `100`, `-3`.
    Integer(i64),
    /// `true`, `false`.
    Bool(bool),
}

impl std::fmt::Display for RuleValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Text(text) => f.write_str(text),
            Self::Integer(number) => write!(f, "{number}"),
            Self::Bool(bool) => write!(f, "{bool}"),
        }
    }
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
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "keyword::list")]
    pub allow: Vec<TokenCall>,
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
    let parsed = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| error("JSON", e.to_string()))
    } else {
        toml::from_str(text).map_err(|e| error("TOML", e.to_string()))
    };
    parsed.map_err(|mut e| {
        // The hex parser's words name no type: say what a hex field holds.
        let hex = ["odd number of digits", "invalid string length", "invalid character"];
        if hex.iter().any(|words| e.message.contains(words)) {
            e.message = format!(
                "{}\n(hex: an address is 0x and 40 hex digits, a key id or hash 0x and 64)",
                e.message.trim_end()
            );
        }
        e
    })
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
            // With periods the window is exactly `valid_for` long, so that "30days" of "1day"
            // periods is 30 periods, not 30 and a 31st of one second (validUntil is inclusive).
            (Some(duration), None) => {
                let end = later("valid_for", start, duration)? - u64::from(self.period.is_some());
                if end <= start {
                    return Err(error(
                        "valid_for",
                        format!("`{duration}` is too short: the session needs two seconds or more"),
                    ));
                }
                end
            }
            (None, Some(end)) if end > start && end < 1 << 48 => end,
            (None, Some(end)) => {
                return Err(error("valid_until", format!("{end} is not a uint48 after {start}")))
            }
            _ => return Err(error("valid_for", "say either valid_for or valid_until")),
        };
        let period = self.period_seconds(start, end)?;
        if self.max_uses == 0 {
            return Err(error("max_uses", "a session needs at least one use"));
        }
        let key = self.key()?;
        let mut actions = Vec::new();
        let mut arg_rules = Vec::new();
        for (i, entry) in self.actions.iter().enumerate() {
            let action = entry.action(i)?;
            arg_rules.extend(entry.arg_rules(i, &action)?);
            actions.push(action);
        }
        let token_limits = self.token_limits(&mut actions)?;
        if actions.is_empty() {
            return Err(error("actions", "a session needs at least one action"));
        }
        let (max_total_value, max_gas_cost) = self.value_caps()?;
        Ok(Session {
            account: self.account,
            keyType: key.key_type().code(),
            key: key.id().into_word(),
            validAfter: U48::from(start),
            validUntil: U48::from(end),
            period: U48::from(period),
            actions,
            argRules: arg_rules,
            signing: self
                .signing
                .iter()
                .enumerate()
                .map(|(i, scope)| scope.scope(i))
                .collect::<Result<_, _>>()?,
            tokenLimits: token_limits,
            paymasters: self.paymasters.clone(),
            maxTotalValue: max_total_value,
            maxGasCostPerOp: max_gas_cost,
            maxUses: self.max_uses,
            salt: self.salt.unwrap_or_default(),
        })
    }

    /// `max_total_value` and `max_gas_cost_per_op`, as the module holds them exactly.
    ///
    /// # Errors
    /// [`PolicyError`] on a cap the module would hold lower (more than 2^88 − 1 wei; gas not
    /// in whole gwei, or more than 2^40 − 1 gwei), or a gas cap above the total, which also
    /// counts gas (no operation the account pays for could pass).
    fn value_caps(&self) -> Result<(U256, U256), PolicyError> {
        let total = wei_cap("max_total_value", self.max_total_value.as_deref())?;
        let field = "max_gas_cost_per_op";
        let gas = value(field, self.max_gas_cost_per_op.as_deref())?;
        if gas > gwei_to_wei(MAX_GAS_COST_GWEI) || gwei_to_wei(gas_cost_gwei(gas)) != gas {
            return Err(error(
                field,
                "the module keeps it in whole gwei, at most 2^40 − 1 gwei (1,099 ether)",
            ));
        }
        if gas > total {
            return Err(error(
                field,
                format!(
                    "{gas} wei is more than max_total_value ({total} wei), which counts gas too:                      raise max_total_value"
                ),
            ));
        }
        Ok((total, gas))
    }

    /// The session key, read for `key_type`.
    ///
    /// # Errors
    /// [`PolicyError`] on `session_key` when it is not a key of that type: not 20 bytes for
    /// secp256k1, not a point of P-256 for P-256 and WebAuthn; on `threshold` for a multisig
    /// key that cannot be one.
    pub fn key(&self) -> Result<PolicyKey, PolicyError> {
        let bytes = self.session_key.as_ref();
        match self.key_type {
            KeyType::Secp256k1 if !self.signers.is_empty() || self.threshold.is_some() => {
                Err(error(
                    "signers",
                    "signers and threshold are a multisig key's: say key_type = \"multisig\"",
                ))
            }
            KeyType::Secp256k1 => match <[u8; 20]>::try_from(bytes) {
                Ok(address) if address != [0; 20] => Ok(PolicyKey::Secp256k1(address.into())),
                _ => Err(error(
                    "session_key",
                    format!(
                        "{} bytes: a secp256k1 session key is named by its address (20 bytes, \
                         not zero); a P-256 public key needs key_type = \"p256\"",
                        bytes.len()
                    ),
                )),
            },
            KeyType::Multisig => {
                let threshold = self.threshold.unwrap_or_default();
                if !bytes.is_empty() {
                    return Err(error(
                        "session_key",
                        "a multisig key is named by signers and threshold",
                    ));
                }
                if multisig::key_id(threshold, &self.signers).is_none() {
                    return Err(error(
                        "threshold",
                        format!(
                            "{threshold} of {} signers: a multisig key needs 1 ≤ threshold ≤ \
                             signers ≤ {}, the signers distinct",
                            self.signers.len(),
                            multisig::MAX_SIGNERS
                        ),
                    ));
                }
                Ok(PolicyKey::Multisig { threshold, signers: self.signers.clone() })
            }
            KeyType::P256 | KeyType::WebAuthn | KeyType::WebAuthnUserVerified => {
                // `x ‖ y` alone is the uncompressed point without its 0x04 tag.
                let sec1 = match bytes.len() {
                    64 => [&[0x04], bytes].concat(),
                    _ => bytes.to_vec(),
                };
                let point = p256::PublicKey::from_sec1_bytes(&sec1).map_err(|_| {
                    error(
                        "session_key",
                        format!(
                            "{} bytes that are no P-256 public key (say 0x04 ‖ x ‖ y, 65 bytes, \
                             or x ‖ y, 64 bytes, of a point on the curve)",
                            bytes.len()
                        ),
                    )
                })?;
                let uncompressed =
                    p256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(&point, false);
                let xy = uncompressed.as_bytes()[1..].try_into().expect("0x04 ‖ x ‖ y");
                Ok(PolicyKey::P256(self.key_type, xy))
            }
        }
    }

    /// The period in seconds (0: none), for the window `start..=end`.
    fn period_seconds(&self, start: u64, end: u64) -> Result<u64, PolicyError> {
        let Some(text) = &self.period else { return Ok(0) };
        let period = duration("period", text)?;
        if period == 0 || period >= 1 << 48 {
            return Err(error(
                "period",
                format!("`{text}`: a period lasts 1 second to 2^48 − 1 seconds (or leave it out)"),
            ));
        }
        // The module refuses a window of more periods than their 32-bit indexes count
        // (SessionWindowInvalid).
        let periods = Periods { valid_after: start, valid_until: end, length: period };
        if !periods.is_valid() {
            return Err(error(
                "period",
                format!(
                    "`{text}` is too short for the window of {} seconds: it makes {} periods, \
                     and the module counts at most 2^32",
                    end - start + 1,
                    u128::from(periods.last_index()) + 1
                ),
            ));
        }
        Ok(period)
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
            maxValuePerCall: wei_cap(
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
            Some(signature) => FixedBytes(parse_function(field, signature)?.selector().0),
        })
    }
}

impl ActionPolicy {
    /// The module's rules of this action (entry `index`), once `action` is built from it.
    fn arg_rules(&self, index: usize, action: &Action) -> Result<Vec<ArgRule>, PolicyError> {
        let field = format!("actions[{index}].rules");
        if self.rules.is_empty() {
            return Ok(Vec::new());
        }
        if self.rules.len() > usize::from(MAX_ARG_RULES) {
            return Err(error(
                field,
                format!(
                    "{} rules: the module holds at most {MAX_ARG_RULES} per action (it refuses \
                     the next with ArgumentRuleInvalid)",
                    self.rules.len()
                ),
            ));
        }
        if action.selector == TRANSFER_SELECTOR {
            return Err(error(field, "a plain transfer has no arguments to rule on"));
        }
        // The argument types, when the function is a signature (not a bare selector).
        let inputs = match self.function.as_deref() {
            Some(signature) if !signature.starts_with("0x") => {
                let function = parse_function(&field, signature)?;
                let types = function
                    .inputs
                    .iter()
                    .map(|input| input.resolve())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| error(format!("actions[{index}].function"), e.to_string()))?;
                Some((signature, types))
            }
            _ => None,
        };
        self.rules
            .iter()
            .enumerate()
            .map(|(k, rule)| {
                let (offset, value, condition) =
                    rule.word(&format!("{field}[{k}]"), inputs.as_ref())?;
                Ok(ArgRule {
                    target: action.target,
                    selector: action.selector,
                    offset,
                    condition,
                    value,
                })
            })
            .collect()
    }
}

impl ArgRulePolicy {
    /// The rule as the module holds it: the word's byte offset, the value word and the
    /// condition code. `inputs` are the function's signature and argument types, if known.
    fn word(
        &self,
        field: &str,
        inputs: Option<&(&str, Vec<DynSolType>)>,
    ) -> Result<(u16, B256, u8), PolicyError> {
        let at = |name: &str| format!("{field}.{name}");
        let keywords = listed(Condition::ALL.iter().map(|condition| condition.keyword()), "or");
        if let Some(name) = self.conditions.keys().find(|k| Condition::from_keyword(k).is_none()) {
            let symbols: Vec<&str> =
                Condition::ALL.iter().map(|condition| condition.symbol()).collect();
            let symbols = symbols.join(", ");
            return Err(error(
                at(name),
                format!("`{name}` is no condition: say {keywords} ({symbols})"),
            ));
        }
        // In the order conditions are listed, so that a second one is named as such.
        let mut conditions = Condition::ALL
            .iter()
            .filter_map(|&condition| Some((condition, self.conditions.get(condition.keyword())?)));
        let (condition, value) = match (conditions.next(), conditions.next()) {
            (Some(only), None) => only,
            (None, _) => return Err(error(field, format!("say one condition: {keywords}"))),
            (Some(_), Some((second, _))) => {
                return Err(error(at(second.keyword()), "one condition per rule: write two rules"))
            }
        };
        let keyword = condition.keyword();
        let (offset, ty) = match (self.arg, self.offset, inputs) {
            (Some(_), Some(_), _) => {
                return Err(error(at("offset"), "say arg or offset, not both"));
            }
            (None, None, _) => return Err(error(field, "say which argument: arg or offset")),
            (None, Some(offset), _) => (offset, None),
            (Some(arg), None, None) => (arg.saturating_mul(32), None),
            (Some(arg), None, Some((signature, types))) => {
                let (offset, ty) = argument_word(&at("arg"), arg, signature, types)?;
                (offset, Some(ty))
            }
        };
        let offset = u16::try_from(offset).map_err(|_| {
            let name = if self.offset.is_some() { "offset" } else { "arg" };
            error(at(name), format!("byte offset {offset} is beyond the module's 16 bits"))
        })?;
        if matches!(ty, Some(DynSolType::Int(_))) && condition.orders() {
            let exact = Condition::ALL.iter().filter(|condition| !condition.orders());
            return Err(error(
                at(keyword),
                format!(
                    "`{}` is signed, and the module compares words as unsigned numbers: a \
                     negative value would count as huge. Only {} are exact on it",
                    ty.as_ref().expect("matched").sol_type_name(),
                    listed(exact.map(|condition| condition.keyword()), "and")
                ),
            ));
        }
        let text = value.to_string();
        let ty = ty.unwrap_or(DynSolType::Uint(256));
        let word =
            ty.coerce_str(&text).ok().and_then(|value| value.as_word()).ok_or_else(|| {
                error(at(keyword), format!("`{text}` is no {}", ty.sol_type_name()))
            })?;
        Ok((offset, word, condition.code()))
    }
}

/// `words` as prose: `a, b, c <last> d`.
fn listed<'a>(words: impl IntoIterator<Item = &'a str>, last: &str) -> String {
    let words: Vec<&str> = words.into_iter().collect();
    match words.split_last() {
        Some((final_word, [])) => final_word.to_string(),
        Some((final_word, rest)) => format!("{} {last} {final_word}", rest.join(", ")),
        None => String::new(),
    }
}

/// The byte offset and type of argument `arg` of `signature` (whose argument types are
/// `types`): the heads of the arguments before it, and a type that is one static word.
fn argument_word(
    field: &str,
    arg: u64,
    signature: &str,
    types: &[DynSolType],
) -> Result<(u64, DynSolType), PolicyError> {
    let ty = usize::try_from(arg).ok().and_then(|arg| types.get(arg)).ok_or_else(|| {
        let has = match types.len() {
            0 => "no arguments".to_string(),
            1 => "1 argument (arg = 0)".to_string(),
            n => format!("{n} arguments (arg = 0 to {})", n - 1),
        };
        error(field, format!("argument {arg} is beyond `{signature}`, which has {has}"))
    })?;
    let name = ty.sol_type_name();
    if ty.is_dynamic() {
        return Err(error(
            field,
            format!(
                "argument {arg} is `{name}`, a dynamic type: its word holds an offset, not the \
                 value, and the module compares one fixed word"
            ),
        ));
    }
    if !matches!(
        ty,
        DynSolType::Address
            | DynSolType::Bool
            | DynSolType::Int(_)
            | DynSolType::Uint(_)
            | DynSolType::FixedBytes(_)
    ) {
        return Err(error(
            field,
            format!(
                "argument {arg} is `{name}`, several words: name one of them with `offset` \
                 (bytes after the selector) instead"
            ),
        ));
    }
    // Every argument before it takes its head: 32 bytes per word of a static type, one word
    // (an offset) for a dynamic one.
    let words: usize = types[..arg as usize]
        .iter()
        .map(|ty| if ty.is_dynamic() { 1 } else { ty.minimum_words() })
        .sum();
    Ok((32 * words as u64, ty.clone()))
}

/// `text` (`"2h"`, `"90s"`, `"1day 2h"`) in whole seconds.
fn duration(field: &str, text: &str) -> Result<u64, PolicyError> {
    let duration = humantime::parse_duration(text)
        .map_err(|e| error(field, format!("`{text}` is not a duration like \"2h\": {e}")))?;
    if duration.subsec_nanos() != 0 {
        return Err(error(field, format!("`{text}` is not a whole number of seconds")));
    }
    Ok(duration.as_secs())
}

/// `start` plus `text` (`"2h"`, `"90s"`, `"1day 2h"`), as uint48 seconds.
fn later(field: &str, start: u64, text: &str) -> Result<u64, PolicyError> {
    start
        .checked_add(duration(field, text)?)
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

/// A wei cap ([`value`]) the module holds exactly: at most [`MAX_WEI`].
///
/// # Errors
/// [`PolicyError`] on `field` for an amount it would hold lower.
pub fn wei_cap(field: &str, text: Option<&str>) -> Result<U256, PolicyError> {
    let amount = value(field, text)?;
    if amount > U256::from(MAX_WEI) {
        return Err(error(field, "more than the module holds (2^88 − 1 wei, 309 million ether)"));
    }
    Ok(amount)
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
    use alloy_json_abi::Function;
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
        // `permit` is signed by the owner, never counted: no token-limit keyword names it.
        assert!(refused(&entry(&format!("{whole}\nallow = [\"permit\"]")))
            .message
            .contains("unknown variant `permit`"));

        assert_eq!(refused(&entry(whole)).field, "actions", "a limit alone allows no call");
    }

    const RECIPIENT: Address = address!("00000000000000000000000000000000000b0b0b");

    /// `bot` with one action on USDC calling `function` under `rules` (a TOML array).
    fn ruled(function: &str, rules: &str) -> Result<Session, PolicyError> {
        bot(&format!(r#"[{{ target = "{USDC}", function = "{function}", rules = {rules} }}]"#), "")
    }

    /// The (offset, condition, value) of each rule of `session`, all on USDC with `selector`.
    fn rules_of(session: &Session, selector: FixedBytes<4>) -> Vec<(u16, u8, B256)> {
        session
            .argRules
            .iter()
            .map(|rule| {
                assert_eq!((rule.target, rule.selector), (USDC, selector));
                (rule.offset, rule.condition, rule.value)
            })
            .collect()
    }

    #[test]
    fn argument_rules_are_read_by_the_arguments_types_at_their_words() {
        let session = ruled(
            "transfer(address,uint256)",
            &format!(r#"[{{ arg = 0, eq = "{RECIPIENT}" }}, {{ arg = 1, le = "100000000" }}, {{ arg = 1, ge = 1 }}]"#),
        )
        .unwrap();
        assert_eq!(
            rules_of(&session, fixed_bytes!("a9059cbb")),
            [
                (0, Condition::Equal.code(), RECIPIENT.into_word()),
                (32, Condition::LessOrEqual.code(), B256::from(U256::from(100_000_000))),
                (32, Condition::GreaterOrEqual.code(), B256::with_last_byte(1)),
            ]
        );

        // Heads before the argument: a dynamic `bytes` takes one word (its offset), a static
        // `uint256[2]` two, a static tuple its words.
        let function = "pay(bytes,uint256[2],(address,bool),int8,bool,bytes4)";
        let rules = r#"[{ arg = 3, eq = -1 }, { arg = 4, eq = true }, { arg = 5, eq = "0xa9059cbb" },
                        { offset = 160, le = "0x10" }]"#;
        let session = ruled(function, rules).unwrap();
        let selector = FixedBytes(Function::parse(function).unwrap().selector().0);
        let words: Vec<_> = rules_of(&session, selector);
        assert_eq!(
            words[0],
            (32 * 5, Condition::Equal.code(), B256::repeat_byte(0xff)),
            "int8 -1, sign-extended"
        );
        assert_eq!(words[1], (32 * 6, Condition::Equal.code(), B256::with_last_byte(1)));
        let mut bytes4 = B256::ZERO;
        bytes4[..4].copy_from_slice(&[0xa9, 0x05, 0x9c, 0xbb]);
        assert_eq!(words[2], (32 * 7, Condition::Equal.code(), bytes4), "bytes4 left-aligned");
        assert_eq!(words[3], (160, Condition::LessOrEqual.code(), B256::with_last_byte(0x10)));
        let session = ruled("put(bytes,uint256)", "[{ arg = 1, ne = 0 }]").unwrap();
        assert_eq!(session.argRules[0].offset, 32, "after bytes' offset word");

        // A bare selector: argument i is the word at 32·i, the value a uint256.
        let session =
            ruled("0x12345678", r#"[{ arg = 2, ge = "0x0100" }, { arg = 0, le = "1 ether" }]"#)
                .unwrap();
        assert_eq!(
            rules_of(&session, fixed_bytes!("12345678")),
            [
                (64, Condition::GreaterOrEqual.code(), B256::from(U256::from(256))),
                (0, Condition::LessOrEqual.code(), B256::from(U256::from(10u64.pow(18)))),
            ]
        );
    }

    #[test]
    fn argument_rules_follow_their_actions_in_session_order() {
        let session = bot(
            &format!(
                r#"[{{ target = "{USDC}", function = "approve(address,uint256)", rules = [{{ arg = 1, le = 5 }}] }},
                    {{ target = "{USDC}", function = "transfer(address,uint256)", rules = [{{ arg = 1, le = 7 }}] }}]"#
            ),
            "",
        )
        .unwrap();
        let selectors: Vec<_> = session.argRules.iter().map(|rule| rule.selector).collect();
        assert_eq!(selectors, [fixed_bytes!("095ea7b3"), fixed_bytes!("a9059cbb")]);
    }

    #[test]
    fn a_bad_argument_rule_is_refused_naming_its_field() {
        let transfer = "transfer(address,uint256)";
        let refused = |function: &str, rules: &str| ruled(function, rules).unwrap_err();
        let nine = format!("[{}]", ["{ arg = 1, le = 1 }"; 9].join(", "));
        assert_eq!(
            refused(transfer, &nine),
            error(
                "actions[0].rules",
                "9 rules: the module holds at most 8 per action (it refuses the next with \
                 ArgumentRuleInvalid)"
            )
        );
        let eight = format!("[{}]", ["{ arg = 1, le = 1 }"; 8].join(", "));
        assert_eq!(ruled(transfer, &eight).unwrap().argRules.len(), 8, "eight is the most");
        assert_eq!(
            refused(transfer, "[{ arg = 1, le = 1 }, { arg = 1, lt = 5 }]"),
            error(
                "actions[0].rules[1].lt",
                "`lt` is no condition: say eq, ne, le or ge (=, ≠, ≤, ≥)"
            )
        );
        assert_eq!(
            refused(transfer, "[{ arg = 2, eq = 1 }]"),
            error(
                "actions[0].rules[0].arg",
                "argument 2 is beyond `transfer(address,uint256)`, which has 2 arguments (arg = \
                 0 to 1)"
            )
        );
        assert_eq!(
            refused("log(string)", r#"[{ arg = 0, eq = "hi" }]"#),
            error(
                "actions[0].rules[0].arg",
                "argument 0 is `string`, a dynamic type: its word holds an offset, not the value, \
                 and the module compares one fixed word"
            )
        );
        assert_eq!(
            refused("move(int8,int8)", "[{ arg = 0, le = 3 }]"),
            error(
                "actions[0].rules[0].le",
                "`int8` is signed, and the module compares words as unsigned numbers: a negative \
                 value would count as huge. Only eq and ne are exact on it"
            )
        );
        assert_eq!(
            refused(transfer, r#"[{ arg = 0, eq = "0xb0b" }]"#),
            error("actions[0].rules[0].eq", "`0xb0b` is no address")
        );
        assert_eq!(
            refused(transfer, r#"[{ arg = 1, le = "300", ge = "1" }]"#),
            error("actions[0].rules[0].ge", "one condition per rule: write two rules")
        );
        assert_eq!(
            refused(transfer, "[{ arg = 1 }]"),
            error("actions[0].rules[0]", "say one condition: eq, ne, le or ge")
        );
        assert_eq!(
            refused(transfer, "[{ le = 1 }]"),
            error("actions[0].rules[0]", "say which argument: arg or offset")
        );
        assert_eq!(
            refused(transfer, "[{ arg = 1, offset = 32, le = 1 }]").field,
            "actions[0].rules[0].offset"
        );
        assert_eq!(
            refused(transfer, "[{ offset = 65536, le = 1 }]"),
            error("actions[0].rules[0].offset", "byte offset 65536 is beyond the module's 16 bits")
        );
        assert!(refused("f((uint256,uint256))", "[{ arg = 0, le = 1 }]")
            .message
            .contains("several words: name one of them with `offset`"));
        let plain =
            bot(&format!(r#"[{{ target = "{USDC}", rules = [{{ arg = 0, eq = 1 }}] }}]"#), "");
        assert_eq!(
            plain.unwrap_err(),
            error("actions[0].rules", "a plain transfer has no arguments to rule on")
        );
    }

    #[test]
    fn argument_rules_survive_serde_unchanged() {
        let policy = Policy::parse(&format!(
            r#"chain_id = 1
            module = "0x5e55105e55105e55105e55105e55105e55105e55"
            account = "0xa11cea11cea11cea11cea11cea11cea11cea11ce"
            session_key = "0xb595b18c88b1f651ca387489067f855b5c8e6720"
            valid_until = 1900000000
            period = "1day"
            max_uses = 1
            [[actions]]
            target = "{USDC}"
            function = "transfer(address,uint256)"
            rules = [{{ arg = 0, eq = "{RECIPIENT}" }}, {{ arg = 1, le = 100 }}]"#
        ))
        .unwrap();
        let toml = toml::to_string(&policy).unwrap();
        let json = serde_json::to_string(&policy).unwrap();
        for text in [toml, json] {
            let again = Policy::parse(&text).unwrap().session(0).unwrap();
            assert_eq!(again, policy.session(0).unwrap(), "{text}");
        }
    }

    #[test]
    fn a_period_makes_the_limits_count_per_period_and_must_fit_32_bit_indexes() {
        let with = |fields: &str| {
            Policy::parse(&format!(
                r#"chain_id = 1
                module = "0x5e55105e55105e55105e55105e55105e55105e55"
                account = "0xa11cea11cea11cea11cea11cea11cea11cea11ce"
                session_key = "0xb595b18c88b1f651ca387489067f855b5c8e6720"
                max_uses = 3
                actions = [{{ target = "{USDC}", function = "transfer(address,uint256)" }}]
                {fields}"#
            ))
            .unwrap()
            .session(1_800_000_000)
        };
        let session = with("valid_for = \"30days\"\nperiod = \"1day\"").unwrap();
        assert_eq!(session.period, U48::from(86_400u64));
        assert_eq!(
            session.validUntil.to::<u64>(),
            1_800_000_000 + 30 * 86_400 - 1,
            "30 whole periods, not a 31st of one second"
        );
        assert_eq!(
            with("valid_for = \"1s\"\nperiod = \"1s\"").unwrap_err(),
            error("valid_for", "`1s` is too short: the session needs two seconds or more")
        );
        assert_eq!(with("valid_for = \"1h\"").unwrap().period, U48::ZERO, "none by default");

        // 2^32 periods of a second: the last index is 2^32 − 1, which the module still counts.
        let last = 1_800_000_000u64 + (1 << 32) - 1;
        assert!(with(&format!("valid_until = {last}\nperiod = \"1s\"")).is_ok());
        assert_eq!(
            with(&format!("valid_until = {}\nperiod = \"1s\"", last + 1)).unwrap_err(),
            error(
                "period",
                "`1s` is too short for the window of 4294967297 seconds: it makes 4294967297 \
                 periods, and the module counts at most 2^32"
            )
        );
        assert_eq!(
            with("valid_for = \"1h\"\nperiod = \"0s\"").unwrap_err(),
            error("period", "`0s`: a period lasts 1 second to 2^48 − 1 seconds (or leave it out)")
        );
        assert_eq!(
            with("valid_for = \"1h\"\nperiod = \"1500ms\"").unwrap_err(),
            error("period", "`1500ms` is not a whole number of seconds")
        );
        assert!(with("valid_for = \"1h\"\nperiod = \"daily\"")
            .unwrap_err()
            .message
            .starts_with("`daily` is not a duration like \"2h\""));
    }

    #[test]
    fn a_p256_session_key_is_its_public_key_and_the_session_holds_its_id() {
        // The P-256 key 0x4848…48 (public key computed apart, with Python's `cryptography`).
        let x = "42a51e039eb9e0b5ce58c4f1b8ebcb281fae32b90729711640b0cad4fc5c38c1";
        let y = "173c7e7b5be6ea94bb10e09fbee7c7b0838f3f4f88e01e911d30e44f4f3e9b32";
        let policy = |key_type: &str, key: &str| {
            Policy::parse(&format!(
                r#"chain_id = 1
                module = "0x5e55105e55105e55105e55105e55105e55105e55"
                account = "0xa11cea11cea11cea11cea11cea11cea11cea11ce"
                session_key = "{key}"
                {key_type}
                valid_for = "1h"
                max_uses = 3
                actions = [{{ target = "{USDC}", function = "transfer(address,uint256)" }}]"#
            ))
            .unwrap()
            .session(1_800_000_000)
        };
        let xy: Vec<u8> = alloy_primitives::hex::decode(format!("{x}{y}")).unwrap();
        let id = B256::left_padding_from(&keccak256(&xy)[12..]);
        let p256 = "key_type = \"p256\"";
        for key in [format!("0x04{x}{y}"), format!("0x{x}{y}"), format!("0x02{x}")] {
            let session = policy(p256, &key).unwrap();
            assert_eq!((session.keyType, session.key), (KeyType::P256.code(), id), "{key}");
        }
        let secp256k1 = policy("", "0xb595b18c88b1f651ca387489067f855b5c8e6720").unwrap();
        assert_eq!(secp256k1.keyType, KeyType::Secp256k1.code(), "the default");

        assert_eq!(
            policy("", &format!("0x04{x}{y}")).unwrap_err(),
            error(
                "session_key",
                "65 bytes: a secp256k1 session key is named by its address (20 bytes, not zero); \
                 a P-256 public key needs key_type = \"p256\""
            )
        );
        let off_curve = format!("0x04{x}{}", "00".repeat(32));
        assert_eq!(
            policy(p256, &off_curve).unwrap_err(),
            error(
                "session_key",
                "65 bytes that are no P-256 public key (say 0x04 ‖ x ‖ y, 65 bytes, or x ‖ y, 64 \
                 bytes, of a point on the curve)"
            )
        );
        assert_eq!(
            policy(p256, "0xb595b18c88b1f651ca387489067f855b5c8e6720").unwrap_err().field,
            "session_key"
        );
        let ed25519 = Policy::parse("key_type = \"ed25519\"").unwrap_err();
        assert!(ed25519
            .message
            .contains("unknown variant `ed25519`, expected one of `secp256k1`, `p256`, `webauthn`, `webauthn-uv`, `multisig`"), "{}", ed25519.message);
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

    #[test]
    fn a_function_with_an_unknown_type_is_refused_as_call_data_refuses_it() {
        let example = include_str!("../../../examples/game-session.toml");
        let text = example.replace("move(uint8,uint8)", "multicall(uint,bytez[])");
        let error = Policy::parse(&text).unwrap().session(1_800_000_000).unwrap_err();
        assert_eq!(error.field, "actions[0].function");
        assert_eq!(error.message, "`multicall(uint,bytez[])`: `bytez[]` is no ABI type");
        let calldata = crate::calls::function_data("function", "multicall(uint,bytez[])", &[]);
        assert_eq!(calldata.unwrap_err().message, error.message, "one parser");
    }

    #[test]
    fn a_malformed_address_is_named_as_one() {
        let example = include_str!("../../../examples/game-session.toml");
        for bad in ["0xa11ce", "0xa11cea11cea11cea11cea11cea11cea11cea11zz"] {
            let text = example.replace("0xa11cea11cea11cea11cea11cea11cea11cea11ce", bad);
            let error = Policy::parse(&text).unwrap_err();
            assert!(
                error.message.contains("line 5")
                    && error.message.contains("an address is 0x and 40 hex digits"),
                "{error}"
            );
        }
    }
}
