//! The WebAssembly variant: the example plugins' real components, built by
//! `scripts/build-plugins.sh` and run by gwb-wasm with the rules file's default limits.

use std::path::{Path, PathBuf};

use gwb_model::Rule;
use gwb_wasm::{Limits, Plugin, PluginSpec, Runtime, RuntimeOptions};

use crate::BenchError;
use crate::scenario::{CHAIN, ChainEntry};

/// Where `scripts/build-plugins.sh` puts the components.
pub fn plugin_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/target/wasm32-wasip2/release")
}

/// The rules-file entry of one chain plugin, with the rules file's default limits,
/// or [`BenchError::MissingPlugin`] when its component has not been built.
pub fn spec(entry: &ChainEntry) -> Result<PluginSpec, BenchError> {
    let path = plugin_dir().join(entry.wasm_file);
    if !path.is_file() {
        return Err(BenchError::MissingPlugin { path });
    }
    Ok(PluginSpec {
        name: entry.name.into(),
        path,
        config_json: entry.config_json.into(),
        limits: Limits::default(),
        sha256_pin: None,
    })
}

/// A runtime compiling through `cache_dir`, or compiling on every load when `None`.
pub fn runtime(cache_dir: Option<PathBuf>) -> Result<Runtime, BenchError> {
    Runtime::new(RuntimeOptions { cache_dir }).map_err(|e| wasm_error("runtime", &e))
}

/// Loads (compiles or takes from the cache) one chain plugin.
pub fn load(runtime: &Runtime, entry: &ChainEntry) -> Result<Plugin, BenchError> {
    runtime
        .load(&spec(entry)?)
        .map_err(|e| wasm_error(entry.name, &e))
}

/// One warm instance of a loaded plugin behind the [`Rule`] trait.
pub fn instantiate(plugin: &Plugin) -> Result<Box<dyn Rule>, BenchError> {
    plugin
        .instantiate()
        .map(|instance| Box::new(instance) as Box<dyn Rule>)
        .map_err(|e| wasm_error(&plugin.info().name, &e))
}

/// The three plugins loaded into `runtime` and instantiated, in chain order, as the host's
/// `PluginChain` does for one worker.
pub fn chain(runtime: &Runtime) -> Result<Vec<Box<dyn Rule>>, BenchError> {
    CHAIN
        .iter()
        .map(|entry| instantiate(&load(runtime, entry)?))
        .collect()
}

fn wasm_error(plugin: &str, error: &gwb_wasm::WasmError) -> BenchError {
    BenchError::Wasm {
        plugin: plugin.into(),
        message: error.to_string(),
    }
}
