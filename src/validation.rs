//! The validation path of `validateUserOp`, top-down (the validator's route in `lib.rs` picks
//! the session: USE mode names an enabled one; ENABLE mode has the manager enable the owner's
//! grant first, see [`crate::grant`]): decode the key proof and the call data → check every
//! call against the session's actions → account for the use and the spend → return ERC-4337
//! validation data.
//!
//! ERC-7562 holds throughout: no clock is read (the window goes back in the validation data),
//! every slot touched is keyed by the account last, the work is bounded by
//! [`MAX_BATCH_LENGTH`](session_core::calls::MAX_BATCH_LENGTH) and the 8 rules an action may have,
//! and the only calls are to the ecrecover or P256VERIFY precompile and (ENABLE) the manager
//! (a DELEGATECALL to code compiled into the validator) and the account's ERC-1271
//! `isValidSignature`.

use alloy_primitives::{Address, B256, U256};
use session_core::{
    calls::{decode_execute, Call},
    codec::{u256, UserOperation},
    eip712::PermissionId,
    erc20::{Spend, TokenCall},
    erc4337::{validation_data, SIG_VALIDATION_FAILED},
    interface::{
        Error,
        ISmartSessions::{
            ActionNotAllowed, ArgumentRuleViolated, CallValueAboveLimit, GasCostAboveLimit,
            PaymasterNotAllowed, SessionNotEnabled, SessionPeriodInvalid, SpendLimitExceeded,
            TokenAmountUnreadable, TokenSpendLimitExceeded, UsageLimitReached,
            UserOpSenderMismatch,
        },
    },
    layout::{action_slot, gwei_to_wei, saturate_amount, SessionRecord, TokenBudget},
    session_key::{session_op_hash, split_proof},
};
use stylus_sdk::prelude::*;

use crate::{session_key::signed_by, SmartSessions};

/// Narrows `session` to its period `index`: the window becomes the period's (within the
/// session's), and the counters start over when the period is newer than theirs. Without
/// periods the only period is 0, the whole window.
///
/// # Errors
/// [`SessionPeriodInvalid`] for a period before the counters' or one starting after the
/// window.
pub(crate) fn enter_period(
    permission_id: PermissionId,
    session: &mut SessionRecord,
    index: u32,
) -> Result<(), Error> {
    let window = session.periods().window(index).filter(|_| index >= session.period_index);
    let Some((valid_after, valid_until)) = window else {
        return Err(SessionPeriodInvalid { permissionId: permission_id, periodIndex: index }.into());
    };
    if index != session.period_index {
        session.period_index = index;
        session.uses = 0;
        session.spent = 0;
    }
    session.valid_after = valid_after;
    session.valid_until = valid_until;
    Ok(())
}

/// The operation must be the calling account's.
///
/// # Errors
/// [`UserOpSenderMismatch`].
pub(crate) fn check_sender(account: Address, user_op: &UserOperation<'_>) -> Result<(), Error> {
    if user_op.sender != account {
        return Err(UserOpSenderMismatch { sender: user_op.sender, caller: account }.into());
    }
    Ok(())
}

/// The calls of one operation, checked: the wei they send, and the session's caps their
/// actions carry.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Checked {
    /// Wei the calls send in all (validation adds the operation's gas cost to it).
    pub(crate) value: U256,
    /// The session's most uses per period.
    pub(crate) max_uses: u64,
    /// The session's most wei per period.
    pub(crate) max_total_value: u128,
    /// The session's most gas cost per operation, in gwei.
    pub(crate) max_gas_cost_gwei: u64,
}

/// A session about to validate one operation, and the key proof the operation carries.
pub(crate) struct SessionUse<'a> {
    /// The session's id.
    pub(crate) permission_id: PermissionId,
    /// Its record.
    pub(crate) session: SessionRecord,
    /// The last second the operation may be valid besides the session's own (ENABLE: the
    /// grant's deadline).
    pub(crate) deadline: u64,
    /// Whether whoever enabled it in this operation was allowed to (always, in USE mode).
    pub(crate) authorized: bool,
    /// The key's signature over `userOpHash`, and the period index for a session with
    /// periods (see [`split_proof`]).
    pub(crate) proof: &'a [u8],
}

