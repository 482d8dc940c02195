//! Loads the rules file's plugin chain into the WebAssembly runtime and makes warm instances
//! of it for each worker.

use anyhow::Context;
use gwb_model::Rule;
use gwb_rules::RulesFile;
use gwb_wasm::{Plugin, Runtime};

use crate::settings;

/// The compiled plugins of one rules file, ready to be instantiated per worker thread.
pub struct PluginChain {
    plugins: Vec<Plugin>,
}

impl PluginChain {
    /// Compiles (or loads from the cache) every plugin of the chain, checking pins. Errors
    /// name the plugin's entry in the rules file (`file:line`).
    pub fn load(rules: &RulesFile) -> anyhow::Result<PluginChain> {
        let runtime = Runtime::new(settings::runtime_options(rules))
            .context("cannot start the WebAssembly runtime")?;
        let plugins = rules
            .plugins
            .iter()
            .map(|entry| {
                runtime
                    .load(&settings::plugin_spec(entry))
                    .with_context(|| format!("{}: plugin `{}`", entry.location, entry.name))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(PluginChain { plugins })
    }

    /// One line per plugin: name, version, stages and file hash.
    pub fn describe(&self) -> Vec<String> {
        self.plugins
            .iter()
            .map(|plugin| {
                let info = plugin.info();
                let stages: Vec<&str> = [
                    (info.stages.filter, "filter"),
                    (info.stages.naming, "naming"),
                    (info.stages.mapping, "mapping"),
                ]
                .into_iter()
                .filter_map(|(on, name)| on.then_some(name))
                .collect();
                format!("{} {} ({})", info.name, info.version, stages.join(", "))
            })
            .collect()
    }

    /// The SHA-256 of each plugin's file, in chain order.
    pub fn file_hashes(&self) -> impl Iterator<Item = &str> {
        self.plugins
            .iter()
            .map(|plugin| plugin.info().sha256.as_str())
    }

    /// One warm instance of every plugin, in chain order, for one worker.
    pub fn instantiate(&self) -> anyhow::Result<Vec<Box<dyn Rule>>> {
        self.plugins
            .iter()
            .map(|plugin| {
                plugin
                    .instantiate()
                    .map(|instance| Box::new(instance) as Box<dyn Rule>)
                    .with_context(|| format!("cannot start plugin `{}`", plugin.info().name))
            })
            .collect()
    }
}
