//! Session signatures: ERC-1271 for the account, through `isValidSignatureWithSender`, and
//! only in ERC-7739's nested form, so that a signature is bound to the verifying app's domain
//! and to this account and cannot be replayed on another account that shares the key.
//!
//! Top-down: decode the signature → the session must be live and inside its window (block
//! time) → the account's EIP-712 domain (ERC-5267 `eip712Domain()`) → the digest the key
//! signed (ERC-7739 `TypedDataSign` for typed data, `PersonalSign` for personal messages) →
//! the session's signing scopes must allow it → the key's signature over it.
//!
//! Layout, after the account has taken the module's address off the front:
//!
//! ```text
//! personal message: permissionId (32) ‖ r ‖ s ‖ v (65)
//! typed data:       permissionId (32) ‖ r ‖ s ‖ v (65) ‖ appDomainSeparator (32) ‖
//!                   contents (32) ‖ contentsDescr ‖ uint16(contentsDescr.length)
//! ```

use alloy_primitives::{keccak256, Address, FixedBytes, B256};
use alloy_sol_types::SolCall;
use stylus_sdk::{call::static_call, prelude::*};

use crate::{
    codec::{address_word, hash_words, uint_word, Reader},
    eip712::{
        chain_free_domain_separator, const_keccak, domain_separator, typed_data_digest,
        DOMAIN_TYPEHASH, SALTED_DOMAIN_TYPEHASH,
    },
    executor::check_window,
    interface::IERC5267::eip712DomainCall,
    signature::recover_signer,
    SmartSessions,
};

/// ERC-1271's answer for a valid signature.
pub const ERC1271_MAGIC: FixedBytes<4> = FixedBytes::new([0x16, 0x26, 0xba, 0x7e]);
/// What `isValidSignatureWithSender` answers for a signature it does not accept.
pub const ERC1271_INVALID: FixedBytes<4> = FixedBytes::new([0xff; 4]);

/// `keccak256("PersonalSign(bytes prefixed)")` (ERC-7739).
const PERSONAL_SIGN_TYPEHASH: B256 = const_keccak("PersonalSign(bytes prefixed)");
/// What follows the contents name in ERC-7739's `TypedDataSign` type string.
const TYPED_DATA_SIGN_FIELDS: &[u8] =
    b" contents,string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)";
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
    pub fn is_valid_signature(
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
        let (permission_id, rest) = signature.split_first_chunk::<32>()?;
        let (ecdsa, typed) = rest.split_first_chunk::<65>()?;
        let permission_id = B256::new(*permission_id);

        // The session, live and inside its window.
        let session = self.live_session(account, permission_id).ok()?;
        check_window(permission_id, &session, self.vm().block_timestamp()).ok()?;

        // The digest the key signed, and the scope it needs.
        let domain = self.account_domain(account)?;
        let (app_domain, contents_type, digest) = if typed.is_empty() {
            // Personal messages: `hash` is the app's EIP-191 hash, rehashed under the account.
            let personal = keccak256([PERSONAL_SIGN_TYPEHASH.0, hash.0].concat());
            (B256::ZERO, B256::ZERO, typed_data_digest(domain.separator, personal))
        } else {
            self.typed_data_sign(hash, typed, &domain)?
        };
        let allowed = |contents_type| {
            self.signing_scope_instance(account, permission_id, app_domain, contents_type)
                == session.instance
        };
        if !(allowed(contents_type) || allowed(B256::ZERO)) {
            return None;
        }

        // The key's signature.
        (recover_signer(self.vm(), digest, ecdsa)? == session.signer).then_some(())
    }

    /// ERC-7739 `TypedDataSign`: checks that `hash` is the app's typed-data digest of
    /// `contents` and returns (app domain, `keccak256(contentsType)`, the digest the key
    /// signed), or `None` for a malformed or forbidden wrapper.
    fn typed_data_sign(
        &self,
        hash: B256,
        typed: &[u8],
        domain: &AccountDomain,
    ) -> Option<(B256, B256, B256)> {
        let (typed, descr_length) = typed.split_last_chunk::<2>()?;
        let (app_domain, rest) = typed.split_first_chunk::<32>()?;
        let (contents, descr) = rest.split_first_chunk::<32>()?;
        let (app_domain, contents) = (B256::new(*app_domain), B256::new(*contents));
        if descr.len() != usize::from(u16::from_be_bytes(*descr_length)) {
            return None;
        }
        // The app's digest must be the one asked about, and never one of the module's own:
        // a session signing a grant would give itself more power.
        let module = self.vm().contract_address();
        let own = [domain_separator(self.vm().chain_id(), module), chain_free_domain_separator()];
        if app_domain.is_zero()
            || own.contains(&app_domain)
            || typed_data_digest(app_domain, contents) != hash
        {
            return None;
        }
        let (name, contents_type) = contents_name(descr)?;
        let type_string = [b"TypedDataSign(", name, TYPED_DATA_SIGN_FIELDS, contents_type].concat();
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
        let digest = typed_data_digest(app_domain, struct_hash);
        Some((app_domain, keccak256(contents_type), digest))
    }

    /// The account's EIP-712 domain (ERC-5267), when it is one this module can rebuild —
    /// fields `0x0f` or `0x1f` — and names this account on this chain.
    fn account_domain(&self, account: Address) -> Option<AccountDomain> {
        let call = eip712DomainCall::SELECTOR;
        let output = static_call(self.vm(), Call::new(), account, &call).ok()?;
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
    use super::*;

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
