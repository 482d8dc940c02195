//! The defaults of the limits every run respects: a plugin's sandbox limits and the guards'
//! thresholds. docs/rules-file.md documents these values; the rules-file
//! parser, the plugin runtime and the guards all take them from here, so they cannot drift.

/// A plugin call's time budget when the rules file sets no `limits.time_ms`, in milliseconds.
pub const PLUGIN_TIME_MS: u64 = 50;
/// A plugin instance's memory limit when the rules file sets no `limits.memory_mib`, in MiB.
pub const PLUGIN_MEMORY_MIB: u64 = 16;
/// Calls a plugin instance serves before it is replaced by a fresh one when the rules file sets
/// no `limits.recycle_after_calls`: bounds what a plugin leaks outside its linear memory (host
/// handles, of which a store holds at most 100,000) at the cost of one instantiation per
/// 10,000 calls.
pub const PLUGIN_RECYCLE_AFTER_CALLS: u64 = 10_000;
/// `[guards] max_deletes`: most groups one run may delete or move away (Connect's default).
pub const MAX_DELETES: usize = 500;
/// `[guards] max_creates`: most groups one run may create, so that a scope or rules mistake
/// cannot fill AD with a whole tenant's groups in one run.
pub const MAX_CREATES: usize = 500;
/// `[guards] max_delete_percent`: most groups one run may remove, as a percentage of the
/// groups gwb owns.
pub const MAX_DELETE_PERCENT: f64 = 20.0;
/// `[guards] max_member_removal_percent`: most members one group may lose in one run, as a
/// percentage of its members.
pub const MAX_MEMBER_REMOVAL_PERCENT: f64 = 50.0;
