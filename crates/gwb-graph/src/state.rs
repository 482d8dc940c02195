//! The source's saved state (delta links, member lists, user anchors), written crash-safely:
//! a snapshot file, plus an append-only journal of the changes committed since, so an
//! incremental commit writes only its change instead of the whole tenant.
//!
//! Every change carries a generation number (the count of changes applied since the state
//! began). Loading reads the snapshot and applies the journal entries newer than it, in order;
//! an entry cut short by a crash is ignored (that commit did not happen). A full round, or a
//! journal grown past half the snapshot, writes a new snapshot and removes the journal; a crash
//! in between leaves only entries the snapshot already holds, which loading skips.
//!
//! The state belongs to one tenant, app and AD domain ([`StateBinding`]): opened for another,
//! it is refused. Its files are private to the user running gwb: created with mode 0600 in a
//! directory created 0700, never opened through a symbolic link, and a directory that group or
//! others may write, that another user owns (root excepted) or that is a symbolic link is
//! refused (they could plant or swap state files in it).

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{DirBuilder, File, OpenOptions, Permissions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use gwb_model::ownership::{self, Untrusted};
use gwb_model::{MemberKind, UserAnchor};
use rustix::fs::OFlags;
use serde::{Deserialize, Serialize};

use crate::exchange_settings::ExchangeSettings;

/// The state file format version this build reads and writes.
const STATE_VERSION: u32 = 1;
/// The mode of every file gwb creates in the state directory.
const FILE_MODE: u32 = 0o600;
/// The mode of the state directory (and the parents) gwb creates.
const DIR_MODE: u32 = 0o700;
/// Mode bits that give group or others any access.
const OPEN_TO_OTHERS: u32 = 0o077;

/// The tenant, app and AD domain a state was written for. Delta links, member lists and user
/// anchors describe one tenant as one app sees it, written into one domain: a state carried
/// over to another pair would make gwb skip changes it never read, or delete what the other
/// pair's state knew of. So a state is used only by the pair it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateBinding {
    /// The Entra tenant id (a GUID or a domain name), as configured.
    pub tenant_id: String,
    /// The app registration's application (client) id.
    pub client_id: String,
    /// The AD domain's objectGUID (of the default naming context's head); `None` when the
    /// caller writes no AD domain.
    pub ad_domain_guid: Option<String>,
}

impl StateBinding {
    /// How `configured` differs from this saved binding, one `what: saved …, configured …` per
    /// value; empty when it is the same pair. Every value is compared without regard to ASCII
    /// case: they are GUIDs or domain names, whose case means nothing.
    fn differences(&self, configured: &StateBinding) -> Vec<String> {
        let none = || "none".to_owned();
        let quoted = |v: &str| format!("`{v}`");
        let values = [
            (
                "tenant id",
                Some(self.tenant_id.as_str()),
                Some(configured.tenant_id.as_str()),
            ),
            (
                "client id",
                Some(self.client_id.as_str()),
                Some(configured.client_id.as_str()),
            ),
            (
                "AD domain GUID",
                self.ad_domain_guid.as_deref(),
                configured.ad_domain_guid.as_deref(),
            ),
        ];
        values
            .into_iter()
            .filter(|(_, saved, now)| match (saved, now) {
                (Some(saved), Some(now)) => !saved.eq_ignore_ascii_case(now),
                (saved, now) => saved != now,
            })
            .map(|(what, saved, now)| {
                format!(
                    "{what}: saved {}, configured {}",
                    saved.map_or_else(none, quoted),
                    now.map_or_else(none, quoted)
                )
            })
            .collect()
    }

    /// Refuses `configured` unless it is this saved binding's pair; `path` is the state file.
    pub(crate) fn check(&self, path: &Path, configured: &StateBinding) -> Result<(), StateError> {
        let differences = self.differences(configured);
        if differences.is_empty() {
            return Ok(());
        }
        Err(StateError::OtherPair {
            path: path.to_owned(),
            differences: differences.join("; "),
        })
    }
}

