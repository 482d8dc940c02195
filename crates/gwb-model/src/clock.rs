//! The wall clock, read in exactly one place and injected everywhere else, so tests can fix
//! it and a run can be replayed. Durations are measured with `Instant` (monotonic), not here.

use std::time::SystemTime;

/// A wall clock: the time "now" for token assertions, HTTP-date `Retry-After`s and the age of
/// the last full round. Inject [`system_clock`] in production and a fixed function in tests.
pub type Clock = fn() -> SystemTime;

/// The system's wall clock: the only place gwb reads it.
#[expect(clippy::disallowed_methods, reason = "the one wall-clock read")]
pub fn system_clock() -> SystemTime {
    SystemTime::now()
}
