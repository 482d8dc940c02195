//! One cache entry: a compiled plugin sealed with an HMAC-SHA256 under the cache key.
//!
//! The file is [`MAGIC`] (the format's version tag), the plugin's SHA-256, the MAC, then the
//! artefact from `Component::serialize`. The MAC covers the version tag, the SHA-256 of the
//! plugin being loaded, the engine's compatibility hash and the whole artefact.

use std::io::Write;
use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use wasmtime::Engine;
use wasmtime::component::Component;

use super::key::Key;

/// The format's version tag, at the start of every entry.
const MAGIC: &[u8; 10] = b"GWBCWASM2\n";
const SHA256_LEN: usize = 32;
const MAC_LEN: usize = 32;
const HEADER_LEN: usize = MAGIC.len() + SHA256_LEN + MAC_LEN;

/// Why a cache entry's MAC does not verify.
pub(super) const MAC_MISMATCH: &str =
    "its MAC does not match (not written by this gwb with this cache key)";

/// What an entry must have been compiled from: the plugin and the engine configuration.
pub(super) struct Origin {
    /// The plugin's SHA-256.
    pub(super) plugin: [u8; SHA256_LEN],
    /// The engine's compatibility hash (wasmtime version and configuration).
    pub(super) engine: u64,
}

/// The component in `bytes` (an entry's content), deserialized only when its MAC verifies
/// under `key` for `origin`. `Err` says why the entry is not loaded.
pub(super) fn load(
    engine: &Engine,
    key: &Key,
    origin: &Origin,
    bytes: &[u8],
) -> Result<Component, String> {
    if bytes.len() < HEADER_LEN || &bytes[..MAGIC.len()] != MAGIC {
        return Err("not a gwb cache file".into());
    }
    let (plugin, rest) = bytes[MAGIC.len()..].split_at(SHA256_LEN);
    let (tag, artefact) = rest.split_at(MAC_LEN);
    // Unauthenticated, only to name the likely mistake; the MAC below is what decides.
    if plugin != origin.plugin {
        return Err("compiled from a different plugin".into());
    }
    mac(key, origin, artefact)
        .verify_slice(tag)
        .map_err(|_| MAC_MISMATCH.to_string())?;
    // SAFETY: `Component::deserialize` runs its input as machine code, so it must be an
    // artefact from `Component::serialize`. These bytes are deserialized only because their MAC
    // verified (in constant time) under the cache key: 32 random bytes that gwb created in a
    // file only the running user can read (owned by the effective uid or root, no group or
    // other access, opened without following symbolic links, in a folder owned by that uid or
    // root and not writable by group or others). The MAC covers the format tag, this plugin's SHA-256, this
    // engine's compatibility hash and every byte of the artefact, so the bytes are exactly what
    // `seal` stored for this plugin and engine, written by a gwb that held the key: by this
    // user (or root), never planted by anyone else, nor truncated, nor another plugin's.
    // wasmtime then also refuses an artefact from another wasmtime version or configuration.
    #[allow(unsafe_code)]
    let component = unsafe { Component::deserialize(engine, artefact) };
    component.map_err(|e| format!("wasmtime refused it: {e:#}"))
}

/// Writes the entry for `artefact`, compiled from `origin`, to `path`, atomically (a new
/// private file in `dir`, then renamed over `path`): readers never see half an entry, and a
/// symbolic link or foreign file at `path` is replaced, not written through.
pub(super) fn store(
    dir: &Path,
    path: &Path,
    key: &Key,
    origin: &Origin,
    artefact: &[u8],
) -> std::io::Result<()> {
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(MAGIC)?;
    file.write_all(&origin.plugin)?;
    file.write_all(&mac(key, origin, artefact).finalize().into_bytes())?;
    file.write_all(artefact)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The MAC of an entry for `artefact` compiled from `origin`.
fn mac(key: &Key, origin: &Origin, artefact: &[u8]) -> Hmac<Sha256> {
    let mut mac = key.mac();
    mac.update(MAGIC);
    mac.update(&origin.plugin);
    mac.update(&origin.engine.to_le_bytes());
    mac.update(artefact);
    mac
}
