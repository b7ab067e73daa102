//! Session-key signatures in words, for `inspect`: a UserOperation's key proof (the key's
//! signature and the period index) and the key signature inside an ERC-1271 session
//! signature, split as the module splits them, each key type's parts named.

use alloy_primitives::hex;
use serde_json::{json, Value};
use session_core::{
    interface::Session,
    multisig::Multisig,
    session_key::{key_id, split_proof, split_signature, KeyType},
    webauthn::{Assertion, FLAG_USER_PRESENT, FLAG_USER_VERIFIED, TYPE_GET},
    Keyword,
};

/// A session key's proof in a UserOperation, split as the module splits it.
pub(crate) struct KeyProof<'a> {
    /// The key's type.
    pub(crate) key_type: KeyType,
    /// The key's whole signature, as its type lays it out.
    pub(crate) signature: &'a [u8],
    /// The period index, for a session with periods.
    pub(crate) period_index: Option<u32>,
}

/// Whether `signature` reads as a signature of `key_type`: its length, or its layout parses
/// (a WebAuthn assertion's client data a JSON object holding its `type` where it says).
fn fits(key_type: KeyType, signature: &[u8]) -> bool {
    match key_type {
        KeyType::Secp256k1 | KeyType::P256 => key_type.signature_len() == Some(signature.len()),
        KeyType::WebAuthn | KeyType::WebAuthnUserVerified => Assertion::parse(signature)
            .is_some_and(|assertion| {
                let json = assertion.client_data_json;
                json.ends_with(b"}")
                    && json.get(assertion.type_index..).is_some_and(|at| at.starts_with(TYPE_GET))
            }),
        KeyType::Multisig => Multisig::parse(signature).is_some(),
    }
}

impl<'a> KeyProof<'a> {
    /// Splits `proof` as the module would for `key_type` and a session with periods or
    /// without, each guessed when not known: the first type (in code order; a WebAuthn
    /// assertion reads as `webauthn`, whether or not the session demands user verification)
    /// and period whose signature [`fits`].
    pub(crate) fn split(
        proof: &'a [u8],
        key_type: Option<KeyType>,
        periodic: Option<bool>,
    ) -> Option<Self> {
        let one_type;
        let key_types = match key_type {
            Some(key_type) => {
                one_type = [key_type];
                &one_type[..]
            }
            None => KeyType::ALL,
        };
        let periods: &[bool] = match periodic {
            Some(true) => &[true],
            Some(false) => &[false],
            None => &[false, true],
        };
        key_types.iter().find_map(|&key_type| {
            periods.iter().find_map(|&periodic| {
                let (signature, index) = split_proof(proof, key_type, periodic)?;
                fits(key_type, signature).then_some(Self {
                    key_type,
                    signature,
                    period_index: periodic.then_some(index),
                })
            })
        })
    }

    /// The proof in words, one line each, for a session of `session` when it is known.
    pub(crate) fn lines(&self, session: Option<&Session>) -> Vec<String> {
        let mut lines = signature_lines(self.key_type, self.signature);
        lines.push(match (self.period_index, session) {
            (None, _) => "no period index: for a session without periods".into(),
            (Some(index), Some(session)) if !session.period.is_zero() => {
                match session.periods().window(index) {
                    Some((from, until)) => format!(
                        "period index {index}: counts in the session's period {index}, seconds \
                         {from} to {until} (unix), the validation data's window"
                    ),
                    None => format!(
                        "period index {index}: a period that starts after the session's window \
                         (the module refuses it: SessionPeriodInvalid)"
                    ),
                }
            }
            (Some(index), _) => format!(
                "period index {index}: counts in period {index} of the session (from validAfter \
                 + {index} · period); a newer period starts the counters over, an older one is \
                 refused (SessionPeriodInvalid)"
            ),
        });
        lines
    }

    /// The proof's parts as JSON, with the session it names when known.
    pub(crate) fn json(&self, permission_id: Option<alloy_primitives::B256>) -> Value {
        // P-256: `r ‖ s`, the public key apart; every other type: the whole signature.
        let signature = match self.key_type {
            KeyType::P256 => self.signature.get(..64).unwrap_or_default(),
            _ => self.signature,
        };
        let mut proof = json!({
            "keyType": self.key_type.keyword(),
            "keySignature": hex::encode_prefixed(signature),
            "periodIndex": self.period_index,
        });
        if let Some(id) = signer_id(self.key_type, self.signature) {
            proof["keyId"] = json!(id);
        }
        if let Some(public_key) = public_key(self.key_type, self.signature) {
            proof["publicKey"] = json!(hex::encode_prefixed(public_key));
        }
        if let Some(permission_id) = permission_id {
            proof["permissionId"] = json!(permission_id);
        }
        proof
    }
}

