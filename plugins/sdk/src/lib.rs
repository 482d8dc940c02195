//! Write gwb rule plugins in Rust: implement [`RulePlugin`], then call [`export_plugin!`].
//!
//! ```no_run
//! use gwb_plugin_sdk::{CloudGroup, FilterDecision, RuleError, RulePlugin, Stages};
//!
//! #[derive(Default)]
//! struct SkipEmpty;
//!
//! impl RulePlugin for SkipEmpty {
//!     const STAGES: Stages = Stages::FILTER;
//!     fn filter(&mut self, group: &CloudGroup) -> Result<FilterDecision, RuleError> {
//!         Ok(if group.member_count() == 0 {
//!             FilterDecision::Skip("the group has no members".into())
//!         } else {
//!             FilterDecision::Write
//!         })
//!     }
//! }
//!
//! gwb_plugin_sdk::export_plugin!(SkipEmpty);
//! ```
//!
//! The bindings come from `wit/gwb-rules@1.1.0`, the released contract folder the host loads too.
//! A plugin built with this SDK exports `plugin-facts` (contract 1.1): the host hands each stage
//! the facts most rules read by value, so [`CloudGroup::id`], [`CloudGroup::display_name`],
//! [`GroupExt::kind`] and [`CloudGroup::member_count`] cost no call into the host.

pub mod config;
mod group;
pub mod log;
mod output;
mod plugin;

#[doc(hidden)]
pub mod __private;

/// The bindings generated from the WIT contract (`gwb:rules@1.1.0`).
#[allow(missing_docs)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/gwb-rules@1.1.0",
        world: "rule-plugin-with-facts",
        pub_export_macro: true,
        export_macro_name: "__export_rule_plugin",
        default_bindings_module: "gwb_plugin_sdk::bindings",
        additional_derives: [Clone, PartialEq, Eq],
    });
}

pub use bindings::exports::gwb::rules::plugin::Stages;
pub use bindings::gwb::rules::types::{
    Attribute, AttributeEdit, FilterDecision, KeyValue, Member, MemberKind, NamingDecision,
    Proposal, RuleError, TargetCapabilities, WritebackConfiguration,
};
pub use group::{CloudGroup, GroupExt, GroupKind};
pub use plugin::RulePlugin;
