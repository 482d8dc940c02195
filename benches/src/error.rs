//! Why a benchmark variant could not be set up.

/// A setup failure of the workload or of one rule variant.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A DN of the scenario does not parse.
    #[error("the scenario's OU is not a valid DN: {0}")]
    Dn(#[from] gwb_model::dn::DnError),
    /// A plugin's configuration was refused by its rule logic.
    #[error(
        "plugin `{plugin}`: invalid config: {message}; fix the scenario in benches/src/scenario.rs"
    )]
    Config {
        /// The plugin whose configuration is at fault.
        plugin: &'static str,
        /// What the rule logic said.
        message: String,
    },
    /// The Lua twin of a plugin failed to load or configure.
    #[error("Lua twin of plugin `{plugin}`: {source}; fix benches/src/lua/")]
    Lua {
        /// The plugin whose Lua twin failed.
        plugin: &'static str,
        /// The Lua error.
        source: mlua::Error,
    },
    /// The WebAssembly runtime refused to start or to load a plugin.
    #[error("WebAssembly plugin `{plugin}`: {message}")]
    Wasm {
        /// The plugin at fault, or `runtime` for the engine itself.
        plugin: String,
        /// The runtime's error, with its causes.
        message: String,
    },
}
