//! Who controls a file or folder gwb trusts: the plugin compile cache, the Graph state
//! directory, the gwb source checkout whose build wrappers a new plugin runs. Whoever can change
//! one of those can make gwb (or its user) run their code or forget what it knows, so each must
//! be controlled by the user running gwb alone: owned by that user (or by root, who controls
//! everything anyway), no symbolic link, and without the mode bits that let group or others
//! change it.

use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Mode bits a file or folder must not have, and how a refusal says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forbidden {
    /// The mode bits.
    pub bits: u32,
    /// What having one of them means, after "it": "is writable by group or others".
    pub meaning: &'static str,
}

/// Nobody but the owner may change the file, or a folder's entries.
pub const WRITABLE_BY_OTHERS: Forbidden = Forbidden {
    bits: 0o022,
    meaning: "is writable by group or others",
};

/// Nobody but the owner may have any access to the file.
pub const OPEN_TO_OTHERS: Forbidden = Forbidden {
    bits: 0o077,
    meaning: "gives group or others access",
};

/// Why a file or folder is not trusted. The text reads after the thing's name: "… is refused:
/// it is owned by uid 65534, …".
#[derive(Debug, thiserror::Error)]
pub enum Untrusted {
    /// It cannot be inspected.
    #[error("cannot inspect it: {0}")]
    Inspect(std::io::Error),
    /// It is a symbolic link, which is never followed.
    #[error("it is a symbolic link (not followed)")]
    SymbolicLink,
    /// It is not a folder.
    #[error("it is not a folder")]
    NotAFolder,
    /// It is not a regular file.
    #[error("it is not a regular file")]
    NotAFile,
    /// Another user owns it.
    #[error("it is owned by uid {owner}, not by the user running gwb (uid {user}) or root")]
    Owner {
        /// Its owner's uid.
        owner: u32,
        /// The effective uid running gwb.
        user: u32,
    },
    /// It has a forbidden mode bit.
    #[error("it {meaning} (mode {mode:04o})")]
    Mode {
        /// Its permission bits.
        mode: u32,
        /// What the forbidden bit means ([`Forbidden::meaning`]).
        meaning: &'static str,
    },
}

/// The effective uid of this process: the user gwb runs as.
pub fn running_user() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Refuses `meta` unless the user running gwb or root owns it and none of the `forbidden` mode
/// bits is set.
pub fn check_owner_and_mode(meta: &Metadata, forbidden: &Forbidden) -> Result<(), Untrusted> {
    let user = running_user();
    let owner = meta.uid();
    if owner != user && owner != 0 {
        return Err(Untrusted::Owner { owner, user });
    }
    let mode = meta.mode() & 0o7777;
    if mode & forbidden.bits != 0 {
        return Err(Untrusted::Mode {
            mode,
            meaning: forbidden.meaning,
        });
    }
    Ok(())
}

/// The metadata of folder `dir`, refused when it is a symbolic link (not followed), not a
/// folder, owned by someone other than the user running gwb or root, or writable by group or
/// others.
pub fn check_dir(dir: &Path) -> Result<Metadata, Untrusted> {
    let meta = std::fs::symlink_metadata(dir).map_err(Untrusted::Inspect)?;
    if meta.file_type().is_symlink() {
        return Err(Untrusted::SymbolicLink);
    }
    if !meta.is_dir() {
        return Err(Untrusted::NotAFolder);
    }
    check_owner_and_mode(&meta, &WRITABLE_BY_OTHERS)?;
    Ok(meta)
}

/// Refuses the file at `path` when it is a symbolic link (not followed), not a regular file,
/// owned by someone other than the user running gwb or root, or writable by group or others.
pub fn check_file(path: &Path) -> Result<(), Untrusted> {
    let meta = std::fs::symlink_metadata(path).map_err(Untrusted::Inspect)?;
    if meta.file_type().is_symlink() {
        return Err(Untrusted::SymbolicLink);
    }
    if !meta.is_file() {
        return Err(Untrusted::NotAFile);
    }
    check_owner_and_mode(&meta, &WRITABLE_BY_OTHERS)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn a_private_folder_passes_and_each_fault_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d");
        std::fs::create_dir(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(check_dir(&path).is_ok());

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o775)).unwrap();
        let error = check_dir(&path).unwrap_err().to_string();
        assert_eq!(error, "it is writable by group or others (mode 0775)");

        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        let error = check_dir(&link).unwrap_err().to_string();
        assert_eq!(error, "it is a symbolic link (not followed)");

        let file = dir.path().join("f");
        std::fs::write(&file, "").unwrap();
        assert_eq!(
            check_dir(&file).unwrap_err().to_string(),
            "it is not a folder"
        );
        assert!(check_file(&file).is_ok());
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o646)).unwrap();
        let error = check_file(&file).unwrap_err().to_string();
        assert_eq!(error, "it is writable by group or others (mode 0646)");
        assert_eq!(
            check_file(&path).unwrap_err().to_string(),
            "it is not a regular file"
        );
        let file_link = dir.path().join("file-link");
        std::os::unix::fs::symlink(&file, &file_link).unwrap();
        let error = check_file(&file_link).unwrap_err().to_string();
        assert_eq!(error, "it is a symbolic link (not followed)");
    }

    #[test]
    fn a_folder_of_another_user_is_refused() {
        const NOBODY: u32 = 65534;
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::chown(dir.path(), Some(NOBODY), None)
            .expect("chown to another user needs root: the tests run as root, as CI does");
        let error = check_dir(dir.path()).unwrap_err().to_string();
        assert_eq!(
            error,
            format!(
                "it is owned by uid {NOBODY}, not by the user running gwb (uid {}) or root",
                running_user()
            )
        );
    }
}
