//! Any of the module's encodings, explained in words: UserOperation signatures (USE and ENABLE),
//! the account's `execute` calldata, calls to the module, its revert data, validation data, and
//! session signatures for the account (ERC-1271 through ERC-7739).
//!
//! Decoding goes through the module's own strict readers, so "inspect accepts it" means "the
//! module reads it this way", and a refusal names the byte where the module would stop too.

use alloy_primitives::{Address, B256};
use alloy_sol_types::{SolCall, SolInterface};
use serde_json::Value;
use session_core::{
    calls::decode_execute,
    codec::Reader,
    erc4337::read_validation_data,
    erc7739::{SIGNED_PERSONAL_MESSAGE, SIGNED_TYPED_DATA},
    interface::{
        IERC7579Execution::executeCall,
        ISmartSessions::{ISmartSessionsCalls, ISmartSessionsErrors},
    },
    session_key::{parse_use, KeyType, MODE_ENABLE},
};

use crate::key_proof::{signature_lines, split_session_signature, KeyProof};

mod describe;
#[cfg(test)]
mod tests;

pub use describe::{describe_rule, describe_session};

/// What a byte string turned out to be, and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// `use-signature`, `enable-signature`, `execute`, `module-call`, `module-error`,
    /// `validation-data`, `session-signature`.
    pub kind: &'static str,
    /// One line per fact, indented for nesting.
    pub lines: Vec<String>,
    /// The key proof's parts, for scripts, when the bytes carry one (a UserOperation
    /// signature): `permissionId`, `keyType` (`"secp256k1"` or `"p256"`), `keySignature`,
    /// `publicKey` and `keyId` (P-256), `periodIndex` (`null` without periods). Else `null`.
    pub proof: Value,
}

/// Bytes none of the module's encodings match, or that the module's reader refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRecognized(pub String);

impl std::fmt::Display for NotRecognized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotRecognized {}

/// Explains `bytes`.
///
/// # Errors
/// [`NotRecognized`] saying what was tried, or where the module's reader stopped.
pub fn explain(bytes: &[u8]) -> Result<Explanation, NotRecognized> {
    let selector = bytes.first_chunk::<4>().copied().unwrap_or_default();
    // A USE proof is a secp256k1 (65 bytes) or P-256 (128) signature, 4 more with a period.
    let use_signature = parse_use(bytes).and_then(|(permission_id, proof)| {
        Some((permission_id, KeyProof::split(proof, None, None)?))
    });
    let mut proof = Value::Null;
    let (kind, lines) = if let Some((permission_id, key_proof)) = use_signature {
        proof = key_proof.json(Some(permission_id));
        ("use-signature", explain_use(permission_id, &key_proof))
    } else if bytes.first() == Some(&MODE_ENABLE) && bytes.len() > 1 + 32 + 65 {
        let (lines, key_proof) = enable_signature(bytes)?;
        proof = key_proof;
        ("enable-signature", lines)
    } else if selector == executeCall::SELECTOR {
        ("execute", execute(bytes)?)
    } else if ISmartSessionsCalls::valid_selector(selector) {
        ("module-call", module_call(bytes)?)
    } else if ISmartSessionsErrors::valid_selector(selector) {
        let error = ISmartSessionsErrors::abi_decode(bytes)
            .map_err(|e| NotRecognized(format!("a module error that does not decode: {e}")))?;
        ("module-error", vec![format!("the module refused: {error:?}")])
    } else if bytes.len() == 32 {
        ("validation-data", validation_data(B256::from_slice(bytes)))
    } else if let Some(lines) = session_signature(bytes) {
        ("session-signature", lines)
    } else {
        return Err(NotRecognized(format!(
            "{} bytes starting {}: not a session signature (0x00 ‖ id ‖ sig, 98 bytes, or \
             0x01 ‖ grant), execute calldata, a module call or error, a 32-byte validation \
             data word, or an ERC-1271 session signature (module ‖ kind ‖ id ‖ sig ‖ message)",
            bytes.len(),
            hex(&bytes[..bytes.len().min(4)])
        )));
    };
    Ok(Explanation { kind, lines, proof })
}

