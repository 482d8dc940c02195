//! The benchmark's workload: one realistic cloud group, the rules file's defaults and the
//! configuration of the three example plugins, shared by every variant.

use std::collections::BTreeMap;

use gwb_model::dn::Dn;
use gwb_model::{CloudGroup, Member, MemberKind, Rule, TargetCapabilities, WritebackConfiguration};
use gwb_rules::{
    Defaults, FaultPolicy, NamingScheme, Pipeline, PluginPrivileges, Scope, ScopeKind, Target,
};

use crate::BenchError;

/// The OU groups go to when no route matches; every route's OU lies below it.
pub const DEFAULT_OU: &str = "OU=Cloud Groups,DC=contoso,DC=com";

/// One plugin of the chain: its name in reports, its component file and its configuration.
#[derive(Debug, Clone, Copy)]
pub struct ChainEntry {
    /// The plugin's name in the rules file and in reports.
    pub name: &'static str,
    /// The Rust crate's and the Python module's name (`ou_router`): their components' file
    /// names without `.wasm`. The JavaScript component is named after `name`.
    pub module: &'static str,
    /// The `config` table as JSON, read by the native twin and the WebAssembly component.
    pub config_json: &'static str,
    /// The same rules for the Lua twin: regular expressions become the equivalent Lua patterns
    /// (Lua has no regex engine); everything else is identical.
    pub lua_config_json: &'static str,
}

/// `group-filter`: two exclude patterns (a glob and an expression), the kinds that may be
/// written back and member bounds (so the filter reads the member count, but never a member).
pub const GROUP_FILTER: ChainEntry = ChainEntry {
    name: "group-filter",
    module: "group_filter",
    config_json: r#"{
        "exclude": ["*-test", "re:^[Tt][Mm][Pp][_-]"],
        "kinds": ["m365", "security", "mail-enabled-security"],
        "min_members": 1,
        "max_members": 100000
    }"#,
    lua_config_json: r#"{
        "exclude": ["*-test", "re:^[Tt][Mm][Pp][_-]"],
        "kinds": ["m365", "security", "mail-enabled-security"],
        "min_members": 1,
        "max_members": 100000
    }"#,
};

/// `ou-router`: five routes tried in order (two prefixes, two expressions, one extension
/// attribute) and a default OU. The benchmark group matches only the last route.
pub const OU_ROUTER: ChainEntry = ChainEntry {
    name: "ou-router",
    module: "ou_router",
    config_json: r#"{
        "default_ou": "OU=Cloud Groups,DC=contoso,DC=com",
        "routes": [
            {"prefix": "FIN-", "ou": "OU=Finance,OU=Cloud Groups,DC=contoso,DC=com"},
            {"prefix": "HR-", "ou": "OU=HR,OU=Cloud Groups,DC=contoso,DC=com"},
            {"regex": "^Sales[ -]", "ou": "OU=Sales,OU=Cloud Groups,DC=contoso,DC=com"},
            {"regex": "Project [0-9]+$", "ou": "OU=Projects,OU=Cloud Groups,DC=contoso,DC=com"},
            {"extension_attribute": "extensionAttribute1", "equals": "Engineering",
             "ou": "OU=Engineering,OU=Cloud Groups,DC=contoso,DC=com"}
        ]
    }"#,
    lua_config_json: r#"{
        "default_ou": "OU=Cloud Groups,DC=contoso,DC=com",
        "routes": [
            {"prefix": "FIN-", "ou": "OU=Finance,OU=Cloud Groups,DC=contoso,DC=com"},
            {"prefix": "HR-", "ou": "OU=HR,OU=Cloud Groups,DC=contoso,DC=com"},
            {"pattern": "^Sales[ %-]", "ou": "OU=Sales,OU=Cloud Groups,DC=contoso,DC=com"},
            {"pattern": "Project [0-9]+$", "ou": "OU=Projects,OU=Cloud Groups,DC=contoso,DC=com"},
            {"extension_attribute": "extensionAttribute1", "equals": "Engineering",
             "ou": "OU=Engineering,OU=Cloud Groups,DC=contoso,DC=com"}
        ]
    }"#,
};

