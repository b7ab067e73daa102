//! Session signatures: ERC-1271 for the account, through `isValidSignatureWithSender`, and
//! only in ERC-7739's nested form, so that a signature is bound to the verifying app's domain
//! and to this account and cannot be replayed on another account that shares the key.
//!
//! Top-down: decode the signature (its layout: `session_core::erc7739`) → the session must be
//! live and inside its window (block time) → the account's EIP-712 domain (ERC-5267
//! `eip712Domain()`) → what was signed must be what the app asks about, proved from the
//! signature's own bytes → the digest the key signed (ERC-7739 `TypedDataSign` for typed data,
//! `PersonalSign` for personal messages) → the session's signing scopes must allow it → the
//! key's signature over it.
//!
//! The module never takes `hash` on trust: a session key is a machine key, and a wrapper over
//! an opaque hash would let it sign anything (a Permit2 digest as a "personal message", a
//! `PermitSingle` declared as an allowed type). So a personal message travels whole, and typed
//! data travels as its type string and `encodeData`, from which the module recomputes
//! `hashStruct`: the type a scope names is the type that was signed.

use alloc::vec::Vec;

use alloy_primitives::{keccak256, Address, FixedBytes, B256};
use alloy_sol_types::SolCall;
use session_core::{
    codec::{address_word, hash_words, joined, uint_word, Reader},
    eip712::{
        chain_free_domain_separator, domain_separator, typed_data_digest, DOMAIN_TYPEHASH,
        SALTED_DOMAIN_TYPEHASH,
    },
    erc7739::{
        PERSONAL_SIGN_TYPEHASH, SIGNED_PERSONAL_MESSAGE, SIGNED_TYPED_DATA, TYPED_DATA_SIGN_FIELDS,
    },
    interface::IERC5267::eip712DomainCall,
    session_key::split_signature,
};
use stylus_sdk::prelude::*;

use crate::{executor::check_window, host_calls, session_key::signed_by, SmartSessions};

/// ERC-1271's answer for a valid signature.
const ERC1271_MAGIC: FixedBytes<4> = FixedBytes::new([0x16, 0x26, 0xba, 0x7e]);
/// What `isValidSignatureWithSender` answers for a signature it does not accept.
const ERC1271_INVALID: FixedBytes<4> = FixedBytes::new([0xff; 4]);

/// ERC-5267 `fields` of a domain with name, version, chain id and verifying contract, and of
/// one with a salt too: the two domains accounts use.
const DOMAIN_FIELDS: u8 = 0x0f;
const SALTED_DOMAIN_FIELDS: u8 = 0x1f;

/// The account's EIP-712 domain, as ERC-7739's `TypedDataSign` and `PersonalSign` use it.
struct AccountDomain {
    /// `keccak256(name)`, `keccak256(version)`, chain id, verifying contract, salt.
    fields: [B256; 5],
    /// The account's domain separator.
    separator: B256,
}

impl SmartSessions {
    /// `isValidSignatureWithSender(sender, hash, signature)` asked by `account`.
    ///
    /// # Returns
    /// [`ERC1271_MAGIC`] when a live session of `account`, inside its window, signed `hash`
    /// through ERC-7739 within one of its signing scopes; else [`ERC1271_INVALID`] (never a
    /// revert). Refused besides: unwrapped signatures, typed data of an app or type no scope
    /// allows, and anything under the module's own domains (a session must never sign a grant).
    pub(crate) fn is_valid_signature(
        &self,
        account: Address,
        hash: B256,
        signature: &[u8],
    ) -> FixedBytes<4> {
        if self.session_signed(account, hash, signature).is_some() {
            ERC1271_MAGIC
        } else {
            ERC1271_INVALID
        }
    }

    /// `Some` when the signature is valid (see [`Self::is_valid_signature`]).
    fn session_signed(&self, account: Address, hash: B256, signature: &[u8]) -> Option<()> {
        // Decode.
        let (&kind, rest) = signature.split_first()?;
        let (permission_id, rest) = rest.split_first_chunk::<32>()?;
        let permission_id = B256::new(*permission_id);

        // The session, live and inside its window.
        let session = self.live_session(account, permission_id).ok()?;
        check_window(permission_id, &session, self.vm().block_timestamp()).ok()?;
        let (key_signature, payload) = split_signature(rest, session.key_type)?;

        // What was signed, the digest the key signed, and the scope it needs.
        let domain = self.account_domain(account)?;
        let (app_domain, contents_type, digest) = match kind {
            SIGNED_PERSONAL_MESSAGE if eip191_hash(payload) == hash => {
                let personal = hash_words(&[PERSONAL_SIGN_TYPEHASH, hash]);
                (B256::ZERO, B256::ZERO, typed_data_digest(domain.separator, personal))
            }
            SIGNED_TYPED_DATA => self.typed_data_sign(hash, payload, &domain)?,
            _ => return None,
        };
        let allowed = |contents_type| {
            self.signing_scope_instance(account, permission_id, app_domain, contents_type)
                == session.instance
        };
        if !(allowed(contents_type) || allowed(B256::ZERO)) {
            return None;
        }

        // The key's signature.
        signed_by(self.vm(), digest, key_signature, session.key_type, session.signer).then_some(())
    }

