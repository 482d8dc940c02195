//! The source's saved state (delta links, member lists, user anchors), written crash-safely:
//! a snapshot file, plus an append-only journal of the changes committed since, so an
//! incremental commit writes only its change instead of the whole tenant.
//!
//! Every change carries a generation number (the count of changes applied since the state
//! began). Loading reads the snapshot and applies the journal entries newer than it, in order;
//! an entry cut short by a crash is ignored (that commit did not happen). A full round, or a
//! journal grown past half the snapshot, writes a new snapshot and removes the journal; a crash
//! in between leaves only entries the snapshot already holds, which loading skips.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use gwb_model::{MemberKind, UserAnchor};
use serde::{Deserialize, Serialize};

/// The state file format version this build reads and writes.
const STATE_VERSION: u32 = 1;

/// What the source remembers between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SourceState {
    /// Format version.
    pub version: u32,
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
    /// Groups to deliver again next round although they may not change (asked for by the
    /// caller at the last commit).
    #[serde(default)]
    pub read_again: BTreeSet<String>,
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
    /// When the round was read (seconds since the Unix epoch).
    pub now_unix: u64,
    /// Groups the caller wants delivered again next round.
    pub read_again: BTreeSet<String>,
}

impl SourceState {
    /// Applies a round's change.
    pub(crate) fn apply(&mut self, change: StateChange) {
        self.version = STATE_VERSION;
        self.generation += 1;
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
        self.read_again = change.read_again;
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

/// Reads a file; a missing one is `None`.
fn read_if_present(path: &Path) -> Result<Option<Vec<u8>>, StateError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(StateError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Loads the snapshot and applies the journal; no snapshot is `None` (a journal without one
/// is ignored: the first commit after it writes a snapshot).
pub(crate) fn load(path: &Path) -> Result<Option<Loaded>, StateError> {
    let Some(bytes) = read_if_present(path)? else {
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
    if let Some(bytes) = read_if_present(&journal)? {
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
            if entry.generation != state.generation + 1 {
                return Err(corrupt(
                    &journal,
                    format!(
                        "entry {} follows state {}: changes are missing",
                        entry.generation, state.generation
                    ),
                ));
            }
            state.apply(entry.change);
        }
    }
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
    let mut file = OpenOptions::new()
        .append(true)
        .create(true)
        .open(&journal)
        .map_err(&io)?;
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
    let io = io_error(path);
    let bytes = serde_json::to_vec(state).map_err(|e| corrupt(path, e.to_string()))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(&io)?;
    }
    let mut tmp_name = path.file_name().unwrap_or_default().to_owned();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    {
        let mut file = File::create(&tmp).map_err(&io)?;
        file.write_all(&bytes).map_err(&io)?;
        file.sync_all().map_err(&io)?;
    }
    std::fs::rename(&tmp, path).map_err(&io)?;
    sync_dir(path)?;
    if remove_if_present(&journal_path(path))? {
        sync_dir(path)?;
    }
    Ok(bytes.len() as u64)
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
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
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
            memory.apply(change);
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
        memory.apply(first);
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
        memory.apply(again);
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
        memory.apply(first);
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