impl std::fmt::Display for StateBinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "tenant {}, app {}, AD domain {}",
            self.tenant_id,
            self.client_id,
            self.ad_domain_guid.as_deref().unwrap_or("none")
        )
    }
}

/// What the source remembers between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SourceState {
    /// Format version.
    pub version: u32,
    /// The pair the state belongs to. Absent in states written before it existed: the next
    /// commit records the pair then running (it writes a snapshot), and until then the state
    /// is not refused.
    #[serde(default)]
    pub binding: Option<StateBinding>,
    /// Changes applied since the state began (the last one's journal generation).
    #[serde(default)]
    pub generation: u64,
    /// Fingerprint of the properties read; a change forces a full round.
    pub selection: String,
    /// Fingerprint of the caller's rules; a change forces a full round. Absent in states
    /// written before it existed, which therefore start with one full round.
    #[serde(default)]
    pub rules_fingerprint: String,
    /// The groups deltaLink of the last committed round.
    pub groups_delta_link: Option<String>,
    /// The users deltaLink of the last committed round.
    pub users_delta_link: Option<String>,
    /// Direct members of every known group: group id → member id → kind.
    pub members: BTreeMap<String, BTreeMap<String, MemberKind>>,
    /// On-premises anchors of every known user, by id.
    pub users: BTreeMap<String, UserAnchor>,
    /// The on-premises SID of every known group synced from AD, by id: a cloud group nesting
    /// one resolves it in AD by this SID.
    #[serde(default)]
    pub synced_groups: BTreeMap<String, String>,
    /// The `allowExternalSenders`/`hideFromAddressLists` last read of every known Microsoft
    /// 365 group, by id (when `read_exchange_settings` is on): a round that cannot read a
    /// group's settings hands these over instead.
    #[serde(default)]
    pub exchange_settings: BTreeMap<String, ExchangeSettings>,
    /// Groups to deliver again next round although they may not change (asked for by the
    /// caller at the last commit).
    #[serde(default)]
    pub read_again: BTreeSet<String>,
    /// Groups removed in the cloud whose removal the caller could not finish (a failed delete
    /// in AD), by id, with whether the removal was a hard delete: delivered again as removals
    /// next round, until a commit no longer asks for them (there is no cloud group left to
    /// read again).
    #[serde(default)]
    pub deletes_again: BTreeMap<String, bool>,
    /// Incremental rounds committed since the last full round.
    pub runs_since_full: u32,
    /// When the last full round was committed (seconds since the Unix epoch).
    pub last_full_unix: Option<u64>,
}

/// Why the state could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Reading or writing failed.
    #[error("state file {path}: {source}; check the directory exists and is writable")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a state file of this version.
    #[error("state file {path} is unreadable ({reason}); move it away to start with a full round")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The state was written for another tenant, app or AD domain.
    #[error(
        "state file {path} was written for another tenant, app or AD domain ({differences}); \
         gwb refuses to use it. Point [graph] state_dir at this pair's own directory, or run \
         `gwb state reset` if the pair really changed"
    )]
    OtherPair {
        /// The state file.
        path: PathBuf,
        /// Each value that differs, saved and configured.
        differences: String,
    },
    /// A state file is a symbolic link, not a regular file, or cannot be made private.
    #[error(
        "state file {path} is refused: {reason}; remove it and check who put it there (gwb \
         never follows a symbolic link in the state directory)"
    )]
    Unsafe {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The state directory lets group or others change its entries.
    #[error(
        "state directory {path} is writable by group or others (mode {mode:04o}), so another \
         user could plant or swap state files in it; run `chmod 700 {path}` (gwb creates it \
         with mode 0700)"
    )]
    UnsafeDirectory {
        /// The directory.
        path: PathBuf,
        /// Its mode bits.
        mode: u32,
    },
    /// The state directory belongs to another user, or is a symbolic link or not a folder.
    #[error("state directory {path} is refused: {reason}; {fix}")]
    UntrustedDirectory {
        /// The directory.
        path: PathBuf,
        /// Why ([`gwb_model::ownership::Untrusted`]'s text).
        reason: String,
        /// What to do about it.
        fix: String,
    },
    /// The checkpoint is not based on the state now saved.
    #[error("this checkpoint is older than the state already committed; read a new round instead")]
    Stale,
    /// The background writer stopped.
    #[error("the state writer task failed: {0}")]
    Writer(String),
}

