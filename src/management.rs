//! Installing the module, enabling sessions and ending them. All of it is called by the
//! account itself: `msg.sender` is the account whose state changes.

use alloy_primitives::{aliases::U48, Address, U256};
use alloy_sol_types::SolEvent;
use session_core::{
    codec::{address_word, array_at, uint_word, Reader},
    eip712::PermissionId,
    interface::{
        Error,
        ISmartSessions::{
            ActionDuplicated, ActionTargetForbidden, AllSessionsRevoked, AlreadyInitialized,
            ArgumentRuleInvalid, InvalidInstallData, ModuleInstalled, ModuleUninstalled,
            NotInitialized, NotSessionKey, RevocationExpired, RevocationSignatureInvalid,
            SessionAccountMismatch, SessionAlreadyEnabled, SessionEnabled, SessionHasNoActions,
            SessionHasNoUses, SessionKeyInvalid, SessionKeyTypeUnsupported, SessionRemoved,
            SessionRevokedByKey, SessionWindowInvalid, TokenLimitDuplicated,
        },
        Session, SessionRevocation,
    },
    layout::{
        action_slot, gas_cost_gwei, saturate_amount, saturate_wei, ActionRecord, SessionRecord,
        StoredRule, TokenBudget, MAX_ARG_RULES,
    },
    rule::Condition,
    session_key::KeyType,
};
use stylus_sdk::prelude::*;

use crate::{events::emit, session_key::signed_by, SmartSessions};

/// The module types the module is (validator, executor): the most installs an account has.
const MODULE_TYPES: u8 = 2;

impl SmartSessions {
    /// `onInstall(data)` by `account`, the validator's part: counts the install. The module
    /// is both a validator and an executor, and the account calls `onInstall` once per type it
    /// installs: both share the same sessions. Sessions in `data` are then the manager's to
    /// enable ([`Self::enable_at_install`]).
    ///
    /// # Errors
    /// [`AlreadyInitialized`] (installed as both types already).
    ///
    /// # Events
    /// [`ModuleInstalled`].
    pub(crate) fn install(&mut self, account: Address) -> Result<(), Error> {
        let mut state = self.account_state(account);
        if state.installs >= MODULE_TYPES {
            return Err(AlreadyInitialized { account }.into());
        }
        state.installs += 1;
        self.store_account_state(account, &state);
        emit(self.vm(), &[ModuleInstalled::SIGNATURE_HASH, address_word(account)], &[]);
        Ok(())
    }

    /// `onInstall(data)` by `account`, the manager's part: enables the sessions of
    /// `data = abi.encode(Session[])` for the account the validator just counted.
    ///
    /// # Errors
    /// [`InvalidInstallData`], and any error of [`Self::enable`] ([`NotInitialized`] when the
    /// manager is called on its own).
    ///
    /// # Events
    /// [`SessionEnabled`] per session.
    pub(crate) fn enable_at_install(&mut self, account: Address, data: &[u8]) -> Result<(), Error> {
        let sessions =
            Reader::new(data, 0).sessions().map_err(|_| InvalidInstallData { account })?;
        for session in &sessions {
            self.enable(account, session, self.permission_id(session))?;
        }
        Ok(())
    }

    /// `onUninstall` by `account`: every session of the account dies for good, in O(1) — even
    /// when the module stays installed as its other type, which then starts from no sessions.
    ///
    /// # Errors
    /// [`NotInitialized`].
    ///
    /// # Events
    /// [`ModuleUninstalled`].
    pub(crate) fn uninstall(&mut self, account: Address) -> Result<(), Error> {
        self.end_all_sessions(account, true)?;
        emit(self.vm(), &[ModuleUninstalled::SIGNATURE_HASH, address_word(account)], &[]);
        Ok(())
    }

    /// `revokeAllSessions()` by `account`, in O(1).
    ///
    /// # Errors
    /// [`NotInitialized`].
    ///
    /// # Events
    /// [`AllSessionsRevoked`].
    pub(crate) fn revoke_all(&mut self, account: Address) -> Result<(), Error> {
        self.end_all_sessions(account, false)?;
        emit(self.vm(), &[AllSessionsRevoked::SIGNATURE_HASH, address_word(account)], &[]);
        Ok(())
    }

    /// Kills every session handed out so far, whatever their number, and every grant not
    /// enabled yet; counts one install less when `uninstalling`.
    fn end_all_sessions(&mut self, account: Address, uninstalling: bool) -> Result<(), Error> {
        let mut state = self.account_state(account);
        if !state.installed() {
            return Err(NotInitialized { account }.into());
        }
        state.first_live_instance = state.last_instance + 1;
        state.grant_nonce += 1;
        state.installs -= uninstalling as u8;
        self.store_account_state(account, &state);
        Ok(())
    }

