//! The `smart-session` client for JavaScript, through wasm-bindgen: thin functions over the
//! client library, so that a TypeScript app builds the very bytes the Rust CLI and the
//! module's tests do (packages/smart-sessions wraps these in a typed API for viem).
//!
//! Across the boundary: policies as text (TOML, or JSON starting with `{`, as the CLI reads
//! them), "now" and times as `u64` (`bigint` in JavaScript), period indices as `u32`, bytes
//! and hashes as 0x hex, and anything structured as a JSON string. An error is thrown as an
//! `Error` whose message is the client's text (a policy's `field: message`, the same words
//! the CLI prints).
//!
//! Nothing here signs: keys stay with the app (viem's accounts sign the digests returned here).

use std::{fmt::Display, str::FromStr};

use alloy_dyn_abi::Resolver;
use alloy_primitives::{Address, Bytes, B256};
use serde_json::json;
use session_core::{interface::SessionGrant, session_key::session_op_hash};
use smart_session::{
    encode,
    erc7715::{policy_from_requests, read_requests, requests_from_session},
    inspect::explain,
    policy::{self, GrantPolicy, Policy, PolicyError},
    typed_data::{grant_typed_data, session_json},
};
use wasm_bindgen::prelude::*;

/// What a function refuses, in words: thrown in JavaScript as an `Error` with this message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<PolicyError> for Error {
    fn from(error: PolicyError) -> Self {
        Self(error.to_string())
    }
}

impl From<Error> for JsValue {
    fn from(error: Error) -> Self {
        JsError::new(&error.0).into()
    }
}

fn parse_policy(text: &str) -> Result<Policy, Error> {
    Ok(Policy::parse(text)?)
}

/// `text` as a `T` (an address, a hash, bytes), or an error naming the parameter.
fn parse<T: FromStr>(name: &str, text: &str) -> Result<T, Error>
where
    T::Err: Display,
{
    text.parse().map_err(|e| Error(format!("{name}: `{text}` does not parse: {e}")))
}

fn print(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).expect("JSON values print")
}

/// The session a policy describes, starting at `now` (unix seconds) unless the policy says
/// `valid_after`: JSON, as the grant's typed data holds it (addresses checksummed, bytes as
/// 0x hex, `uint256` and `uint48` values as decimal strings).
///
/// # Errors
/// The policy's first field that cannot be represented, `field: message`.
#[wasm_bindgen(js_name = sessionFromPolicy)]
pub fn session_from_policy(policy_text: &str, now: u64) -> Result<String, Error> {
    let session = parse_policy(policy_text)?.session(now)?;
    Ok(session_json(&session).to_string())
}

/// The session's permissionId (0x hex, 32 bytes) under the policy's chain and module.
///
/// # Errors
/// As [`session_from_policy`].
#[wasm_bindgen(js_name = permissionId)]
pub fn permission_id(policy_text: &str, now: u64) -> Result<String, Error> {
    let policy = parse_policy(policy_text)?;
    Ok(policy.session(now)?.permission_id(policy.chain_id, policy.module).to_string())
}

/// The owner's grant of the policy's session as `eth_signTypedData_v4` JSON: the nonce from
/// the policy's `[grant]` table, the deadline `grant.valid_for` after `now`.
///
/// # Errors
/// As [`session_from_policy`], and for a policy without `[grant]`.
#[wasm_bindgen(js_name = grantTypedData)]
pub fn grant_typed_data_json(policy_text: &str, now: u64) -> Result<String, Error> {
    let policy = parse_policy(policy_text)?;
    let grant = policy.grant(now)?;
    Ok(print(&grant_typed_data(&grant, policy.chain_id, policy.module)))
}

/// The digest the owner signs for the policy's grant, as the module computes it (0x hex).
///
/// # Errors
/// As [`grant_typed_data_json`].
#[wasm_bindgen(js_name = grantDigest)]
pub fn grant_digest(policy_text: &str, now: u64) -> Result<String, Error> {
    let policy = parse_policy(policy_text)?;
    Ok(policy.grant(now)?.digest(policy.chain_id, policy.module).to_string())
}

/// The EIP-712 types of a `SessionGrant` (`SessionGrant`, `Session`, `Action`, `ArgRule`,
/// `SigningScope`, `TokenLimit`) as JSON, from the module's `sol!` definitions: what the
/// TypeScript layer reads the session's JSON with.
#[wasm_bindgen(js_name = sessionGrantTypes)]
pub fn session_grant_types() -> String {
    print(&Resolver::from_struct::<SessionGrant>())
}

/// The index of the period second `at` falls in, for a session with periods; `undefined`
/// without periods.
///
/// # Errors
/// As [`session_from_policy`], and for `at` outside a periodic session's window.
#[wasm_bindgen(js_name = periodIndex)]
pub fn period_index(policy_text: &str, now: u64, at: u64) -> Result<Option<u32>, Error> {
    let session = parse_policy(policy_text)?.session(now)?;
    encode::period_index(&session, at).map_err(|e| Error(format!("at: {e}")))
}

/// What the session key signs for a UserOperation (a raw hash, no prefix):
/// `keccak256(abi.encode(userOpHash, permissionId, uint256(periodIndex)))`, `periodIndex` 0
/// for a session without periods.
///
/// # Errors
/// A hash that is not 32 bytes of 0x hex, naming it.
#[wasm_bindgen(js_name = sessionOpHash)]
pub fn session_op_hash_hex(
    user_op_hash: &str,
    permission_id: &str,
    period_index: u32,
) -> Result<String, Error> {
    let user_op_hash: B256 = parse("userOpHash", user_op_hash)?;
    let permission_id: B256 = parse("permissionId", permission_id)?;
    Ok(session_op_hash(user_op_hash, permission_id, period_index).to_string())
}

