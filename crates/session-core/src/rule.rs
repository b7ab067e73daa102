//! Argument rules: the conditions a word of a call's arguments must keep. A condition's code
//! (what [`ArgRule`](crate::interface::ArgRule) carries and the module stores), its keyword
//! (how policies spell it), its symbol and what it means are all here: a new condition is
//! added to this file alone.

use crate::Keyword;

/// How an argument word compares with a rule's value, both read as unsigned 256-bit numbers.
/// Each condition's discriminant is its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Condition {
    /// The word equals the value.
    Equal = 0,
    /// The word is anything but the value.
    NotEqual = 3,
    /// The word is at most the value.
    LessOrEqual = 1,
    /// The word is at least the value.
    GreaterOrEqual = 2,
}

impl Condition {
    /// `ArgRule.condition`: the condition's code.
    #[inline]
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The condition of `code`; `None` for a code no condition has (the module refuses it).
    #[inline]
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::Equal),
            1 => Some(Self::LessOrEqual),
            2 => Some(Self::GreaterOrEqual),
            3 => Some(Self::NotEqual),
            _ => None,
        }
    }

    /// The condition as a mathematical symbol: `=`, `≠`, `≤`, `≥`.
    #[inline]
    pub const fn symbol(self) -> &'static str {
        match self {
            Self::Equal => "=",
            Self::NotEqual => "≠",
            Self::LessOrEqual => "≤",
            Self::GreaterOrEqual => "≥",
        }
    }

    /// Whether the condition compares order (`≤`, `≥`) rather than equality: on a signed
    /// argument, whose negative values read as huge unsigned numbers, only equality is exact.
    #[inline]
    pub const fn orders(self) -> bool {
        matches!(self, Self::LessOrEqual | Self::GreaterOrEqual)
    }

    /// Whether `word` keeps the condition against `value`.
    #[inline]
    pub fn holds(self, word: &[u8; 32], value: &[u8; 32]) -> bool {
        // Big-endian words compare as unsigned integers byte by byte.
        let order = word.cmp(value);
        match self {
            Self::Equal => order.is_eq(),
            Self::NotEqual => order.is_ne(),
            Self::LessOrEqual => order.is_le(),
            Self::GreaterOrEqual => order.is_ge(),
        }
    }
}

impl Keyword for Condition {
    const ALL: &'static [Self] =
        &[Self::Equal, Self::NotEqual, Self::LessOrEqual, Self::GreaterOrEqual];

    /// How a policy names the condition: `eq`, `ne`, `le`, `ge`.
    fn keyword(self) -> &'static str {
        match self {
            Self::Equal => "eq",
            Self::NotEqual => "ne",
            Self::LessOrEqual => "le",
            Self::GreaterOrEqual => "ge",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_keywords_round_trip_and_are_distinct() {
        for (i, condition) in Condition::ALL.iter().copied().enumerate() {
            assert_eq!(Condition::from_code(condition.code()), Some(condition));
            assert_eq!(Condition::from_keyword(condition.keyword()), Some(condition));
            for other in &Condition::ALL[i + 1..] {
                assert_ne!(condition.code(), other.code());
                assert_ne!(condition.keyword(), other.keyword());
            }
        }
        assert_eq!(Condition::from_code(4), None);
        assert_eq!(Condition::from_keyword("lt"), None);
        // The codes the ABI documents: 0 equal, 1 ≤, 2 ≥, 3 ≠.
        let codes = [0, 1, 2, 3].map(|code| Condition::from_code(code).map(Condition::symbol));
        assert_eq!(codes, [Some("="), Some("≤"), Some("≥"), Some("≠")]);
    }

    #[test]
    fn holds_compares_words_as_unsigned_numbers() {
        let word = |value: u64| {
            let mut word = [0u8; 32];
            word[24..].copy_from_slice(&value.to_be_bytes());
            word
        };
        let mut huge = word(1);
        huge[0] = 0xff;
        let cases = [
            (Condition::Equal, [false, true, false, false]),
            (Condition::NotEqual, [true, false, true, true]),
            (Condition::LessOrEqual, [true, true, false, false]),
            (Condition::GreaterOrEqual, [false, true, true, true]),
        ];
        // Each condition against the value 7, for the words 6, 7, 8 and 2^255 + …
        for (condition, expected) in cases {
            let held = [word(6), word(7), word(8), huge].map(|w| condition.holds(&w, &word(7)));
            assert_eq!(held, expected, "{condition:?}");
        }
        assert!(Condition::LessOrEqual.orders() && Condition::GreaterOrEqual.orders());
        assert!(!Condition::Equal.orders() && !Condition::NotEqual.orders());
    }
}