impl SmartSessions {
    /// `validateUserOp` by `account`, for an operation that uses a session (USE mode, or
    /// ENABLE mode once the manager enabled the grant): decode the key proof and the call
    /// data → check every call → account for the use and the spend → validation data.
    ///
    /// # Returns
    /// ERC-4337 validation data: the session's `validAfter` and `validUntil` (capped by the
    /// grant's deadline in ENABLE mode), and `SIG_VALIDATION_FAILED` when the key proof is
    /// malformed or not the session key's, or (ENABLE) the account refused the owner's
    /// signature.
    ///
    /// # Errors
    /// The errors of [`decode_execute`], [`SessionPeriodInvalid`], [`CallSelectorInvalid`],
    /// [`ActionNotAllowed`], [`ArgumentRuleViolated`], [`CallValueAboveLimit`],
    /// [`PaymasterNotAllowed`], [`GasCostAboveLimit`],
    /// [`UsageLimitReached`], [`SpendLimitExceeded`], [`TokenSpendLimitExceeded`],
    /// [`TokenAmountUnreadable`].
    ///
    /// [`CallSelectorInvalid`]: session_core::interface::ISmartSessions::CallSelectorInvalid
    pub(crate) fn validate_use(
        &mut self,
        account: Address,
        user_op: &UserOperation<'_>,
        user_op_hash: B256,
        use_op: SessionUse<'_>,
    ) -> Result<B256, Error> {
        let SessionUse { permission_id, mut session, deadline, authorized, proof } = use_op;
        // Decode.
        let periodic = session.period != 0;
        let Some((key_signature, period_index)) = split_proof(proof, session.key_type, periodic)
        else {
            return Ok(SIG_VALIDATION_FAILED);
        };
        enter_period(permission_id, &mut session, period_index)?;
        // A `validUntil` of 0 would read as "no expiry" (a deadline of 0, or period 0 of a
        // one-second period from time 0): 1 is as long past.
        session.valid_until = session.valid_until.min(deadline).max(1);
        let calls = decode_execute(user_op.call_data)?;

        // Check.
        let mut checked = self.check_calls(account, permission_id, session.instance, &calls)?;
        checked.value += self.gas_cost(account, permission_id, &session, &checked, user_op)?;

        // Account for the use and the spend. Signatures are checked after them so that a
        // bundler's gas estimate with a dummy signature walks the same path as the real one;
        // a failed signature makes the EntryPoint revert these writes.
        self.record_use(account, permission_id, session, &checked, &calls)?;

        // Return. The key signed the operation for this session and this period.
        let message = session_op_hash(user_op_hash, permission_id, period_index);
        let signed = signed_by(self.vm(), message, key_signature, session.key_type, session.signer);
        Ok(validation_data(!authorized || !signed, session.valid_after, session.valid_until))
    }

    /// What the operation's gas may cost the account, within the session's per-operation cap:
    /// the EntryPoint's prefund ([`UserOperation::max_gas_cost`]), or nothing when a paymaster
    /// the session lists pays. Counted into the spend with the calls' value, so `maxTotalValue`
    /// bounds all the account can pay through the session, gas included.
    ///
    /// # Errors
    /// [`PaymasterNotAllowed`], [`GasCostAboveLimit`].
    fn gas_cost(
        &self,
        account: Address,
        permission_id: PermissionId,
        session: &SessionRecord,
        checked: &Checked,
        user_op: &UserOperation<'_>,
    ) -> Result<U256, Error> {
        if let Some(paymaster) = user_op.paymaster() {
            // Read only when a paymaster is named: an operation the account pays for reads no
            // more storage than before.
            if self.paymaster_instance(account, permission_id, paymaster) != session.instance {
                return Err(PaymasterNotAllowed { permissionId: permission_id, paymaster }.into());
            }
            return Ok(U256::ZERO);
        }
        let max_cost = user_op.max_gas_cost();
        let limit = gwei_to_wei(checked.max_gas_cost_gwei);
        if max_cost > limit {
            return Err(GasCostAboveLimit {
                permissionId: permission_id,
                maxCost: max_cost,
                limit,
            }
            .into());
        }
        Ok(max_cost)
    }

