//! One writing run at a time per state directory: an exclusive lock on `<state_dir>/gwb.lock`,
//! held until the run ends, so a scheduled `gwb sync` that overlaps the previous one stops
//! with a clear message instead of applying and committing the same changes twice.
//!
//! The lock file is a state file like the others: created mode 0600 in a state directory
//! created 0700, and never opened through a symbolic link (one planted there would make gwb
//! truncate and write whatever it points at).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;

use anyhow::Context;

/// The lock file's name inside the state directory.
pub const LOCK_FILE: &str = "gwb.lock";

/// Held while a run may write AD or the Graph state; released when dropped (or when the
/// process dies, however it dies).
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl RunLock {
    /// Takes the lock in `state_dir` (created if missing, mode 0700), or fails naming the
    /// process that holds it. A state directory group or others may write or another user owns
    /// (root excepted), or a lock file that is a symbolic link, is refused.
    pub fn acquire(state_dir: &Path) -> anyhow::Result<RunLock> {
        gwb_graph::create_state_dir(state_dir)?;
        let path = state_dir.join(LOCK_FILE);
        let mut file = gwb_graph::open_state_file(
            &path,
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false),
        )?;
        match file.try_lock() {
            Ok(()) => {
                // Who holds it, for the message another run prints.
                file.set_len(0)
                    .and_then(|()| file.rewind())
                    .and_then(|()| write!(file, "{}", std::process::id()))
                    .with_context(|| format!("cannot write the lock file {}", path.display()))?;
                Ok(RunLock { _file: file })
            }
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                // Best effort: the holder may be between truncating and writing its pid.
                let _ = file.read_to_string(&mut holder);
                let holder = match holder.trim() {
                    "" => "another gwb process".to_owned(),
                    pid => format!("gwb process {pid}"),
                };
                anyhow::bail!(
                    "{holder} is already running with the state in {}; nothing was done. Wait \
                     for it to finish (runs must not overlap: schedule them further apart)",
                    state_dir.display()
                )
            }
            Err(TryLockError::Error(e)) => {
                Err(e).with_context(|| format!("cannot lock {}", path.display()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn the_lock_is_private_and_its_directory_too() {
        let dir = tempfile::tempdir().unwrap();
        let state_dir = dir.path().join("new/state");
        let lock = RunLock::acquire(&state_dir).unwrap();
        assert_eq!(mode(&state_dir), 0o700);
        assert_eq!(mode(&dir.path().join("new")), 0o700, "created parents too");
        assert_eq!(mode(&state_dir.join(LOCK_FILE)), 0o600);
        drop(lock);
    }

    #[test]
    fn a_symbolic_link_at_the_lock_path_is_refused_and_its_target_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("precious.txt");
        std::fs::write(&target, "keep me").unwrap();
        let target_mode = mode(&target);
        let state_dir = dir.path().join("state");
        std::fs::create_dir(&state_dir).unwrap();
        std::fs::set_permissions(&state_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        let lock = state_dir.join(LOCK_FILE);
        std::os::unix::fs::symlink(&target, &lock).unwrap();
        let err = RunLock::acquire(&state_dir).unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            format!(
                "state file {} is refused: it is a symbolic link (not followed); remove it and \
                 check who put it there (gwb never follows a symbolic link in the state \
                 directory)",
                lock.display()
            )
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
        assert_eq!(mode(&target), target_mode, "its mode is unchanged too");
    }

    #[test]
    fn a_state_directory_others_may_write_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o775)).unwrap();
        let err = RunLock::acquire(dir.path()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "state directory {0} is writable by group or others (mode 0775), so another \
                 user could plant or swap state files in it; run `chmod 700 {0}` (gwb creates \
                 it with mode 0700)",
                dir.path().display()
            )
        );
        assert!(!dir.path().join(LOCK_FILE).exists(), "nothing was created");
    }

    #[test]
    fn a_state_directory_another_user_owns_is_refused() {
        const NOBODY: u32 = 65534;
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::chown(dir.path(), Some(NOBODY), None)
            .expect("chown to another user needs root: the tests run as root, as CI does");
        let user = gwb_model::ownership::running_user();
        let err = RunLock::acquire(dir.path()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "state directory {0} is refused: it is owned by uid {NOBODY}, not by the user \
                 running gwb (uid {user}) or root; its owner could plant or swap state files in \
                 it. Run gwb as the user that owns it, or give it to this one with `chown -R \
                 {user} {0}`",
                dir.path().display()
            )
        );
        assert!(!dir.path().join(LOCK_FILE).exists(), "nothing was created");
    }
}
