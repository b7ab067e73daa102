//! Recurring periods: a session's window cut into periods of `period` seconds counted from
//! `validAfter`, in each of which its use count, its ether spend and its token budgets start
//! over (`period = 0`: one period, the whole window). Every computation on periods — the
//! index of a second, a period's window, the bound on their number — is here, for the
//! programs and the client alike.

use crate::{interface::Session, layout::SessionRecord};

/// A session's window and the length of its periods.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Periods {
    /// First second of the window (inclusive), where period 0 starts.
    pub valid_after: u64,
    /// Last second of the window (inclusive).
    pub valid_until: u64,
    /// Seconds per period; 0 = one period, the whole window.
    pub length: u64,
}

impl Periods {
    /// Most periods a window may hold: their indexes count in 32 bits (the key proof's 4
    /// bytes, the counters' records).
    pub const MAX_COUNT: u64 = 1 << 32;

    /// The index of the window's last period (0 without periods).
    #[inline]
    pub fn last_index(&self) -> u64 {
        self.valid_until.wrapping_sub(self.valid_after).checked_div(self.length).unwrap_or(0)
    }

    /// Whether a session may have this window: `validUntil` set and after `validAfter`, and
    /// at most [`Self::MAX_COUNT`] periods in it.
    #[inline]
    pub fn is_valid(&self) -> bool {
        self.valid_until != 0
            && self.valid_after < self.valid_until
            && self.last_index() < Self::MAX_COUNT
    }

    /// The index of the period second `at` falls in (0 without periods). `at` must be within
    /// the window, and the window one [`Self::is_valid`] accepts: then the index fits in 32
    /// bits.
    #[inline]
    pub fn index_at(&self, at: u64) -> u32 {
        at.wrapping_sub(self.valid_after).checked_div(self.length).unwrap_or(0) as u32
    }

    /// The first and last second (inclusive) of period `index`, within the window: what an
    /// operation counting in it is valid for. Without periods, the whole window. `None` when
    /// the period starts after the window.
    #[inline]
    pub fn window(&self, index: u32) -> Option<(u64, u64)> {
        // A start past 2^64 is past any 48-bit `validUntil` too.
        let start = u64::from(index).checked_mul(self.length)?.checked_add(self.valid_after)?;
        if start > self.valid_until {
            return None;
        }
        let end = match self.length {
            0 => self.valid_until,
            // `start + length − 1` stays below 2^49: both are 48-bit.
            length => self.valid_until.min(start + length - 1),
        };
        Some((start, end))
    }
}

impl Session {
    /// The session's window and periods.
    #[inline]
    pub fn periods(&self) -> Periods {
        // A `uint48` is one 64-bit limb: no fallible (and panicking) conversion.
        Periods {
            valid_after: self.validAfter.as_limbs()[0],
            valid_until: self.validUntil.as_limbs()[0],
            length: self.period.as_limbs()[0],
        }
    }
}

impl SessionRecord {
    /// The stored session's window and periods.
    #[inline]
    pub fn periods(&self) -> Periods {
        Periods {
            valid_after: self.valid_after,
            valid_until: self.valid_until,
            length: self.period,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: u64 = 3_600;

    #[test]
    fn index_at_counts_periods_from_valid_after() {
        let day = 86_400;
        let periods =
            Periods { valid_after: 1_000, valid_until: 1_000 + 30 * day - 1, length: day };
        assert_eq!(periods.index_at(1_000), 0);
        assert_eq!(periods.index_at(1_000 + day - 1), 0);
        assert_eq!(periods.index_at(1_000 + day), 1);
        assert_eq!(periods.index_at(1_000 + 30 * day - 1), 29);
        assert_eq!(periods.last_index(), 29);
        let whole = Periods { length: 0, ..periods };
        assert_eq!((whole.index_at(1_000 + 5 * day), whole.last_index()), (0, 0), "no periods");
    }

    #[test]
    fn window_is_the_period_within_the_sessions_window() {
        // A window that ends inside its last period.
        let periods =
            Periods { valid_after: 1_000, valid_until: 1_000 + 3 * HOUR + 59, length: HOUR };
        assert_eq!(periods.window(0), Some((1_000, 1_000 + HOUR - 1)));
        assert_eq!(periods.window(2), Some((1_000 + 2 * HOUR, 1_000 + 3 * HOUR - 1)));
        assert_eq!(periods.window(3), Some((1_000 + 3 * HOUR, 1_000 + 3 * HOUR + 59)));
        assert_eq!(periods.window(4), None, "starts after the window");
        assert_eq!(periods.window(u32::MAX), None);
        let whole = Periods { valid_after: 5, valid_until: 9, length: 0 };
        assert_eq!(whole.window(0), Some((5, 9)), "no periods: the window");
        let huge = Periods { valid_after: 1, valid_until: u64::MAX, length: u64::MAX };
        assert_eq!(huge.window(2), None, "a start past 2^64");
    }

    #[test]
    fn is_valid_bounds_the_window_and_its_periods() {
        let valid = |valid_after, valid_until, length| {
            Periods { valid_after, valid_until, length }.is_valid()
        };
        assert!(valid(1_000, 2_000, 0));
        assert!(!valid(0, 0, 0), "validUntil unset");
        assert!(!valid(2_000, 2_000, 0), "empty window");
        assert!(!valid(2_000, 1_000, 60), "ends before it starts");
        // 2^32 periods of a second: the last index is 2^32 − 1, which still counts.
        let last = Periods::MAX_COUNT - 1;
        assert!(valid(0, last, 1));
        assert!(!valid(0, last + 1, 1), "2^32 + 1 periods");
        assert!(valid(0, last + 1, 2));
    }
}