    /// The session's record when it is live for `account`.
    pub(crate) fn live_session(
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

    /// Every call must match an action of this enabling, keep its argument rules and stay
    /// within its per-call limit; returns the total wei sent. One O(1) storage read per call,
    /// and one per rule plus one for an action with rules.
    pub(crate) fn check_calls(
        &self,
        account: Address,
        permission_id: PermissionId,
        instance: u64,
        calls: &[Call<'_>],
    ) -> Result<Checked, Error> {
        let mut checked = Checked::default();
        for call in calls {
            let selector = call.selector()?;
            let slot = action_slot(permission_id, instance, call.target, selector, account);
            let action = self.action_at(slot);
            if !action.present {
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
            if action.rule_count != 0 {
                let args = call.data.get(4..).unwrap_or_default();
                if let Some(rule) = self.broken_rule(slot, action.rule_count, args) {
                    return Err(ArgumentRuleViolated {
                        permissionId: permission_id,
                        target: call.target,
                        selector,
                        ruleIndex: U256::from_limbs([rule.into(), 0, 0, 0]),
                    }
                    .into());
                }
            }
            // Every action of an enabling carries the session's caps.
            checked.max_uses = action.max_uses;
            checked.max_total_value = action.max_total_value;
            checked.max_gas_cost_gwei = action.max_gas_cost_gwei;
            // At most 32 calls of at most 2^96 wei each: cannot overflow.
            checked.value += call.value;
        }
        Ok(checked)
    }

    /// Counts the use, adds the calls' value to the ether spend and each counted ERC-20 amount
    /// of `calls` (see [`TokenCall`]) to its token's spend, refusing when a cap would be passed;
    /// returns the session's counters after the use. One storage write: the `use` word.
    ///
    /// No event: validation is the hot path, a log is 2,012 gas (a fifth of a USE's run gas)
    /// and the EntryPoint already logs every operation (`UserOperationEvent`), whose
    /// signature names the session; [`getSession`](session_core::interface::ISmartSessions) reads the
    /// counters. The executor path, which the EntryPoint does not see, logs `SessionUsed`.
    pub(crate) fn record_use(
        &mut self,
        account: Address,
        permission_id: PermissionId,
        mut session: SessionRecord,
        checked: &Checked,
        calls: &[Call<'_>],
    ) -> Result<SessionRecord, Error> {
        self.spend_tokens(account, permission_id, &session, calls)?;
        if session.uses >= checked.max_uses {
            return Err(UsageLimitReached {
                permissionId: permission_id,
                maxUses: checked.max_uses,
            }
            .into());
        }
        let spent = u256(session.spent) + checked.value;
        let limit = u256(checked.max_total_value);
        if spent > limit {
            return Err(SpendLimitExceeded { permissionId: permission_id, spent, limit }.into());
        }
        session.uses += 1;
        session.spent = saturate_amount(spent);
        self.store_session_record(account, permission_id, &session, 1);
        Ok(session)
    }

    /// Adds the amount of every counted ERC-20 call in `calls` (`transfer`, `approve`,
    /// `increaseAllowance`, `transferFrom` from the account: [`TokenCall::spend`]) to its
    /// token's budget; a token without a budget in this enabling has a budget of zero, and a
    /// budget starts over in each period. One storage word per such call.
    fn spend_tokens(
        &mut self,
        account: Address,
        permission_id: PermissionId,
        session: &SessionRecord,
        calls: &[Call<'_>],
    ) -> Result<(), Error> {
        for call in calls {
            let token = call.target;
            let amount = match TokenCall::spend(call.data, account) {
                Spend::Nothing => continue,
                Spend::Amount(amount) => amount,
                Spend::Unreadable => return Err(TokenAmountUnreadable { token }.into()),
            };
            let mut budget = self.token_budget(account, permission_id, token);
            if !budget.is_of(session.instance) {
                budget = TokenBudget::none(session.instance);
            }
            if budget.period_index != session.period_index {
                budget.period_index = session.period_index;
                budget.spent = 0;
            }
            // A 256-bit amount can wrap the sum: a wrapped sum is past any limit.
            let (spent, wrapped) = u256(budget.spent).overflowing_add(amount);
            let limit = u256(budget.max_amount);
            if wrapped || spent > limit {
                return Err(TokenSpendLimitExceeded {
                    permissionId: permission_id,
                    token,
                    spent: if wrapped { U256::MAX } else { spent },
                    limit,
                }
                .into());
            }
            budget.spent = saturate_amount(spent);
            self.store_token_budget(account, permission_id, token, &budget);
        }
        Ok(())
    }
}
