//! The ERC-20 calls a session's token budgets count: every `transfer`, `approve` and
//! `increaseAllowance` on a token, and every `transferFrom` whose `from` is the account, adds
//! its amount to the token's spend — every call by which the account's tokens leave it or may
//! leave it later. (`permit` and Permit2 signatures are made by the account's owner, not by a
//! session; as calls, a session makes them only when an action allows them, uncounted.)

use alloy_primitives::{Address, FixedBytes, U256};

use crate::Keyword;

/// An ERC-20 call whose amount counts against the token's budget.
///
/// Each call's discriminant is its selector: matched by comparisons, with no table in the
/// programs' data (paid on every call).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum TokenCall {
    /// `transfer(address,uint256)`.
    Transfer = 0xa905_9cbb,
    /// `approve(address,uint256)`.
    Approve = 0x095e_a7b3,
    /// `increaseAllowance(address,uint256)` (OpenZeppelin's, before 5.0, and many tokens').
    IncreaseAllowance = 0x3950_9351,
    /// `transferFrom(address,address,uint256)`, counted when `from` is the account.
    TransferFrom = 0x23b8_72dd,
}

/// What a call moves of the account's tokens, for the token's budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spend {
    /// Nothing: not a counted call, or a `transferFrom` from another holder.
    Nothing,
    /// This amount.
    Amount(U256),
    /// A counted call whose data is not exactly its ABI encoding (the module refuses it).
    Unreadable,
}

impl TokenCall {
    /// The function's signature.
    #[inline]
    pub const fn signature(self) -> &'static str {
        match self {
            Self::Transfer => "transfer(address,uint256)",
            Self::Approve => "approve(address,uint256)",
            Self::IncreaseAllowance => "increaseAllowance(address,uint256)",
            Self::TransferFrom => "transferFrom(address,address,uint256)",
        }
    }

    /// The function's selector.
    #[inline]
    pub const fn selector(self) -> FixedBytes<4> {
        FixedBytes::new((self as u32).to_be_bytes())
    }

    /// The token call whose selector is `selector`, if any.
    #[inline]
    pub fn from_selector(selector: FixedBytes<4>) -> Option<Self> {
        match u32::from_be_bytes(selector.0) {
            x if x == Self::Transfer as u32 => Some(Self::Transfer),
            x if x == Self::Approve as u32 => Some(Self::Approve),
            x if x == Self::IncreaseAllowance as u32 => Some(Self::IncreaseAllowance),
            x if x == Self::TransferFrom as u32 => Some(Self::TransferFrom),
            _ => None,
        }
    }

    /// What a call with `data` to a token moves of `account`'s tokens: the amount (its last
    /// argument) of a counted call whose data is exactly `selector ‖ arguments`, what the
    /// token's ABI decoder reads — for `transferFrom`, only when `from` is `account` (compared
    /// in its low 20 bytes, as tokens built with ABI coder v1 read it).
    #[inline]
    pub fn spend(data: &[u8], account: Address) -> Spend {
        let Some(call) = data.first_chunk::<4>().and_then(|s| Self::from_selector((*s).into()))
        else {
            return Spend::Nothing;
        };
        let arguments = if call == Self::TransferFrom { 3 } else { 2 };
        // The last argument, ending the data exactly (not `last_chunk`, whose unreachable panic
        // would put its strings in the validator's data).
        let amount =
            data.get(4 + 32 * (arguments - 1)..).and_then(|a| <&[u8; 32]>::try_from(a).ok());
        let Some(amount) = amount else { return Spend::Unreadable };
        if call == Self::TransferFrom && data.get(16..36) != Some(account.as_slice()) {
            return Spend::Nothing;
        }
        Spend::Amount(U256::from_be_bytes(*amount))
    }
}

impl Keyword for TokenCall {
    const ALL: &'static [Self] =
        &[Self::Transfer, Self::Approve, Self::IncreaseAllowance, Self::TransferFrom];

    /// How a policy names the call: the function's name.
    fn keyword(self) -> &'static str {
        match self {
            Self::Transfer => "transfer",
            Self::Approve => "approve",
            Self::IncreaseAllowance => "increaseAllowance",
            Self::TransferFrom => "transferFrom",
        }
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::keccak256;

    use super::*;

    #[test]
    fn selectors_are_the_signatures_and_keywords_their_names() {
        for &call in TokenCall::ALL {
            assert_eq!(
                call.selector(),
                FixedBytes::<4>::from_slice(&keccak256(call.signature())[..4])
            );
            assert_eq!(TokenCall::from_selector(call.selector()), Some(call));
            assert_eq!(TokenCall::from_keyword(call.keyword()), Some(call));
            assert!(call.signature().starts_with(&format!("{}(", call.keyword())));
        }
        assert_eq!(TokenCall::from_selector(FixedBytes::ZERO), None);
    }

    const ACCOUNT: Address = Address::repeat_byte(0xac);

    fn call(token_call: TokenCall, words: &[[u8; 32]]) -> Vec<u8> {
        [token_call.selector().as_slice(), words.concat().as_slice()].concat()
    }

    #[test]
    fn spend_reads_exactly_the_arguments_and_the_amount_last() {
        let seven = U256::from(7).to_be_bytes::<32>();
        for token_call in [TokenCall::Transfer, TokenCall::Approve, TokenCall::IncreaseAllowance] {
            let data = call(token_call, &[[1; 32], seven]);
            assert_eq!(TokenCall::spend(&data, ACCOUNT), Spend::Amount(U256::from(7)));
            assert_eq!(TokenCall::spend(&data[..67], ACCOUNT), Spend::Unreadable);
            let longer = [data.as_slice(), &[0]].concat();
            assert_eq!(TokenCall::spend(&longer, ACCOUNT), Spend::Unreadable);
        }
        assert_eq!(TokenCall::spend(&[0x12, 0x34, 0x56, 0x78, 9], ACCOUNT), Spend::Nothing);
        assert_eq!(TokenCall::spend(&[], ACCOUNT), Spend::Nothing);
    }

    #[test]
    fn spend_counts_transfer_from_the_account_only() {
        let seven = U256::from(7).to_be_bytes::<32>();
        let from_account = call(TokenCall::TransferFrom, &[ACCOUNT.into_word().0, [2; 32], seven]);
        assert_eq!(TokenCall::spend(&from_account, ACCOUNT), Spend::Amount(U256::from(7)));
        // Dirty high bits still name the account for a token that masks them (ABI coder v1).
        let mut dirty = ACCOUNT.into_word().0;
        dirty[0] = 0xff;
        let masked = call(TokenCall::TransferFrom, &[dirty, [2; 32], seven]);
        assert_eq!(TokenCall::spend(&masked, ACCOUNT), Spend::Amount(U256::from(7)));
        let other = Address::repeat_byte(0x0e).into_word().0;
        let from_other = call(TokenCall::TransferFrom, &[other, ACCOUNT.into_word().0, seven]);
        assert_eq!(TokenCall::spend(&from_other, ACCOUNT), Spend::Nothing);
        assert_eq!(TokenCall::spend(&from_account[..99], ACCOUNT), Spend::Unreadable);
    }
}
