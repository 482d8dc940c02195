//! One writing run at a time per state directory: an exclusive lock on `<state_dir>/gwb.lock`,
//! held until the run ends, so a scheduled `gwb sync` that overlaps the previous one stops
//! with a clear message instead of applying and committing the same changes twice.

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
    /// Takes the lock in `state_dir` (created if missing), or fails naming the process that
    /// holds it.
    pub fn acquire(state_dir: &Path) -> anyhow::Result<RunLock> {
        std::fs::create_dir_all(state_dir).with_context(|| {
            format!("cannot create the state directory {}", state_dir.display())
        })?;
        let path = state_dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("cannot open the lock file {}", path.display()))?;
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
