//! The on-disk cache of compiled plugins, keyed by the plugin's SHA-256 and the engine's
//! compatibility hash, so a plugin compiles once per engine configuration.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Marks files this host wrote; followed by the plugin's and the artefact's SHA-256.
const MAGIC: &[u8; 10] = b"GWBCWASM1\n";
const HEADER_LEN: usize = MAGIC.len() + 32 + 32;

/// Where a loaded plugin's machine code came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheStatus {
    /// No cache directory is configured: compiled now.
    Disabled,
    /// Loaded from the cache.
    Hit,
    /// Not in the cache: compiled now and stored.
    Compiled,
    /// A cache file existed but was unusable (corrupt, foreign or stale), so it was compiled
    /// again and replaced. The text says why.
    Replaced(String),
}

/// A cache directory.
pub(crate) struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// A cache in `dir` (created on first store).
    pub(crate) fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The compiled component for `wasm` (whose SHA-256 is `sha256`), from the cache when a
    /// valid entry exists, else compiled and stored.
    pub(crate) fn component(
        &self,
        engine: &Engine,
        sha256: &[u8; 32],
        wasm: &[u8],
    ) -> wasmtime::Result<(Component, CacheStatus)> {
        let path = self.path(engine, sha256);
        let replaced = match std::fs::read(&path) {
            Ok(bytes) => match load(engine, sha256, &bytes) {
                Ok(component) => return Ok((component, CacheStatus::Hit)),
                Err(why) => Some(why),
            },
            Err(_) => None,
        };
        let component = Component::new(engine, wasm)?;
        if let Err(e) = component.serialize().and_then(|artefact| {
            store(&self.dir, &path, sha256, &artefact).map_err(wasmtime::Error::from)
        }) {
            tracing::warn!(path = %path.display(), "cannot write the plugin compile cache: {e:#}");
        }
        let status = match replaced {
            Some(why) => CacheStatus::Replaced(why),
            None => CacheStatus::Compiled,
        };
        Ok((component, status))
    }

    fn path(&self, engine: &Engine, sha256: &[u8; 32]) -> PathBuf {
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        self.dir.join(format!(
            "{}-{:016x}.cwasm",
            hex::encode(sha256),
            hasher.finish()
        ))
    }
}

/// Checks a cache file's header and checksum, then deserializes it.
fn load(engine: &Engine, sha256: &[u8; 32], bytes: &[u8]) -> Result<Component, String> {
    if bytes.len() < HEADER_LEN || &bytes[..MAGIC.len()] != MAGIC {
        return Err("not a gwb cache file".into());
    }
    let (plugin_hash, rest) = bytes[MAGIC.len()..].split_at(32);
    let (artefact_hash, artefact) = rest.split_at(32);
    if plugin_hash != sha256 {
        return Err("compiled from a different plugin".into());
    }
    if Sha256::digest(artefact).as_slice() != artefact_hash {
        return Err("checksum mismatch (corrupt file)".into());
    }
    // SAFETY: `Component::deserialize` trusts its input to be machine code wasmtime produced.
    // These bytes come from this host's own cache directory (which, like the rules file, must be
    // writable only by the account running gwb), written by `store` from `Component::serialize`.
    // Accidents are refused above: a file from another plugin (header hash), a truncated or
    // corrupt file (checksum over every byte); wasmtime itself refuses an artefact built by
    // another wasmtime version or engine configuration.
    #[allow(unsafe_code)]
    let component = unsafe { Component::deserialize(engine, artefact) };
    component.map_err(|e| format!("wasmtime refused it: {e:#}"))
}

/// Writes a cache file atomically (temporary file + rename), so readers never see half a file.
fn store(dir: &Path, path: &Path, sha256: &[u8; 32], artefact: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(MAGIC)?;
    file.write_all(sha256)?;
    file.write_all(&Sha256::digest(artefact))?;
    file.write_all(artefact)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}
