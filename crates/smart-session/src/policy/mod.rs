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

mod rules;
mod session;
#[cfg(test)]
mod tests;

use session::units;
pub use session::{value, wei_cap};

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
    /// How the session key signs: `"secp256k1"` (the default), `"p256"`, `"webauthn"`,
    /// `"webauthn-uv"` or `"multisig"`.
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
    /// ERC-20 budgets: how much of each token its `transfer`, `approve`, `increaseAllowance`
    /// and `transferFrom` (from the account) calls may move in all, or per period (a token
    /// without one moves nothing).
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
