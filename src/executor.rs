//! The executor path (ERC-7579 module type 2): a session key acts for the account without a
//! bundler, top-down:
//! authenticate the key (it is the caller, or a relayer brings its signature over a
//! [`SessionExecution`] carrying the session's next nonce) → check the session's window
//! against the block's time, and count in the block's period → the same decode, check and
//! spend accounting as [`validation`](crate::validation) → the account's `executeFromExecutor`
//! with the very arguments of the `execute` call a UserOperation would carry → its return
//! data, or its revert data bubbled up unchanged.
//!
//! This is not ERC-4337 validation, so the clock is read here. The use and the spend are
//! recorded before the account is called (checks, effects, interactions), and the SDK's
//! reentrancy guard refuses any call back into the module while the account executes.

use alloc::vec::Vec;

use alloy_primitives::{aliases::U48, Address, U256};
use alloy_sol_types::{SolCall, SolEvent};
use session_core::{
    calls::decode_execute,
    codec::{address_word, joined, uint_word},
    eip712::{execution_digest, PermissionId},
    interface::{
        Error,
        IERC7579Execution::executeFromExecutorCall,
        ISmartSessions::{
            ExecutionExpired, ExecutionNonceInvalid, ExecutionSignatureInvalid, NotSessionKey,
            SessionExpired, SessionNotYetValid, SessionUsed,
        },
    },
    layout::SessionRecord,
};
use stylus_sdk::prelude::*;

use crate::{
    events::emit, host_calls, session_key::signed_by, validation::enter_period, Revert,
    SmartSessions,
};

/// What a relayer brings besides the call: the session key's signed [`SessionExecution`].
///
/// [`SessionExecution`]: session_core::interface::SessionExecution
#[derive(Debug, Clone, Copy)]
pub(crate) struct RelayedExecution<'a> {
    /// The session's execution nonce the key signed.
    pub(crate) nonce: U256,
    /// Last second the signature may be relayed.
    pub(crate) deadline: U48,
    /// The key's signature (`r ‖ s ‖ v`, or P-256 `r ‖ s ‖ x ‖ y`).
    pub(crate) signature: &'a [u8],
}

impl SmartSessions {
    /// `executeAsSession` (`relayed` is `None`: the key is `caller`) or
    /// `executeAsSessionBySignature`: runs `call_data`, the account's `execute(bytes32,bytes)`
    /// call data, through the account's `executeFromExecutor` under the session's rules.
    ///
    /// # Returns
    /// The account's return data (`abi.encode(bytes[])`), unchanged.
    ///
    /// # Errors
    /// [`SessionNotEnabled`](session_core::interface::ISmartSessions::SessionNotEnabled),
    /// [`NotSessionKey`], [`ExecutionExpired`], [`ExecutionNonceInvalid`],
    /// [`ExecutionSignatureInvalid`], [`SessionNotYetValid`], [`SessionExpired`], every
    /// refusal of validation's checks (see
    /// [`validate_use`](SmartSessions::validate_use)); the account's revert data as
    /// [`Revert::Data`].
    ///
    /// # Events
    /// [`SessionUsed`](session_core::interface::ISmartSessions::SessionUsed).
    pub(crate) fn execute_as_session(
        &mut self,
        caller: Address,
        account: Address,
        permission_id: PermissionId,
        call_data: &[u8],
        relayed: Option<RelayedExecution<'_>>,
    ) -> Result<Vec<u8>, Revert> {
        // Authenticate.
        let mut session = self.live_session(account, permission_id)?;
        let now = self.vm().block_timestamp();
        match relayed {
            None if caller != session.signer => {
                return Err(Revert::Refused(
                    NotSessionKey { permissionId: permission_id, caller }.into(),
                ))
            }
            None => {}
            Some(relayed) => self.consume_execution_signature(
                account,
                permission_id,
                &session,
                call_data,
                relayed,
                now,
            )?,
        }

        check_window(permission_id, &session, now)?;
        // The block's period: the window holds it.
        let index = session.periods().index_at(now);
        enter_period(permission_id, &mut session, index)?;

        // Decode, check, account for the use and the spend: exactly as validation does.
        let calls = decode_execute(call_data)?;
        let checked = self.check_calls(account, permission_id, session.instance, &calls)?;
        let session = self.record_use(account, permission_id, session, &checked, &calls)?;
        // The EntryPoint logs nothing here: the module does.
        emit(
            self.vm(),
            &[SessionUsed::SIGNATURE_HASH, address_word(account), permission_id],
            &[uint_word(session.uses.into()), uint_word(session.spent)],
        );

        // Interact: `executeFromExecutor` takes `execute`'s arguments, so only the selector
        // changes (no re-encoding). The storage cache is written out first and read afresh
        // after.
        let arguments = call_data.get(4..).unwrap_or_default();
        let forwarded = joined(&[executeFromExecutorCall::SELECTOR.as_slice(), arguments]);
        self.vm().flush_cache(true);
        host_calls::call(self.vm(), host_calls::Kind::Plain, account, &forwarded)
            .map_err(Revert::Data)
    }

    /// Checks a relayed signature (deadline, next nonce, the session key's signature) and
    /// moves the nonce on, so the signature never runs again.
    fn consume_execution_signature(
        &mut self,
        account: Address,
        permission_id: PermissionId,
        session: &SessionRecord,
        call_data: &[u8],
        relayed: RelayedExecution<'_>,
        now: u64,
    ) -> Result<(), Revert> {
        if now > relayed.deadline.as_limbs()[0] {
            return Err(Revert::Refused(ExecutionExpired { deadline: relayed.deadline }.into()));
        }
        let expected = self.execution_nonce(account, permission_id);
        if relayed.nonce != expected {
            let error = ExecutionNonceInvalid {
                permissionId: permission_id,
                expected,
                nonce: relayed.nonce,
            };
            return Err(Revert::Refused(error.into()));
        }
        let digest = execution_digest(
            account,
            permission_id,
            relayed.nonce,
            relayed.deadline,
            call_data,
            self.vm().chain_id(),
            self.vm().contract_address(),
        );
        if !signed_by(self.vm(), digest, relayed.signature, session.key_type, session.signer) {
            return Err(Revert::Refused(
                ExecutionSignatureInvalid { permissionId: permission_id }.into(),
            ));
        }
        // A 256-bit nonce counted up by one from zero never wraps.
        let next = expected.wrapping_add(U256::from_limbs([1, 0, 0, 0]));
        self.store_execution_nonce(account, permission_id, next);
        Ok(())
    }
}

/// The session's window against the block's time `now`, with the EntryPoint's rule for
/// validation data: `validAfter ≤ now ≤ validUntil`.
///
/// # Errors
/// [`SessionNotYetValid`], [`SessionExpired`].
pub(crate) fn check_window(
    permission_id: PermissionId,
    session: &SessionRecord,
    now: u64,
) -> Result<(), Error> {
    if now < session.valid_after {
        let valid_after = U48::wrapping_from(session.valid_after);
        return Err(
            SessionNotYetValid { permissionId: permission_id, validAfter: valid_after }.into()
        );
    }
    if now > session.valid_until {
        let valid_until = U48::wrapping_from(session.valid_until);
        return Err(SessionExpired { permissionId: permission_id, validUntil: valid_until }.into());
    }
    Ok(())
}
