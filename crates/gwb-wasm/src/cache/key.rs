//! The cache key: 32 random bytes in `cache.key`, readable only by the user running gwb, that
//! authenticates every entry of the cache.

use std::io::Write;
use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::private::{self, OPEN_TO_OTHERS};

/// The key file's name in the cache folder.
pub(super) const KEY_FILE: &str = "cache.key";
const KEY_LEN: usize = 32;

/// A cache key, kept as an HMAC-SHA256 keyed with it. Deliberately not `Debug`: never printed.
pub(super) struct Key(Hmac<Sha256>);

impl Key {
    /// A new HMAC-SHA256 computation under this key.
    pub(super) fn mac(&self) -> Hmac<Sha256> {
        self.0.clone()
    }
}

/// The key of the cache in `dir` (a folder already checked to be private), creating it on first
/// use. Two processes that start a new cache at once both end up with the key that was stored
/// first. `Err` says why the key cannot be used: a key file that is not a private regular file
/// of the user running gwb, or of the wrong length, is refused, never replaced.
pub(super) fn open(dir: &Path) -> Result<Key, String> {
    let path = dir.join(KEY_FILE);
    let refused = |why: String| format!("its key {}: {why}", path.display());
    if let Some(key) = read(&path).map_err(refused)? {
        return Ok(key);
    }
    create(dir, &path).map_err(|e| refused(format!("cannot create it: {e}")))?;
    read(&path)
        .map_err(refused)?
        .ok_or_else(|| refused("it vanished right after it was created".into()))
}

/// The key in `path`, `None` when there is no key file.
fn read(path: &Path) -> Result<Option<Key>, String> {
    let Some(bytes) = private::read_private(path, &OPEN_TO_OTHERS)? else {
        return Ok(None);
    };
    let not_a_key = || {
        format!(
            "it is not a gwb cache key ({} bytes, not {KEY_LEN})",
            bytes.len()
        )
    };
    if bytes.len() != KEY_LEN {
        return Err(not_a_key());
    }
    let mac = Hmac::<Sha256>::new_from_slice(&bytes).map_err(|_| not_a_key())?;
    Ok(Some(Key(mac)))
}

/// Stores a new random key at `path`, unless a key is there already. The key is written to a
/// new private file (mode 0600, created exclusively) and then moved to `path` only if `path`
/// does not exist, so no reader ever sees a partly written key and a key once stored is never
/// overwritten. Losing that race to another process is fine: its key is read next.
fn create(dir: &Path, path: &Path) -> std::io::Result<()> {
    let mut key = [0u8; KEY_LEN];
    getrandom::fill(&mut key)?;
    let mut file = tempfile::Builder::new()
        .prefix(".cache.key.")
        .tempfile_in(dir)?;
    file.write_all(&key)?;
    file.as_file().sync_all()?;
    match file.persist_noclobber(path) {
        Ok(_) => Ok(()),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e.error),
    }
}