/// The USE-mode UserOperation signature: `0x00 ‖ permissionId ‖ key signature`, then the
/// period index (4 bytes) for a session with periods.
///
/// # Errors
/// Hex that does not parse, naming the parameter.
#[wasm_bindgen(js_name = useSignature)]
pub fn use_signature(
    permission_id: &str,
    key_signature: &str,
    period_index: Option<u32>,
) -> Result<String, Error> {
    let permission_id: B256 = parse("permissionId", permission_id)?;
    let key_signature: Bytes = parse("keySignature", key_signature)?;
    let proof = encode::key_proof_with_index(&key_signature, period_index);
    Ok(encode::use_signature(permission_id, &proof).to_string())
}

/// The ENABLE-mode UserOperation signature of the policy's grant (made at `now`): the grant,
/// the owner's signature of its digest as the account's ERC-1271 takes it (prefix included),
/// and the session key's signature, followed by `periodIndex` for a session with periods.
///
/// # Errors
/// As [`grant_typed_data_json`]; hex that does not parse; a period index missing for a
/// session with periods, given for one without, or past its window.
#[wasm_bindgen(js_name = enableSignature)]
pub fn enable_signature(
    policy_text: &str,
    now: u64,
    owner_signature: &str,
    key_signature: &str,
    period_index: Option<u32>,
) -> Result<String, Error> {
    let policy = parse_policy(policy_text)?;
    let grant = policy.grant(now)?;
    let owner_signature: Bytes = parse("ownerSignature", owner_signature)?;
    let key_signature: Bytes = parse("keySignature", key_signature)?;
    let periods = grant.session.periods();
    match (periods.length, period_index) {
        (0, Some(index)) => {
            return Err(Error(format!(
                "periodIndex: the session has no periods, so its signatures carry no index \
                 (got {index})"
            )))
        }
        (length @ 1.., None) => {
            return Err(Error(format!(
                "periodIndex: the session has periods of {length} s: give the index of the \
                 period the operation counts in (periodIndex)"
            )))
        }
        (_, Some(index)) if periods.window(index).is_none() => {
            return Err(Error(format!(
                "periodIndex: period {index} starts after the session's window ends"
            )))
        }
        _ => {}
    }
    let proof = encode::key_proof_with_index(&key_signature, period_index);
    Ok(encode::enable_signature(grant, owner_signature, &proof).to_string())
}

/// The account's ERC-7579 `execute` calldata for one call: `to`, `value` (wei, or
/// `"0.01 ether"`, `"5 gwei"`), `data` (0x hex; `0x` for a plain transfer).
///
/// # Errors
/// An address, value or data that does not parse, naming it.
#[wasm_bindgen(js_name = executeCalldata)]
pub fn execute_calldata(to: &str, value: &str, data: &str) -> Result<String, Error> {
    let to: Address = parse("to", to)?;
    let value = policy::value("value", Some(value))?;
    let data: Bytes = parse("data", data)?;
    Ok(encode::execute_single(to, value, &data).to_string())
}

/// ERC-7715 permission requests (a JSON array, in the current or the older draft's shape) →
/// the policy (JSON) they ask for on `module`, with a `[grant]` the owner can enable for an
/// hour under the account's first grant nonce, as the CLI's `permissions from-7715` prints it.
///
/// # Errors
/// The request field a session cannot represent, `[0].permission.type: …`.
#[wasm_bindgen(js_name = fromErc7715)]
pub fn from_erc7715(requests_json: &str, module: &str) -> Result<String, Error> {
    let module: Address = parse("module", module)?;
    let (requests, _older_draft_note) = read_requests(requests_json)?;
    let mut policy = policy_from_requests(&requests, module)?;
    policy.grant = Some(GrantPolicy { nonce: 0, valid_for: "1h".into() });
    Ok(print(&policy))
}

/// A policy → the ERC-7715 request array (JSON) that asks for its session starting at `now`.
///
/// # Errors
/// As [`session_from_policy`], and the session field ERC-7715 cannot carry.
#[wasm_bindgen(js_name = toErc7715)]
pub fn to_erc7715(policy_text: &str, now: u64) -> Result<String, Error> {
    let policy = parse_policy(policy_text)?;
    let session = policy.session(now)?;
    Ok(print(&requests_from_session(&session, policy.chain_id)?))
}

/// Any of the module's encodings explained, as the CLI's `inspect --json`: `kind`, `lines`
/// and, for a UserOperation signature, `proof` (permissionId, key type, key signature, period
/// index).
///
/// # Errors
/// Hex that does not parse, or bytes none of the module's encodings match.
#[wasm_bindgen]
pub fn inspect(hex: &str) -> Result<String, Error> {
    let bytes: Bytes = parse("hex", hex)?;
    let explanation = explain(&bytes).map_err(|e| Error(e.to_string()))?;
    let mut out = json!({"kind": explanation.kind, "lines": explanation.lines});
    if !explanation.proof.is_null() {
        out["proof"] = explanation.proof;
    }
    Ok(out.to_string())
}

#[cfg(test)]
mod tests;
