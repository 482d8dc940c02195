//! The on-disk cache of compiled plugins, keyed by the plugin's SHA-256 and the engine's
//! compatibility hash, so a plugin compiles once per engine configuration.
//!
//! Whoever can change the cache can make gwb run native code with its AD and Graph
//! credentials, so the cache is used only when it is private to the user running gwb: a folder
//! (created with mode 0700) that is no symbolic link, is owned by the effective uid (or root) and
//! is not writable by group or others ([`gwb_model::ownership`], the rule the Graph state
//! directory follows too), holding a key file (`cache.key`, 32 random bytes, mode 0600)
//! with no access for group or others. Otherwise gwb warns once and compiles every plugin.
//! Every entry carries an HMAC-SHA256 under that key and is loaded only when it verifies;
//! entries are opened without following symbolic links and must be owned by the user (or root)
//! and not writable by group or others. An entry that fails any check is compiled again and replaced.

mod entry;
mod key;
mod private;

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use wasmtime::Engine;
use wasmtime::component::Component;

use entry::Origin;
use key::Key;

/// Where a loaded plugin's machine code came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheStatus {
    /// No cache directory is configured: compiled now.
    Disabled,
    /// A cache directory is configured but is not safe to use (the text says why; gwb warned
    /// once): compiled now, and nothing was read from or written to the cache.
    Refused(String),
    /// Loaded from the cache: an entry whose MAC verified under the cache key.
    Hit,
    /// Not in the cache: compiled now and stored.
    Compiled,
    /// A cache file existed but was not loaded (not a private file of the user running gwb, a
    /// MAC that does not verify, another plugin's, or refused by wasmtime), so it was compiled
    /// again and replaced. The text says why.
    Replaced(String),
}

/// A cache directory.
pub(crate) struct Cache {
    dir: PathBuf,
    /// The cache key, or why the cache is refused; decided on first use.
    key: OnceLock<Result<Key, String>>,
}

impl Cache {
    /// A cache in `dir` (created, and checked, on first use).
    pub(crate) fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            key: OnceLock::new(),
        }
    }

    /// The compiled component for `wasm` (whose SHA-256 is `sha256`), from the cache when an
    /// authentic entry exists, else compiled and stored.
    pub(crate) fn component(
        &self,
        engine: &Engine,
        sha256: &[u8; 32],
        wasm: &[u8],
    ) -> wasmtime::Result<(Component, CacheStatus)> {
        let key = match self.key() {
            Ok(key) => key,
            Err(why) => return Ok((Component::new(engine, wasm)?, CacheStatus::Refused(why))),
        };
        let origin = Origin {
            plugin: *sha256,
            engine: engine_hash(engine),
        };
        let path = self.path(&origin);
        let replaced = match private::read_private(&path, &private::WRITABLE_BY_OTHERS) {
            Ok(None) => None,
            Ok(Some(bytes)) => match entry::load(engine, key, &origin, &bytes) {
                Ok(component) => return Ok((component, CacheStatus::Hit)),
                Err(why) => Some(why),
            },
            Err(why) => Some(why),
        };
        let component = Component::new(engine, wasm)?;
        self.store(&path, key, &origin, &component);
        let status = match replaced {
            Some(why) => CacheStatus::Replaced(why),
            None => CacheStatus::Compiled,
        };
        Ok((component, status))
    }

    /// The cache key; on the first call, prepares the folder and warns if it is refused.
    fn key(&self) -> Result<&Key, String> {
        self.key
            .get_or_init(|| {
                prepare(&self.dir).inspect_err(|why| {
                    tracing::warn!(
                        dir = %self.dir.display(),
                        "not using the plugin compile cache {}: {why}; every plugin is compiled \
                         on every load until this is fixed",
                        self.dir.display()
                    );
                })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Stores `component` at `path`; a failure is only a warning (the next load compiles again).
    fn store(&self, path: &Path, key: &Key, origin: &Origin, component: &Component) {
        if let Err(e) = component.serialize().and_then(|artefact| {
            entry::store(&self.dir, path, key, origin, &artefact).map_err(wasmtime::Error::from)
        }) {
            tracing::warn!(path = %path.display(), "cannot write the plugin compile cache: {e:#}");
        }
    }

    fn path(&self, origin: &Origin) -> PathBuf {
        self.dir.join(format!(
            "{}-{:016x}.cwasm",
            hex::encode(origin.plugin),
            origin.engine
        ))
    }
}

/// Creates the cache folder if needed, checks it is private and returns its key.
fn prepare(dir: &Path) -> Result<Key, String> {
    private::create_dir(dir)?;
    private::check_dir(dir)?;
    key::open(dir)
}

/// The engine's compatibility hash (wasmtime version and configuration) as a number.
fn engine_hash(engine: &Engine) -> u64 {
    let mut hasher = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hasher.finish()
}
