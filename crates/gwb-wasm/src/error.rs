//! Errors from creating the runtime and loading plugins.

use std::path::PathBuf;

/// Why the runtime could not start or a plugin could not be loaded or instantiated. Faults while
/// processing a group are not errors of this type: they are [`gwb_model::StageError`]s.
#[derive(Debug, thiserror::Error)]
pub enum WasmError {
    /// The wasmtime engine could not be configured.
    #[error("cannot start the WebAssembly engine: {0}")]
    Engine(String),
    /// The plugin file could not be read.
    #[error("plugin {name}: cannot read {}: {source}; check the path in the rules file and run scripts/build-plugins.sh if it is one of the bundled plugins", path.display())]
    Read {
        /// The plugin's name.
        name: String,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file's SHA-256 differs from the pin in the rules file.
    #[error("plugin {name}: {} has SHA-256 {actual} but the rules file pins {expected}; if the plugin was changed on purpose, set its sha256 to {actual}, otherwise restore the pinned file", path.display())]
    PinMismatch {
        /// The plugin's name.
        name: String,
        /// The file.
        path: PathBuf,
        /// The pinned hash.
        expected: String,
        /// The file's hash.
        actual: String,
    },
    /// The file is not a WebAssembly component wasmtime can compile.
    #[error("plugin {name}: {} is not a valid WebAssembly component: {cause}; build plugins for wasm32-wasip2 (a component), not wasm32-unknown-unknown (a core module)", path.display())]
    Compile {
        /// The plugin's name.
        name: String,
        /// The file.
        path: PathBuf,
        /// wasmtime's explanation.
        cause: String,
    },
    /// The component does not fit a gwb:rules contract this gwb serves (its version, exports or
    /// imports); found from its type, before anything of it is instantiated.
    #[error("plugin {name}: {} is not a gwb rule plugin this gwb can run: {cause}", path.display())]
    NotAPlugin {
        /// The plugin's name.
        name: String,
        /// The file.
        path: PathBuf,
        /// What does not match, what the component exports and imports, what this gwb runs and
        /// how to rebuild the plugin.
        cause: String,
    },
    /// Instantiating, `describe` or `configure` trapped or hit a limit.
    #[error("plugin {name}: {} failed while {step}: {cause}", path.display())]
    Start {
        /// The plugin's name.
        name: String,
        /// The file.
        path: PathBuf,
        /// What the host was doing: `instantiating`, `calling describe`, `calling configure`.
        step: &'static str,
        /// The cause in words.
        cause: String,
    },
    /// The plugin refused its configuration.
    #[error("plugin {name}: {} refused its config: {message}; fix the plugin's config table in the rules file", path.display())]
    Configure {
        /// The plugin's name.
        name: String,
        /// The file.
        path: PathBuf,
        /// The plugin's message.
        message: String,
    },
}
