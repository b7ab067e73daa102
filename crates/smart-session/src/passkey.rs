//! WebAuthn assertions from a P-256 software key, with the bytes a browser produces: what a
//! session of key type `webauthn` (or `webauthn-uv`) signs with, and what tests and tools use
//! in place of a real passkey.
//!
//! A Chrome or Safari assertion for the page `https://<rp id>` asked to sign the module's
//! message `m` (the `challenge`):
//!
//! - `authenticatorData` = `sha256(rp id) (32) ‖ flags (1) ‖ signCount (4)`: flags `0x05`
//!   (user present and verified) or `0x01` (present only), the count big-endian (passkeys
//!   that sync keep it at 0);
//! - `clientDataJSON` = `{"type":"webauthn.get","challenge":"<base64url(m), no padding>",
//!   "origin":"https://<rp id>","crossOrigin":false}` — the key order browsers write, so
//!   `type` is at byte 1 and `challenge` at byte 23;
//! - the P-256 signature of `sha256(authenticatorData ‖ sha256(clientDataJSON))`, `s`
//!   normalized to the lower half (a browser's is not: clients normalize, the module
//!   refuses the other half).
//!
//! See `session_core::webauthn` for the layout the module reads and what it checks.

use alloy_primitives::B256;
use p256::ecdsa::{signature::Signer as _, Signature};
use session_core::webauthn::{base64url, FLAG_USER_PRESENT, FLAG_USER_VERIFIED};
use sha2::{Digest, Sha256};

/// A software passkey: a P-256 key and the relying party (site) it is registered for.
pub struct Passkey {
    key: p256::ecdsa::SigningKey,
    rp_id: String,
    user_verified: bool,
}

/// An assertion's parts, for showing and for the module's layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assertion {
    /// `sha256(rp id) ‖ flags ‖ signCount`.
    pub authenticator_data: Vec<u8>,
    /// The client data, as the browser writes it.
    pub client_data_json: String,
    /// Where `"challenge":"…"` starts in it.
    pub challenge_index: u16,
    /// Where `"type":"webauthn.get"` starts in it.
    pub type_index: u16,
    /// `r ‖ s`, low-`s`.
    pub signature: [u8; 64],
    /// `x ‖ y`.
    pub public_key: [u8; 64],
}

impl Passkey {
    /// The P-256 key `key` registered for `rp_id`; `user_verified`: whether its assertions
    /// say the authenticator verified the user.
    pub fn new(key: &crate::encode::P256Signer, rp_id: &str, user_verified: bool) -> Self {
        Self { key: key.signing_key().clone(), rp_id: rp_id.into(), user_verified }
    }

    /// `authenticatorData` as this authenticator writes it: `sha256(rp id) ‖ flags ‖ 0`.
    pub fn authenticator_data(&self) -> Vec<u8> {
        let mut data = Sha256::digest(self.rp_id.as_bytes()).to_vec();
        data.push(FLAG_USER_PRESENT | if self.user_verified { FLAG_USER_VERIFIED } else { 0 });
        data.extend([0; 4]);
        data
    }

    /// `clientDataJSON` as a browser writes it for the challenge `message` on `https://<rp id>`.
    pub fn client_data_json(&self, message: B256) -> String {
        let challenge =
            String::from_utf8(base64url(&message).to_vec()).expect("base64url is ASCII");
        format!(
            r#"{{"type":"webauthn.get","challenge":"{challenge}","origin":"https://{}","crossOrigin":false}}"#,
            self.rp_id
        )
    }

    /// The assertion a browser would return for the challenge `message`.
    pub fn assert(&self, message: B256) -> Assertion {
        self.sign_parts(self.authenticator_data(), self.client_data_json(message), 23, 1)
    }

    /// An assertion of these parts, signed by the key (low-`s`): for client data a browser
    /// wrote another way, or for tests that bend one part.
    pub fn sign_parts(
        &self,
        authenticator_data: Vec<u8>,
        client_data_json: String,
        challenge_index: u16,
        type_index: u16,
    ) -> Assertion {
        let client_data_hash = Sha256::digest(client_data_json.as_bytes());
        let signed = [authenticator_data.as_slice(), &client_data_hash].concat();
        // `Signer::sign` hashes its message with SHA-256: it signs sha256(signed).
        let signature: Signature = self.key.sign(&signed);
        let signature = signature.normalize_s().unwrap_or(signature);
        let point = self.key.verifying_key().to_encoded_point(false);
        Assertion {
            authenticator_data,
            challenge_index,
            type_index,
            client_data_json,
            signature: signature.to_bytes().into(),
            public_key: point.as_bytes()[1..].try_into().expect("0x04 ‖ x ‖ y"),
        }
    }
}

impl Assertion {
    /// The assertion in the module's layout: `r ‖ s ‖ x ‖ y ‖ challengeIndex ‖ typeIndex ‖
    /// authenticatorData length ‖ authenticatorData ‖ clientDataJSON`.
    pub fn encode(&self) -> Vec<u8> {
        let length = u16::try_from(self.authenticator_data.len()).expect("authenticator data fits");
        [
            self.signature.as_slice(),
            &self.public_key,
            &self.challenge_index.to_be_bytes(),
            &self.type_index.to_be_bytes(),
            &length.to_be_bytes(),
            &self.authenticator_data,
            self.client_data_json.as_bytes(),
        ]
        .concat()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::P256Signer;
    use p256::ecdsa::signature::Verifier;
    use session_core::webauthn::Assertion as Layout;

    #[test]
    fn an_assertion_has_a_browsers_shape_and_verifies_as_webauthn_says() {
        let key = P256Signer::from_hex(&B256::repeat_byte(0x48).to_string()).unwrap();
        let message = B256::repeat_byte(0x42);
        let assertion = Passkey::new(&key, "game.example", true).assert(message);
        assert_eq!(assertion.authenticator_data.len(), 37);
        assert_eq!(assertion.authenticator_data[32], 0x05);
        let encoded = assertion.encode();
        let layout = Layout::parse(&encoded).unwrap();
        assert!(layout.claims(&message, true));
        assert!(!layout.claims(&B256::ZERO, false));
        assert_eq!(&layout.client_data_json[..23], br#"{"type":"webauthn.get","#);
        // What the authenticator signed: sha256(authenticatorData ‖ sha256(clientDataJSON)).
        let signed = [
            assertion.authenticator_data.as_slice(),
            &Sha256::digest(assertion.client_data_json.as_bytes()),
        ]
        .concat();
        let signature = Signature::from_slice(&assertion.signature).unwrap();
        assert!(signature.normalize_s().is_none(), "low-s");
        key.signing_key().verifying_key().verify(&signed, &signature).unwrap();
    }
}
