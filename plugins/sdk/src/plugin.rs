//! The trait a rule plugin implements; every stage has a do-nothing default.

use crate::{
    AttributeEdit, CloudGroup, FilterDecision, NamingDecision, Proposal, RuleError, Stages,
};

/// A rule plugin. Implement the stages you need and list them in [`RulePlugin::STAGES`]; the host
/// calls only those. One value lives per plugin instance: it is built by
/// [`RulePlugin::configure`] and then reused for many groups, so keep per-group state out of it.
pub trait RulePlugin: Default + 'static {
    /// The stages this plugin implements, e.g. `Stages::NAMING | Stages::MAPPING`.
    const STAGES: Stages;

    /// Builds the plugin from its `config` table in the rules file, given as JSON text (`{}`
    /// when absent). The default ignores it and uses `Default`. Use [`crate::config::parse`] to
    /// read a serde type with a clear error message.
    fn configure(config_json: &str) -> Result<Self, RuleError> {
        let _ = config_json;
        Ok(Self::default())
    }

    /// The filter stage: write the group back (the default) or skip it with a reason.
    fn filter(&mut self, group: &CloudGroup<'_>) -> Result<FilterDecision, RuleError> {
        let _ = group;
        Ok(FilterDecision::Write)
    }

    /// The naming stage: cn, parent DN and sAMAccountName; the default changes nothing.
    fn naming(
        &mut self,
        group: &CloudGroup<'_>,
        proposal: &Proposal,
    ) -> Result<NamingDecision, RuleError> {
        let _ = (group, proposal);
        Ok(NamingDecision::keep())
    }

    /// The mapping stage: attribute edits; the default makes none.
    fn mapping(
        &mut self,
        group: &CloudGroup<'_>,
        proposal: &Proposal,
    ) -> Result<Vec<AttributeEdit>, RuleError> {
        let _ = (group, proposal);
        Ok(Vec::new())
    }
}
