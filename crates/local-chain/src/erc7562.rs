//! ERC-7562's view of a validation: every (contract, slot) a watched account's
//! `validateUserOp` touches and every keccak preimage hashed on the way, EVM contracts and
//! Stylus programs alike, for the association rule ([`ValidationRecord::unassociated`]).
//!
//! The [`Recorder`] is an [`Inspector`] of its own for the EVM side (calls, `SLOAD`, `SSTORE`,
//! `KECCAK256`); Stylus frames hand it what their programs touched when they end, since their
//! storage goes through hostios the EVM never sees.

use revm::{
    bytecode::opcode,
    context::ContextTr,
    interpreter::{
        interpreter_types::{InputsTr, Jumps, MemoryTr},
        CallInputs, CallOutcome, Interpreter,
    },
    primitives::{keccak256, Address, U256},
    Inspector,
};

/// `IAccount.validateUserOp(PackedUserOperation,bytes32,uint256)`: where ERC-7562's rules start.
pub(crate) const VALIDATE_USER_OP: [u8; 4] = [0x19, 0x82, 0x2f, 0x7c];

/// Everything one account's `validateUserOp` touched, EVM contracts and Stylus programs alike.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationRecord {
    /// The validating account.
    pub sender: Address,
    /// Every (contract, slot) read or written, in order.
    pub accesses: Vec<(Address, U256)>,
    /// Every keccak preimage hashed (EVM `KECCAK256` and Stylus `native_keccak256`).
    pub preimages: Vec<Vec<u8>>,
}

impl ValidationRecord {
    /// The accesses ERC-7562's association rule refuses: not the sender's own storage, not the
    /// slot `sender`, and not `keccak(sender ‖ x) + n` (n ≤ 128) for a keccak computed here.
    pub fn unassociated(&self) -> Vec<(Address, U256)> {
        let word = self.sender.into_word();
        let bases: Vec<U256> = self
            .preimages
            .iter()
            .filter(|preimage| preimage.len() >= 32 && preimage[..32] == word[..])
            .map(|preimage| U256::from_be_bytes(keccak256(preimage).0))
            .collect();
        let limit = U256::from(128);
        self.accesses
            .iter()
            .filter(|(contract, slot)| {
                *contract != self.sender
                    && *slot != U256::from_be_bytes(word.0)
                    && !bases.iter().any(|base| slot >= base && *slot - *base <= limit)
            })
            .copied()
            .collect()
    }

    /// Adds what some code touched, in order.
    pub(crate) fn extend(&mut self, other: Self) {
        self.accesses.extend(other.accesses);
        self.preimages.extend(other.preimages);
    }
}

/// Records the validations of one watched account.
#[derive(Default)]
pub struct Recorder {
    /// The account whose `validateUserOp` calls to record.
    watch: Option<Address>,
    /// Call depth now, and the depth of the validation being recorded.
    depth: usize,
    recording_from: Option<usize>,
    /// What each recorded validation touched.
    pub(crate) validations: Vec<ValidationRecord>,
}

impl Recorder {
    /// From now on, records what every `validateUserOp` of `account` touches.
    pub fn watch(&mut self, account: Address) {
        self.watch = Some(account);
    }

    /// The validations recorded so far.
    pub fn validations(&self) -> &[ValidationRecord] {
        &self.validations
    }

    /// Whether a validation is being recorded now.
    pub(crate) fn is_recording(&self) -> bool {
        self.recording_from.is_some()
    }

    /// Adds `touched` to the validation being recorded, if any.
    pub(crate) fn record(&mut self, touched: ValidationRecord) {
        if let Some(record) = self.recording() {
            record.extend(touched);
        }
    }

    /// The recorder of a nested EVM for calls out of a Stylus frame: a validation being
    /// recorded goes on being recorded in the callee, at every depth, as a record of its own
    /// that the caller takes back ([`Self::take_nested`]).
    pub(crate) fn nested(&self) -> Self {
        let recording = self
            .recording_from
            .and(self.validations.last())
            .map(|record| vec![ValidationRecord { sender: record.sender, ..Default::default() }]);
        Self {
            recording_from: recording.as_ref().map(|_| 0),
            validations: recording.unwrap_or_default(),
            ..Self::default()
        }
    }

    /// What a nested recorder ([`Self::nested`]) recorded.
    pub(crate) fn take_nested(&mut self) -> Option<ValidationRecord> {
        self.validations.pop()
    }

    fn recording(&mut self) -> Option<&mut ValidationRecord> {
        self.recording_from.and(self.validations.last_mut())
    }
}

impl<CTX: ContextTr> Inspector<CTX> for Recorder {
    fn call(&mut self, context: &mut CTX, inputs: &mut CallInputs) -> Option<CallOutcome> {
        self.depth += 1;
        if self.recording_from.is_none()
            && self.watch == Some(inputs.target_address)
            && inputs.input.bytes(context).starts_with(&VALIDATE_USER_OP)
        {
            self.recording_from = Some(self.depth);
            self.validations
                .push(ValidationRecord { sender: inputs.target_address, ..Default::default() });
        }
        None
    }

    fn call_end(&mut self, _context: &mut CTX, _inputs: &CallInputs, _outcome: &mut CallOutcome) {
        if self.recording_from == Some(self.depth) {
            self.recording_from = None;
        }
        self.depth -= 1;
    }

    fn step(&mut self, interpreter: &mut Interpreter, _context: &mut CTX) {
        if self.recording_from.is_none() {
            return;
        }
        let contract = interpreter.input.target_address();
        let top = |n| interpreter.stack.peek(n).ok();
        let touched = match interpreter.bytecode.opcode() {
            opcode::SLOAD | opcode::SSTORE => top(0).map(|slot| ValidationRecord {
                accesses: vec![(contract, slot)],
                ..Default::default()
            }),
            opcode::KECCAK256 => match (top(0), top(1)) {
                // Hashes of memory not written yet are not slot keys: skip them.
                (Some(offset), Some(size))
                    if offset.saturating_add(size) <= U256::from(interpreter.memory.size()) =>
                {
                    let (offset, size) = (offset.to::<usize>(), size.to::<usize>());
                    let preimage = interpreter.memory.slice_len(offset, size).to_vec();
                    Some(ValidationRecord { preimages: vec![preimage], ..Default::default() })
                }
                _ => None,
            },
            _ => None,
        };
        if let Some(touched) = touched {
            self.record(touched);
        }
    }
}

#[cfg(test)]
mod tests {
    use revm::primitives::B256;

    use super::*;

    #[test]
    fn unassociated_reports_exactly_the_slots_outside_the_rule() {
        let sender = Address::repeat_byte(0xaa);
        let other = Address::repeat_byte(0xbb);
        let preimage = [sender.into_word().0, B256::with_last_byte(3).0].concat();
        let base = U256::from_be_bytes(keccak256(&preimage).0);
        let record = ValidationRecord {
            sender,
            accesses: vec![
                (sender, U256::from(7)),                         // the sender's own storage
                (other, U256::from_be_slice(sender.as_slice())), // the slot `sender`
                (other, base),                                   // keccak(sender ‖ x)
                (other, base + U256::from(128)),                 // … + 128
                (other, base + U256::from(129)),                 // … + 129: too far
                (other, U256::from(1)),                          // unrelated
            ],
            preimages: vec![preimage],
        };
        assert_eq!(
            record.unassociated(),
            vec![(other, base + U256::from(129)), (other, U256::from(1))]
        );
    }
}
