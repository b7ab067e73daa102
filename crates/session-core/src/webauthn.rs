//! WebAuthn assertions as session-key signatures ([`KeyType::WebAuthn`]): what a browser's or
//! a phone's passkey signs when asked to sign the module's message.
//!
//! A passkey does not sign the message itself. The page asks for an assertion whose
//! `challenge` is the message; the browser writes `clientDataJSON` (`{"type":"webauthn.get",
//! "challenge":"<base64url of the message>","origin":…}`), the authenticator signs
//! `sha256(authenticatorData ‖ sha256(clientDataJSON))` with its P-256 key. The module checks,
//! without parsing JSON (the positions travel with the signature, as in Coinbase's and
//! Solady's verifiers):
//!
//! - at `typeIndex`, exactly `"type":"webauthn.get"`;
//! - at `challengeIndex`, exactly `"challenge":"` ‖ base64url (no padding) of the message the
//!   other key types sign ‖ `"`;
//! - `authenticatorData` holds at least the 37 bytes of its fixed part, with the user-present
//!   flag, and the user-verified flag when the key type is [`KeyType::WebAuthnUserVerified`];
//! - `s` in the lower half of the curve's order (RIP-7212 accepts both halves: a client
//!   normalizes, so one assertion has one encoding);
//! - then P-256 over the two SHA-256 hashes, through the precompiles.
//!
//! Layout (packed, so the programs read it with no ABI decoder):
//! `r (32) ‖ s (32) ‖ x (32) ‖ y (32) ‖ challengeIndex (2) ‖ typeIndex (2) ‖
//! authenticatorData length (2) ‖ authenticatorData ‖ clientDataJSON`, numbers big-endian.
//!
//! [`KeyType::WebAuthn`]: crate::session_key::KeyType::WebAuthn
//! [`KeyType::WebAuthnUserVerified`]: crate::session_key::KeyType::WebAuthnUserVerified

use alloy_primitives::B256;

/// Bytes before `authenticatorData`: `r ‖ s ‖ x ‖ y` and the three 2-byte numbers.
pub const HEADER_LEN: usize = 134;
/// The fixed part of `authenticatorData`: `rpIdHash (32) ‖ flags (1) ‖ signCount (4)`.
pub const AUTHENTICATOR_DATA_MIN_LEN: usize = 37;
/// `flags` bit: the user was present (touched the authenticator).
pub const FLAG_USER_PRESENT: u8 = 0x01;
/// `flags` bit: the authenticator verified the user (PIN, biometrics).
pub const FLAG_USER_VERIFIED: u8 = 0x04;
/// What `clientDataJSON` holds at `typeIndex`.
pub const TYPE_GET: &[u8] = b"\"type\":\"webauthn.get\"";
/// What `clientDataJSON` holds at `challengeIndex`, before the challenge.
pub const CHALLENGE_KEY: &[u8] = b"\"challenge\":\"";
/// ⌊P-256 order / 2⌋: a larger `s` is the malleable twin of a low-`s` signature.
pub const P256_HALF_ORDER: [u8; 32] =
    alloy_primitives::hex!("7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8");

/// A WebAuthn signature, borrowed from the key proof (see the module docs for its layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assertion<'a> {
    /// `r ‖ s`.
    pub rs: &'a [u8; 64],
    /// The public key `x ‖ y`, whose [`key_id`](crate::session_key::key_id) the session holds.
    pub public_key: &'a [u8; 64],
    /// Where `"challenge":"…"` starts in `client_data_json`.
    pub challenge_index: usize,
    /// Where `"type":"webauthn.get"` starts in `client_data_json`.
    pub type_index: usize,
    /// The authenticator's data.
    pub authenticator_data: &'a [u8],
    /// The browser's client data, as signed.
    pub client_data_json: &'a [u8],
}

impl<'a> Assertion<'a> {
    /// Reads `signature`; `None` when it is too short for its own lengths.
    #[inline]
    pub fn parse(signature: &'a [u8]) -> Option<Self> {
        let (rs, rest) = signature.split_first_chunk::<64>()?;
        let (public_key, rest) = rest.split_first_chunk::<64>()?;
        let (numbers, rest) = rest.split_first_chunk::<6>()?;
        let number =
            |at: usize| usize::from(numbers[at % 6]) << 8 | usize::from(numbers[(at + 1) % 6]);
        let (authenticator_data, client_data_json) = rest.split_at_checked(number(4))?;
        Some(Self {
            rs,
            public_key,
            challenge_index: number(0),
            type_index: number(2),
            authenticator_data,
            client_data_json,
        })
    }

    /// Whether the assertion was made for `challenge` as the module requires: a `webauthn.get`
    /// assertion of exactly this challenge, the user present (and verified, when
    /// `user_verified`), in its low-`s` encoding. The signature itself is the precompiles' to
    /// check, over [`Assertion::signed_parts`].
    #[inline]
    pub fn claims(&self, challenge: &B256, user_verified: bool) -> bool {
        let Some(&flags) = self.authenticator_data.get(32) else { return false };
        let required = FLAG_USER_PRESENT | if user_verified { FLAG_USER_VERIFIED } else { 0 };
        self.authenticator_data.len() >= AUTHENTICATOR_DATA_MIN_LEN
            && flags & required == required
            && self.rs[32..] <= P256_HALF_ORDER[..]
            && self
                .client_data_json
                .get(self.type_index..)
                .is_some_and(|at| at.starts_with(TYPE_GET))
            && self.client_data_json.get(self.challenge_index..).is_some_and(|at| {
                let encoded = base64url(challenge);
                at.strip_prefix(CHALLENGE_KEY)
                    .and_then(|at| at.strip_prefix(encoded.as_slice()))
                    .is_some_and(|at| at.first() == Some(&b'"'))
            })
    }
}

