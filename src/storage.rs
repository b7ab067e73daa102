//! Storage layout. Everything `validateUserOp` reads or writes sits in a mapping whose *last*
//! key is the account, so every slot is `keccak256(account ‖ x) + n` with `n ≤ 2`: storage
//! associated with the account under ERC-7562.
//!
//! | mapping | slot of an entry |
//! |---|---|
//! | `accounts[account]` | `keccak(account ‖ 0)` |
//! | `sessions[permissionId][account]` | `keccak(account ‖ keccak(permissionId ‖ 1))` + 0..2 |
//! | `actions[actionKey][account]` | `keccak(account ‖ keccak(actionKey ‖ 2))` |
//!
//! Records are packed by hand into whole words (layouts below, big-endian byte ranges): one
//! storage hostio per slot instead of one per field, and less code than per-field accessors.
//!
//! Sessions die in O(1): every enabling gets a fresh *instance* number from the account, and
//! revoking all sessions (or uninstalling) moves the account's `first_live_instance` past every
//! number handed out so far. Action records carry the instance they were written for, so
//! nothing written for an earlier enabling — actions or counters — can match again.

use alloc::vec::Vec;

use alloy_primitives::{keccak256, Address, FixedBytes, B256};
use stylus_sdk::{prelude::*, storage::StorageB256};

use crate::{codec::array_at, eip712::PermissionId};

/// Reads the big-endian integer in `word[start..end]` (at most 16 bytes).
fn read_be(word: &B256, start: usize, end: usize) -> u128 {
    (start..end).fold(0, |acc, i| (acc << 8) | u128::from(word.0[i % 32]))
}

/// Writes `value` big-endian into `word[start..end]` (its low `end - start` bytes).
fn write_be(word: &mut B256, start: usize, end: usize, value: u128) {
    for i in start..end {
        word.0[i % 32] = (value >> (8 * (end - 1 - i))) as u8;
    }
}

/// Per-account module state, one word:
/// `[0..8) last_instance | [8..16) first_live_instance | [31] installed`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountState {
    /// Instance number of the most recent enabling (0 = none yet). Never decreases, not even
    /// across uninstall, so numbers are never reused.
    pub last_instance: u64,
    /// Sessions with a smaller instance number are dead.
    pub first_live_instance: u64,
    /// Whether the account has installed the module.
    pub installed: bool,
}

impl AccountState {
    /// Unpacks the stored word.
    pub fn load(slot: &StorageB256) -> Self {
        let word = slot.get();
        Self {
            last_instance: read_be(&word, 0, 8) as u64,
            first_live_instance: read_be(&word, 8, 16) as u64,
            installed: word[31] != 0,
        }
    }

    /// Packs and stores the state.
    pub fn store(&self, slot: &mut StorageB256) {
        let mut word = B256::ZERO;
        write_be(&mut word, 0, 8, self.last_instance.into());
        write_be(&mut word, 8, 16, self.first_live_instance.into());
        word[31] = self.installed as u8;
        slot.set(word);
    }

    /// Whether a session record of `instance` is live for this account.
    pub fn is_live(&self, instance: u64) -> bool {
        self.installed && instance != 0 && instance >= self.first_live_instance
    }
}

/// Storage of one session: three words, all read by validation, the last two written by it.
#[storage]
pub struct SessionSlots {
    /// `[0..8) instance | [8..14) valid_after | [14..20) valid_until | [20] key_type |
    /// [24..32) max_uses`.
    head: StorageB256,
    /// `[0..20) signer | [24..32) uses`. `uses` shares the slot with the never-zero signer,
    /// so counting a use rewrites a non-zero slot (2,900 gas) instead of filling an empty one
    /// (20,000 gas).
    signer_uses: StorageB256,
    /// `[0..16) spent | [16..32) max_total_value`.
    amounts: StorageB256,
}

