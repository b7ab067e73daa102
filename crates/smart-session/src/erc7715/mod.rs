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
//!
//! As wallets meet it ([`read_requests`], [`response`], [`supported_permissions`]): an
//! `isAdjustmentAllowed` on a rule is accepted and one missing on a permission reads as
//! `false` (a session is granted as asked either way); the older `wallet_grantPermissions`
//! shape (`signer`, `expiry`, `permissions` with `policies`) is read into the current one, with
//! a note; the response is each request with `context` = `abi.encode(module, account,
//! permissionId)`, what a dApp keeps to use the session, and `delegationManager` = the module;
//! `wallet_getSupportedExecutionPermissions` is answered per chain. A `native-token-…`
//! permission alone is refused with the rule to add (a `payee`, or a `contract-call` with a
//! `valueLimit`): the module allows calls by target, and an allowance with no target could
//! move nothing.

use alloy_primitives::{Address, U256};
use serde::{Deserialize, Serialize};
use serde_json::Value;

mod request;
mod session;
#[cfg(test)]
mod tests;
mod wallet;

pub use request::policy_from_requests;
pub use session::requests_from_session;
pub use wallet::{
    context, read_requests, response, supported_permissions, GrantedPermission, OLDER_DRAFT,
};

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
    /// Whether the wallet may grant less than asked (a session is granted as asked); absent
    /// (MetaMask leaves it out when unset): not.
    #[serde(default)]
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
    /// What some senders put on rules too; a session is granted as asked either way.
    #[serde(default, rename = "isAdjustmentAllowed", skip_serializing_if = "Option::is_none")]
    pub is_adjustment_allowed: Option<bool>,
}

impl Rule {
    /// A rule of `kind` with `data`.
    pub fn new(kind: &str, data: Value) -> Self {
        Self { kind: kind.into(), data, is_adjustment_allowed: None }
    }
}

// The permission types a session can hold.
pub(crate) const NATIVE_TOKEN_ALLOWANCE: &str = "native-token-allowance";
pub(crate) const NATIVE_TOKEN_PERIODIC: &str = "native-token-periodic";
pub(crate) const CONTRACT_CALL: &str = "contract-call";
pub(crate) const ERC20_TOKEN_ALLOWANCE: &str = "erc20-token-allowance";
pub(crate) const ERC20_TOKEN_PERIODIC: &str = "erc20-token-periodic";