    /// `enableSession(session)` by `account`, `permission_id` being the session's id as
    /// [`Self::permission_id`] derives it (ENABLE derives it with the grant's digest).
    ///
    /// # Errors
    /// [`NotInitialized`], the shape errors of [`check_session`], [`SessionAlreadyEnabled`],
    /// [`ActionDuplicated`].
    ///
    /// # Events
    /// [`SessionEnabled`].
    pub(crate) fn enable(
        &mut self,
        account: Address,
        session: &Session,
        permission_id: PermissionId,
    ) -> Result<(), Error> {
        let mut state = self.account_state(account);
        if !state.installed() {
            return Err(NotInitialized { account }.into());
        }
        let (key_type, signer) = check_session(session, account, self.vm().contract_address())?;
        if self.live_instance(account, permission_id).is_some() {
            return Err(SessionAlreadyEnabled { permissionId: permission_id, account }.into());
        }

        state.last_instance += 1;
        let instance = state.last_instance;
        self.store_account_state(account, &state);

        let record = SessionRecord {
            instance,
            // A `uint48` is one 64-bit limb: no fallible (and panicking) conversion.
            valid_after: session.validAfter.as_limbs()[0],
            valid_until: session.validUntil.as_limbs()[0],
            key_type,
            signer,
            period: session.period.as_limbs()[0],
            period_index: 0,
            uses: 0,
            spent: 0,
            removed: false,
        };
        self.store_session_record(account, permission_id, &record, 0);
        // The session's caps go into every action word (where validation reads them) and
        // nowhere else: a word of their own would be a fresh slot, 22,100 gas of every enabling.
        let (max_uses, max_total_value, max_gas_cost_gwei) = (
            session.maxUses,
            saturate_wei(session.maxTotalValue),
            gas_cost_gwei(session.maxGasCostPerOp),
        );

        for action in &session.actions {
            let slot =
                action_slot(permission_id, instance, action.target, action.selector, account);
            // This enabling's actions sit apart from any other's: one here is an earlier entry.
            if self.action_at(slot).present {
                return Err(
                    ActionDuplicated { target: action.target, selector: action.selector }.into()
                );
            }
            let record = ActionRecord {
                present: true,
                rule_count: 0,
                max_value_per_call: saturate_wei(action.maxValuePerCall),
                max_uses,
                max_total_value,
                max_gas_cost_gwei,
            };
            self.store_action_at(slot, &record);
        }
        for (index, rule) in (0u64..).zip(&session.argRules) {
            let slot = action_slot(permission_id, instance, rule.target, rule.selector, account);
            let mut action = self.action_at(slot);
            if !action.present
                || action.rule_count >= MAX_ARG_RULES
                || Condition::from_code(rule.condition).is_none()
            {
                return Err(
                    ArgumentRuleInvalid { ruleIndex: U256::from_limbs([index, 0, 0, 0]) }.into()
                );
            }
            let stored =
                StoredRule { offset: rule.offset, condition: rule.condition, value: rule.value };
            self.store_rule(slot, action.rule_count, &stored);
            action.rule_count += 1;
            self.store_action_at(slot, &action);
        }
        for scope in &session.signing {
            self.store_signing_scope(account, permission_id, scope, instance);
        }
        for paymaster in &session.paymasters {
            self.store_paymaster(account, permission_id, *paymaster, instance);
        }
        for limit in &session.tokenLimits {
            // A budget already carrying this fresh instance was written by an earlier entry.
            if self.token_budget(account, permission_id, limit.token).is_of(instance) {
                return Err(TokenLimitDuplicated { token: limit.token }.into());
            }
            let max_amount = saturate_amount(limit.maxAmount);
            let budget = TokenBudget { max_amount, ..TokenBudget::none(instance) };
            self.store_token_budget(account, permission_id, limit.token, &budget);
        }

        emit(
            self.vm(),
            &[SessionEnabled::SIGNATURE_HASH, address_word(account), permission_id],
            &[
                uint_word(session.keyType.into()),
                session.key,
                uint_word(record.valid_after.into()),
                uint_word(record.valid_until.into()),
            ],
        );
        Ok(())
    }

    /// `removeSession(permissionId)` by `account`: nothing of the session can validate again.
    ///
    /// # Errors
    /// [`SessionNotEnabled`](session_core::interface::ISmartSessions::SessionNotEnabled).
    ///
    /// # Events
    /// [`SessionRemoved`].
    pub(crate) fn remove(
        &mut self,
        account: Address,
        permission_id: PermissionId,
    ) -> Result<(), Error> {
        let record = self.live_session(account, permission_id)?;
        self.end_session(account, permission_id, record);
        emit(
            self.vm(),
            &[SessionRemoved::SIGNATURE_HASH, address_word(account), permission_id],
            &[],
        );
        Ok(())
    }