/// One session as stored. Wei amounts are kept in 128 bits: a cap of 2^128 − 1 wei or more
/// exceeds the whole ether supply and is stored as 2^128 − 1, which saves a slot (and a cold
/// read in every validation).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionRecord {
    /// The enabling this record belongs to; 0 = removed.
    pub instance: u64,
    /// First second the session is valid (48 bits).
    pub valid_after: u64,
    /// Last second the session is valid (48 bits).
    pub valid_until: u64,
    /// Key type (`0` = secp256k1).
    pub key_type: u8,
    /// Most UserOperations the session may validate.
    pub max_uses: u64,
    /// The secp256k1 signer.
    pub signer: Address,
    /// UserOperations validated so far.
    pub uses: u64,
    /// Wei sent so far.
    pub spent: u128,
    /// Most wei the session may send in total.
    pub max_total_value: u128,
}

impl SessionRecord {
    /// The instance number alone: one slot read, enough to tell whether the session is live.
    pub fn load_instance(slots: &SessionSlots) -> u64 {
        read_be(&slots.head.get(), 0, 8) as u64
    }

    /// Unpacks the three stored words.
    pub fn load(slots: &SessionSlots) -> Self {
        let (head, signer_uses, amounts) =
            (slots.head.get(), slots.signer_uses.get(), slots.amounts.get());
        Self {
            instance: read_be(&head, 0, 8) as u64,
            valid_after: read_be(&head, 8, 14) as u64,
            valid_until: read_be(&head, 14, 20) as u64,
            key_type: head[20],
            max_uses: read_be(&head, 24, 32) as u64,
            signer: Address::new(array_at(&signer_uses.0, 0)),
            uses: read_be(&signer_uses, 24, 32) as u64,
            spent: read_be(&amounts, 0, 16),
            max_total_value: read_be(&amounts, 16, 32),
        }
    }

    /// Packs and stores the whole record.
    pub fn store(&self, slots: &mut SessionSlots) {
        let mut head = B256::ZERO;
        write_be(&mut head, 0, 8, self.instance.into());
        write_be(&mut head, 8, 14, self.valid_after.into());
        write_be(&mut head, 14, 20, self.valid_until.into());
        head[20] = self.key_type;
        write_be(&mut head, 24, 32, self.max_uses.into());
        slots.head.set(head);
        self.store_counters(slots);
    }

    /// Stores `signer`, `uses`, `spent` and `max_total_value`: what validation changes.
    pub fn store_counters(&self, slots: &mut SessionSlots) {
        let mut signer_uses = B256::ZERO;
        signer_uses[..20].copy_from_slice(self.signer.as_slice());
        write_be(&mut signer_uses, 24, 32, self.uses.into());
        slots.signer_uses.set(signer_uses);
        let mut amounts = B256::ZERO;
        write_be(&mut amounts, 0, 16, self.spent);
        write_be(&mut amounts, 16, 32, self.max_total_value);
        slots.amounts.set(amounts);
    }

    /// Marks the record removed: only the instance number changes.
    pub fn clear_instance(slots: &mut SessionSlots) {
        let mut head = slots.head.get();
        head[..8].fill(0);
        slots.head.set(head);
    }
}

/// One allowed (target, selector) of a session, one word:
/// `[0..8) instance | [16..32) max_value_per_call` (128 bits, saturating as in
/// [`SessionRecord`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActionRecord {
    /// The enabling this action belongs to; equals [`SessionRecord::instance`] when live.
    pub instance: u64,
    /// Most wei one call may send.
    pub max_value_per_call: u128,
}

impl ActionRecord {
    /// Unpacks the stored word.
    pub fn load(slot: &StorageB256) -> Self {
        let word = slot.get();
        Self { instance: read_be(&word, 0, 8) as u64, max_value_per_call: read_be(&word, 16, 32) }
    }

    /// Packs and stores the record.
    pub fn store(&self, slot: &mut StorageB256) {
        let mut word = B256::ZERO;
        write_be(&mut word, 0, 8, self.instance.into());
        write_be(&mut word, 16, 32, self.max_value_per_call);
        slot.set(word);
    }
}

/// Key of an action record: one O(1) lookup per call instead of a scan of the action list.
pub fn action_key(permission_id: PermissionId, target: Address, selector: FixedBytes<4>) -> B256 {
    let mut preimage = [0u8; 56];
    preimage[..32].copy_from_slice(permission_id.as_slice());
    preimage[32..52].copy_from_slice(target.as_slice());
    preimage[52..].copy_from_slice(selector.as_slice());
    keccak256(preimage)
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
