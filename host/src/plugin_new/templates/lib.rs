//! {{name}}: a gwb rule plugin (naming stage) that puts its `cn_prefix` in front of every
//! group's cn. Written by `gwb plugin new`; README.md has the build command and the loop.

use gwb_plugin_sdk::{
    CloudGroup, GroupExt, NamingDecision, Proposal, RuleError, RulePlugin, Stages,
};
use serde::Deserialize;

/// The longest cn AD accepts, in characters.
const MAX_CN: usize = 64;

/// The plugin's `config` table in the rules file; an unknown key is refused by name.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    /// Put in front of every group's cn.
    cn_prefix: String,
}

/// The configured plugin: one value serves many groups, so keep per-group state out of it.
#[derive(Default)]
struct {{Type}} {
    cn_prefix: String,
}

impl RulePlugin for {{Type}} {
    const STAGES: Stages = Stages::NAMING;

    fn configure(config_json: &str) -> Result<Self, RuleError> {
        let config: Config = gwb_plugin_sdk::config::parse(config_json)?;
        if config.cn_prefix.is_empty() {
            return Err(RuleError::new("invalid config: cn_prefix must not be empty"));
        }
        Ok(Self {
            cn_prefix: config.cn_prefix,
        })
    }

    fn naming(
        &mut self,
        group: &CloudGroup,
        proposal: &Proposal,
    ) -> Result<NamingDecision, RuleError> {
        let cn = format!("{}{}", self.cn_prefix, proposal.cn());
        let length = cn.chars().count();
        if length > MAX_CN {
            // An expected failure: reported for this group, the run goes on.
            return Err(RuleError::new(format!(
                "the cn {cn:?} of group {} would be {length} characters long; AD allows \
                 {MAX_CN} (shorten cn_prefix)",
                group.label()
            )));
        }
        Ok(NamingDecision::keep().with_cn(cn))
    }
}

gwb_plugin_sdk::export_plugin!({{Type}});