/// What one round changes in the state: applied on commit, so reading a round never copies
/// the whole state (cost follows the change, not the tenant). Journal entries hold these.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StateChange {
    /// The selection fingerprint of the round.
    pub selection: String,
    /// The rules fingerprint of the round.
    pub rules_fingerprint: String,
    /// Users were read in full: `users` replaces the index.
    pub full_users: bool,
    /// Groups were read in full: `members` replaces the member lists.
    pub full_groups: bool,
    /// The new users deltaLink.
    pub users_delta_link: String,
    /// The new groups deltaLink.
    pub groups_delta_link: String,
    /// Users added or changed (`Some`) or removed (`None`).
    pub users: BTreeMap<String, Option<UserAnchor>>,
    /// Groups' complete member lists (`Some`) or removed groups (`None`).
    pub members: BTreeMap<String, Option<BTreeMap<String, MemberKind>>>,
    /// Groups read this round: their on-premises SID when synced from AD (`Some`), else
    /// `None` (not synced, or removed).
    #[serde(default)]
    pub synced_groups: BTreeMap<String, Option<String>>,
    /// Microsoft 365 groups' Exchange settings to keep (`Some`: read now, or carried over on a
    /// full round) or to forget (`None`: the group is removed or no longer one to read).
    #[serde(default)]
    pub exchange_settings: BTreeMap<String, Option<ExchangeSettings>>,
    /// When the round was read (seconds since the Unix epoch).
    pub now_unix: u64,
    /// Groups the caller wants delivered again next round.
    pub read_again: BTreeSet<String>,
    /// Removals the caller wants delivered again next round (id → hard delete).
    #[serde(default)]
    pub deletes_again: BTreeMap<String, bool>,
}

impl SourceState {
    /// The generation the next change gets; a state at `u64::MAX` (crafted or corrupt: no
    /// real state gets there) is refused as `path`'s fault rather than wrapped around.
    pub(crate) fn next_generation(&self, path: &Path) -> Result<u64, StateError> {
        self.generation.checked_add(1).ok_or_else(|| {
            corrupt(
                path,
                format!(
                    "generation {} leaves no number for the next change",
                    self.generation
                ),
            )
        })
    }

    /// Applies a round's change as change number `generation` (from
    /// [`SourceState::next_generation`]).
    pub(crate) fn apply(&mut self, generation: u64, change: StateChange) {
        self.version = STATE_VERSION;
        self.generation = generation;
        self.selection = change.selection;
        self.rules_fingerprint = change.rules_fingerprint;
        if change.full_users {
            self.users.clear();
        }
        for (id, anchor) in change.users {
            match anchor {
                Some(anchor) => self.users.insert(id, anchor),
                None => self.users.remove(&id),
            };
        }
        if change.full_groups {
            self.members.clear();
            self.synced_groups.clear();
            self.exchange_settings.clear();
            self.runs_since_full = 0;
            self.last_full_unix = Some(change.now_unix);
        } else {
            self.runs_since_full = self.runs_since_full.saturating_add(1);
        }
        for (id, members) in change.members {
            match members {
                Some(members) => self.members.insert(id, members),
                None => self.members.remove(&id),
            };
        }
        for (id, sid) in change.synced_groups {
            match sid {
                Some(sid) => self.synced_groups.insert(id, sid),
                None => self.synced_groups.remove(&id),
            };
        }
        for (id, settings) in change.exchange_settings {
            match settings {
                Some(settings) => self.exchange_settings.insert(id, settings),
                None => self.exchange_settings.remove(&id),
            };
        }
        self.read_again = change.read_again;
        self.deletes_again = change.deletes_again;
        self.users_delta_link = Some(change.users_delta_link);
        self.groups_delta_link = Some(change.groups_delta_link);
    }
}

