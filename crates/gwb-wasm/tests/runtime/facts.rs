//! Contract 1.1: plugins built with the SDK export `plugin-facts` and get the group's
//! most-read facts by value; the facts are exactly what the host's accessors give, for any
//! group a cloud can send; 1.0 plugins keep being called through `plugin`.

use std::collections::BTreeMap;
use std::sync::Arc;

use gwb_model::{
    CloudGroup, DesiredGroup, FilterDecision, Member, MemberKind, Rule, TargetCapabilities,
};
use gwb_wasm::PluginSpec;

use crate::support::{RUNTIME, group, load, spec};

#[test]
fn sdk_plugins_take_the_facts_by_value_and_a_1_0_plugin_does_not() {
    for example in ["group_filter", "ou_router", "sam_name", "misbehave"] {
        assert!(load(example, "{}").info().facts_by_value, "{example}");
    }
    assert!(!load("contract_1_0", "{}").info().facts_by_value);
}

/// The Python and JavaScript SDKs export `plugin-facts` too, and their stages answer through it:
/// the displayName from the facts, an extension attribute from the host (one example each: a
/// load compiles for 10-20 s).
#[test]
fn python_and_js_sdk_plugins_take_the_facts_by_value() {
    let config = r#"{"default_ou": "OU=Groups,DC=contoso,DC=com", "routes": [
        {"prefix": "FIN-", "ou": "OU=Finance,DC=contoso,DC=com"},
        {"extension_attribute": "extensionAttribute1", "equals": "Sales", "ou": "OU=Sales,DC=contoso,DC=com"}]}"#;
    let mut sales = Arc::unwrap_or_clone(group("2", "Team"));
    sales.extension_attributes = BTreeMap::from([("extensionAttribute1".into(), "Sales".into())]);
    let sales = Arc::new(sales);
    for path in [
        test_support::built_python_plugin("ou_router"),
        test_support::built_js_plugin("ou-router"),
    ] {
        let shown = path.display().to_string();
        let plugin = RUNTIME
            .load(&PluginSpec {
                path,
                ..spec("ou_router", config)
            })
            .unwrap_or_else(|e| panic!("{shown} loads: {e}"));
        assert!(plugin.info().facts_by_value, "{shown}");
        let mut router = plugin.instantiate().unwrap();
        let mut parent = |g: &Arc<CloudGroup>| {
            router
                .naming(
                    g,
                    &mut DesiredGroup::default(),
                    TargetCapabilities::default(),
                )
                .map(|n| n.parent_dn)
        };
        assert_eq!(
            parent(&group("1", "fin-Payroll")),
            Ok(Some("OU=Finance,DC=contoso,DC=com".into())),
            "{shown}"
        );
        assert_eq!(
            parent(&sales),
            Ok(Some("OU=Sales,DC=contoso,DC=com".into())),
            "{shown}"
        );
    }
}

/// What the misbehave plugin's `read-facts` mode reports for `group` (as a filter skip reason).
fn facts(group: CloudGroup) -> String {
    let mut plugin = load("misbehave", r#"{"stage": "filter", "mode": "read-facts"}"#)
        .instantiate()
        .unwrap();
    match plugin.filter(&Arc::new(group)) {
        Ok(FilterDecision::Skip(text)) => text,
        other => panic!("read-facts answers with a skip: {other:?}"),
    }
}

#[test]
fn the_facts_a_plugin_gets_are_the_groups_own_for_crafted_groups() {
    let members = |n: usize| {
        (0..n)
            .map(|i| Member {
                id: format!("m{i}"),
                kind: MemberKind::User,
            })
            .collect()
    };
    // A Microsoft 365 group whose groupTypes spell Unified in another case, with members.
    assert_eq!(
        facts(CloudGroup {
            id: "3f1c0a9e-0000-4000-8000-000000000001".into(),
            display_name: Some("Sales \"EU\" ✓\n\u{1b}[2J".into()),
            mail_enabled: Some(true),
            security_enabled: Some(false),
            group_types: vec!["DynamicMembership".into(), "uNIFIED".into()],
            on_premises_sync_enabled: Some(false),
            members: members(1_000),
            ..CloudGroup::default()
        }),
        "id=\"3f1c0a9e-0000-4000-8000-000000000001\" displayName=Some(\"Sales \\\"EU\\\" ✓\\n\\u{1b}[2J\") \
         mailEnabled=Some(true) securityEnabled=Some(false) unified=true \
         onPremisesSyncEnabled=Some(false) memberCount=1000 agree=true"
    );
    // Everything a cloud may leave out, and groupTypes that only look like Unified.
    assert_eq!(
        facts(CloudGroup {
            id: String::new(),
            group_types: vec!["Unified ".into(), "Unifie".into()],
            ..CloudGroup::default()
        }),
        "id=\"\" displayName=None mailEnabled=None securityEnabled=None unified=false \
         onPremisesSyncEnabled=None memberCount=0 agree=true"
    );
    // A long displayName reaches the plugin whole. gwb keeps only the first 4 KiB of the
    // plugin's answer, whose cut marker gives the length of the whole text the plugin built:
    // exactly the report of the whole name.
    let long = "x".repeat(100_000);
    let whole = format!(
        "id=\"g\" displayName=Some(\"{long}\") mailEnabled=None securityEnabled=Some(true) \
         unified=false onPremisesSyncEnabled=None memberCount=0 agree=true"
    );
    assert_eq!(
        facts(CloudGroup {
            id: "g".into(),
            display_name: Some(long.clone()),
            security_enabled: Some(true),
            ..CloudGroup::default()
        }),
        format!(
            "{}… (cut: {} of {} bytes)",
            &whole[..4096],
            whole.len() - 4096,
            whole.len()
        )
    );
}
