//! Files and folders only the user running gwb controls: created private, checked for owner and
//! mode by [`gwb_model::ownership`], opened without following symbolic links.

use std::fs::{DirBuilder, File};
use std::io::Read;
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;

use gwb_model::ownership;
use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;

pub(super) use gwb_model::ownership::{Forbidden, OPEN_TO_OTHERS, WRITABLE_BY_OTHERS};

/// Creates `dir` and the parents it lacks, each with mode 0700. An existing folder is left as
/// it is (for [`check_dir`] to judge).
pub(super) fn create_dir(dir: &Path) -> Result<(), String> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("cannot create it: {e}"))
}

/// Refuses a folder that is a symbolic link, not a folder, not owned by the user running gwb
/// (or root), or writable by group or others.
pub(super) fn check_dir(dir: &Path) -> Result<(), String> {
    ownership::check_dir(dir)
        .map(drop)
        .map_err(|why| why.to_string())
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
    ownership::check_owner_and_mode(&meta, forbidden).map_err(|why| why.to_string())?;
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