    /// `revokeSessionByKey` by `caller`, the session's own key: it ends the session. Nobody
    /// else but the account can.
    ///
    /// # Errors
    /// [`SessionNotEnabled`](session_core::interface::ISmartSessions::SessionNotEnabled),
    /// [`NotSessionKey`].
    ///
    /// # Events
    /// [`SessionRevokedByKey`].
    pub(crate) fn revoke_by_key(
        &mut self,
        caller: Address,
        account: Address,
        permission_id: PermissionId,
    ) -> Result<(), Error> {
        let record = self.live_session(account, permission_id)?;
        if caller != record.signer {
            return Err(NotSessionKey { permissionId: permission_id, caller }.into());
        }
        self.end_by_key(account, permission_id, record);
        Ok(())
    }

    /// `revokeSessionBySignature`: the session's key signed the [`SessionRevocation`] (until
    /// `deadline`), anyone relays it. The executor's, which reads the clock.
    ///
    /// # Errors
    /// [`SessionNotEnabled`](session_core::interface::ISmartSessions::SessionNotEnabled),
    /// [`RevocationExpired`], [`RevocationSignatureInvalid`].
    ///
    /// # Events
    /// [`SessionRevokedByKey`].
    pub(crate) fn revoke_by_signature(
        &mut self,
        account: Address,
        permission_id: PermissionId,
        deadline: U48,
        signature: &[u8],
    ) -> Result<(), Error> {
        let record = self.live_session(account, permission_id)?;
        // Outside validation the clock may be read. Compared as u64: a `uint48` is one limb,
        // and ruint's `From` would drag its panic formatting in.
        if self.vm().block_timestamp() > deadline.as_limbs()[0] {
            return Err(RevocationExpired { deadline }.into());
        }
        let revocation = SessionRevocation { account, permissionId: permission_id, deadline };
        let digest = revocation.digest(self.vm().chain_id(), self.vm().contract_address());
        if !signed_by(self.vm(), digest, signature, record.key_type, record.signer) {
            return Err(RevocationSignatureInvalid { permissionId: permission_id }.into());
        }
        self.end_by_key(account, permission_id, record);
        Ok(())
    }

    /// Ends a session its key revoked.
    fn end_by_key(&mut self, account: Address, permission_id: PermissionId, record: SessionRecord) {
        self.end_session(account, permission_id, record);
        emit(
            self.vm(),
            &[SessionRevokedByKey::SIGNATURE_HASH, address_word(account), permission_id],
            &[],
        );
    }

    /// Marks the session's record removed: nothing of this enabling can validate again.
    fn end_session(
        &mut self,
        account: Address,
        permission_id: PermissionId,
        mut record: SessionRecord,
    ) {
        record.instance = 0;
        record.removed = true;
        self.store_session_record(account, permission_id, &record, 1);
    }

    /// A session's permission id on this module and chain (its EIP-712 hash, see
    /// [`Session::permission_id`]).
    pub(crate) fn permission_id(&self, session: &Session) -> PermissionId {
        session.permission_id(self.vm().chain_id(), self.vm().contract_address())
    }

    /// The instance number of the session when it is live for `account`.
    pub(crate) fn live_instance(
        &self,
        account: Address,
        permission_id: PermissionId,
    ) -> Option<u64> {
        let instance = self.session_instance(account, permission_id);
        self.account_state(account).is_live(instance).then_some(instance)
    }
}

/// Checks the shape of a session `account` enables on `module`; returns its key type and
/// signer.
///
/// # Errors
/// [`SessionAccountMismatch`], [`SessionWindowInvalid`], [`SessionKeyTypeUnsupported`],
/// [`SessionKeyInvalid`], [`SessionHasNoActions`], [`SessionHasNoUses`],
/// [`ActionTargetForbidden`].
fn check_session(
    session: &Session,
    account: Address,
    module: Address,
) -> Result<(KeyType, Address), Error> {
    if session.account != account {
        return Err(
            SessionAccountMismatch { sessionAccount: session.account, caller: account }.into()
        );
    }
    if !session.periods().is_valid() {
        return Err(SessionWindowInvalid {
            validAfter: session.validAfter,
            validUntil: session.validUntil,
        }
        .into());
    }
    let Some(key_type) = KeyType::from_code(session.keyType) else {
        return Err(SessionKeyTypeUnsupported { keyType: session.keyType }.into());
    };
    let signer = Address::new(array_at(&session.key.0, 12));
    if address_word(signer) != session.key || signer.is_zero() {
        return Err(SessionKeyInvalid { keyType: session.keyType, key: session.key }.into());
    }
    if session.actions.is_empty() {
        return Err(SessionHasNoActions {}.into());
    }
    if session.maxUses == 0 {
        return Err(SessionHasNoUses {}.into());
    }
    if let Some(action) = session.actions.iter().find(|a| a.target == account || a.target == module)
    {
        return Err(ActionTargetForbidden { target: action.target }.into());
    }
    Ok((key_type, signer))
}
