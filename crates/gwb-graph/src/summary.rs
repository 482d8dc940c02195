//! A readable summary of the saved source state, for `gwb state show`.

use std::fmt;
use std::path::Path;

use crate::state::{self, StateBinding, StateError};

/// What the saved state holds, without its bulk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateSummary {
    /// The tenant, app and AD domain the state belongs to; `None` in a state written before
    /// gwb recorded them (the next commit records the pair running then).
    pub binding: Option<StateBinding>,
    /// The next groups round continues from a deltaLink (else it is full).
    pub has_groups_delta_link: bool,
    /// The next users round continues from a deltaLink.
    pub has_users_delta_link: bool,
    /// Groups whose membership is remembered.
    pub groups: usize,
    /// Memberships remembered, over all groups.
    pub memberships: usize,
    /// Users whose on-premises anchors are remembered.
    pub users: usize,
    /// Groups the next round reads again (the last run failed on or skipped them).
    pub read_again: usize,
    /// Cloud removals the next round hands over again (AD refused them last time).
    pub deletes_again: usize,
    /// Incremental rounds committed since the last full one.
    pub runs_since_full: u32,
    /// When the last full round was committed, seconds since the Unix epoch.
    pub last_full_unix: Option<u64>,
}

impl StateSummary {
    /// Summarizes the state file at `path`; `None` when there is none yet.
    pub fn load(path: &Path) -> Result<Option<StateSummary>, StateError> {
        Ok(state::load(path)?
            .map(|loaded| loaded.state)
            .map(|s| StateSummary {
                binding: s.binding,
                has_groups_delta_link: s.groups_delta_link.is_some(),
                has_users_delta_link: s.users_delta_link.is_some(),
                groups: s.members.len(),
                memberships: s.members.values().map(|m| m.len()).sum(),
                users: s.users.len(),
                read_again: s.read_again.len(),
                deletes_again: s.deletes_again.len(),
                runs_since_full: s.runs_since_full,
                last_full_unix: s.last_full_unix,
            }))
    }
}

impl fmt::Display for StateSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let yes_no = |b: bool| if b { "yes" } else { "no (next round is full)" };
        match &self.binding {
            Some(binding) => writeln!(f, "  belongs to: {binding}")?,
            None => writeln!(
                f,
                "  belongs to: not recorded yet (an older state; the next sync records its \
                 tenant, app and AD domain)"
            )?,
        }
        writeln!(
            f,
            "  groups deltaLink: {}",
            yes_no(self.has_groups_delta_link)
        )?;
        writeln!(
            f,
            "  users deltaLink: {}",
            yes_no(self.has_users_delta_link)
        )?;
        writeln!(
            f,
            "  groups: {} with {} memberships",
            self.groups, self.memberships
        )?;
        writeln!(f, "  users with on-premises anchors: {}", self.users)?;
        writeln!(
            f,
            "  groups the next run reads again (failed or skipped last time): {}",
            self.read_again
        )?;
        writeln!(
            f,
            "  cloud removals the next run tries again (refused last time): {}",
            self.deletes_again
        )?;
        writeln!(
            f,
            "  incremental rounds since the last full one: {}",
            self.runs_since_full
        )?;
        match self.last_full_unix {
            Some(secs) => write!(
                f,
                "  last full round: {secs} (seconds since 1970-01-01 UTC)"
            ),
            None => write!(f, "  last full round: never"),
        }
    }
}