    /// ERC-7739 `TypedDataSign`: recomputes the contents' `hashStruct` from `contentsType`
    /// and `encodeData`, checks that `hash` is the app's digest of it, and returns (app
    /// domain, `keccak256(contentsType)`, the digest the key signed); `None` for a malformed
    /// or forbidden wrapper.
    fn typed_data_sign(
        &self,
        hash: B256,
        payload: &[u8],
        domain: &AccountDomain,
    ) -> Option<(B256, B256, B256)> {
        // Checked split, not `split_last_chunk` (its unreachable panic links std's panic code).
        let (payload, descr_length) = payload.split_at_checked(payload.len().checked_sub(2)?)?;
        let descr_length: &[u8; 2] = descr_length.try_into().ok()?;
        let (app_domain, rest) = payload.split_first_chunk::<32>()?;
        let app_domain = B256::new(*app_domain);
        let encoded_length =
            rest.len().checked_sub(usize::from(u16::from_be_bytes(*descr_length)))?;
        let (encode_data, descr) = rest.split_at_checked(encoded_length)?;
        if encode_data.len() % 32 != 0 {
            return None;
        }
        // Never under the module's own domains (a session signing a grant would give itself
        // more power) nor the account's (its own typed data, e.g. module installs).
        let module = self.vm().contract_address();
        let forbidden = [
            B256::ZERO,
            domain.separator,
            domain_separator(self.vm().chain_id(), module),
            chain_free_domain_separator(),
        ];
        let (name, contents_type) = contents_name(descr)?;
        let type_hash = keccak256(primary_first(name, contents_type)?);
        let contents = keccak256(joined(&[type_hash.as_slice(), encode_data]));
        if forbidden.contains(&app_domain) || typed_data_digest(app_domain, contents) != hash {
            return None;
        }
        let type_string =
            joined(&[b"TypedDataSign(", name, TYPED_DATA_SIGN_FIELDS.as_bytes(), contents_type]);
        let [name_hash, version_hash, chain_id, verifying_contract, salt] = domain.fields;
        let struct_hash = hash_words(&[
            keccak256(&type_string),
            contents,
            name_hash,
            version_hash,
            chain_id,
            verifying_contract,
            salt,
        ]);
        Some((app_domain, type_hash, typed_data_digest(app_domain, struct_hash)))
    }

    /// The account's EIP-712 domain (ERC-5267), when it is one this module can rebuild —
    /// fields `0x0f` or `0x1f` — and names this account on this chain.
    fn account_domain(&self, account: Address) -> Option<AccountDomain> {
        let call = eip712DomainCall::SELECTOR;
        // The account may read the module back: what was written so far goes out first.
        self.vm().flush_cache(false);
        let output = host_calls::call(self.vm(), host_calls::Kind::Static, account, &call).ok()?;
        let answer = Reader::new(&output, 0);
        let fields = answer.word(0).ok()?;
        let text_hash = |head| {
            let offset = answer.length(head).ok()?;
            answer.dynamic_bytes(offset).ok().map(|(text, _)| keccak256(text))
        };
        let domain = [
            text_hash(32)?,
            text_hash(64)?,
            answer.b256(96).ok()?,
            answer.b256(128).ok()?,
            answer.b256(160).ok()?,
        ];
        let [name, version, chain_id, verifying_contract, salt] = domain;
        if chain_id != uint_word(self.vm().chain_id().into())
            || verifying_contract != address_word(account)
        {
            return None;
        }
        let separator = match fields[0] {
            DOMAIN_FIELDS => {
                hash_words(&[DOMAIN_TYPEHASH, name, version, chain_id, verifying_contract])
            }
            SALTED_DOMAIN_FIELDS => hash_words(&[
                SALTED_DOMAIN_TYPEHASH,
                name,
                version,
                chain_id,
                verifying_contract,
                salt,
            ]),
            _ => return None,
        };
        Some(AccountDomain { fields: domain, separator })
    }
}

