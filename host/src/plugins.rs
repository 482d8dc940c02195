//! Loads the rules file's plugin chain into the WebAssembly runtime and makes warm instances
//! of it for each worker.

use std::collections::BTreeMap;

use anyhow::Context;
use gwb_model::Rule;
use gwb_rules::RulesFile;
use gwb_wasm::{Plugin, Runtime};

use crate::settings;

/// The plugins of a chain that implement each stage, in chain order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StagePlugins {
    /// Filter.
    pub filter: Vec<String>,
    /// Naming.
    pub naming: Vec<String>,
    /// Mapping.
    pub mapping: Vec<String>,
}

/// The compiled plugins of one rules file, ready to be instantiated per worker thread.
pub struct PluginChain {
    /// Each plugin with its name in the rules file, in chain order.
    plugins: Vec<(String, Plugin)>,
}

impl PluginChain {
    /// Compiles (or loads from the cache) every plugin of the chain, checking pins, and refuses
    /// a plugin whose `describe` names the mapping stage while its entry has no `attributes`
    /// key ([`gwb_rules::PluginEntry::check_mapping_grant`]). Errors name the plugin's entry in
    /// the rules file (`file:line`).
    pub fn load(rules: &RulesFile) -> anyhow::Result<PluginChain> {
        let runtime = Runtime::new(settings::runtime_options(rules))
            .context("cannot start the WebAssembly runtime")?;
        let plugins = rules
            .plugins
            .iter()
            .map(|entry| {
                let plugin = runtime
                    .load(&settings::plugin_spec(entry))
                    .with_context(|| format!("{}: plugin `{}`", entry.location, entry.name))?;
                entry.check_mapping_grant(plugin.info().stages.mapping)?;
                Ok((entry.name.clone(), plugin))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(PluginChain { plugins })
    }

    /// One line per plugin: name, version, stages, and how its stages read the group's facts:
    /// by value (the plugin exports `gwb:rules/plugin-facts`, contract 1.1) or by a call into
    /// gwb each (a 1.0 plugin, e.g. today's Python and JavaScript SDKs).
    pub fn describe(&self) -> Vec<String> {
        self.plugins
            .iter()
            .map(|(_, plugin)| {
                let info = plugin.info();
                let stages: Vec<&str> = [
                    (info.stages.filter, "filter"),
                    (info.stages.naming, "naming"),
                    (info.stages.mapping, "mapping"),
                ]
                .into_iter()
                .filter_map(|(on, name)| on.then_some(name))
                .collect();
                let facts = if info.facts_by_value {
                    "facts by value"
                } else {
                    "facts by host calls"
                };
                format!(
                    "{} {} ({}; {facts})",
                    info.name,
                    info.version,
                    stages.join(", ")
                )
            })
            .collect()
    }

    /// The plugins (by their names in the rules file, in chain order) that implement each
    /// stage.
    pub fn stage_plugins(&self) -> StagePlugins {
        let mut stages = StagePlugins::default();
        for (name, plugin) in &self.plugins {
            let implements = plugin.info().stages;
            for (on, list) in [
                (implements.filter, &mut stages.filter),
                (implements.naming, &mut stages.naming),
                (implements.mapping, &mut stages.mapping),
            ] {
                if on {
                    list.push(name.clone());
                }
            }
        }
        stages
    }

    /// The SHA-256 of each plugin's file, in chain order.
    pub fn file_hashes(&self) -> impl Iterator<Item = &str> {
        self.plugins
            .iter()
            .map(|(_, plugin)| plugin.info().sha256.as_str())
    }

    /// One warm instance of every plugin, in chain order, for one worker.
    pub fn instantiate(&self) -> anyhow::Result<Vec<Box<dyn Rule>>> {
        self.plugins
            .iter()
            .map(|(_, plugin)| {
                plugin
                    .instantiate()
                    .map(|instance| Box::new(instance) as Box<dyn Rule>)
                    .with_context(|| format!("cannot start plugin `{}`", plugin.info().name))
            })
            .collect()
    }

    /// The log lines each plugin wrote past its per-run cap so far, counted instead of
    /// written, by the plugin's name in the rules file; plugins that stayed within it are not
    /// listed.
    pub fn log_lines_dropped(&self) -> BTreeMap<String, u64> {
        self.counts(Plugin::log_lines_dropped)
    }

    /// How often each plugin's instances were recycled so far, by the plugin's name in the
    /// rules file; plugins never recycled are not listed.
    pub fn recycles(&self) -> BTreeMap<String, u64> {
        self.counts(Plugin::recycles)
    }

    /// `count` of each plugin by its name in the rules file, leaving out the zeros.
    fn counts(&self, count: impl Fn(&Plugin) -> u64) -> BTreeMap<String, u64> {
        self.plugins
            .iter()
            .map(|(name, plugin)| (name.clone(), count(plugin)))
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}
