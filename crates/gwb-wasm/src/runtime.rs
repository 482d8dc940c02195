//! The process-wide runtime: the wasmtime engine configured for sandboxed plugins, its linker,
//! the epoch ticker that enforces time budgets, and the compile cache.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Engine, WasmFeatures};

use crate::WasmError;
use crate::bindings::RulePluginWithFacts;
use crate::cache::Cache;
use crate::host::StoreData;
use crate::plugin::{self, Plugin, PluginSpec};

/// How often the epoch advances: the resolution of time budgets.
pub(crate) const TICK: Duration = Duration::from_millis(1);

/// Options for [`Runtime::new`].
#[derive(Debug, Clone, Default)]
pub struct RuntimeOptions {
    /// Where compiled plugins are cached (created if missing); `None` compiles on every load.
    pub cache_dir: Option<PathBuf>,
}

/// The plugin runtime: create one per process and load every plugin through it. Cheap to clone.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

struct Inner {
    /// The engine for plugins limited by time.
    plain: Kit,
    /// The engine for plugins limited by fuel, made when the first such plugin loads: counting
    /// fuel slows every plugin compiled for it, so no other plugin pays for it.
    fueled: Mutex<Option<Kit>>,
    cache: Option<Cache>,
}

/// An engine and the linker that provides a plugin's imports.
#[derive(Clone)]
pub(crate) struct Kit {
    pub(crate) engine: Engine,
    pub(crate) linker: Arc<Linker<StoreData>>,
}

impl Runtime {
    /// Configures the engine (component model, sync calls only, unneeded proposals off, epoch
    /// interruption), links WASI (with its timers replaced: nothing may block) and the `log`
    /// import, and starts the epoch ticker thread.
    pub fn new(options: RuntimeOptions) -> Result<Self, WasmError> {
        let cache = options.cache_dir.map(Cache::new);
        Ok(Self {
            inner: Arc::new(Inner {
                plain: Kit::new(false)?,
                fueled: Mutex::new(None),
                cache,
            }),
        })
    }

    /// Loads a plugin: reads the file, checks the SHA-256 pin, compiles it (or takes it from the
    /// cache), checks from its type that it exports `gwb:rules/plugin` of a contract version this
    /// gwb serves and imports nothing else than the contract and WASI 0.2 (before anything of it
    /// is instantiated), calls `describe`, and calls `configure` once so a bad config is
    /// reported now rather than on the first group.
    pub fn load(&self, spec: &PluginSpec) -> Result<Plugin, WasmError> {
        let kit = if spec.limits.fuel.is_some() {
            self.fueled_kit()?
        } else {
            self.inner.plain.clone()
        };
        plugin::load(kit, self.inner.cache.as_ref(), spec)
    }

    fn fueled_kit(&self) -> Result<Kit, WasmError> {
        // A poisoned lock only means another thread panicked while creating the engine; the
        // Option inside is still either None or a complete Kit.
        let mut slot = self
            .inner
            .fueled
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(kit) = slot.as_ref() {
            return Ok(kit.clone());
        }
        let kit = Kit::new(true)?;
        *slot = Some(kit.clone());
        Ok(kit)
    }
}

impl Kit {
    fn new(fuel: bool) -> Result<Self, WasmError> {
        let engine = Engine::new(&config(fuel)).map_err(|e| WasmError::Engine(format!("{e:#}")))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
            .and_then(|()| crate::no_wait::forbid_waits(&mut linker))
            .and_then(|()| {
                RulePluginWithFacts::add_to_linker::<_, HasSelf<StoreData>>(&mut linker, |s| s)
            })
            .map_err(|e| WasmError::Engine(format!("{e:#}")))?;
        start_ticker(&engine)?;
        Ok(Self {
            engine,
            linker: Arc::new(linker),
        })
    }
}

fn config(fuel: bool) -> Config {
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        // Plugins are called synchronously; concurrency support makes each call several times
        // slower (wasmtime PR #14189).
        .concurrency_support(false)
        // Proposals plugins don't need, where several 2026 advisories lived. Switched off by
        // flag so it holds even when another crate compiles wasmtime's `gc` or `threads` in.
        .wasm_features(
            WasmFeatures::GC
                | WasmFeatures::GC_TYPES
                | WasmFeatures::EXCEPTIONS
                | WasmFeatures::LEGACY_EXCEPTIONS
                | WasmFeatures::FUNCTION_REFERENCES
                | WasmFeatures::THREADS
                | WasmFeatures::SHARED_EVERYTHING_THREADS
                | WasmFeatures::STACK_SWITCHING
                | WasmFeatures::MEMORY64
                | WasmFeatures::CM_ASYNC
                | WasmFeatures::CM_MORE_ASYNC_BUILTINS
                | WasmFeatures::CM_ASYNC_STACKFUL
                | WasmFeatures::CM_THREADING,
            false,
        )
        // Same input, same output: no platform-dependent float results.
        .cranelift_nan_canonicalization(true)
        .relaxed_simd_deterministic(true)
        .epoch_interruption(true)
        .consume_fuel(fuel)
        .wasm_backtrace_max_frames(std::num::NonZeroUsize::new(32));
    config
}

/// Advances the engine's epoch every [`TICK`] until the engine is dropped.
fn start_ticker(engine: &Engine) -> Result<(), WasmError> {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("gwb-wasm-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(TICK);
            }
        })
        .map(drop)
        .map_err(|e| WasmError::Engine(format!("cannot start the epoch ticker thread: {e}")))
}