/// EIP-191's `personal_sign` hash of `message`:
/// `keccak256("\x19Ethereum Signed Message:\n" ‖ decimal length ‖ message)`.
fn eip191_hash(message: &[u8]) -> B256 {
    // The length in decimal, written from the right into a fixed buffer (no `core::fmt`).
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut length = message.len();
    while let Some(digit) = start.checked_sub(1).and_then(|at| digits.get_mut(at)) {
        *digit = b'0' + (length % 10) as u8;
        start -= 1;
        length /= 10;
        if length == 0 {
            break;
        }
    }
    let digits = digits.get(start..).unwrap_or_default();
    keccak256(joined(&[b"\x19Ethereum Signed Message:\n".as_slice(), digits, message]))
}

/// The contents' EIP-712 `encodeType` from the types ERC-7739 lists (sorted by name, as they
/// follow `TypedDataSign`'s own definition): the definition of `name` first, then the others
/// in order. `None` when `name` is not defined there or the list is cut short.
fn primary_first(name: &[u8], types: &[u8]) -> Option<Vec<u8>> {
    // The definitions before the primary and after it stay two contiguous runs of `types`.
    let (mut before, mut primary, mut after): (&[u8], &[u8], &[u8]) = (&[], &[], &[]);
    let mut rest = types;
    // Every definition ends at its `)`: member lists hold no parentheses.
    while let Some(end) = rest.iter().position(|&byte| byte == b')') {
        let (definition, next) = rest.split_at_checked(end + 1)?;
        let opens_as_name = definition.strip_prefix(name).and_then(|tail| tail.first());
        if opens_as_name == Some(&b'(') {
            let start = types.len() - rest.len();
            before = types.get(..start)?;
            primary = definition;
            after = next;
        }
        rest = next;
    }
    if primary.is_empty() || !rest.is_empty() {
        return None;
    }
    Some(joined(&[primary, before, after]))
}

/// Splits ERC-7739's `contentsDescr` into (contentsName, contentsType): implicit mode (it ends
/// with `)`) names the contents by the type string's first type; explicit mode appends the
/// name after the type string. `None` for an empty type or a name ERC-7739 forbids (empty,
/// starting with `a`–`z`, or holding a space, comma, parenthesis or NUL).
fn contents_name(descr: &[u8]) -> Option<(&[u8], &[u8])> {
    let (name, contents_type) = if descr.last() == Some(&b')') {
        let open = descr.iter().position(|&byte| byte == b'(')?;
        (descr.get(..open)?, descr)
    } else {
        let close = descr.iter().rposition(|&byte| byte == b')')?;
        (descr.get(close + 1..)?, descr.get(..close + 1)?)
    };
    let forbidden = |byte: &u8| matches!(byte, b'\0' | b' ' | b',' | b'(' | b')');
    match name.first() {
        Some(first) if !first.is_ascii_lowercase() && !name.iter().any(forbidden) => {
            Some((name, contents_type))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::eip191_hash_message;

    use super::*;

    #[test]
    fn eip191_hash_equals_alloys_for_every_length_width() {
        for length in [0, 1, 9, 10, 99, 100, 1_000, 12_345] {
            let message = vec![0x61; length];
            assert_eq!(eip191_hash(&message), eip191_hash_message(&message), "{length}");
        }
    }

    #[test]
    fn primary_first_moves_the_named_definition_to_the_front() {
        let sorted = b"Asset(address token)Order(Asset asset,uint256 amount)";
        assert_eq!(
            primary_first(b"Order", sorted).as_deref(),
            Some(&b"Order(Asset asset,uint256 amount)Asset(address token)"[..])
        );
        let mail = b"Mail(Person from)Person(address wallet)";
        assert_eq!(primary_first(b"Mail", mail).as_deref(), Some(&mail[..]));
        assert_eq!(primary_first(b"Ord", sorted), None, "a prefix of a name is not the name");
        assert_eq!(primary_first(b"Order", b"Order(uint256 x"), None, "cut short");
    }

    #[test]
    fn contents_name_reads_implicit_and_explicit_descriptions() {
        let mail = b"Mail(address to,string contents)";
        assert_eq!(contents_name(mail), Some((&b"Mail"[..], &mail[..])));
        let explicit = b"A(uint256 x)B(A a)B";
        assert_eq!(contents_name(explicit), Some((&b"B"[..], &b"A(uint256 x)B(A a)"[..])));
    }

    #[test]
    fn contents_name_fails_when_the_name_is_forbidden_or_missing() {
        for descr in
            [&b"mail(address to)"[..], b"(address to)", b"Mail(address to)Bad Name", b"", b"Mail"]
        {
            assert_eq!(contents_name(descr), None, "{}", String::from_utf8_lossy(descr));
        }
    }
}
