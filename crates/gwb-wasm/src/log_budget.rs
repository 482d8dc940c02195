//! How much one plugin may write to gwb's log in one run: a cap on lines and bytes shared by
//! all of the plugin's instances, so a plugin that logs in a loop cannot fill the disk or drown
//! the lines an administrator needs. What passes the cap is counted, not written.

use std::sync::atomic::{AtomicU64, Ordering};

/// The most log lines one plugin writes in one run (all its instances together).
pub const LOG_LINES_PER_RUN: u64 = 1000;
/// The most bytes of log messages one plugin writes in one run.
pub const LOG_BYTES_PER_RUN: u64 = 1 << 20;

/// What [`LogBudget::admit`] decides for one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admit {
    /// Write it.
    Write,
    /// The first line over the cap: say once that the rest are counted, not written.
    FirstDropped,
    /// Count it and drop it.
    Dropped,
}

/// One plugin's log use in this run.
#[derive(Debug, Default)]
pub(crate) struct LogBudget {
    lines: AtomicU64,
    bytes: AtomicU64,
    dropped: AtomicU64,
}

impl LogBudget {
    /// Accounts one line of `len` bytes.
    pub(crate) fn admit(&self, len: usize) -> Admit {
        let len = u64::try_from(len).unwrap_or(u64::MAX);
        let lines = self.lines.fetch_add(1, Ordering::Relaxed) + 1;
        let bytes = self
            .bytes
            .fetch_add(len, Ordering::Relaxed)
            .saturating_add(len);
        if lines <= LOG_LINES_PER_RUN && bytes <= LOG_BYTES_PER_RUN {
            return Admit::Write;
        }
        match self.dropped.fetch_add(1, Ordering::Relaxed) {
            0 => Admit::FirstDropped,
            _ => Admit::Dropped,
        }
    }

    /// Lines dropped so far.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_past_either_cap_are_counted_not_written() {
        let budget = LogBudget::default();
        for _ in 0..LOG_LINES_PER_RUN {
            assert_eq!(budget.admit(10), Admit::Write);
        }
        assert_eq!(budget.admit(10), Admit::FirstDropped);
        assert_eq!(budget.admit(10), Admit::Dropped);
        assert_eq!(budget.dropped(), 2);

        let budget = LogBudget::default();
        assert_eq!(
            budget.admit(usize::try_from(LOG_BYTES_PER_RUN).unwrap()),
            Admit::Write
        );
        assert_eq!(budget.admit(1), Admit::FirstDropped);
    }
}