/// The P-256 public key a P-256 or WebAuthn signature carries.
fn public_key(key_type: KeyType, signature: &[u8]) -> Option<&[u8; 64]> {
    match key_type {
        KeyType::P256 => signature.get(64..)?.try_into().ok(),
        KeyType::WebAuthn | KeyType::WebAuthnUserVerified => {
            Assertion::parse(signature).map(|assertion| assertion.public_key)
        }
        KeyType::Secp256k1 | KeyType::Multisig => None,
    }
}

/// The key id a signature names, where it carries one (the session's key must be it).
fn signer_id(key_type: KeyType, signature: &[u8]) -> Option<alloy_primitives::Address> {
    match key_type {
        KeyType::Multisig => Multisig::parse(signature).map(|multisig| multisig.key_id()),
        _ => public_key(key_type, signature).map(key_id),
    }
}

/// A key signature of `key_type` in words, one line each.
pub(crate) fn signature_lines(key_type: KeyType, signature: &[u8]) -> Vec<String> {
    let hex = hex::encode_prefixed;
    match key_type {
        KeyType::Secp256k1 => {
            vec![format!("secp256k1 key signature (r ‖ s ‖ v) {}", hex(signature))]
        }
        KeyType::P256 => {
            let rs = signature.get(..64).unwrap_or_default();
            let mut lines = vec![format!("P-256 key signature (r ‖ s) {}", hex(rs))];
            if let Some(xy) = public_key(key_type, signature) {
                lines.push(format!(
                    "P-256 public key (x ‖ y) {}, key id {} (the session's key must be this id)",
                    hex(xy),
                    key_id(xy)
                ));
            }
            lines
        }
        KeyType::WebAuthn | KeyType::WebAuthnUserVerified => {
            let Some(assertion) = Assertion::parse(signature) else {
                return vec![format!("WebAuthn assertion that does not parse {}", hex(signature))];
            };
            let flags = assertion.authenticator_data.get(32).copied().unwrap_or_default();
            let flag = |bit: u8| if flags & bit != 0 { "set" } else { "not set" };
            vec![
                format!(
                    "WebAuthn assertion (passkey), P-256 signature (r ‖ s) {}",
                    hex(assertion.rs)
                ),
                format!(
                    "P-256 public key (x ‖ y) {}, key id {} (the session's key must be this id)",
                    hex(assertion.public_key),
                    key_id(assertion.public_key)
                ),
                format!(
                    "authenticatorData {} (user present: {}, user verified: {})",
                    hex(assertion.authenticator_data),
                    flag(FLAG_USER_PRESENT),
                    flag(FLAG_USER_VERIFIED)
                ),
                format!(
                    "clientDataJSON {} (type at byte {}, challenge at byte {}: the challenge must \
                     be the base64url of the signed message)",
                    String::from_utf8_lossy(assertion.client_data_json),
                    assertion.type_index,
                    assertion.challenge_index
                ),
            ]
        }
        KeyType::Multisig => {
            let Some(multisig) = Multisig::parse(signature) else {
                return vec![format!("multisig signature that does not parse {}", hex(signature))];
            };
            let (k, n) = (signature[0], signature[1]);
            let mut lines = vec![format!(
                "multisig key: {k} of {n} secp256k1 signers, key id {} (the session's key must be \
                 this id)",
                multisig.key_id()
            )];
            for entry in multisig.signatures() {
                lines.push(match entry {
                    Some((signer, ecdsa)) => {
                        format!("  signature by {signer} (r ‖ s ‖ v) {}", hex(ecdsa))
                    }
                    None => "  a signature out of order or naming no signer (refused)".into(),
                });
            }
            lines
        }
    }
}

/// Splits `rest` of an ERC-1271 session signature into the key signature and the message,
/// for the first key type (of `key_types`) whose signature fits.
pub(crate) fn split_session_signature<'a>(
    rest: &'a [u8],
    key_types: &[KeyType],
    message_parses: impl Fn(&[u8]) -> bool,
) -> Option<(KeyType, &'a [u8], &'a [u8])> {
    key_types.iter().find_map(|&key_type| {
        let (signature, message) = split_signature(rest, key_type)?;
        (fits(key_type, signature) && message_parses(message))
            .then_some((key_type, signature, message))
    })
}
