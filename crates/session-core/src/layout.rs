//! The storage layout: where each record sits, and how it is packed into words. Everything `validateUserOp` reads or writes sits in a mapping whose *last*
//! key is the account, so every slot is `keccak256(account ‖ x) + n` with `n ≤ 9`: storage
//! associated with the account under ERC-7562.
//!
//! | mapping | slot of an entry |
//! |---|---|
//! | `accounts[account]` | `keccak(account ‖ 0)` |
//! | `sessions[permissionId][account]` | `keccak(account ‖ keccak(permissionId ‖ 1))` + 0..1 |
//! | `actions[actionKey][account]` | `keccak(account ‖ keccak(actionKey ‖ 2))` + 0..9 |
//!
//! (`actionKey` hashes the enabling's instance number with the permission id, target and
//! selector: an action of an earlier enabling sits elsewhere and is never read again.)
//! | `execution_nonces[permissionId][account]` | `keccak(account ‖ keccak(permissionId ‖ 4))` |
//! | `signing_scopes[scopeKey][account]` | `keccak(account ‖ keccak(scopeKey ‖ 5))` |
//! | `token_budgets[keccak(permissionId ‖ token)][account]` | `keccak(account ‖ keccak(… ‖ 6))` |
//! | `paymasters[keccak(permissionId ‖ paymaster)][account]` | `keccak(account ‖ keccak(… ‖ 7))` |
//!
//! (Execution nonces and signing scopes are read outside validation, but keyed the same way;
//! a paymaster's word only when an operation names one.)
//!
//! Slots are computed here as Solidity lays out `mapping(bytes32 => mapping(address => ..))`
//! (the programs read and write them through the storage hostios); records are packed by hand
//! into whole words (layouts below, big-endian byte ranges): one hostio per slot instead of
//! one per field, and far less code than the SDK's typed accessors.
//!
//! Sessions die in O(1): every enabling gets a fresh *instance* number from the account, and
//! revoking all sessions (or uninstalling) moves the account's `first_live_instance` past every
//! number handed out so far. Action records are keyed by the instance they were written for,
//! and signing scopes and token budgets carry it, so nothing written for an earlier enabling —
//! actions, scopes or counters — can match again.
//!
//! **The hot path.** A USE validation reads four words — the account's, the session's `key`
//! and `use` words and one action word per call — and writes one, the `use` word: what every
//! operation must know (the key, the window, the period, the counters) is packed into the two
//! session words, and the caps a use is checked against (`maxUses`, `maxTotalValue`,
//! `maxGasCostPerOp`) ride in every action word of the session, which validation reads anyway.
//! An operation a paymaster pays for reads one more word: whether the session lists it. A cold
//! SLOAD is 2,100 gas and a rewrite 2,900.
//!
//! **Enabling.** A session is two fresh words and one per action (22,100 gas each): its caps
//! have no word of their own, which would cost every enabling as much again; `getAction`
//! reports them from an action word.

use alloy_primitives::{keccak256, Address, FixedBytes, B256, U256};

use crate::{
    codec::{address_word, array_at, hash_words, left_aligned, u256, word_bytes},
    eip712::PermissionId,
    rule::Condition,
    session_key::KeyType,
};

/// Mapping roots, as Solidity would number the mappings. Root 3 is free: it held per-grant
/// marks, which the session's own `use` word replaced (see [`SessionRecord::removed`]).
const ACCOUNTS: u8 = 0;
const SESSIONS: u8 = 1;
const ACTIONS: u8 = 2;
const EXECUTION_NONCES: u8 = 4;
const SIGNING_SCOPES: u8 = 5;
const TOKEN_BUDGETS: u8 = 6;
const PAYMASTERS: u8 = 7;

/// `keccak256(a ‖ b)`: the slot of `mapping[a]` for a mapping at `b`.
#[inline]
fn hash_pair(a: B256, b: B256) -> U256 {
    U256::from_be_bytes(hash_words(&[a, b]).0)
}

/// The slot of `mapping[key][account]` for the mapping at `root`.
#[inline]
fn keyed_slot(root: u8, key: B256, account: Address) -> U256 {
    hash_pair(address_word(account), B256::from(hash_pair(key, B256::with_last_byte(root))))
}

/// The slot `n` words after `slot` (a record's later words).
#[inline]
pub fn word_after(slot: U256, n: u64) -> U256 {
    slot + U256::from_limbs([n, 0, 0, 0])
}

