//! The allocation budget every parser draws on (after image-rs's `Limits`).
//!
//! A movie's tables are untrusted: a 100-byte `stsz` atom may claim four billion
//! samples. Before anything is allocated from a size or count that came from the
//! file, the parser asks the [`Budget`] for the bytes; the budget is set from the
//! file size, so a small file can never make the reader allocate much.

use std::cell::Cell;

/// What a [`Budget`] could not grant: the bytes asked for and the bytes left.
/// Every parser turns it into [`Problem::OverBudget`](crate::error::Problem::OverBudget)
/// of the atom it was reading (`From`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("needs {requested} bytes but only {remaining} of the allocation budget remain")]
pub struct OverBudget {
    pub requested: u64,
    pub remaining: u64,
}

/// A running allocation allowance.
#[derive(Debug)]
pub struct Budget {
    remaining: Cell<u64>,
    total: u64,
}

impl Budget {
    /// Fixed part of the budget, for the small structures every movie needs.
    pub const BASE: u64 = 16 << 20;
    /// Budget bytes granted per byte of input file.
    pub const PER_FILE_BYTE: u64 = 32;
    /// Upper bound whatever the file size.
    pub const CEILING: u64 = 4 << 30;

    /// The budget for parsing a file of `file_len` bytes.
    pub fn for_file(file_len: u64) -> Self {
        let total = file_len
            .saturating_mul(Self::PER_FILE_BYTE)
            .saturating_add(Self::BASE)
            .min(Self::CEILING);
        Self::with_total(total)
    }

    /// A budget of exactly `total` bytes.
    pub fn with_total(total: u64) -> Self {
        Budget {
            remaining: Cell::new(total),
            total,
        }
    }

    /// Takes `bytes` from the budget, or says how much is left
    /// (`(requested, remaining)`; [`Budget::reserve`] gives it typed).
    pub fn take(&self, bytes: u64) -> std::result::Result<(), (u64, u64)> {
        let left = self.remaining.get();
        if bytes > left {
            return Err((bytes, left));
        }
        self.remaining.set(left - bytes);
        Ok(())
    }

    /// Takes room for `count` values of `T`.
    pub fn take_items<T>(&self, count: u64) -> std::result::Result<(), (u64, u64)> {
        let bytes = count.saturating_mul(std::mem::size_of::<T>() as u64);
        self.take(bytes)
    }

    /// Takes `bytes` from the budget, or fails with what was asked and what is left.
    pub fn reserve(&self, bytes: u64) -> std::result::Result<(), OverBudget> {
        self.take(bytes)
            .map_err(|(requested, remaining)| OverBudget {
                requested,
                remaining,
            })
    }

    /// Takes room for `count` values of `T`, or fails like [`Budget::reserve`].
    pub fn reserve_items<T>(&self, count: u64) -> std::result::Result<(), OverBudget> {
        self.reserve(count.saturating_mul(std::mem::size_of::<T>() as u64))
    }

    /// Bytes not yet taken.
    pub fn remaining(&self) -> u64 {
        self.remaining.get()
    }

    /// Bytes taken so far.
    pub fn used(&self) -> u64 {
        self.total - self.remaining.get()
    }

    /// The whole allowance.
    pub fn total(&self) -> u64 {
        self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_grows_with_file_and_refuses_overdraft() {
        let b = Budget::for_file(1000);
        assert_eq!(b.total(), Budget::BASE + 32_000);
        assert!(b.take(Budget::BASE).is_ok());
        assert_eq!(b.remaining(), 32_000);
        assert_eq!(b.take(32_001), Err((32_001, 32_000)));
        assert!(b.take_items::<u64>(4000).is_ok());
        assert_eq!(b.remaining(), 0);
        assert_eq!(b.used(), b.total());
    }

    #[test]
    fn budget_has_a_ceiling() {
        assert_eq!(Budget::for_file(u64::MAX).total(), Budget::CEILING);
    }
}
