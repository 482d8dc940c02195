//! ou-router: a naming-stage plugin that picks the target OU by displayName prefix or regex, or
//! by an extension attribute, with a default OU.

mod rule;

use gwb_plugin_sdk::{
    CloudGroup, GroupExt, NamingDecision, Proposal, RuleError, RulePlugin, Stages,
};

/// The configured router (none until `configure`, which the host always calls first).
#[derive(Default)]
struct OuRouter {
    router: Option<rule::Router>,
}

impl RulePlugin for OuRouter {
    const STAGES: Stages = Stages::NAMING;

    fn configure(config_json: &str) -> Result<Self, RuleError> {
        let raw: rule::RawConfig = gwb_plugin_sdk::config::parse(config_json)?;
        let router =
            rule::Router::new(raw).map_err(|e| RuleError::new(format!("invalid config: {e}")))?;
        Ok(Self {
            router: Some(router),
        })
    }

    fn naming(&mut self, group: &CloudGroup, _: &Proposal) -> Result<NamingDecision, RuleError> {
        let Some(router) = &self.router else {
            return Ok(NamingDecision::keep());
        };
        let ou = router.route(
            group.display_name(),
            |name| group.extension(name),
            || group.label(),
        )?;
        Ok(NamingDecision::keep().with_parent_dn(ou))
    }
}

gwb_plugin_sdk::export_plugin!(OuRouter);