/// Where rule `k` of the action at `slot` keeps its value (see [`ActionRecord`]).
#[inline]
pub fn rule_value_slot(slot: U256, k: u8) -> U256 {
    word_after(slot, 2 + u64::from(k))
}

/// `accounts[account]`: the account's [`AccountState`].
#[inline]
pub fn account_slot(account: Address) -> U256 {
    hash_pair(address_word(account), B256::with_last_byte(ACCOUNTS))
}

/// `sessions[permissionId][account]`: the first of a [`SessionRecord`]'s two words.
#[inline]
pub fn session_slot(permission_id: PermissionId, account: Address) -> U256 {
    keyed_slot(SESSIONS, permission_id, account)
}

/// `actions[action_key(..)][account]`: an [`ActionRecord`] of the enabling `instance`, its
/// argument rules after it.
#[inline]
pub fn action_slot(
    permission_id: PermissionId,
    instance: u64,
    target: Address,
    selector: FixedBytes<4>,
    account: Address,
) -> U256 {
    keyed_slot(ACTIONS, action_key(permission_id, instance, target, selector), account)
}

/// `execution_nonces[permissionId][account]`: the next relayed execution's nonce. Kept apart
/// from the session record, which enabling rewrites, so a nonce never goes back.
#[inline]
pub fn execution_nonce_slot(permission_id: PermissionId, account: Address) -> U256 {
    keyed_slot(EXECUTION_NONCES, permission_id, account)
}

/// `signing_scopes[scope_key(..)][account]`: the instance of the enabling that allowed the
/// scope (a word holding the instance number).
#[inline]
pub fn signing_scope_slot(
    permission_id: PermissionId,
    app_domain: B256,
    contents_type: B256,
    account: Address,
) -> U256 {
    keyed_slot(SIGNING_SCOPES, hash_words(&[permission_id, app_domain, contents_type]), account)
}

/// `token_budgets[keccak(permissionId ‖ token)][account]`: a [`TokenBudget`].
#[inline]
pub fn token_budget_slot(permission_id: PermissionId, token: Address, account: Address) -> U256 {
    keyed_slot(TOKEN_BUDGETS, hash_words(&[permission_id, address_word(token)]), account)
}

/// `paymasters[keccak(permissionId ‖ paymaster)][account]`: the instance of the enabling
/// that listed the paymaster (a word holding the instance number).
#[inline]
pub fn paymaster_slot(permission_id: PermissionId, paymaster: Address, account: Address) -> U256 {
    keyed_slot(PAYMASTERS, hash_words(&[permission_id, address_word(paymaster)]), account)
}

/// The most an amount slot holds: 2^96 − 1 (tokens: 79 billion of 18 decimals; the wei
/// counters). Larger limits are held at this, never cut.
pub const MAX_AMOUNT: u128 = (1 << 96) - 1;

/// The most a wei cap holds: 2^88 − 1 (309 million ether, beyond the supply), so that three
/// caps fit an action word beside the gas cap.
pub const MAX_WEI: u128 = (1 << 88) - 1;

/// The most `maxGasCostPerOp` holds, in gwei: 2^40 − 1 (1,099 ether per operation).
pub const MAX_GAS_COST_GWEI: u64 = (1 << 40) - 1;

/// Wei in a gwei: the unit `maxGasCostPerOp` is kept in.
pub const GWEI: u64 = 1_000_000_000;

/// `amount` as stored: at most [`MAX_AMOUNT`].
#[inline]
pub fn saturate_amount(amount: U256) -> u128 {
    amount.saturating_to::<u128>().min(MAX_AMOUNT)
}

/// A wei cap as stored: at most [`MAX_WEI`].
#[inline]
pub fn saturate_wei(amount: U256) -> u128 {
    amount.saturating_to::<u128>().min(MAX_WEI)
}

/// `maxGasCostPerOp` as stored: whole gwei, rounded down (a cap may only tighten), at most
/// [`MAX_GAS_COST_GWEI`].
#[inline]
pub fn gas_cost_gwei(amount: U256) -> u64 {
    let wei = amount.saturating_to::<u128>();
    if wei >= u128::from(MAX_GAS_COST_GWEI) * u128::from(GWEI) {
        return MAX_GAS_COST_GWEI;
    }
    // Below 2^70 wei: a gwei is 2^9 × 5^9, and floor(floor(w / 2^9) / 5^9) = floor(w / 10^9),
    // so a 64-bit division does it (a 128-bit one links `__udivti3`, 1 KB of the manager).
    ((wei >> 9) as u64) / 1_953_125
}

