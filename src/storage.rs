//! The module's storage, read and written through the storage hostios: the records
//! `session_core::layout` lays out, at the slots it derives (see there for the layout and why
//! it is packed as it is).

use alloy_primitives::{Address, B256, U256};
use session_core::{
    codec::uint_word,
    eip712::PermissionId,
    interface::SigningScope,
    layout::{
        account_slot, execution_nonce_slot, paymaster_slot, read_be, rule_value_slot, session_slot,
        signing_scope_slot, token_budget_slot, word_after, AccountState, ActionRecord,
        SessionRecord, StoredRule, TokenBudget,
    },
};
use stylus_sdk::prelude::*;

use crate::SmartSessions;

impl SmartSessions {
    /// The word at `slot` (the storage hostio, without the SDK's typed accessors: less code,
    /// one hostio per word).
    pub(crate) fn load(&self, slot: U256) -> B256 {
        self.vm().storage_load_bytes32(slot)
    }

    /// Writes `word` at `slot`; the SDK flushes the write cache at the end of the call and
    /// before any external call.
    pub(crate) fn store(&mut self, slot: U256, word: B256) {
        // SAFETY: no storage reference of the SDK's is alive across this write.
        unsafe { self.vm().storage_cache_bytes32(slot, word) }
    }

    /// The module state of `account`.
    pub(crate) fn account_state(&self, account: Address) -> AccountState {
        AccountState::from_word(self.load(account_slot(account)))
    }

    pub(crate) fn store_account_state(&mut self, account: Address, state: &AccountState) {
        self.store(account_slot(account), state.to_word());
    }

    /// The instance number in a session's `use` word (0: never enabled or removed).
    pub(crate) fn session_instance(&self, account: Address, permission_id: PermissionId) -> u64 {
        SessionRecord::instance_of(self.session_use_word(account, permission_id))
    }

    /// Whether the account ever stored this session, live or not: its `use` word is never
    /// zero again once written (see [`SessionRecord::removed`]).
    pub(crate) fn session_ever_stored(
        &self,
        account: Address,
        permission_id: PermissionId,
    ) -> bool {
        !self.session_use_word(account, permission_id).is_zero()
    }

    fn session_use_word(&self, account: Address, permission_id: PermissionId) -> B256 {
        self.load(word_after(session_slot(permission_id, account), 1))
    }

    /// The stored record of a session of `account`, live or not: its `key` and `use` words.
    pub(crate) fn session_record(
        &self,
        account: Address,
        permission_id: PermissionId,
    ) -> SessionRecord {
        let slot = session_slot(permission_id, account);
        SessionRecord::from_words([0, 1].map(|i| self.load(word_after(slot, i))))
    }

    /// Stores the words of `record` from word `from` on (0: both; 1: the `use` word, all that
    /// validation changes).
    pub(crate) fn store_session_record(
        &mut self,
        account: Address,
        permission_id: PermissionId,
        record: &SessionRecord,
        from: u64,
    ) {
        let slot = session_slot(permission_id, account);
        for (i, word) in (0u64..).zip(record.to_words()).skip(from as usize) {
            self.store(word_after(slot, i), word);
        }
    }

    /// The action record at `slot` (see [`action_slot`](session_core::layout::action_slot)).
    pub(crate) fn action_at(&self, slot: U256) -> ActionRecord {
        ActionRecord::from_word(self.load(slot))
    }

    pub(crate) fn store_action_at(&mut self, slot: U256, record: &ActionRecord) {
        self.store(slot, record.to_word());
    }

    /// Which of the first `count` rules of the action at `slot` the arguments `args` break
    /// first, if any. One storage read for the headers, one per rule's value.
    pub(crate) fn broken_rule(&self, slot: U256, count: u8, args: &[u8]) -> Option<u8> {
        let headers = self.load(word_after(slot, 1));
        (0..count).find(|&k| {
            !StoredRule::from_words(&headers, k, self.load(rule_value_slot(slot, k))).holds(args)
        })
    }

    /// Stores `rule` as rule `k` of the action at `slot`.
    pub(crate) fn store_rule(&mut self, slot: U256, k: u8, rule: &StoredRule) {
        let headers_slot = word_after(slot, 1);
        let mut headers = Self::load(self, headers_slot);
        rule.write_header(&mut headers, k);
        self.store(headers_slot, headers);
        self.store(rule_value_slot(slot, k), rule.value);
    }

    /// The nonce the next relayed execution of the session must carry.
    pub(crate) fn execution_nonce(&self, account: Address, permission_id: PermissionId) -> U256 {
        U256::from_be_bytes(self.load(execution_nonce_slot(permission_id, account)).0)
    }

    pub(crate) fn store_execution_nonce(
        &mut self,
        account: Address,
        permission_id: PermissionId,
        nonce: U256,
    ) {
        self.store(execution_nonce_slot(permission_id, account), nonce.into());
    }

    /// The enabling instance that allowed (app domain, contents type) to a session of
    /// `account` (0: none).
    pub(crate) fn signing_scope_instance(
        &self,
        account: Address,
        permission_id: PermissionId,
        app_domain: B256,
        contents_type: B256,
    ) -> u64 {
        let slot = signing_scope_slot(permission_id, app_domain, contents_type, account);
        read_be(&self.load(slot), 24, 32) as u64
    }

    pub(crate) fn store_signing_scope(
        &mut self,
        account: Address,
        permission_id: PermissionId,
        scope: &SigningScope,
        instance: u64,
    ) {
        let slot = signing_scope_slot(permission_id, scope.appDomain, scope.contentsType, account);
        self.store(slot, uint_word(instance.into()));
    }

    /// The enabling instance that listed `paymaster` for a session of `account` (0: none).
    pub(crate) fn paymaster_instance(
        &self,
        account: Address,
        permission_id: PermissionId,
        paymaster: Address,
    ) -> u64 {
        read_be(&self.load(paymaster_slot(permission_id, paymaster, account)), 24, 32) as u64
    }

    pub(crate) fn store_paymaster(
        &mut self,
        account: Address,
        permission_id: PermissionId,
        paymaster: Address,
        instance: u64,
    ) {
        self.store(paymaster_slot(permission_id, paymaster, account), uint_word(instance.into()));
    }

    /// The budget of `token` under a session of `account`.
    pub(crate) fn token_budget(
        &self,
        account: Address,
        permission_id: PermissionId,
        token: Address,
    ) -> TokenBudget {
        TokenBudget::from_word(self.load(token_budget_slot(permission_id, token, account)))
    }

    pub(crate) fn store_token_budget(
        &mut self,
        account: Address,
        permission_id: PermissionId,
        token: Address,
        budget: &TokenBudget,
    ) {
        self.store(token_budget_slot(permission_id, token, account), budget.to_word());
    }
}