/// The base64url (RFC 4648 §5) character of the 6-bit `value`, computed rather than looked up:
/// a 64-byte table would sit in the validator's data, paid for (0.75 gas a byte) on every call.
#[inline]
fn base64url_char(value: u32) -> u8 {
    let value = (value & 63) as u8;
    match value {
        0..=25 => b'A' + value,
        26..=51 => b'a' + (value - 26),
        52..=61 => b'0' + (value - 52),
        62 => b'-',
        _ => b'_',
    }
}

/// `hash` in base64url without padding, as WebAuthn writes a 32-byte challenge: 43
/// characters.
#[inline]
pub fn base64url(hash: &B256) -> [u8; 43] {
    let mut out = [0u8; 43];
    // 32 bytes = 10 groups of 3 (40 characters) and 2 bytes left (3 characters).
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut at = 0;
    for byte in hash.0 {
        bits = bits << 8 | u32::from(byte);
        count += 8;
        while count >= 6 {
            count -= 6;
            out[at % 43] = base64url_char(bits >> count);
            at += 1;
        }
    }
    // The last 4 bits, padded with zeros to a character.
    out[at % 43] = base64url_char(bits << (6 - count));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_rfc_4648_without_padding() {
        // Standard base64 of 32 bytes 0xfb..: "+/v7..." → url-safe "-_v7...", "=" dropped.
        let hash = B256::repeat_byte(0xfb);
        assert_eq!(&base64url(&hash), b"-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_s");
        assert_eq!(&base64url(&B256::ZERO), b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        let counting = B256::new(core::array::from_fn(|i| i as u8));
        assert_eq!(&base64url(&counting), b"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
    }

    fn assertion_bytes(
        authenticator_data: &[u8],
        client_data_json: &[u8],
        indices: (u16, u16),
    ) -> Vec<u8> {
        let mut out = vec![0x11; 32];
        out.extend([0x22; 32]);
        out.extend([0x33; 64]);
        out.extend(indices.0.to_be_bytes());
        out.extend(indices.1.to_be_bytes());
        out.extend((authenticator_data.len() as u16).to_be_bytes());
        out.extend(authenticator_data);
        out.extend(client_data_json);
        out
    }

    fn client_data(challenge: &B256) -> Vec<u8> {
        let encoded = core::str::from_utf8(&base64url(challenge)).unwrap().to_string();
        format!(r#"{{"type":"webauthn.get","challenge":"{encoded}","origin":"https://game.example","crossOrigin":false}}"#)
            .into_bytes()
    }

    #[test]
    fn claims_checks_type_challenge_flags_and_low_s() {
        let challenge = B256::repeat_byte(0x42);
        let json = client_data(&challenge);
        let mut data = [0u8; 37];
        data[32] = FLAG_USER_PRESENT;
        let bytes = assertion_bytes(&data, &json, (23, 1));
        let assertion = Assertion::parse(&bytes).unwrap();
        assert_eq!(assertion.client_data_json, json.as_slice());
        assert!(assertion.claims(&challenge, false));
        assert!(!assertion.claims(&challenge, true), "not user-verified");
        assert!(!assertion.claims(&B256::repeat_byte(0x43), false), "another challenge");
        for indices in [(22, 1), (23, 0), (23, 2), (u16::MAX, 1), (23, u16::MAX)] {
            let bytes = assertion_bytes(&data, &json, indices);
            assert!(!Assertion::parse(&bytes).unwrap().claims(&challenge, false), "{indices:?}");
        }
        data[32] = FLAG_USER_PRESENT | FLAG_USER_VERIFIED;
        let bytes = assertion_bytes(&data, &json, (23, 1));
        assert!(Assertion::parse(&bytes).unwrap().claims(&challenge, true));
        data[32] = FLAG_USER_VERIFIED;
        let bytes = assertion_bytes(&data, &json, (23, 1));
        assert!(!Assertion::parse(&bytes).unwrap().claims(&challenge, false), "no user present");
        let bytes = assertion_bytes(&data[..36], &json, (23, 1));
        assert!(!Assertion::parse(&bytes).unwrap().claims(&challenge, false), "36 bytes");
        // A high s.
        let mut bytes = assertion_bytes(&[FLAG_USER_PRESENT; 37], &json, (23, 1));
        bytes[32] = 0xff;
        assert!(!Assertion::parse(&bytes).unwrap().claims(&challenge, false));
        // Lengths past the end.
        assert_eq!(Assertion::parse(&bytes[..133]), None);
        let mut bytes = assertion_bytes(&data, b"", (0, 0));
        bytes[133] = 38;
        assert_eq!(Assertion::parse(&bytes), None);
    }
}