/// A stored gas cap in wei.
#[inline]
pub fn gwei_to_wei(gwei: u64) -> U256 {
    u256(u128::from(gwei) * u128::from(GWEI))
}

/// Reads the big-endian integer in `word[start..end]` (at most 16 bytes).
#[inline]
pub fn read_be(word: &B256, start: usize, end: usize) -> u128 {
    (start..end).fold(0, |acc, i| (acc << 8) | u128::from(word.0[i % 32]))
}

/// Writes `value` big-endian into `word[start..end]` (its low `end - start` bytes).
#[inline]
pub fn write_be(word: &mut B256, start: usize, end: usize, value: u128) {
    for i in start..end {
        word.0[i % 32] = (value >> (8 * (end - 1 - i))) as u8;
    }
}

/// Per-account module state, one word:
/// `[0..8) last_instance | [8..16) first_live_instance | [16..24) grant_nonce | [31] installs`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountState {
    /// Instance number of the most recent enabling (0 = none yet). Never decreases, not even
    /// across uninstall, so numbers are never reused.
    pub last_instance: u64,
    /// Sessions with a smaller instance number are dead.
    pub first_live_instance: u64,
    /// Grants signed under another nonce cannot be enabled.
    pub grant_nonce: u64,
    /// As how many module types (validator, executor) the account has the module installed.
    pub installs: u8,
}

impl AccountState {
    /// Unpacks the stored word.
    #[inline]
    pub fn from_word(word: B256) -> Self {
        Self {
            last_instance: read_be(&word, 0, 8) as u64,
            first_live_instance: read_be(&word, 8, 16) as u64,
            grant_nonce: read_be(&word, 16, 24) as u64,
            installs: word.0[31],
        }
    }

    /// Packs the state into its word.
    #[inline]
    pub fn to_word(&self) -> B256 {
        let mut word = B256::ZERO;
        write_be(&mut word, 0, 8, self.last_instance.into());
        write_be(&mut word, 8, 16, self.first_live_instance.into());
        write_be(&mut word, 16, 24, self.grant_nonce.into());
        word.0[31] = self.installs;
        word
    }

    /// Whether the account has the module installed (as any type).
    #[inline]
    pub fn installed(&self) -> bool {
        self.installs != 0
    }

    /// Whether a session record of `instance` is live for this account.
    #[inline]
    pub fn is_live(&self, instance: u64) -> bool {
        self.installed() && instance != 0 && instance >= self.first_live_instance
    }
}

/// A session: its two words.
/// 0 `key`: `[0..20) signer | [20..26) valid_after | [26..32) valid_until` — written once;
/// 1 `use`: `[0..4) instance (low 32 bits) | [4] key_type | [5..11) period |
///   [11..15) period_index | [15..19) uses | [19..31) spent | [31] removed` — every use
///   rewrites it, a non-zero word (2,900 gas rather than 20,000 for filling an empty one).
///
/// The instance keeps 32 bits, as [`TokenBudget`] does: only the account enables, and 2^32
/// enablings of one account are beyond any gas budget.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionRecord {
    /// The enabling this record belongs to; 0 = removed.
    pub instance: u64,
    /// First second the session is valid (48 bits).
    pub valid_after: u64,
    /// Last second the session is valid (48 bits).
    pub valid_until: u64,
    /// How the key signs.
    pub key_type: KeyType,
    /// The key's address (P-256: its id).
    pub signer: Address,
    /// Length of a period in seconds (48 bits); 0 = the whole window is one period.
    pub period: u64,
    /// The period `uses` and `spent` count in.
    pub period_index: u32,
    /// Uses so far in the period.
    pub uses: u64,
    /// Wei sent so far in the period.
    pub spent: u128,
    /// Set (with `instance` 0) when the session is removed or revoked by its key, so the
    /// `use` word of a session once stored is never zero again: that is how a grant is known
    /// to have been enabled before, without a word of its own (a fresh slot is 22,100 gas of
    /// every ENABLE).
    pub removed: bool,
}

impl SessionRecord {
    /// The instance number alone, from the `use` word: enough to tell whether it is live.
    #[inline]
    pub fn instance_of(use_word: B256) -> u64 {
        read_be(&use_word, 0, 4) as u64
    }

