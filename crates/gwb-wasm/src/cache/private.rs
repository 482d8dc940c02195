//! Files and folders only the user running gwb controls: created private, checked for owner and
//! mode, opened without following symbolic links.

use std::fs::{DirBuilder, File, Metadata};
use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::Path;

use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;

/// Mode bits a file or folder must not have, and how a refusal says so.
pub(super) struct Forbidden {
    bits: u32,
    meaning: &'static str,
}

/// Nobody but the owner may change the file, or a folder's entries.
pub(super) const WRITABLE_BY_OTHERS: Forbidden = Forbidden {
    bits: 0o022,
    meaning: "is writable by group or others",
};
/// Nobody but the owner may have any access to the file.
pub(super) const OPEN_TO_OTHERS: Forbidden = Forbidden {
    bits: 0o077,
    meaning: "gives group or others access",
};

/// Creates `dir` and the parents it lacks, each with mode 0700. An existing folder is left as
/// it is (for [`check_dir`] to judge).
pub(super) fn create_dir(dir: &Path) -> Result<(), String> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("cannot create it: {e}"))
}

/// Refuses a folder that is a symbolic link, not a folder, not owned by the user running gwb,
/// or writable by group or others.
pub(super) fn check_dir(dir: &Path) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(dir).map_err(|e| format!("cannot inspect it: {e}"))?;
    if meta.file_type().is_symlink() {
        return Err("it is a symbolic link (not followed)".into());
    }
    if !meta.is_dir() {
        return Err("it is not a folder".into());
    }
    check_owner_and_mode(&meta, &WRITABLE_BY_OTHERS)
}

/// The content of the regular file at `path`, opened without following a symbolic link, when
/// the user running gwb owns it and none of the `forbidden` mode bits is set. `Ok(None)` when
/// there is no such file; `Err` says why the file is refused.
pub(super) fn read_private(path: &Path, forbidden: &Forbidden) -> Result<Option<Vec<u8>>, String> {
    let Some(mut file) = open_no_follow(path)? else {
        return Ok(None);
    };
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot inspect it: {e}"))?;
    if !meta.is_file() {
        return Err("it is not a regular file".into());
    }
    check_owner_and_mode(&meta, forbidden)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read it: {e}"))?;
    Ok(Some(bytes))
}

/// Opens `path` for reading; a symbolic link is refused rather than followed, and a FIFO does
/// not block. The checks then look at the opened file itself, so nothing can be swapped in
/// between.
fn open_no_follow(path: &Path) -> Result<Option<File>, String> {
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    match rustix::fs::open(path, flags, Mode::empty()) {
        Ok(fd) => Ok(Some(File::from(fd))),
        Err(Errno::NOENT) => Ok(None),
        Err(Errno::LOOP) => Err("it is a symbolic link (not followed)".into()),
        Err(e) => Err(format!("cannot open it: {e}")),
    }
}

/// Refuses `meta` unless the user running gwb owns it and none of the `forbidden` mode bits is
/// set.
fn check_owner_and_mode(meta: &Metadata, forbidden: &Forbidden) -> Result<(), String> {
    let user = rustix::process::geteuid().as_raw();
    if meta.uid() != user {
        return Err(format!(
            "it is owned by uid {}, not by the user running gwb (uid {user})",
            meta.uid()
        ));
    }
    let mode = meta.mode() & 0o7777;
    if mode & forbidden.bits != 0 {
        return Err(format!("it {} (mode {mode:04o})", forbidden.meaning));
    }
    Ok(())
}
