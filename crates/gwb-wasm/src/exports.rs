//! Finding a plugin's exports: `gwb:rules/plugin`, which every plugin has, and
//! `gwb:rules/plugin-facts` (contract 1.1), which only plugins built against 1.1 or later have.
//! When a plugin exports `plugin-facts`, its stages are called there, with the group's facts by
//! value; a 1.0 plugin is called through `plugin`.

use wasmtime::Store;
use wasmtime::component::{Component, InstancePre};

use crate::bindings::{plugin, plugin_facts};
use crate::host::StoreData;

/// The `plugin-facts` export's name this gwb looks up (a newer 1.x host finds a 1.1 plugin's
/// export by semver, as it finds 1.0's `plugin`).
const FACTS_EXPORT: &str = "gwb:rules/plugin-facts@1.1.0";

/// A linked plugin and where its exports are: found once per loaded plugin.
#[derive(Clone)]
pub(crate) struct ExportsPre {
    instance: InstancePre<StoreData>,
    plugin: plugin::GuestIndices,
    facts: Option<plugin_facts::GuestIndices>,
}

/// The exports of one instance.
pub(crate) struct Exports {
    /// `describe`, `configure` and the 1.0 stage calls.
    pub(crate) plugin: plugin::Guest,
    /// The 1.1 stage calls, when the plugin exports them.
    pub(crate) facts: Option<plugin_facts::Guest>,
}

/// Whether `component` exports an instance named `plugin-facts` at all.
fn exports_facts(component: &Component) -> bool {
    component.get_export_index(None, FACTS_EXPORT).is_some()
}

impl ExportsPre {
    /// Finds the exports of a linked plugin: `plugin` must be there; `plugin-facts` is used when
    /// the component exports it, and must then be complete.
    pub(crate) fn new(instance: InstancePre<StoreData>) -> wasmtime::Result<Self> {
        let plugin = plugin::GuestIndices::new(&instance)?;
        let facts = if exports_facts(instance.component()) {
            Some(plugin_facts::GuestIndices::new(&instance)?)
        } else {
            None
        };
        Ok(Self {
            instance,
            plugin,
            facts,
        })
    }

    /// The same plugin seen as a 1.0 host would see it: its stages called through `plugin`
    /// even when it exports `plugin-facts` (tests of the SDKs' 1.0 route).
    #[cfg(test)]
    pub(crate) fn without_facts(&self) -> Self {
        Self {
            facts: None,
            ..self.clone()
        }
    }

    /// Whether the plugin's stages are called through `plugin-facts`.
    pub(crate) fn uses_facts(&self) -> bool {
        self.facts.is_some()
    }

    /// Instantiates the plugin in `store` and loads its exports (type-checking them).
    pub(crate) fn instantiate(&self, store: &mut Store<StoreData>) -> wasmtime::Result<Exports> {
        let instance = self.instance.instantiate(&mut *store)?;
        let plugin = self.plugin.load(&mut *store, &instance)?;
        let facts = match &self.facts {
            Some(facts) => Some(facts.load(&mut *store, &instance)?),
            None => None,
        };
        Ok(Exports { plugin, facts })
    }
}
