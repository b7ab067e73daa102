//! What a wallet answers, around the conversions: the response to
//! `wallet_requestExecutionPermissions` (each request granted, with the `context` a dApp keeps
//! to use the session), the answer to `wallet_getSupportedExecutionPermissions`, and requests in
//! the older `wallet_grantPermissions` shape read into the current one.

use alloy_primitives::{hex, Address, Bytes, B256, U256};
use alloy_sol_types::SolValue;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    Permission, PermissionRequest, Rule, CONTRACT_CALL, ERC20_TOKEN_ALLOWANCE,
    ERC20_TOKEN_PERIODIC, NATIVE_TOKEN_ALLOWANCE, NATIVE_TOKEN_PERIODIC,
};
use crate::policy::{error, PolicyError};

/// One granted permission: the request as granted, and what the dApp needs to use it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantedPermission {
    /// The request, granted as asked (a session is never narrowed).
    #[serde(flatten)]
    pub request: PermissionRequest,
    /// `abi.encode(address module, address account, bytes32 permissionId)`: the module to
    /// address, the account the session acts for, and the session's id, which its
    /// UserOperation signatures (`0x00 ‖ permissionId ‖ …`) and `executeAsSession` name.
    pub context: Bytes,
    /// The contract that redeems the permission: the module.
    pub delegation_manager: Address,
    /// Contracts to deploy first: none (the account and the module are deployed; the owner
    /// installs the module as part of granting).
    pub dependencies: Vec<Value>,
}

/// A session's `context`: `abi.encode(module, account, permissionId)`.
pub fn context(module: Address, account: Address, permission_id: B256) -> Bytes {
    (module, account, permission_id).abi_encode().into()
}

/// The response to `wallet_requestExecutionPermissions` for `requests`, granted as the session
/// `permission_id` on `module`: each request with its context.
///
/// # Errors
/// [`PolicyError`] on a request that names no account (`from`): the context needs it.
pub fn response(
    requests: &[PermissionRequest],
    module: Address,
    permission_id: B256,
) -> Result<Vec<GrantedPermission>, PolicyError> {
    requests
        .iter()
        .enumerate()
        .map(|(i, request)| {
            let account = request
                .from
                .ok_or_else(|| error(format!("[{i}].from"), "a session binds one account"))?;
            Ok(GrantedPermission {
                request: request.clone(),
                context: context(module, account, permission_id),
                delegation_manager: module,
                dependencies: Vec::new(),
            })
        })
        .collect()
}

/// The answer to `wallet_getSupportedExecutionPermissions` on `chain_ids`: each permission type
/// a session can hold, and the rule types it takes (`gas-cost` and `paymaster` are this
/// module's, see the module docs).
pub fn supported_permissions(chain_ids: &[u64]) -> Value {
    let chain_ids: Vec<String> = chain_ids.iter().map(|id| format!("{id:#x}")).collect();
    let common = ["expiry", "call-limit", "gas-cost", "paymaster"];
    let with_payee = ["expiry", "payee", "call-limit", "gas-cost", "paymaster"];
    let mut answer = serde_json::Map::new();
    for (kind, rules) in [
        (NATIVE_TOKEN_ALLOWANCE, &with_payee[..]),
        (NATIVE_TOKEN_PERIODIC, &with_payee[..]),
        (ERC20_TOKEN_ALLOWANCE, &common[..]),
        (ERC20_TOKEN_PERIODIC, &common[..]),
        (CONTRACT_CALL, &common[..]),
    ] {
        answer.insert(kind.into(), json!({ "chainIds": chain_ids, "ruleTypes": rules }));
    }
    answer.into()
}

/// What [`read_requests`] says when it read the older draft.
pub const OLDER_DRAFT: &str = "read as ERC-7715's older `wallet_grantPermissions` draft \
    (signer, expiry, permissions with policies): the current method is \
    `wallet_requestExecutionPermissions` ({chainId, from, to, permission, rules})";

/// A request array in either shape ERC-7715 has had: the current one as is; the older
/// `wallet_grantPermissions` one (`address`, `expiry`, `signer`, `permissions[]` with
/// `policies`) read into it, with [`OLDER_DRAFT`] as a note. From the older shape: `to` is an
/// `account` signer's address or a `key` signer's secp256k1 public key's address; each
/// permission becomes a request with the expiry as a rule and its policies as rules (which the
/// conversion then accepts or refuses by name); `required: false` reads as adjustable.
///
/// # Errors
/// [`PolicyError`] naming the field of a shape neither draft has, or an older signer the
/// module cannot hold (a P-256 key, several keys, a wallet signer).
pub fn read_requests(
    text: &str,
) -> Result<(Vec<PermissionRequest>, Option<&'static str>), PolicyError> {
    let value: Value = serde_json::from_str(text).map_err(|e| error("JSON", e.to_string()))?;
    let items = value.as_array().ok_or_else(|| error("[]", "a request array"))?;
    if !items.iter().any(|item| item.get("permissions").is_some()) {
        let requests = serde_json::from_value(value).map_err(|e| error("[]", e.to_string()))?;
        return Ok((requests, None));
    }
    let mut requests = Vec::new();
    for (i, item) in items.iter().enumerate() {
        requests.extend(from_older_draft(i, item)?);
    }
    Ok((requests, Some(OLDER_DRAFT)))
}

/// The older draft's request.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OlderRequest {
    chain_id: U256,
    #[serde(default)]
    address: Option<Address>,
    expiry: u64,
    signer: OlderSigner,
    permissions: Vec<OlderPermission>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OlderSigner {
    #[serde(rename = "type")]
    kind: String,
    data: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OlderPermission {
    #[serde(rename = "type")]
    kind: String,
    data: Value,
    #[serde(default)]
    policies: Vec<Rule>,
    #[serde(default)]
    required: Option<bool>,
}

fn from_older_draft(i: usize, item: &Value) -> Result<Vec<PermissionRequest>, PolicyError> {
    let at = |field: &str| format!("[{i}].{field}");
    let older: OlderRequest = serde_json::from_value(item.clone())
        .map_err(|e| error(at("(older wallet_grantPermissions draft)"), e.to_string()))?;
    let data = &older.signer.data;
    let text = |name: &str| data.get(name).and_then(Value::as_str);
    let to = match (older.signer.kind.as_str(), text("type")) {
        ("account", _) => text("address").and_then(|address| address.parse().ok()),
        ("key", Some("secp256k1")) => {
            let key = text("publicKey").and_then(|key| hex::decode(key).ok()).unwrap_or_default();
            match key.as_slice() {
                [0x04, xy @ ..] | xy if xy.len() == 64 => Some(Address::from_raw_public_key(xy)),
                _ => None,
            }
        }
        _ => None,
    };
    let to = to.ok_or_else(|| {
        error(
            at("signer"),
            format!(
                "a `{}` signer: a session key is an `account` signer's address or a `key` \
                 signer's secp256k1 public key (uncompressed)",
                older.signer.kind
            ),
        )
    })?;
    Ok(older_requests(older, to))
}

fn older_requests(older: OlderRequest, to: Address) -> Vec<PermissionRequest> {
    let OlderRequest { chain_id, address: from, expiry, permissions, .. } = older;
    permissions
        .into_iter()
        .map(|permission| {
            let expiry = Rule::new("expiry", json!({ "timestamp": expiry }));
            PermissionRequest {
                chain_id,
                from,
                to,
                permission: Permission {
                    kind: permission.kind,
                    is_adjustment_allowed: permission.required == Some(false),
                    data: permission.data,
                },
                rules: std::iter::once(expiry).chain(permission.policies).collect(),
            }
        })
        .collect()
}
