//! The native twins: Rust structs implementing [`Rule`] around the very rule logic files the
//! example plugins compile to WebAssembly, with the glue each plugin's `lib.rs` has. This is the
//! limit a sandboxed plugin can approach.

use std::sync::Arc;

use gwb_model::{
    CloudGroup, DesiredGroup, FilterDecision, GroupKind, Naming, Rule, StageError, Stages,
    TargetCapabilities,
};
use serde::de::DeserializeOwned;

use crate::BenchError;
use crate::scenario::{ChainEntry, GROUP_FILTER, OU_ROUTER, SAM_NAME};

/// group-filter's rule logic, shared with the plugin.
#[path = "../../plugins/examples/group-filter/src/rule.rs"]
pub mod group_filter_rule;

/// ou-router's rule logic, shared with the plugin.
#[path = "../../plugins/examples/ou-router/src/rule.rs"]
pub mod ou_router_rule;

/// sam-name's rule logic, shared with the plugin.
#[path = "../../plugins/examples/sam-name/src/rule.rs"]
pub mod sam_name_rule;

/// The three native twins in chain order, configured from the scenario.
pub fn chain() -> Result<Vec<Box<dyn Rule>>, BenchError> {
    Ok(vec![
        Box::new(GroupFilter::configure(GROUP_FILTER.config_json)?),
        Box::new(OuRouter::configure(OU_ROUTER.config_json)?),
        Box::new(SamName::configure(SAM_NAME.config_json)?),
    ])
}

/// Parses a plugin's JSON config and validates it, as the plugin's `configure` does.
fn configure<Raw: DeserializeOwned, T>(
    entry: &ChainEntry,
    config_json: &str,
    validate: impl FnOnce(Raw) -> Result<T, String>,
) -> Result<T, BenchError> {
    let invalid = |message: String| BenchError::Config {
        plugin: entry.name,
        message,
    };
    let raw = serde_json::from_str(config_json).map_err(|e| invalid(e.to_string()))?;
    validate(raw).map_err(invalid)
}

/// The native group-filter: a filter stage.
pub struct GroupFilter {
    filter: group_filter_rule::Filter,
}

impl GroupFilter {
    /// Builds the filter from its JSON config.
    pub fn configure(config_json: &str) -> Result<Self, BenchError> {
        let filter = configure(&GROUP_FILTER, config_json, group_filter_rule::Filter::new)?;
        Ok(Self { filter })
    }
}

impl Rule for GroupFilter {
    fn name(&self) -> &str {
        GROUP_FILTER.name
    }

    fn stages(&self) -> Stages {
        Stages {
            filter: true,
            ..Stages::default()
        }
    }

    fn filter(&mut self, group: &Arc<CloudGroup>) -> Result<FilterDecision, StageError> {
        let facts = group_filter_rule::Facts {
            display_name: group.display_name.as_deref(),
            kind: match group.kind() {
                GroupKind::Microsoft365 => group_filter_rule::Kind::M365,
                GroupKind::Security => group_filter_rule::Kind::Security,
                GroupKind::MailEnabledSecurity => group_filter_rule::Kind::MailEnabledSecurity,
                GroupKind::Distribution => group_filter_rule::Kind::Distribution,
            },
            member_count: if self.filter.needs_member_count() {
                u32::try_from(group.members.len()).unwrap_or(u32::MAX)
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

/// The native ou-router: a naming stage that sets the parent DN.
pub struct OuRouter {
    router: ou_router_rule::Router,
}

impl OuRouter {
    /// Builds the router from its JSON config.
    pub fn configure(config_json: &str) -> Result<Self, BenchError> {
        let router = configure(&OU_ROUTER, config_json, ou_router_rule::Router::new)?;
        Ok(Self { router })
    }
}

impl Rule for OuRouter {
    fn name(&self) -> &str {
        OU_ROUTER.name
    }

    fn stages(&self) -> Stages {
        Stages {
            naming: true,
            ..Stages::default()
        }
    }

    fn naming(
        &mut self,
        group: &Arc<CloudGroup>,
        _: &mut DesiredGroup,
        _: TargetCapabilities,
    ) -> Result<Naming, StageError> {
        let ou = self
            .router
            .route(
                group.display_name.as_deref(),
                |name| extension(group, name),
                || group.label(),
            )
            .map_err(StageError::Rule)?;
        Ok(Naming {
            parent_dn: Some(ou.to_owned()),
            ..Naming::default()
        })
    }
}

/// The native sam-name: a naming stage that sets the sAMAccountName.
pub struct SamName {
    generator: sam_name_rule::SamName,
}

impl SamName {
    /// Builds the generator from its JSON config.
    pub fn configure(config_json: &str) -> Result<Self, BenchError> {
        let generator = configure(&SAM_NAME, config_json, sam_name_rule::SamName::new)?;
        Ok(Self { generator })
    }
}

impl Rule for SamName {
    fn name(&self) -> &str {
        SAM_NAME.name
    }

    fn stages(&self) -> Stages {
        Stages {
            naming: true,
            ..Stages::default()
        }
    }

    fn naming(
        &mut self,
        group: &Arc<CloudGroup>,
        _: &mut DesiredGroup,
        _: TargetCapabilities,
    ) -> Result<Naming, StageError> {
        let name = self
            .generator
            .name(group.display_name.as_deref(), &group.id);
        Ok(Naming {
            sam_account_name: Some(name),
            ..Naming::default()
        })
    }
}

/// An extension attribute by the name a rule gives, as the plugin SDK's `GroupExt::extension`
/// reads it: `extensionAttribute1`..`15` (any case) or `extension_<appid>_<name>`.
pub fn extension(group: &CloudGroup, name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    if let Some(index) = lower.strip_prefix("extensionattribute") {
        return match index.parse::<u8>() {
            Ok(i @ 1..=15) => group
                .extension_attributes
                .get(&format!("extensionAttribute{i}"))
                .cloned(),
            _ => None,
        };
    }
    if lower.starts_with("extension_") {
        return group.directory_extensions.get(name).cloned();
    }
    None
}
