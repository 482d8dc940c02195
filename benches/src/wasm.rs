//! The WebAssembly variants: the example plugins' real components in each language, built by
//! `scripts/build-plugins.sh` and run by gwb-wasm with the rules file's default limits.

use std::path::PathBuf;

use gwb_model::Rule;
use gwb_wasm::{Limits, Plugin, PluginSpec, Runtime, RuntimeOptions};

use crate::BenchError;
use crate::scenario::{CHAIN, ChainEntry};

/// The language an example plugin's component was written in: each example exists in all
/// three, with the same configuration and answers (`host/tests/conformance.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// `plugins/examples/<name>`, built with the Rust SDK.
    Rust,
    /// `plugins/python/examples/<module>`, built with componentize-py.
    Python,
    /// `plugins/js/examples/<name>`, built with componentize-js.
    Js,
}

impl Language {
    /// Every language, in the order the benchmarks report them.
    pub const ALL: [Language; 3] = [Language::Rust, Language::Python, Language::Js];

    /// The benchmark id part: `rust`, `python` or `js`.
    pub fn id(self) -> &'static str {
        match self {
            Language::Rust => "rust",
            Language::Python => "python",
            Language::Js => "js",
        }
    }

    /// Where `scripts/build-plugins.sh` puts the component of `entry` in this language; panics,
    /// saying what to run, when it has not been built.
    pub fn component(self, entry: &ChainEntry) -> PathBuf {
        match self {
            Language::Rust => test_support::built_plugin(entry.module),
            Language::Python => test_support::built_python_plugin(entry.module),
            Language::Js => test_support::built_js_plugin(entry.name),
        }
    }
}

/// The rules-file entry of one chain plugin in `language`, with the rules file's default
/// limits.
pub fn spec(language: Language, entry: &ChainEntry) -> PluginSpec {
    PluginSpec {
        name: entry.name.into(),
        path: language.component(entry),
        config_json: entry.config_json.into(),
        limits: Limits::default(),
        sha256_pin: None,
    }
}

/// A runtime compiling through `cache_dir`, or compiling on every load when `None`.
pub fn runtime(cache_dir: Option<PathBuf>) -> Result<Runtime, BenchError> {
    Runtime::new(RuntimeOptions { cache_dir }).map_err(|e| wasm_error("runtime", &e))
}

/// Loads (compiles or takes from the cache) one chain plugin in `language`.
pub fn load(
    runtime: &Runtime,
    language: Language,
    entry: &ChainEntry,
) -> Result<Plugin, BenchError> {
    runtime
        .load(&spec(language, entry))
        .map_err(|e| wasm_error(entry.name, &e))
}

/// One warm instance of a loaded plugin behind the [`Rule`] trait.
pub fn instantiate(plugin: &Plugin) -> Result<Box<dyn Rule>, BenchError> {
    plugin
        .instantiate()
        .map(|instance| Box::new(instance) as Box<dyn Rule>)
        .map_err(|e| wasm_error(&plugin.info().name, &e))
}

/// The three plugins in `language` loaded into `runtime` and instantiated, in chain order, as
/// the host's `PluginChain` does for one worker.
pub fn chain(runtime: &Runtime, language: Language) -> Result<Vec<Box<dyn Rule>>, BenchError> {
    CHAIN
        .iter()
        .map(|entry| instantiate(&load(runtime, language, entry)?))
        .collect()
}

fn wasm_error(plugin: &str, error: &gwb_wasm::WasmError) -> BenchError {
    BenchError::Wasm {
        plugin: plugin.into(),
        message: error.to_string(),
    }
}
