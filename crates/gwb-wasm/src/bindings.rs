//! Host bindings generated from the newest released contract folder, `wit/gwb-rules@1.0.0`, the
//! folder the plugin SDK loads too. Plugins built against an older 1.x minor are served by these
//! bindings (see `wit/README.md`); [`crate::contract`] refuses every other version before
//! anything of the plugin is instantiated.

#![allow(missing_docs)]

/// Marks the `cloud-group` resource: its state is the group in the store, not a table entry.
pub struct GroupHandle;

/// Marks the `proposal` resource: its state is the proposal in the store, not a table entry.
pub struct ProposalHandle;

wasmtime::component::bindgen!({
    path: "../../wit/gwb-rules@1.0.0",
    world: "rule-plugin",
    with: {
        "gwb:rules/types.cloud-group": GroupHandle,
        "gwb:rules/types.proposal": ProposalHandle,
    },
});

pub use exports::gwb::rules::plugin::{PluginInfo as WitPluginInfo, Stages as WitStages};
pub use gwb::rules::types;
