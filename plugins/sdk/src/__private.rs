//! Glue used by [`crate::export_plugin!`]; not part of the public API.

use std::cell::RefCell;
use std::thread::LocalKey;

pub use crate::bindings::exports::gwb::rules::plugin::{Guest, PluginInfo};
pub use crate::bindings::exports::gwb::rules::plugin_facts::Guest as FactsGuest;
pub use crate::bindings::gwb::rules::types::{CloudGroup as HostGroup, GroupFacts};
use crate::{
    AttributeEdit, CloudGroup, FilterDecision, NamingDecision, Proposal, RuleError, RulePlugin,
};

/// Where the macro keeps the configured plugin value.
pub type Slot<P> = LocalKey<RefCell<Option<P>>>;

/// `describe`: the crate name and version come from the plugin crate (expanded there).
pub fn describe<P: RulePlugin>(name: &str, version: &str) -> PluginInfo {
    PluginInfo {
        name: name.to_owned(),
        version: version.to_owned(),
        stages: P::STAGES,
    }
}

/// `configure`: installs the panic hook and builds the plugin value.
pub fn configure<P: RulePlugin>(slot: &'static Slot<P>, config: &str) -> Result<(), RuleError> {
    crate::log::install_panic_hook();
    let plugin = P::configure(config)?;
    slot.with_borrow_mut(|s| *s = Some(plugin));
    Ok(())
}

fn with<P: RulePlugin, R>(slot: &'static Slot<P>, f: impl FnOnce(&mut P) -> R) -> R {
    // The host always configures first; a default value keeps a host that does not (e.g. a
    // test harness) working rather than trapping.
    slot.with_borrow_mut(|s| f(s.get_or_insert_with(P::default)))
}

/// The group of a stage call: with the facts that came with it (`plugin-facts`), or read from
/// the host (`plugin`).
fn group(facts: Option<GroupFacts>, host: &HostGroup) -> CloudGroup<'_> {
    match facts {
        Some(facts) => CloudGroup::with_facts(facts, host),
        None => CloudGroup::read(host),
    }
}

/// `filter`, in `plugin` (no facts) or `plugin-facts`.
pub fn filter<P: RulePlugin>(
    slot: &'static Slot<P>,
    facts: Option<GroupFacts>,
    host: &HostGroup,
) -> Result<FilterDecision, RuleError> {
    let group = group(facts, host);
    with(slot, |p| p.filter(&group))
}

/// `naming`, in `plugin` (no facts) or `plugin-facts`.
pub fn naming<P: RulePlugin>(
    slot: &'static Slot<P>,
    facts: Option<GroupFacts>,
    host: &HostGroup,
    proposal: &Proposal,
) -> Result<NamingDecision, RuleError> {
    let group = group(facts, host);
    with(slot, |p| p.naming(&group, proposal))
}

/// `mapping`, in `plugin` (no facts) or `plugin-facts`.
pub fn mapping<P: RulePlugin>(
    slot: &'static Slot<P>,
    facts: Option<GroupFacts>,
    host: &HostGroup,
    proposal: &Proposal,
) -> Result<Vec<AttributeEdit>, RuleError> {
    let group = group(facts, host);
    with(slot, |p| p.mapping(&group, proposal))
}

/// Registers a [`RulePlugin`] type as the component's `gwb:rules/plugin` and
/// `gwb:rules/plugin-facts` exports (the host calls the stages through the latter). The plugin's
/// name and version in `describe` are its crate's `CARGO_PKG_NAME` and `CARGO_PKG_VERSION`.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        ::std::thread_local! {
            static __GWB_PLUGIN: ::std::cell::RefCell<::std::option::Option<$plugin>> =
                const { ::std::cell::RefCell::new(::std::option::Option::None) };
        }

        struct GwbPluginExport;

        impl $crate::__private::Guest for GwbPluginExport {
            fn describe() -> $crate::__private::PluginInfo {
                $crate::__private::describe::<$plugin>(
                    ::std::env!("CARGO_PKG_NAME"),
                    ::std::env!("CARGO_PKG_VERSION"),
                )
            }
            fn configure(
                config: ::std::string::String,
            ) -> ::std::result::Result<(), $crate::RuleError> {
                $crate::__private::configure::<$plugin>(&__GWB_PLUGIN, &config)
            }
            fn filter(
                group: &$crate::__private::HostGroup,
            ) -> ::std::result::Result<$crate::FilterDecision, $crate::RuleError> {
                $crate::__private::filter::<$plugin>(&__GWB_PLUGIN, None, group)
            }
            fn naming(
                group: &$crate::__private::HostGroup,
                proposal: &$crate::Proposal,
            ) -> ::std::result::Result<$crate::NamingDecision, $crate::RuleError> {
                $crate::__private::naming::<$plugin>(&__GWB_PLUGIN, None, group, proposal)
            }
            fn mapping(
                group: &$crate::__private::HostGroup,
                proposal: &$crate::Proposal,
            ) -> ::std::result::Result<::std::vec::Vec<$crate::AttributeEdit>, $crate::RuleError>
            {
                $crate::__private::mapping::<$plugin>(&__GWB_PLUGIN, None, group, proposal)
            }
        }

        impl $crate::__private::FactsGuest for GwbPluginExport {
            fn filter(
                facts: $crate::__private::GroupFacts,
                group: &$crate::__private::HostGroup,
            ) -> ::std::result::Result<$crate::FilterDecision, $crate::RuleError> {
                $crate::__private::filter::<$plugin>(&__GWB_PLUGIN, Some(facts), group)
            }
            fn naming(
                facts: $crate::__private::GroupFacts,
                group: &$crate::__private::HostGroup,
                proposal: &$crate::Proposal,
            ) -> ::std::result::Result<$crate::NamingDecision, $crate::RuleError> {
                $crate::__private::naming::<$plugin>(&__GWB_PLUGIN, Some(facts), group, proposal)
            }
            fn mapping(
                facts: $crate::__private::GroupFacts,
                group: &$crate::__private::HostGroup,
                proposal: &$crate::Proposal,
            ) -> ::std::result::Result<::std::vec::Vec<$crate::AttributeEdit>, $crate::RuleError>
            {
                $crate::__private::mapping::<$plugin>(&__GWB_PLUGIN, Some(facts), group, proposal)
            }
        }

        $crate::bindings::__export_rule_plugin!(GwbPluginExport);
    };
}
