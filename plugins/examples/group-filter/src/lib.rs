//! group-filter: a filter-stage plugin that skips groups by displayName pattern, group kind and
//! member count, with a reason reports show. It reads `member-count` only, never the members.

mod rule;

use gwb_plugin_sdk::{
    CloudGroup, FilterDecision, GroupExt, GroupKind, RuleError, RulePlugin, Stages,
};

/// The configured filter.
#[derive(Default)]
struct GroupFilter {
    filter: rule::Filter,
}

impl RulePlugin for GroupFilter {
    const STAGES: Stages = Stages::FILTER;

    fn configure(config_json: &str) -> Result<Self, RuleError> {
        let raw: rule::RawConfig = gwb_plugin_sdk::config::parse(config_json)?;
        let filter =
            rule::Filter::new(raw).map_err(|e| RuleError::new(format!("invalid config: {e}")))?;
        Ok(Self { filter })
    }

    fn filter(&mut self, group: &CloudGroup) -> Result<FilterDecision, RuleError> {
        let facts = rule::Facts {
            display_name: group.display_name(),
            kind: match group.kind() {
                GroupKind::Microsoft365 => rule::Kind::M365,
                GroupKind::Security => rule::Kind::Security,
                GroupKind::MailEnabledSecurity => rule::Kind::MailEnabledSecurity,
                GroupKind::Distribution => rule::Kind::Distribution,
            },
            member_count: if self.filter.needs_member_count() {
                group.member_count()
            } else {
                0
            },
        };
        Ok(match self.filter.skip_reason(facts) {
            Some(reason) => FilterDecision::Skip(reason),
            None => FilterDecision::Write,
        })
    }
}

gwb_plugin_sdk::export_plugin!(GroupFilter);
