//! Host bindings generated from `wit/rules.wit`, the same file the plugin SDK loads.

#![allow(missing_docs)]

/// Marks the `cloud-group` resource: its state is the group in the store, not a table entry.
pub struct GroupHandle;

/// Marks the `proposal` resource: its state is the proposal in the store, not a table entry.
pub struct ProposalHandle;

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "rule-plugin",
    with: {
        "gwb:rules/types.cloud-group": GroupHandle,
        "gwb:rules/types.proposal": ProposalHandle,
    },
});

pub use exports::gwb::rules::plugin::{PluginInfo as WitPluginInfo, Stages as WitStages};
pub use gwb::rules::types;
