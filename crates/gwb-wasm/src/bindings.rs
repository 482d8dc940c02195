//! Host bindings generated from the newest released contract folder, `wit/gwb-rules@1.1.0`, the
//! folder the plugin SDK loads too. Plugins built against an older 1.x minor are served by these
//! bindings (see `wit/README.md`); [`crate::contract`] refuses every other version before
//! anything of the plugin is instantiated.
//!
//! The world's exports are looked up one interface at a time ([`crate::exports`]) rather than
//! through the generated world type, which would require every export: `plugin-facts` (1.1) is
//! used only when a plugin exports it.

#![allow(missing_docs)]

/// Marks the `cloud-group` resource: its state is the group in the store, not a table entry.
pub struct GroupHandle;

/// Marks the `proposal` resource: its state is the proposal in the store, not a table entry.
pub struct ProposalHandle;

wasmtime::component::bindgen!({
    path: "../../wit/gwb-rules@1.1.0",
    world: "rule-plugin-with-facts",
    // Parameters borrow: the group's facts go to the plugin straight from the host's group,
    // without copying them into owned strings first.
    ownership: Borrowing {
        duplicate_if_necessary: false
    },
    with: {
        "gwb:rules/types.cloud-group": GroupHandle,
        "gwb:rules/types.proposal": ProposalHandle,
    },
});

pub use exports::gwb::rules::plugin::{PluginInfo as WitPluginInfo, Stages as WitStages};
pub use exports::gwb::rules::{plugin, plugin_facts};
pub use gwb::rules::types;