/// `sam-name`: names like `grp-PlatformE-1a2b3c`.
pub const SAM_NAME: ChainEntry = ChainEntry {
    name: "sam-name",
    module: "sam_name",
    config_json: r#"{"prefix": "grp-"}"#,
    lua_config_json: r#"{"prefix": "grp-"}"#,
};

/// The chain in the order the rules file lists it.
pub const CHAIN: [ChainEntry; 3] = [GROUP_FILTER, OU_ROUTER, SAM_NAME];

/// What the target directory supports: Exchange schema and `msDS-ExternalDirectoryObjectId`, so
/// the defaults write the mail attributes and both anchors.
pub const TARGET: TargetCapabilities = TargetCapabilities {
    exchange_schema: true,
    external_directory_object_id: true,
};

/// The benchmark group without members: a mail-enabled Microsoft 365 group with writeback on,
/// a description, proxy addresses and extension attributes, as Graph returns them.
pub fn group_template() -> CloudGroup {
    CloudGroup {
        id: "6d3b1a58-2f43-4c8e-9b8e-1c2f4a7d9e10".into(),
        display_name: Some("Platform Engineering".into()),
        description: Some("Builds and runs the internal developer platform.".into()),
        mail: Some("platform-engineering@contoso.com".into()),
        mail_nickname: Some("platform-engineering".into()),
        mail_enabled: Some(true),
        security_enabled: Some(false),
        group_types: vec!["Unified".into()],
        proxy_addresses: vec![
            "SMTP:platform-engineering@contoso.com".into(),
            "smtp:platform-engineering@contoso.onmicrosoft.com".into(),
            "smtp:platform-engineering@contoso.mail.onmicrosoft.com".into(),
            "SPO:SPO_5a1c2e3f-9b8d-4e7a-a6c5-0d1e2f3a4b5c@SPO_0b4c1a9e-6f2d-4c8a-9e1b-2c3d4e5f6a7b"
                .into(),
        ],
        visibility: Some("Private".into()),
        on_premises_sync_enabled: None,
        security_identifier: Some("S-1-12-1-1832589912-1284386627-482648731-283015754".into()),
        created_date_time: Some("2024-03-11T09:24:51Z".into()),
        writeback: Some(WritebackConfiguration {
            is_enabled: Some(true),
            on_premises_group_type: Some("universalDistributionGroup".into()),
        }),
        extension_attributes: BTreeMap::from([
            ("extensionAttribute1".into(), "Engineering".into()),
            ("extensionAttribute7".into(), "CC-4711".into()),
        ]),
        directory_extensions: BTreeMap::from([(
            "extension_0b4c1a9e6f2d4c8a9e1b2c3d4e5f6a7b_costCenter".into(),
            "4711".into(),
        )]),
        ..CloudGroup::default()
    }
}

/// `count` distinct user members with GUID-shaped ids.
pub fn members(count: usize) -> Vec<Member> {
    (0..count)
        .map(|i| Member {
            id: format!("{:08x}-0000-4000-8000-{:012x}", i, i * 7919),
            kind: MemberKind::User,
        })
        .collect()
}

/// The benchmark group with `members` as its direct members.
pub fn group_with(members: Vec<Member>) -> CloudGroup {
    CloudGroup {
        members,
        ..group_template()
    }
}

/// The pipeline every variant runs: the defaults (displayName naming, [`DEFAULT_OU`]), the
/// default OU as the only managed OU, [`TARGET`], and `rules` in chain order.
pub fn pipeline(rules: Vec<Box<dyn Rule>>) -> Result<Pipeline, BenchError> {
    let managed = Dn::parse(DEFAULT_OU)?;
    Ok(Pipeline::new(
        Defaults {
            naming: NamingScheme::DisplayName,
            ou: DEFAULT_OU.into(),
            routing_domain: None,
        },
        Scope::of(ScopeKind::ALL),
        vec![managed],
        Target {
            capabilities: TARGET,
            schema: None,
        },
        rules,
        PluginPrivileges::new(),
        FaultPolicy::SkipGroup,
    ))
}
