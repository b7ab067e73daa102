//! ERC-4337 validation data: what `validateUserOp` returns, one word
//! `authorizer | validUntil << 160 | validAfter << 208` — big-endian, `validAfter` in bytes
//! `[0..6)`, `validUntil` in `[6..12)` and the authorizer (0: the signature is valid, 1: it is
//! not, else an aggregator) in `[12..32)`.

use alloy_primitives::{Address, B256, U256};

use crate::{
    codec::{array_at, left_aligned, u256, UserOperation},
    layout::read_be,
};

impl UserOperation<'_> {
    /// Who pays the operation's gas: `None` the account, else the paymaster that
    /// `paymasterAndData` names (zero when it is too short to name one; the EntryPoint refuses
    /// such an operation anyway).
    #[inline]
    pub fn paymaster(&self) -> Option<Address> {
        if self.paymaster_and_data.is_empty() {
            return None;
        }
        let named = self.paymaster_and_data.first_chunk::<20>().copied().map(Address::new);
        Some(named.unwrap_or_default())
    }

    /// The most the EntryPoint can take from the account for this operation's gas when no
    /// paymaster pays: its prefund, `(preVerificationGas + verificationGasLimit +
    /// callGasLimit) × maxFeePerGas` (EntryPoint v0.7 and v0.8). What it finally charges is
    /// never more. A cost of 2^128 wei or more reads as 2^256 − 1 rather than wrapping: the
    /// EntryPoint bounds each figure to 120 bits, an operation handed to the module directly
    /// need not. (In 128 bits: ruint's 256-bit multiply costs the validator 2.6 KB.)
    #[inline]
    pub fn max_gas_cost(&self) -> U256 {
        let limits = &self.account_gas_limits;
        let [low, high, rest @ ..] = *self.pre_verification_gas.as_limbs();
        let pre_verification_gas =
            if rest == [0, 0] { u128::from(low) | u128::from(high) << 64 } else { u128::MAX };
        let max_fee_per_gas = read_be(&self.gas_fees, 16, 32);
        if max_fee_per_gas == 0 {
            return U256::ZERO;
        }
        let gas = read_be(limits, 0, 16)
            .saturating_add(read_be(limits, 16, 32))
            .saturating_add(pre_verification_gas);
        // A saturated sum stands for 2^128 gas or more.
        let cost = Some(gas).filter(|gas| *gas != u128::MAX);
        cost.and_then(|gas| gas.checked_mul(max_fee_per_gas)).map_or(U256::MAX, u256)
    }
}

/// ERC-4337: the signature is not valid for this operation (validation data `1`).
pub const SIG_VALIDATION_FAILED: B256 = B256::with_last_byte(1);

/// The validation data of an operation valid from `valid_after` to `valid_until` (both
/// 48-bit), its signature failed or not (built from bytes rather than with 256-bit shifts).
#[inline]
pub fn validation_data(sig_failed: bool, valid_after: u64, valid_until: u64) -> B256 {
    // The two times in the high 12 bytes: `validAfter ‖ validUntil` in the top 96 bits.
    let times = (u128::from(valid_after) << 80) | (u128::from(valid_until) << 32);
    let mut word = left_aligned(times.to_be_bytes());
    word.0[31] = sig_failed as u8;
    word
}

/// What validation data says: its authorizer, `validAfter` and `validUntil`.
#[inline]
pub fn read_validation_data(word: &B256) -> (Address, u64, u64) {
    let authorizer = Address::new(array_at(&word.0, 12));
    (authorizer, read_be(word, 0, 6) as u64, read_be(word, 6, 12) as u64)
}

#[cfg(test)]
mod tests {
    use alloy_primitives::U256;

    use super::*;

    #[test]
    fn validation_data_packs_the_times_above_the_authorizer() {
        let (after, until) = (0x0000_1234_5678_9abc_u64, 0x0000_fedc_ba98_7654_u64);
        let word = validation_data(true, after, until);
        let expected = (U256::from(after) << 208) | (U256::from(until) << 160) | U256::from(1);
        assert_eq!(word, B256::from(expected));
        assert_eq!(read_validation_data(&word), (Address::with_last_byte(1), after, until));
        assert_eq!(read_validation_data(&validation_data(false, 0, 0)), (Address::ZERO, 0, 0));
        assert_eq!(validation_data(true, 0, 0), SIG_VALIDATION_FAILED);
    }
}
