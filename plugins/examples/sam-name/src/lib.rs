//! sam-name: a naming-stage plugin that sets a valid, deterministic sAMAccountName of at most
//! 20 characters (prefix + displayName + short hash of the object id).

mod rule;

use gwb_plugin_sdk::{CloudGroup, NamingDecision, Proposal, RuleError, RulePlugin, Stages};

/// The configured generator.
#[derive(Default)]
struct SamNamePlugin {
    generator: rule::SamName,
}

impl RulePlugin for SamNamePlugin {
    const STAGES: Stages = Stages::NAMING;

    fn configure(config_json: &str) -> Result<Self, RuleError> {
        let raw: rule::RawConfig = gwb_plugin_sdk::config::parse(config_json)?;
        let generator =
            rule::SamName::new(raw).map_err(|e| RuleError::new(format!("invalid config: {e}")))?;
        Ok(Self { generator })
    }

    fn naming(&mut self, group: &CloudGroup, _: &Proposal) -> Result<NamingDecision, RuleError> {
        let name = self.generator.name(group.display_name(), group.id());
        Ok(NamingDecision::keep().with_sam_account_name(name))
    }
}

gwb_plugin_sdk::export_plugin!(SamNamePlugin);