/// An ERC-1271 signature as the account takes it: `module ‖ kind ‖ permissionId ‖ key
/// signature ‖ message` (see `session_core::erc7739`); `None` when the bytes cannot be one.
///
/// The key signature's length depends on the session's key type, which the bytes do not
/// carry: a secp256k1 `r ‖ s ‖ v` is tried first when its `v` would be 27 or 28, else a P-256
/// `r ‖ s ‖ x ‖ y` (128 bytes); the first whose message then parses is taken (a personal
/// message parses either way, so one signed by a P-256 key whose 65th byte is 27 or 28 reads
/// as secp256k1).
fn session_signature(bytes: &[u8]) -> Option<Vec<String>> {
    let (module, rest) = bytes.split_first_chunk::<20>()?;
    let (&kind, rest) = rest.split_first()?;
    let (permission_id, rest) = rest.split_first_chunk::<32>()?;
    // A canonical secp256k1 `v` is 27 or 28: read those bytes as secp256k1 first; the key
    // types whose signatures carry their length after the fixed ones.
    let key_types = match rest.get(64) {
        Some(27 | 28) => [KeyType::Secp256k1, KeyType::P256, KeyType::Multisig, KeyType::WebAuthn],
        _ => [KeyType::P256, KeyType::Secp256k1, KeyType::Multisig, KeyType::WebAuthn],
    };
    let (key_type, signature, message) = split_session_signature(rest, &key_types, |message| {
        session_signature_payload(kind, message).is_some()
    })?;
    let payload_lines = session_signature_payload(kind, message)?;
    let key_lines: Vec<_> = signature_lines(key_type, signature)
        .into_iter()
        .map(|line| format!("  session {line}"))
        .collect();
    let heading = match kind {
        SIGNED_PERSONAL_MESSAGE => {
            "ERC-1271 session signature of a personal message (ERC-7739 PersonalSign)"
        }
        _ => "ERC-1271 session signature of typed data (ERC-7739 TypedDataSign)",
    };
    let mut lines = vec![
        heading.to_string(),
        format!("for the validator module {}", Address::from(*module)),
        format!("  permissionId {}", B256::from(*permission_id)),
    ];
    lines.extend(key_lines);
    lines.extend(payload_lines);
    Some(lines)
}

/// The message after the key signature, in words; `None` when it cannot be the message of a
/// session signature of `kind`.
fn session_signature_payload(kind: u8, payload: &[u8]) -> Option<Vec<String>> {
    let mut lines = Vec::new();
    match kind {
        SIGNED_PERSONAL_MESSAGE => {
            lines.push(format!("  message {}", String::from_utf8_lossy(payload)));
        }
        SIGNED_TYPED_DATA => {
            let (payload, length) = payload.split_last_chunk::<2>()?;
            let (app_domain, rest) = payload.split_first_chunk::<32>()?;
            let encoded = rest.len().checked_sub(usize::from(u16::from_be_bytes(*length)))?;
            let (encode_data, descr) = rest.split_at_checked(encoded)?;
            if encode_data.len() % 32 != 0 {
                return None;
            }
            let descr = std::str::from_utf8(descr).ok()?;
            lines.push(format!("  app domain separator {}", B256::from(*app_domain)));
            lines.push(format!("  contents type {descr}"));
            lines.push(format!("  encodeData: {} words", encode_data.len() / 32));
        }
        _ => return None,
    }
    Some(lines)
}

/// What the key proof of a UserOperation signs (`session_op_hash`), in words.
const SIGNED_MESSAGE: &str =
    "the key signs keccak256(abi.encode(userOpHash, permissionId, uint256(periodIndex)))";

fn explain_use(permission_id: B256, proof: &KeyProof<'_>) -> Vec<String> {
    let mut lines = vec![
        "USE mode: a session already enabled signs this UserOperation".into(),
        format!("  permissionId {permission_id}"),
        format!("  {SIGNED_MESSAGE}"),
    ];
    lines.extend(proof.lines(None).into_iter().map(|line| format!("  {line}")));
    lines
}

/// An ENABLE signature in words, and its key proof as JSON.
fn enable_signature(bytes: &[u8]) -> Result<(Vec<String>, Value), NotRecognized> {
    let request = Reader::new(&bytes[1..], 1).enable_request().map_err(|position| {
        NotRecognized(format!("ENABLE data the module refuses at byte {position}"))
    })?;
    let grant = &request.grant;
    let mut lines = vec![
        "ENABLE mode: enables the owner's grant, then uses it for this UserOperation".into(),
        format!("  grant nonce {}, enable by {} (unix)", grant.nonce, grant.deadline),
    ];
    lines.extend(describe_session(&grant.session).into_iter().map(|line| format!("  {line}")));
    if request.chains.is_empty() {
        lines.push("  the owner signed this chain's grant digest".into());
    } else {
        lines.push(format!(
            "  the owner signed {} chains' digests; this chain is entry {}",
            request.chains.len(),
            request.chain_index
        ));
        for chain in &request.chains {
            lines.push(format!("    chain {}: digest {}", chain.chainId, chain.grantDigest));
        }
    }
    lines.push(format!(
        "  owner signature (for the account's ERC-1271) {}",
        hex(request.owner_signature)
    ));
    let session = &grant.session;
    // The module refuses an unknown key type when it enables the session; read as secp256k1.
    let key_type = KeyType::from_code(session.keyType).unwrap_or_default();
    let proof =
        KeyProof::split(request.key_signature, Some(key_type), Some(!session.period.is_zero()));
    let Some(proof) = proof else {
        lines.push(format!(
            "  session key proof {} — not the length the module reads for this session's key \
             type and period (it would answer SIG_VALIDATION_FAILED)",
            hex(request.key_signature)
        ));
        return Ok((lines, Value::Null));
    };
    lines.push(format!("  {SIGNED_MESSAGE} (the granted session's)"));
    lines.extend(proof.lines(Some(session)).into_iter().map(|line| format!("  {line}")));
    // The permissionId depends on the chain and module, which the bytes do not carry.
    Ok((lines, proof.json(None)))
}

