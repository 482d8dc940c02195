//! The example plugins give the expected answers.

use std::collections::BTreeMap;
use std::sync::Arc;

use gwb_model::{
    CloudGroup, DesiredGroup, FilterDecision, Naming, Rule, StageError, TargetCapabilities,
};

use crate::support::{group, load};

fn naming(plugin: &mut impl Rule, g: &Arc<CloudGroup>) -> Result<Naming, StageError> {
    let mut proposal = DesiredGroup::default();
    plugin.naming(g, &mut proposal, TargetCapabilities::default())
}

const ROUTES: &str = r#"{
    "default_ou": "OU=Groups,DC=contoso,DC=com",
    "routes": [
        {"prefix": "FIN-", "ou": "OU=Finance,DC=contoso,DC=com"},
        {"regex": "^HR\\b", "ou": "OU=HR,DC=contoso,DC=com"},
        {"extension_attribute": "extensionAttribute1", "equals": "Sales", "ou": "OU=Sales,DC=contoso,DC=com"},
        {"extension_attribute": "extension_0123abcd_costCenter", "ou": "OU=Cost centres,DC=contoso,DC=com"}
    ]}"#;

fn parent(ou: &str) -> Naming {
    Naming {
        parent_dn: Some(ou.into()),
        ..Naming::default()
    }
}

#[test]
fn ou_router_routes_by_prefix_regex_and_extension_attributes() {
    let plugin = load("ou_router", ROUTES);
    assert_eq!(plugin.info().name, "ou-router");
    assert!(plugin.info().stages.naming && !plugin.info().stages.filter);
    let mut router = plugin.instantiate().unwrap();
    assert_eq!(
        naming(&mut router, &group("1", "fin-Payroll")),
        Ok(parent("OU=Finance,DC=contoso,DC=com"))
    );
    assert_eq!(
        naming(&mut router, &group("2", "HR Team")),
        Ok(parent("OU=HR,DC=contoso,DC=com"))
    );
    let mut sales = Arc::unwrap_or_clone(group("3", "Team"));
    sales.extension_attributes = BTreeMap::from([("extensionAttribute1".into(), "Sales".into())]);
    assert_eq!(
        naming(&mut router, &Arc::new(sales)),
        Ok(parent("OU=Sales,DC=contoso,DC=com"))
    );
    let mut costs = Arc::unwrap_or_clone(group("4", "Team"));
    costs.directory_extensions =
        BTreeMap::from([("extension_0123abcd_costCenter".into(), "42".into())]);
    assert_eq!(
        naming(&mut router, &Arc::new(costs)),
        Ok(parent("OU=Cost centres,DC=contoso,DC=com"))
    );
    assert_eq!(
        naming(&mut router, &group("5", "Other")),
        Ok(parent("OU=Groups,DC=contoso,DC=com"))
    );
}

#[test]
fn ou_router_without_route_or_default_is_a_rule_error_naming_the_group() {
    let mut router = load(
        "ou_router",
        r#"{"routes": [{"prefix": "FIN-", "ou": "OU=F,DC=x"}]}"#,
    )
    .instantiate()
    .unwrap();
    assert_eq!(
        naming(&mut router, &group("42", "Other")),
        Err(StageError::Rule(
            "no route matches group \"Other\" (42) and no default_ou is configured".into()
        ))
    );
}

#[test]
fn sam_name_is_short_valid_prefixed_and_deterministic() {
    let plugin = load("sam_name", r#"{"prefix": "g-"}"#);
    let mut first = plugin.instantiate().unwrap();
    let mut second = plugin.instantiate().unwrap();
    let id = "02bd9fd6-8f93-4758-87c3-1fb73740a315";
    let name = naming(&mut first, &group(id, "Sales & Marketing [EU]"))
        .unwrap()
        .sam_account_name
        .unwrap();
    let (body, hash) = name.rsplit_once('-').unwrap();
    assert_eq!(body, "g-SalesMarket");
    assert_eq!(hash.len(), 6);
    assert!(hash.chars().all(|c| c.is_ascii_hexdigit()), "{name}");
    assert_eq!(
        naming(&mut second, &group(id, "Sales & Marketing [EU]"))
            .unwrap()
            .sam_account_name,
        Some(name.clone())
    );
    let other = naming(&mut first, &group("another-id", "Sales & Marketing [EU]"))
        .unwrap()
        .sam_account_name
        .unwrap();
    assert_ne!(other, name);
    for display_name in [
        "\u{1}\"/\\[]:;|=,+*?<> x",
        "Ünïcödé",
        ".",
        "a very long display name indeed",
    ] {
        let sam = naming(&mut first, &group(id, display_name))
            .unwrap()
            .sam_account_name
            .unwrap();
        assert!(sam.len() <= 20, "{sam}");
        assert!(
            sam.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
            "{sam}"
        );
    }
}

#[test]
fn group_filter_skips_by_pattern_kind_and_member_count() {
    let mut filter = load(
        "group_filter",
        r#"{"include": ["FIN-*", "re:^HR"], "exclude": ["*-test"], "kinds": ["security"]}"#,
    )
    .instantiate()
    .unwrap();
    assert_eq!(
        filter.filter(&group("1", "FIN-Payroll")),
        Ok(FilterDecision::Write)
    );
    assert_eq!(
        filter.filter(&group("2", "FIN-Payroll-Test")),
        Ok(FilterDecision::Skip(
            "displayName \"FIN-Payroll-Test\" matches exclude pattern \"*-test\"".into()
        ))
    );
    assert_eq!(
        filter.filter(&group("3", "Marketing")),
        Ok(FilterDecision::Skip(
            "displayName \"Marketing\" matches no include pattern".into()
        ))
    );
    let mut m365 = Arc::unwrap_or_clone(group("4", "HR"));
    m365.group_types = vec!["Unified".into()];
    assert_eq!(
        filter.filter(&Arc::new(m365)),
        Ok(FilterDecision::Skip(
            "group kind m365 is not one of the configured kinds [security]".into()
        ))
    );
}
