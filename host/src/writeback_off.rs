//! The record that writeback is turned off: `gwb disable --delete|--release|--keep` writes it
//! in the state directory before its first write to AD, and while it is there `gwb sync` and
//! `gwb plan` refuse to run, so a scheduled sync cannot silently write the groups back again.
//! `gwb state reset` removes it, which turns writeback on again (with a full round).
//!
//! It is a state file like the others: written crash-safely (temporary file, rename), mode
//! 0600, never read through a symbolic link. One that cannot be read keeps sync stopped.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// The record's file name inside `[graph] state_dir`.
pub const DISABLED_FILE: &str = "writeback-disabled.json";

/// Writeback was turned off: how and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disabled {
    /// The `gwb disable` mode that turned it off: `delete`, `release` or `keep`.
    pub mode: String,
    /// When, in seconds since the Unix epoch (from the run's clock).
    pub at_unix: u64,
}

impl Disabled {
    /// The record's path in `state_dir`.
    pub fn path(state_dir: &Path) -> PathBuf {
        state_dir.join(DISABLED_FILE)
    }

    /// The record in `state_dir`, if writeback is off.
    pub fn load(state_dir: &Path) -> anyhow::Result<Option<Disabled>> {
        let path = Self::path(state_dir);
        let Some(bytes) = gwb_graph::read_state_file(&path)? else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes).map(Some).with_context(|| {
            format!(
                "{} is unreadable, so writeback may have been turned off by `gwb disable`; \
                 look at it, then run `gwb state reset` to turn writeback on again",
                path.display()
            )
        })
    }

    /// Writes the record to `state_dir`, replacing any earlier one.
    pub fn save(&self, state_dir: &Path) -> anyhow::Result<()> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        gwb_graph::write_state_file(&Self::path(state_dir), &bytes)?;
        Ok(())
    }

    /// Removes the record from `state_dir`; true when there was one.
    pub fn clear(state_dir: &Path) -> anyhow::Result<bool> {
        Ok(gwb_graph::remove_state_file(&Self::path(state_dir))?)
    }

    /// `` `gwb disable --release` on <date> ``.
    pub fn describe(&self) -> String {
        format!(
            "`gwb disable --{}` on {}",
            self.mode,
            http_date(self.at_unix)
        )
    }
}

/// Fails, saying how writeback was turned off and how to turn it on again, when `state_dir`
/// holds the record (or one that cannot be read).
pub fn refuse_if_disabled(state_dir: &Path) -> anyhow::Result<()> {
    let Some(disabled) = Disabled::load(state_dir)? else {
        return Ok(());
    };
    anyhow::bail!(
        "writeback is turned off: {} (recorded in {}), so `gwb sync` and `gwb plan` refuse to \
         run rather than write groups back again; nothing was read or written. To turn \
         writeback on again, run `gwb state reset` (it removes this record; the next sync is a \
         full round)",
        disabled.describe(),
        Disabled::path(state_dir).display()
    )
}

/// Seconds since the Unix epoch of `time` (0 before it).
pub fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// `unix` seconds as an HTTP date (`Sun, 06 Dec 2026 17:00:11 GMT`): UTC, unambiguous.
pub fn http_date(unix: u64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(unix))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn the_record_is_private_read_back_and_refuses_sync_until_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let state_dir = dir.path().join("state");
        assert!(
            refuse_if_disabled(&state_dir).is_ok(),
            "no record, no refusal"
        );
        let disabled = Disabled {
            mode: "release".into(),
            at_unix: 1_796_576_411,
        };
        disabled.save(&state_dir).unwrap();
        let path = Disabled::path(&state_dir);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o600);
        assert_eq!(Disabled::load(&state_dir).unwrap(), Some(disabled));
        assert_eq!(
            refuse_if_disabled(&state_dir).unwrap_err().to_string(),
            format!(
                "writeback is turned off: `gwb disable --release` on Sun, 06 Dec 2026 \
                 17:00:11 GMT (recorded in {}), so `gwb sync` and `gwb plan` refuse to run \
                 rather than write groups back again; nothing was read or written. To turn \
                 writeback on again, run `gwb state reset` (it removes this record; the next \
                 sync is a full round)",
                path.display()
            )
        );
        assert!(Disabled::clear(&state_dir).unwrap());
        assert!(!Disabled::clear(&state_dir).unwrap());
        assert!(refuse_if_disabled(&state_dir).is_ok());
    }

    #[test]
    fn an_unreadable_record_keeps_sync_stopped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        std::fs::write(Disabled::path(dir.path()), b"{").unwrap();
        let err = refuse_if_disabled(dir.path()).unwrap_err();
        assert!(
            format!("{err:#}").starts_with(&format!(
                "{} is unreadable, so writeback may have been turned off",
                Disabled::path(dir.path()).display()
            )),
            "{err:#}"
        );
        let target = dir.path().join("elsewhere.json");
        std::fs::write(&target, br#"{"mode":"keep","at_unix":0}"#).unwrap();
        std::fs::remove_file(Disabled::path(dir.path())).unwrap();
        std::os::unix::fs::symlink(&target, Disabled::path(dir.path())).unwrap();
        let err = refuse_if_disabled(dir.path()).unwrap_err();
        assert!(
            err.to_string()
                .contains("it is a symbolic link (not followed)"),
            "{err:#}"
        );
    }
}