fn execute(bytes: &[u8]) -> Result<Vec<String>, NotRecognized> {
    let calls = decode_execute(bytes).map_err(|error| {
        NotRecognized(format!("execute calldata the module refuses: {error:?}"))
    })?;
    // The mode word's first byte, after the selector: 0x00 single, 0x01 batch.
    let shape = match bytes[4] {
        0 => "one call".to_string(),
        _ => format!("a batch of {}", calls.len()),
    };
    let mut lines = vec![format!("the account's execute: {shape}")];
    for call in calls {
        let what = match call.data.first_chunk::<4>() {
            None => "a plain transfer".to_string(),
            Some(selector) => format!(
                "selector 0x{} with {} bytes of arguments",
                alloy_primitives::hex::encode(selector),
                call.data.len() - 4
            ),
        };
        lines.push(format!("  to {} sending {} wei: {what}", call.target, call.value));
    }
    Ok(lines)
}

fn module_call(bytes: &[u8]) -> Result<Vec<String>, NotRecognized> {
    let call = ISmartSessionsCalls::abi_decode_validate(bytes)
        .map_err(|e| NotRecognized(format!("a module call that does not decode: {e}")))?;
    Ok(match call {
        ISmartSessionsCalls::enableSession(call) => {
            let mut lines = vec!["the account enables a session:".to_string()];
            lines.extend(
                describe_session(&call.session).into_iter().map(|line| format!("  {line}")),
            );
            lines
        }
        ISmartSessionsCalls::validateUserOp(call) => {
            let op = &call.userOp;
            let mut lines = vec![
                format!(
                    "validateUserOp of {} (nonce {}), hash {}",
                    op.sender, op.nonce, call.userOpHash
                ),
                "  signature:".into(),
            ];
            lines.extend(nested(&op.signature));
            lines.push("  callData:".into());
            lines.extend(nested(&op.callData));
            lines
        }
        ISmartSessionsCalls::executeAsSession(call) => {
            let mut lines = vec![
                format!(
                    "executeAsSession: the session key runs calls for {} under session {}",
                    call.account, call.permissionId
                ),
                "  callData:".into(),
            ];
            lines.extend(nested(&call.callData));
            lines
        }
        ISmartSessionsCalls::executeAsSessionBySignature(call) => {
            let mut lines = vec![
                format!(
                    "executeAsSessionBySignature: a relayer runs calls for {} under session {}",
                    call.account, call.permissionId
                ),
                format!("  execution nonce {}, relay by {} (unix)", call.nonce, call.deadline),
                format!("  session key signature {}", hex(&call.signature)),
                "  callData:".into(),
            ];
            lines.extend(nested(&call.callData));
            lines
        }
        ISmartSessionsCalls::executionNonce(call) => vec![format!(
            "executionNonce: the nonce the next relayed execution of session {} for {} must carry",
            call.permissionId, call.account
        )],
        ISmartSessionsCalls::revokeSessionBySignature(call) => vec![
            format!(
                "revokeSessionBySignature: a relayer ends session {} of {} for its key",
                call.permissionId, call.account
            ),
            format!("  relay by {} (unix)", call.deadline),
            format!("  session key signature {}", hex(&call.signature)),
        ],
        other => vec![format!("{other:?}")],
    })
}

/// `bytes` explained inside another encoding, indented under its heading.
fn nested(bytes: &[u8]) -> Vec<String> {
    let lines = match explain(bytes) {
        Ok(explanation) => explanation.lines,
        Err(error) => vec![format!("not understood: {error}")],
    };
    lines.into_iter().map(|line| format!("    {line}")).collect()
}

fn validation_data(word: B256) -> Vec<String> {
    let (authorizer, valid_after, valid_until) = read_validation_data(&word);
    let verdict = match authorizer {
        Address::ZERO => "signature valid".to_string(),
        a if a == Address::with_last_byte(1) => "SIG_VALIDATION_FAILED".to_string(),
        a => format!("aggregator {a}"),
    };
    vec![
        format!("ERC-4337 validation data: {verdict}"),
        format!(
            "  valid from {valid_after} until {} (unix)",
            if valid_until == 0 { "forever".into() } else { valid_until.to_string() }
        ),
    ]
}

fn hex(bytes: &[u8]) -> String {
    alloy_primitives::hex::encode_prefixed(bytes)
}