    /// Unpacks the two stored words.
    #[inline]
    pub fn from_words([key, use_word]: [B256; 2]) -> Self {
        Self {
            signer: Address::new(array_at(&key.0, 0)),
            valid_after: read_be(&key, 20, 26) as u64,
            valid_until: read_be(&key, 26, 32) as u64,
            instance: Self::instance_of(use_word),
            // Enabling stores only known codes.
            key_type: KeyType::from_code(use_word.0[4]).unwrap_or_default(),
            period: read_be(&use_word, 5, 11) as u64,
            period_index: read_be(&use_word, 11, 15) as u32,
            uses: read_be(&use_word, 15, 19) as u64,
            spent: read_be(&use_word, 19, 31),
            removed: use_word.0[31] != 0,
        }
    }

    /// Packs the record into its two words.
    #[inline]
    pub fn to_words(&self) -> [B256; 2] {
        let mut key = left_aligned(self.signer.0 .0);
        write_be(&mut key, 20, 26, self.valid_after.into());
        write_be(&mut key, 26, 32, self.valid_until.into());
        let mut use_word = B256::ZERO;
        write_be(&mut use_word, 0, 4, self.instance.into());
        use_word.0[4] = self.key_type.code();
        write_be(&mut use_word, 5, 11, self.period.into());
        write_be(&mut use_word, 11, 15, self.period_index.into());
        write_be(&mut use_word, 15, 19, self.uses.into());
        write_be(&mut use_word, 19, 31, self.spent);
        use_word.0[31] = self.removed as u8;
        [key, use_word]
    }
}

/// One allowed (target, selector) of an enabling, one word:
/// `[0] present (0x80) | rule_count | [1..5) max_uses | [5..16) max_value_per_call |
/// [16..27) max_total_value | [27..32) max_gas_cost_gwei` (wei caps in 88 bits, see
/// [`MAX_WEI`]; the gas cap in gwei, see [`MAX_GAS_COST_GWEI`]). The session's caps ride in
/// every action word, so validation, which reads an action per call, reads them for free
/// (`max_uses` held at 2^32 − 1: `uses` counts in 32 bits). Its argument rules follow it: at
/// `+1` the word of their headers, rule `k` at `[3k..3k+2) offset | [3k+2] condition`; at
/// `+2+k` rule `k`'s value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActionRecord {
    /// Whether the enabling allows the action (the word is non-zero even with no value cap).
    pub present: bool,
    /// How many argument rules the action has (at most [`MAX_ARG_RULES`]).
    pub rule_count: u8,
    /// Most wei one call may send.
    pub max_value_per_call: u128,
    /// The session's most uses per period (at most 2^32 − 1).
    pub max_uses: u64,
    /// The session's most wei per period.
    pub max_total_value: u128,
    /// The session's most gas cost per operation, in gwei.
    pub max_gas_cost_gwei: u64,
}

/// The most argument rules one action may have: their headers fill one word.
pub const MAX_ARG_RULES: u8 = 8;

/// The `present` bit of an action word's first byte; the rule count is the byte's low bits.
const PRESENT: u8 = 0x80;

impl ActionRecord {
    /// Unpacks the stored word.
    #[inline]
    pub fn from_word(word: B256) -> Self {
        Self {
            present: word.0[0] & PRESENT != 0,
            rule_count: word.0[0] & !PRESENT,
            max_uses: read_be(&word, 1, 5) as u64,
            max_value_per_call: read_be(&word, 5, 16),
            max_total_value: read_be(&word, 16, 27),
            max_gas_cost_gwei: read_be(&word, 27, 32) as u64,
        }
    }

    /// Packs the record into its word.
    #[inline]
    pub fn to_word(&self) -> B256 {
        let mut word = B256::ZERO;
        word.0[0] = if self.present { PRESENT } else { 0 } | self.rule_count;
        write_be(&mut word, 1, 5, self.max_uses.min(u32::MAX.into()).into());
        write_be(&mut word, 5, 16, self.max_value_per_call);
        write_be(&mut word, 16, 27, self.max_total_value);
        write_be(&mut word, 27, 32, self.max_gas_cost_gwei.into());
        word
    }
}

/// One argument rule as stored after its action (see [`ActionRecord`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoredRule {
    /// Byte offset of the word in the call's arguments.
    pub offset: u16,
    /// The [`Condition`]'s code.
    pub condition: u8,
    /// What the word is compared with.
    pub value: B256,
}

