//! The source's saved state (delta links, member lists, user anchors), written crash-safely.

use std::collections::{BTreeMap, BTreeSet};
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
/// the whole state (cost follows the change, not the tenant).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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

/// Loads the state; a missing file is `None`.
pub(crate) fn load(path: &Path) -> Result<Option<SourceState>, StateError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(StateError::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    let state: SourceState = serde_json::from_slice(&bytes).map_err(|e| StateError::Corrupt {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    if state.version != STATE_VERSION {
        return Err(StateError::Corrupt {
            path: path.to_owned(),
            reason: format!(
                "version {} (this build reads {STATE_VERSION})",
                state.version
            ),
        });
    }
    Ok(Some(state))
}

/// Saves the state: write a temporary file, fsync it, rename it over the old one, fsync the
/// directory. A crash leaves either the old or the new state, never a torn one.
pub(crate) fn save(path: &Path, state: &SourceState) -> Result<(), StateError> {
    let io = |source| StateError::Io {
        path: path.to_owned(),
        source,
    };
    let bytes = serde_json::to_vec(state).map_err(|e| StateError::Corrupt {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let mut tmp_name = path.file_name().unwrap_or_default().to_owned();
    tmp_name.push(".tmp");
    let tmp = dir.join(tmp_name);
    {
        let mut file = std::fs::File::create(&tmp).map_err(io)?;
        file.write_all(&bytes).map_err(io)?;
        file.sync_all().map_err(io)?;
    }
    std::fs::rename(&tmp, path).map_err(io)?;
    std::fs::File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(io)?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn saves_and_loads_and_refuses_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("graph-state.json");
        assert_eq!(load(&path).unwrap(), None);
        let mut state = SourceState {
            version: STATE_VERSION,
            selection: "sel".into(),
            ..SourceState::default()
        };
        state.groups_delta_link = Some("https://graph/delta?$deltatoken=x".into());
        state
            .members
            .entry("g".into())
            .or_default()
            .insert("u".into(), MemberKind::User);
        save(&path, &state).unwrap();
        assert_eq!(load(&path).unwrap(), Some(state));
        assert!(!dir.path().join("graph-state.json.tmp").exists());
        std::fs::write(&path, b"{").unwrap();
        assert!(matches!(load(&path), Err(StateError::Corrupt { .. })));
    }
}
