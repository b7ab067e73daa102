//! ENABLE mode: a session the account's owner signed off-chain as a [`SessionGrant`], enabled
//! inside the delegate's first UserOperation.
//!
//! Nothing the owner did not sign is trusted: the permission id is derived from the session,
//! the grant digest from the grant and this chain and module, and the chain entry must name
//! this chain and that digest. The owner's signature is checked by the account's own ERC-1271
//! `isValidSignature`, so whatever validator holds the account's ownership decides. The
//! deadline cannot be checked against the clock in validation (ERC-7562): it caps the
//! `validUntil` returned, and the EntryPoint refuses the operation after it (`AA22`), which
//! reverts the enabling with it.
//!
//! [`SessionGrant`]: session_core::interface::SessionGrant

use alloc::vec::Vec;

use alloy_primitives::{Address, B256};
use alloy_sol_types::{SolCall, SolEvent};
use session_core::{
    codec::{
        address_word, array_at, bool_word, joined, u256, uint_word, word_bytes, words,
        EnableRequest, Reader, UserOperation,
    },
    eip712::{multi_chain_digest, PermissionId},
    interface::{
        Error,
        ISmartSessions::{
            EnableDataMalformed, GrantAlreadyUsed, GrantChainMismatch, GrantNonceMismatch,
            GrantSignedByModule, GrantsInvalidated, NotInitialized, SessionAccountMismatch,
        },
        IERC1271::isValidSignatureCall,
    },
};
use stylus_sdk::prelude::*;

use crate::{events::emit, host_calls::static_word, SmartSessions};

/// What ERC-1271's `isValidSignature` returns for a valid signature.
const ERC1271_MAGIC: [u8; 4] = [0x16, 0x26, 0xba, 0x7e];

/// What the manager answers the validator for an ENABLE-mode operation, five words: the
/// session it enabled, whether the account accepted the owner's signature, the grant's
/// deadline, and where the key proof sits in `userOp.signature` (its start and length), so
/// the validator, which does not decode grants, validates the operation under the session
/// as in USE mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Granted {
    /// The session the grant enabled.
    pub(crate) permission_id: PermissionId,
    /// Whether the account accepted the owner's signature (ERC-1271).
    pub(crate) owner_signed: bool,
    /// The grant's deadline: the operation is valid until then at most.
    pub(crate) deadline: u64,
    /// Where the key proof starts in `userOp.signature`.
    pub(crate) proof_start: u64,
    /// The key proof's length.
    pub(crate) proof_len: u64,
}

impl Granted {
    /// The manager's return data.
    pub(crate) fn encode(&self) -> Vec<u8> {
        words([
            self.permission_id,
            bool_word(self.owner_signed),
            uint_word(self.deadline.into()),
            uint_word(self.proof_start.into()),
            uint_word(self.proof_len.into()),
        ])
    }

    /// Reads the manager's return data (only ever the manager's own encoding: anything else
    /// reads as zeros, a session that is not enabled).
    pub(crate) fn decode(data: &[u8]) -> Self {
        let words = data.first_chunk::<160>().map(|bytes| bytes.as_chunks::<32>().0);
        let Some([id, signed, deadline, start, len]) =
            words.and_then(|w| <&[[u8; 32]; 5]>::try_from(w).ok())
        else {
            return Self::default();
        };
        let low = |word: &[u8; 32]| u64::from_be_bytes(array_at(word, 24));
        Self {
            permission_id: B256::new(*id),
            owner_signed: low(signed) != 0,
            deadline: low(deadline),
            proof_start: low(start),
            proof_len: low(len),
        }
    }

    /// The key proof in the operation's `signature` (empty if out of it, which only the
    /// manager's own encoding could cause: a proof that fails).
    pub(crate) fn proof<'a>(&self, signature: &'a [u8]) -> &'a [u8] {
        let start = self.proof_start as usize;
        signature.get(start..start + self.proof_len as usize).unwrap_or_default()
    }
}

impl SmartSessions {
    /// `validateUserOp` in ENABLE mode, the manager's part: decodes the grant from the
    /// operation's signature (after its mode byte), checks it and enables its session for
    /// `account` ([`Self::enable_from_grant`]).
    ///
    /// # Errors
    /// [`EnableDataMalformed`], and the errors of [`Self::enable_from_grant`].
    pub(crate) fn enable_for_op(
        &mut self,
        account: Address,
        user_op: &UserOperation<'_>,
    ) -> Result<Granted, Error> {
        let signature = user_op.signature;
        // Positions count in `userOp.signature`, after its mode byte.
        let request = Reader::new(signature.get(1..).unwrap_or_default(), 1)
            .enable_request()
            .map_err(|position| EnableDataMalformed { position: u256(position as u128) })?;
        let (permission_id, owner_signed) = self.enable_from_grant(account, &request)?;
        let proof = request.key_signature;
        Ok(Granted {
            permission_id,
            owner_signed,
            deadline: request.grant.deadline.as_limbs()[0],
            proof_start: (proof.as_ptr() as usize - signature.as_ptr() as usize) as u64,
            proof_len: proof.len() as u64,
        })
    }