/// A loaded state and the sizes the next commit needs.
#[derive(Debug)]
pub(crate) struct Loaded {
    /// The state, journal applied.
    pub state: SourceState,
    /// Bytes of the snapshot file.
    pub snapshot_bytes: u64,
    /// Bytes of the journal's valid prefix (a torn last entry excluded).
    pub journal_bytes: u64,
}

/// One journal line: written from a borrowed change, read into an owned one.
#[derive(Serialize, Deserialize)]
struct JournalEntry<C> {
    generation: u64,
    change: C,
}

/// The journal that goes with the snapshot at `path`.
pub(crate) fn journal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".journal");
    PathBuf::from(name)
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> StateError + '_ {
    move |source| StateError::Io {
        path: path.to_owned(),
        source,
    }
}

fn corrupt(path: &Path, reason: impl Into<String>) -> StateError {
    StateError::Corrupt {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

/// Creates the state directory `dir` and the parents it lacks, each with mode 0700, and
/// refuses it when group or others may write it, another user owns it (root excepted) or it is
/// a symbolic link. An existing directory keeps its mode and owner.
pub fn create_state_dir(dir: &Path) -> Result<(), StateError> {
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
        .map_err(io_error(dir))?;
    state_dir_mode(dir).map(|_| ())
}

/// The mode bits of the existing state directory `dir`, refused unless it is a folder (not a
/// symbolic link) owned by the user running gwb or root that group and others may not write:
/// the rule of the plugin compile cache ([`ownership::check_dir`]).
fn state_dir_mode(dir: &Path) -> Result<u32, StateError> {
    let untrusted = |why: Untrusted, fix: String| StateError::UntrustedDirectory {
        path: dir.to_owned(),
        reason: why.to_string(),
        fix,
    };
    match ownership::check_dir(dir) {
        Ok(meta) => Ok(meta.mode() & 0o7777),
        Err(Untrusted::Inspect(source)) => Err(io_error(dir)(source)),
        Err(Untrusted::Mode { mode, .. }) => Err(StateError::UnsafeDirectory {
            path: dir.to_owned(),
            mode,
        }),
        Err(why @ Untrusted::Owner { user, .. }) => {
            let fix = format!(
                "its owner could plant or swap state files in it. Run gwb as the user that owns \
                 it, or give it to this one with `chown -R {user} {}`",
                dir.display()
            );
            Err(untrusted(why, fix))
        }
        Err(why) => {
            let fix = "point [graph] state_dir at the real directory (gwb never follows a \
                       symbolic link to its state)"
                .to_owned();
            Err(untrusted(why, fix))
        }
    }
}

/// The directory holding `path`.
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// Opens the state file (or lock file) at `path` with `options`, never through a symbolic
/// link: one there is refused, as is anything but a regular file (and a FIFO does not block
/// the open). A file it creates gets mode 0600; one an older gwb left open to group or others
/// is made 0600.
pub fn open_state_file(path: &Path, options: &mut OpenOptions) -> Result<File, StateError> {
    let unsafe_file = |reason: String| StateError::Unsafe {
        path: path.to_owned(),
        reason,
    };
    let flags = OFlags::NOFOLLOW | OFlags::NONBLOCK;
    let file = match options
        .mode(FILE_MODE)
        .custom_flags(flags.bits() as i32)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => {
            return Err(unsafe_file("it is a symbolic link (not followed)".into()));
        }
        Err(source) => return Err(io_error(path)(source)),
    };
    let meta = file.metadata().map_err(io_error(path))?;
    if !meta.is_file() {
        return Err(unsafe_file("it is not a regular file".into()));
    }
    let mode = meta.mode() & 0o7777;
    if mode & OPEN_TO_OTHERS != 0 {
        file.set_permissions(Permissions::from_mode(FILE_MODE))
            .map_err(|e| {
                unsafe_file(format!(
                    "it gives group or others access (mode {mode:04o}) and cannot be made \
                     private: {e}"
                ))
            })?;
    }
    Ok(file)
}

/// Reads a state file (never through a symbolic link); a missing one is `None`.
pub fn read_state_file(path: &Path) -> Result<Option<Vec<u8>>, StateError> {
    let mut file = match open_state_file(path, OpenOptions::new().read(true)) {
        Ok(file) => file,
        Err(StateError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(io_error(path))?;
    Ok(Some(bytes))
}

/// Loads the snapshot and applies the journal; no snapshot is `None` (a journal without one
/// is ignored: the first commit after it writes a snapshot). A state directory that group or
/// others may write is refused; one they may read draws a warning.
pub(crate) fn load(path: &Path) -> Result<Option<Loaded>, StateError> {
    let dir = parent_dir(path);
    if dir.exists() {
        let mode = state_dir_mode(&dir)?;
        if mode & OPEN_TO_OTHERS != 0 {
            tracing::warn!(
                "state directory {} is readable by group or others (mode {mode:04o}); the \
                 state files are mode 0600, but `chmod 700 {}` hides their names too",
                dir.display(),
                dir.display()
            );
        }
    }
    let Some(bytes) = read_state_file(path)? else {
        return Ok(None);
    };
    let mut state: SourceState =
        serde_json::from_slice(&bytes).map_err(|e| corrupt(path, e.to_string()))?;
    if state.version != STATE_VERSION {
        return Err(corrupt(
            path,
            format!(
                "version {} (this build reads {STATE_VERSION})",
                state.version
            ),
        ));
    }
    let journal = journal_path(path);
    let mut journal_bytes = 0;
    // The file the state's generation comes from, named if it is at its limit.
    let mut generation_from = path;
    if let Some(bytes) = read_state_file(&journal)? {
        // Only newline-terminated entries count: a torn last one never committed.
        for line in bytes.split_inclusive(|b| *b == b'\n') {
            if !line.ends_with(b"\n") {
                break;
            }
            let entry: JournalEntry<StateChange> = serde_json::from_slice(line)
                .map_err(|e| corrupt(&journal, format!("entry after byte {journal_bytes}: {e}")))?;
            journal_bytes += line.len() as u64;
            if entry.generation <= state.generation {
                continue; // already in the snapshot
            }
            let next = state.next_generation(&journal)?;
            if entry.generation != next {
                return Err(corrupt(
                    &journal,
                    format!(
                        "entry {} follows state {}: changes are missing",
                        entry.generation, state.generation
                    ),
                ));
            }
            state.apply(next, entry.change);
            generation_from = &journal;
        }
    }
    // Refused now, before a round is read and written to AD, rather than at the commit.
    state.next_generation(generation_from)?;
    Ok(Some(Loaded {
        state,
        snapshot_bytes: bytes.len() as u64,
        journal_bytes,
    }))
}

/// The journal line for `change`, which will be the state's change number `generation`.
pub(crate) fn journal_line(generation: u64, change: &StateChange) -> Result<Vec<u8>, StateError> {
    let entry = JournalEntry { generation, change };
    let mut line = serde_json::to_vec(&entry).map_err(|e| StateError::Writer(e.to_string()))?;
    line.push(b'\n');
    Ok(line)
}

/// Appends one entry to the journal after its valid prefix (dropping a torn tail) and
/// fsyncs it; returns the journal's new length.
pub(crate) fn append(path: &Path, valid_bytes: u64, line: &[u8]) -> Result<u64, StateError> {
    let journal = journal_path(path);
    let io = io_error(&journal);
    let created = !journal.exists();
    let mut file = open_state_file(&journal, OpenOptions::new().append(true).create(true))?;
    if file.metadata().map_err(&io)?.len() != valid_bytes {
        file.set_len(valid_bytes).map_err(&io)?;
    }
    file.write_all(line).map_err(&io)?;
    file.sync_all().map_err(&io)?;
    if created {
        sync_dir(&journal)?;
    }
    Ok(valid_bytes + line.len() as u64)
}

/// Writes a snapshot of `state` (temporary file, fsync, rename, fsync the directory), then
/// removes the journal it supersedes; returns the snapshot's size. A crash leaves either the
/// old or the new snapshot, never a torn one.
pub(crate) fn save_snapshot(path: &Path, state: &SourceState) -> Result<u64, StateError> {
    let bytes = serde_json::to_vec(state).map_err(|e| corrupt(path, e.to_string()))?;
    write_state_file(path, &bytes)?;
    if remove_if_present(&journal_path(path))? {
        sync_dir(path)?;
    }
    Ok(bytes.len() as u64)
}

/// Writes `bytes` as the state file at `path` crash-safely (temporary file, fsync, rename,
/// fsync the directory), creating the state directory (0700) if needed: a crash leaves either
/// the old or the new file, never a torn one. The file is mode 0600.
pub fn write_state_file(path: &Path, bytes: &[u8]) -> Result<(), StateError> {
    let io = io_error(path);
    create_state_dir(&parent_dir(path))?;
    let mut tmp_name = path.file_name().unwrap_or_default().to_owned();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    // A fresh file (mode 0600): a crash's leftover, or a link someone put there, is removed
    // (never followed) first.
    remove_if_present(&tmp)?;
    {
        let mut file = open_state_file(&tmp, OpenOptions::new().write(true).create_new(true))?;
        file.write_all(bytes).map_err(&io)?;
        file.sync_all().map_err(&io)?;
    }
    std::fs::rename(&tmp, path).map_err(&io)?;
    sync_dir(path)
}

/// Removes the state file at `path` (never following a link) and makes the removal durable;
/// true when it existed.
pub fn remove_state_file(path: &Path) -> Result<bool, StateError> {
    let removed = remove_if_present(path)?;
    if removed {
        sync_dir(path)?;
    }
    Ok(removed)
}

/// Removes the saved state at `path` (the snapshot and its journal), so the next round is
/// full; true when there was one.
pub fn remove(path: &Path) -> Result<bool, StateError> {
    let journal = remove_if_present(&journal_path(path))?;
    let snapshot = remove_if_present(path)?;
    Ok(journal || snapshot)
}

/// Removes a file; true when it existed.
fn remove_if_present(path: &Path) -> Result<bool, StateError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(StateError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Fsyncs the directory holding `path`, so a created, renamed or removed entry survives a crash.
fn sync_dir(path: &Path) -> Result<(), StateError> {
    let dir = parent_dir(path);
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error(&dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state_with(group: &str, member: &str) -> SourceState {
        let mut state = SourceState {
            version: STATE_VERSION,
            selection: "sel".into(),
            ..SourceState::default()
        };
        state.groups_delta_link = Some("https://graph/delta?$deltatoken=x".into());
        state
            .members
            .entry(group.into())
            .or_default()
            .insert(member.into(), MemberKind::User);
        state
    }

    /// An incremental change giving `group` the single member `member`.
    fn change(group: &str, member: &str) -> StateChange {
        StateChange {
            selection: "sel".into(),
            users_delta_link: "u".into(),
            groups_delta_link: format!("g-{group}-{member}"),
            members: [(
                group.to_owned(),
                Some([(member.to_owned(), MemberKind::User)].into()),
            )]
            .into(),
            ..StateChange::default()
        }
    }

    fn loaded(path: &Path) -> SourceState {
        load(path).unwrap().unwrap().state
    }

    #[test]
    fn snapshots_save_and_load_and_garbage_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("graph-state.json");
        assert!(load(&path).unwrap().is_none());
        let state = state_with("g", "u");
        let bytes = save_snapshot(&path, &state).unwrap();
        assert_eq!(bytes, std::fs::metadata(&path).unwrap().len());
        assert_eq!(loaded(&path), state);
        assert!(!dir.path().join("graph-state.json.tmp").exists());
        std::fs::write(&path, b"{").unwrap();
        assert!(matches!(load(&path), Err(StateError::Corrupt { .. })));
    }

    #[test]
    fn the_journal_replays_in_order_on_top_of_the_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("graph-state.json");
        let mut memory = state_with("g", "u");
        save_snapshot(&path, &memory).unwrap();
        let mut valid = 0;
        for (group, member) in [("g", "v"), ("h", "w"), ("g", "x")] {
            let change = change(group, member);
            let line = journal_line(memory.generation + 1, &change).unwrap();
            valid = append(&path, valid, &line).unwrap();
            memory.apply(memory.generation + 1, change);
        }
        let on_disk = load(&path).unwrap().unwrap();
        assert_eq!(on_disk.state, memory);
        assert_eq!(on_disk.state.generation, 3);
        assert_eq!(on_disk.journal_bytes, valid);
        assert_eq!(
            on_disk.state.groups_delta_link.as_deref(),
            Some("g-g-x"),
            "the last change wins"
        );
    }

    #[test]
    fn a_torn_last_entry_is_ignored_and_overwritten_by_the_next_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("graph-state.json");
        let mut memory = state_with("g", "u");
        save_snapshot(&path, &memory).unwrap();
        let first = change("g", "v");
        let valid = append(&path, 0, &journal_line(1, &first).unwrap()).unwrap();
        memory.apply(memory.generation + 1, first);
        // A crash in the middle of the second commit's write.
        let torn = journal_line(2, &change("g", "w")).unwrap();
        let mut file = OpenOptions::new()
            .append(true)
            .open(journal_path(&path))
            .unwrap();
        file.write_all(&torn[..torn.len() / 2]).unwrap();
        let on_disk = load(&path).unwrap().unwrap();
        assert_eq!(on_disk.state, memory, "the torn commit did not happen");
        assert_eq!(on_disk.journal_bytes, valid);
        // The next commit replaces the torn tail.
        let again = change("g", "y");
        append(
            &path,
            on_disk.journal_bytes,
            &journal_line(2, &again).unwrap(),
        )
        .unwrap();
        memory.apply(memory.generation + 1, again);
        assert_eq!(loaded(&path), memory);
    }

    #[test]
    fn a_snapshot_supersedes_the_journal_even_if_the_journal_survives_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("graph-state.json");
        let mut memory = state_with("g", "u");
        save_snapshot(&path, &memory).unwrap();
        let first = change("g", "v");
        append(&path, 0, &journal_line(1, &first).unwrap()).unwrap();
        memory.apply(memory.generation + 1, first);
        let old_journal = std::fs::read(journal_path(&path)).unwrap();
        save_snapshot(&path, &memory).unwrap();
        assert!(
            !journal_path(&path).exists(),
            "a snapshot removes the journal"
        );
        // A crash between the rename and the removal: the old journal is still there.
        std::fs::write(journal_path(&path), &old_journal).unwrap();
        assert_eq!(
            loaded(&path),
            memory,
            "entries the snapshot holds are skipped"
        );
    }

    #[test]
    fn states_and_journal_entries_from_before_exchange_settings_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("graph-state.json");
        let without = |value: serde_json::Value, key: &str| {
            let mut value = value;
            let removed = value.as_object_mut().unwrap().remove(key);
            assert!(removed.is_some(), "{key} is written");
            value
        };
        let state = state_with("g", "u");
        let old = without(serde_json::to_value(&state).unwrap(), "exchange_settings");
        std::fs::write(&path, old.to_string()).unwrap();
        let change = change("g", "v");
        let entry = serde_json::to_value(JournalEntry {
            generation: 1,
            change: &change,
        })
        .unwrap();
        let mut old_entry = entry.clone();
        old_entry["change"] = without(entry["change"].clone(), "exchange_settings");
        std::fs::write(journal_path(&path), format!("{old_entry}\n")).unwrap();
        let mut expected = state;
        expected.apply(1, change);
        assert_eq!(loaded(&path), expected);
    }

    #[test]
    fn a_gap_in_the_journal_is_refused_and_remove_clears_everything() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("graph-state.json");
        save_snapshot(&path, &state_with("g", "u")).unwrap();
        append(&path, 0, &journal_line(2, &change("g", "v")).unwrap()).unwrap();
        let err = load(&path).unwrap_err();
        assert!(err.to_string().contains("changes are missing"), "{err}");
        assert!(remove(&path).unwrap());
        assert!(!path.exists() && !journal_path(&path).exists());
        assert!(!remove(&path).unwrap());
    }
}