impl StoredRule {
    /// Rule `k` of an action, from the action's word of rule headers and the rule's value.
    #[inline]
    pub fn from_words(headers: &B256, k: u8, value: B256) -> Self {
        let at = 3 * usize::from(k);
        Self {
            offset: read_be(headers, at, at + 2) as u16,
            condition: headers.0[(at + 2) % 32],
            value,
        }
    }

    /// Writes the rule's header, as rule `k`, into its action's word of rule headers.
    #[inline]
    pub fn write_header(&self, headers: &mut B256, k: u8) {
        let at = 3 * usize::from(k);
        write_be(headers, at, at + 2, self.offset.into());
        headers.0[(at + 2) % 32] = self.condition;
    }

    /// Whether the arguments `args` (the call data after its selector) keep this rule: they
    /// hold a word at its offset, which keeps its condition.
    #[inline]
    pub fn holds(&self, args: &[u8]) -> bool {
        let start = usize::from(self.offset);
        let Some(word) = args.get(start..).and_then(|rest| rest.first_chunk::<32>()) else {
            return false;
        };
        Condition::from_code(self.condition)
            .is_some_and(|condition| condition.holds(word, &self.value.0))
    }
}

/// One ERC-20 budget of a session, one word:
/// `[0..4) instance (low 32 bits) | [4..8) period_index | [8..20) spent | [20..32) max_amount`
/// (amounts in 96 bits, see [`MAX_AMOUNT`]). Spend shares the slot with the never-zero
/// instance, so the first transfer rewrites a non-zero slot (2,900 gas) instead of filling an
/// empty one (20,000). The low 32 bits tell enablings of one session apart: only the account
/// enables, and 2^32 enablings of one account are beyond any gas budget.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenBudget {
    /// The low 32 bits of the enabling this budget belongs to; a budget of another enabling
    /// counts as none.
    pub instance: u32,
    /// The session period `spent` counts in.
    pub period_index: u32,
    /// Moved so far in the period.
    pub spent: u128,
    /// Most of the token the session may move per period.
    pub max_amount: u128,
}

impl TokenBudget {
    /// A budget of nothing for the enabling `instance`: what a token without a limit has.
    #[inline]
    pub fn none(instance: u64) -> Self {
        Self { instance: instance as u32, ..Self::default() }
    }

    /// Whether the budget was written for the enabling `instance` (compared in the 32 bits it
    /// keeps).
    #[inline]
    pub fn is_of(&self, instance: u64) -> bool {
        self.instance == instance as u32
    }

    /// Unpacks the stored word.
    #[inline]
    pub fn from_word(word: B256) -> Self {
        Self {
            instance: read_be(&word, 0, 4) as u32,
            period_index: read_be(&word, 4, 8) as u32,
            spent: read_be(&word, 8, 20),
            max_amount: read_be(&word, 20, 32),
        }
    }

    /// Packs the budget into its word.
    #[inline]
    pub fn to_word(&self) -> B256 {
        let mut word = B256::ZERO;
        write_be(&mut word, 0, 4, self.instance.into());
        write_be(&mut word, 4, 8, self.period_index.into());
        write_be(&mut word, 8, 20, self.spent);
        write_be(&mut word, 20, 32, self.max_amount);
        word
    }
}

/// Key of an action record: one O(1) lookup per call instead of a scan of the action list,
/// and a fresh place for each enabling (`instance`, in the 32 bits the session keeps).
#[inline]
pub fn action_key(
    permission_id: PermissionId,
    instance: u64,
    target: Address,
    selector: FixedBytes<4>,
) -> B256 {
    // `instance ‖ target ‖ selector` fill the second word's first 28 bytes; hashed in place
    // with the first: no concatenation, so no allocation and no growth code.
    let mut tail = B256::ZERO;
    write_be(&mut tail, 0, 4, (instance as u32).into());
    let bytes = target.iter().chain(selector.iter());
    for (slot, byte) in tail.0.iter_mut().skip(4).zip(bytes) {
        *slot = *byte;
    }
    keccak256(word_bytes(&[permission_id, tail]).get(..60).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_be_then_read_be_round_trips_at_every_width() {
        let mut word = B256::repeat_byte(0xee);
        write_be(&mut word, 8, 14, 0x0000_1234_5678_9abc);
        assert_eq!(read_be(&word, 8, 14), 0x1234_5678_9abc);
        assert_eq!(word[7], 0xee, "bytes before the range stay");
        assert_eq!(word[14], 0xee, "bytes after the range stay");
        write_be(&mut word, 16, 32, u128::MAX);
        assert_eq!(read_be(&word, 16, 32), u128::MAX);
    }
}
