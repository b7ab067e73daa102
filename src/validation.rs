//! The validation path of `validateUserOp`, top-down:
//! decode (signature, session, call data) → check every call against the session's actions →
//! account for the use and the spend → return ERC-4337 validation data.
//!
//! ERC-7562 holds throughout: no clock is read (the window goes back in the validation data),
//! every slot touched is keyed by the account last, the work is bounded by
//! [`MAX_BATCH_LENGTH`](crate::execution::MAX_BATCH_LENGTH), and the only call is to the
//! ecrecover precompile.

use alloy_primitives::{Address, FixedBytes, B256, U256};
use stylus_sdk::prelude::*;

use crate::{
    codec::{emit, u256, UserOperation},
    eip712::{PermissionId, TRANSFER_SELECTOR},
    execution::{decode_execute, Call},
    interface::{
        Error,
        ISmartSessions::{
            ActionNotAllowed, CallSelectorInvalid, CallValueAboveLimit, SessionNotEnabled,
            SessionUsed, SpendLimitExceeded, UsageLimitReached, UserOpSenderMismatch,
        },
    },
    management::saturate_u128,
    signature::{recover_signer, UseSignature},
    storage::{action_key, ActionRecord, SessionRecord},
    SmartSessions,
};

/// ERC-4337: the signature is not valid for this operation (validation data `1`).
pub const SIG_VALIDATION_FAILED: B256 = B256::with_last_byte(1);

/// ERC-4337 validation data `sigFailed | validUntil << 160 | validAfter << 208`, as the
/// big-endian word it is returned as (built from bytes, both times being 48-bit, rather than
/// with 256-bit shifts).
pub fn validation_data(sig_failed: bool, valid_after: u64, valid_until: u64) -> B256 {
    let times = (u128::from(valid_after) << 48) | u128::from(valid_until);
    let mut word = B256::ZERO;
    word[..12].copy_from_slice(&times.to_be_bytes()[4..]);
    word[31] = sig_failed as u8;
    word
}

/// The selector an action must allow for `call`: the call data's first four bytes, or
/// [`TRANSFER_SELECTOR`] for a plain transfer.
///
/// # Errors
/// [`CallSelectorInvalid`] for 1 to 3 bytes of data or data starting with the reserved zero
/// selector.
pub fn call_selector(call: &Call<'_>) -> Result<FixedBytes<4>, Error> {
    if call.data.is_empty() {
        return Ok(TRANSFER_SELECTOR);
    }
    match call.data.first_chunk::<4>().map(|selector| FixedBytes::new(*selector)) {
        Some(selector) if selector != TRANSFER_SELECTOR => Ok(selector),
        _ => Err(CallSelectorInvalid { target: call.target }.into()),
    }
}

impl SmartSessions {
    /// `validateUserOp(userOp, userOpHash)` called by `account`.
    ///
    /// # Returns
    /// ERC-4337 validation data: the session's `validUntil` and `validAfter`, and
    /// `SIG_VALIDATION_FAILED` when the signature is malformed or not the session key's.
    ///
    /// # Errors
    /// [`UserOpSenderMismatch`], [`SessionNotEnabled`], the call-data errors of
    /// [`decode_execute`], [`CallSelectorInvalid`], [`ActionNotAllowed`],
    /// [`CallValueAboveLimit`], [`UsageLimitReached`], [`SpendLimitExceeded`].
    ///
    /// # Events
    /// [`SessionUsed`].
    pub fn validate_user_op(
        &mut self,
        account: Address,
        user_op: &UserOperation<'_>,
        user_op_hash: B256,
    ) -> Result<B256, Error> {
        if user_op.sender != account {
            return Err(UserOpSenderMismatch { sender: user_op.sender, caller: account }.into());
        }

        // Decode.
        let Some(signature) = UseSignature::parse(user_op.signature) else {
            return Ok(SIG_VALIDATION_FAILED);
        };
        let permission_id = signature.permission_id;
        let session = self.live_session(account, permission_id)?;
        let calls = decode_execute(user_op.call_data)?;

        // Check.
        let value = self.check_calls(account, permission_id, session.instance, &calls)?;

        // Account for the use and the spend. The signature is checked after them so that a
        // bundler's gas estimate with a dummy signature walks the same path as the real one;
        // a failed signature makes the EntryPoint revert these writes.
        self.record_use(account, permission_id, session, value)?;

        // Return.
        let signer = recover_signer(self.vm(), user_op_hash, signature.ecdsa);
        Ok(validation_data(
            signer != Some(session.signer),
            session.valid_after,
            session.valid_until,
        ))
    }

    /// The session's record when it is live for `account`.
    fn live_session(
        &self,
        account: Address,
        permission_id: PermissionId,
    ) -> Result<SessionRecord, Error> {
        let record = self.session_record(account, permission_id);
        if !self.account_state(account).is_live(record.instance) {
            return Err(SessionNotEnabled { permissionId: permission_id, account }.into());
        }
        Ok(record)
    }

    /// Every call must match an action of this enabling and stay within its per-call limit;
    /// returns the total wei sent. One O(1) storage read per call.
    fn check_calls(
        &self,
        account: Address,
        permission_id: PermissionId,
        instance: u64,
        calls: &[Call<'_>],
    ) -> Result<U256, Error> {
        let mut total = U256::ZERO;
        for call in calls {
            let selector = call_selector(call)?;
            let action = ActionRecord::load(
                &self
                    .actions
                    .getter(action_key(permission_id, call.target, selector))
                    .getter(account),
            );
            if action.instance != instance {
                return Err(ActionNotAllowed {
                    permissionId: permission_id,
                    target: call.target,
                    selector,
                }
                .into());
            }
            let limit = u256(action.max_value_per_call);
            if call.value > limit {
                return Err(CallValueAboveLimit {
                    target: call.target,
                    selector,
                    value: call.value,
                    limit,
                }
                .into());
            }
            // At most 32 calls of at most 2^128 wei each: cannot overflow.
            total += call.value;
        }
        Ok(total)
    }

    /// Counts the use and adds `value` to the spend, refusing when a cap would be passed.
    fn record_use(
        &mut self,
        account: Address,
        permission_id: PermissionId,
        mut session: SessionRecord,
        value: U256,
    ) -> Result<(), Error> {
        if session.uses >= session.max_uses {
            return Err(UsageLimitReached {
                permissionId: permission_id,
                maxUses: session.max_uses,
            }
            .into());
        }
        let spent = u256(session.spent) + value;
        let limit = u256(session.max_total_value);
        if spent > limit {
            return Err(SpendLimitExceeded { permissionId: permission_id, spent, limit }.into());
        }
        session.uses += 1;
        session.spent = saturate_u128(spent);
        session.store_counters(&mut self.sessions.setter(permission_id).setter(account));
        emit(
            self.vm(),
            &SessionUsed { account, permissionId: permission_id, uses: session.uses, spent },
        );
        Ok(())
    }
}
