//! The ERC-20 calls a session's token budgets count: every `transfer(address,uint256)` and
//! `approve(address,uint256)` on a token adds its amount to the token's spend.

use alloy_primitives::{FixedBytes, U256};

use crate::Keyword;

/// An ERC-20 call whose amount counts against the token's budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenCall {
    /// `transfer(address,uint256)`.
    Transfer,
    /// `approve(address,uint256)`.
    Approve,
}

impl TokenCall {
    /// The function's signature.
    #[inline]
    pub const fn signature(self) -> &'static str {
        match self {
            Self::Transfer => "transfer(address,uint256)",
            Self::Approve => "approve(address,uint256)",
        }
    }

    /// The function's selector.
    #[inline]
    pub const fn selector(self) -> FixedBytes<4> {
        FixedBytes::new(match self {
            Self::Transfer => [0xa9, 0x05, 0x9c, 0xbb],
            Self::Approve => [0x09, 0x5e, 0xa7, 0xb3],
        })
    }

    /// The token call whose selector is `selector`, if any.
    #[inline]
    pub fn from_selector(selector: FixedBytes<4>) -> Option<Self> {
        match selector {
            _ if selector == Self::Transfer.selector() => Some(Self::Transfer),
            _ if selector == Self::Approve.selector() => Some(Self::Approve),
            _ => None,
        }
    }

    /// The amount a token call's data (`selector ‖ address ‖ amount`) moves; `None` unless the
    /// data is exactly those 4 + 64 bytes, what the token's ABI decoder reads.
    #[inline]
    pub fn amount(data: &[u8]) -> Option<U256> {
        match data.len() {
            68 => data.last_chunk::<32>().map(|amount| U256::from_be_bytes(*amount)),
            _ => None,
        }
    }
}

impl Keyword for TokenCall {
    const ALL: &'static [Self] = &[Self::Transfer, Self::Approve];

    /// How a policy names the call: the function's name.
    fn keyword(self) -> &'static str {
        match self {
            Self::Transfer => "transfer",
            Self::Approve => "approve",
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

    #[test]
    fn amount_reads_exactly_selector_address_and_amount() {
        let data =
            [&[0xa9, 0x05, 0x9c, 0xbb][..], &[0; 32], &U256::from(7).to_be_bytes::<32>()].concat();
        assert_eq!(TokenCall::amount(&data), Some(U256::from(7)));
        assert_eq!(TokenCall::amount(&data[..67]), None);
        assert_eq!(TokenCall::amount(&[data.as_slice(), &[0]].concat()), None);
    }
}