    /// Checks `request` and enables its session for `account`.
    ///
    /// # Returns
    /// The permission id, and whether the account accepted the owner's signature. A refused
    /// owner signature is not an error: it becomes `SIG_VALIDATION_FAILED`, so a bundler's
    /// gas estimate with a dummy signature walks the whole path.
    ///
    /// # Errors
    /// [`SessionAccountMismatch`], [`GrantChainMismatch`], [`GrantNonceMismatch`],
    /// [`GrantAlreadyUsed`], [`GrantSignedByModule`], and any error of [`Self::enable`].
    pub(crate) fn enable_from_grant(
        &mut self,
        account: Address,
        request: &EnableRequest<'_>,
    ) -> Result<(PermissionId, bool), Error> {
        let grant = &request.grant;
        if grant.session.account != account {
            return Err(SessionAccountMismatch {
                sessionAccount: grant.session.account,
                caller: account,
            }
            .into());
        }
        let chain_id = self.vm().chain_id();
        let (permission_id, grant_digest) = grant.ids(chain_id, self.vm().contract_address());
        let signed_hash = signed_hash(request, chain_id, grant_digest)?;

        let state = self.account_state(account);
        let expected = u256(state.grant_nonce.into());
        if grant.nonce != expected {
            return Err(GrantNonceMismatch { nonce: grant.nonce, expected }.into());
        }
        // A grant enables its session once: the session's record, once stored, is never
        // cleared (not by removal, revocation or uninstall), so it marks the grant used
        // without a word of its own. A new grant for the same session needs a new salt.
        if self.session_ever_stored(account, permission_id) {
            return Err(GrantAlreadyUsed { grantDigest: grant_digest }.into());
        }
        let owner_signed = self.owner_signed(account, signed_hash, request.owner_signature)?;

        self.enable(account, &grant.session, permission_id)?;
        Ok((permission_id, owner_signed))
    }

    /// `invalidateGrants()` by `account`: every grant signed under the current nonce dies.
    ///
    /// # Errors
    /// [`NotInitialized`].
    ///
    /// # Events
    /// [`GrantsInvalidated`].
    pub(crate) fn invalidate_grants(&mut self, account: Address) -> Result<(), Error> {
        let mut state = self.account_state(account);
        if !state.installed() {
            return Err(NotInitialized { account }.into());
        }
        state.grant_nonce += 1;
        self.store_account_state(account, &state);
        emit(
            self.vm(),
            &[GrantsInvalidated::SIGNATURE_HASH, address_word(account)],
            &[uint_word(state.grant_nonce.into())],
        );
        Ok(())
    }

    /// Whether `account` accepts `signature` over `hash` (ERC-1271). The call goes to the
    /// account only (ERC-7562); a revert or any answer but the magic value is a refusal.
    fn owner_signed(&self, account: Address, hash: B256, signature: &[u8]) -> Result<bool, Error> {
        // Accounts route a signature to the validator named in its first bytes (20, or 21
        // behind a mode byte): this module must not vouch for its own grants.
        let module = self.vm().contract_address();
        let names = |at: usize| signature.get(at..at + 20) == Some(module.as_slice());
        if names(0) || names(1) {
            return Err(GrantSignedByModule {}.into());
        }
        let call = encode_is_valid_signature(hash, signature);
        // Writes made so far are flushed first, as the SDK's `static_call` would: the account
        // may read the module's state back.
        self.vm().flush_cache(false);
        let answer = static_word(self.vm(), account, &call);
        Ok(answer
            .is_some_and(|word| word[..4] == ERC1271_MAGIC && word[4..].iter().all(|&b| b == 0)))
    }
}

/// The hash the owner signed: the grant digest itself, or the multi-chain digest when the
/// chain list names this chain and this grant at `chain_index`.
fn signed_hash(
    request: &EnableRequest<'_>,
    chain_id: u64,
    grant_digest: B256,
) -> Result<B256, Error> {
    let mismatch = || Error::from(GrantChainMismatch { chainIndex: request.chain_index });
    if request.chains.is_empty() {
        return if request.chain_index.is_zero() { Ok(grant_digest) } else { Err(mismatch()) };
    }
    let entry = usize::try_from(request.chain_index).ok().and_then(|i| request.chains.get(i));
    match entry {
        Some(entry)
            if entry.chainId == u256(chain_id.into()) && entry.grantDigest == grant_digest =>
        {
            Ok(multi_chain_digest(&request.chains))
        }
        _ => Err(mismatch()),
    }
}

/// `isValidSignature(hash, signature)` call data, encoded by hand: alloy's `bytes` type would
/// bring `bytes::Bytes` (and its panicking drop code) into the program.
fn encode_is_valid_signature(hash: B256, signature: &[u8]) -> Vec<u8> {
    let head = [hash, B256::with_last_byte(64), uint_word(signature.len() as u128)];
    // Zeros pad the signature to whole words.
    let padding = [0u8; 31];
    let padding = padding.get(..signature.len().next_multiple_of(32) - signature.len());
    // Joined into a vector of its final size: no growth code in the program.
    joined(&[
        &isValidSignatureCall::SELECTOR,
        word_bytes(&head),
        signature,
        padding.unwrap_or_default(),
    ])
}

#[cfg(test)]
mod tests {
    use alloy_primitives::Bytes;

    use super::*;

    #[test]
    fn encode_is_valid_signature_equals_alloy() {
        for length in [0usize, 1, 32, 65, 97] {
            let signature: Vec<u8> = (0..length).map(|i| i as u8 + 1).collect();
            let hash = B256::repeat_byte(0xab);
            let expected = isValidSignatureCall { hash, signature: Bytes::from(signature.clone()) }
                .abi_encode();
            assert_eq!(encode_is_valid_signature(hash, &signature), expected, "{length} bytes");
        }
    }
}
