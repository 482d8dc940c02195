//! The documented exit codes of `gwb`.

use std::process::ExitCode;

/// How a run ended. The numbers are part of gwb's interface (docs/commands.md lists them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: everything was done.
    Success,
    /// 1: an error stopped the command (bad configuration, unreachable service, …).
    Error,
    /// 3: a safety guard stopped the run before any write.
    GuardStopped,
    /// 4: the run finished, but some groups failed (see the report).
    GroupFailures,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(match exit {
            Exit::Success => 0,
            Exit::Error => 1,
            Exit::GuardStopped => 3,
            Exit::GroupFailures => 4,
        })
    }
}
