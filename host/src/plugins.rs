//! Loads the rules file's plugin chain into the WebAssembly runtime and makes warm instances
//! of it for each worker.

use anyhow::Context;
use gwb_model::Rule;
use gwb_rules::RulesFile;
use gwb_wasm::{Limits, Plugin, PluginSpec, Runtime, RuntimeOptions};

/// The compiled plugins of one rules file, ready to be instantiated per worker thread.
pub struct PluginChain {
    plugins: Vec<Plugin>,
}

impl PluginChain {
    /// Compiles (or loads from the cache) every plugin of the chain, checking pins. Errors
    /// name the plugin's entry in the rules file (`file:line`).
    pub fn load(rules: &RulesFile) -> anyhow::Result<PluginChain> {
        let runtime = Runtime::new(RuntimeOptions {
            cache_dir: rules.cache_dir.clone(),
        })
        .context("cannot start the WebAssembly runtime")?;
        let plugins = rules
            .plugins
            .iter()
            .map(|entry| {
                let spec = PluginSpec {
                    name: entry.name.clone(),
                    path: entry.path.clone(),
                    config_json: entry.config_json.clone(),
                    limits: Limits {
                        time: Some(entry.limits.time),
                        fuel: entry.limits.fuel,
                        memory_bytes: entry.limits.memory_bytes as usize,
                    },
                    sha256_pin: entry.sha256.clone(),
                };
                runtime
                    .load(&spec)
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
