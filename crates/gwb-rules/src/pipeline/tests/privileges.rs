//! Canonical names and each plugin's `[[plugins]]` privileges, through the pipeline: every
//! refusal names the plugin, the stage, the group and the attribute or OU as written.

use gwb_model::AttributeNames;

use super::*;
use crate::privileges::{Privileges, UNRESTRICTED};

fn naming_rule(name: &'static str, naming: Naming) -> Box<dyn Rule> {
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut rule = Scripted::new(name, &log);
    rule.stages = Stages {
        naming: true,
        ..Stages::default()
    };
    rule.naming = Ok(naming);
    Box::new(rule)
}

fn mapping_rule(name: &'static str, edits: Vec<AttributeEdit>) -> Box<dyn Rule> {
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut rule = Scripted::new(name, &log);
    rule.stages = Stages {
        mapping: true,
        ..Stages::default()
    };
    rule.mapping = Ok(edits);
    Box::new(rule)
}

fn replace(name: &str) -> AttributeEdit {
    AttributeEdit::Replace {
        name: name.into(),
        values: vec!["x".into()],
    }
}

/// A schema with a few of Samba's attributes and the Exchange extension attributes.
fn schema() -> Arc<AttributeNames> {
    Arc::new(
        [
            ("2.5.4.13", "description"),
            ("2.5.4.31", "member"),
            ("1.2.840.113556.1.2.423", "extensionAttribute1"),
            ("1.2.840.113556.1.2.424", "extensionAttribute2"),
        ]
        .into_iter()
        .map(|(oid, name)| (oid.to_owned(), name.to_owned()))
        .collect(),
    )
}

fn with_schema() -> Target {
    Target {
        capabilities: TargetCapabilities::default(),
        schema: Some(schema()),
    }
}

/// Runs `rule` with `privileges` as its `[[plugins]]` entry gives them.
fn run(rule: Box<dyn Rule>, privileges: Privileges, target: Target) -> Outcome {
    let name = rule.name().to_owned();
    let privileges = PluginPrivileges::from([(name, privileges)]);
    pipeline_with(vec![rule], privileges, target, FaultPolicy::SkipGroup)
        .transform(group())
        .expect("no fault")
}

fn written(outcome: Outcome) -> DesiredGroup {
    match outcome {
        Outcome::Write { desired, .. } => desired,
        other => panic!("expected a write, got {other:?}"),
    }
}

fn overstepped(outcome: Outcome) -> (String, Option<Stage>, String) {
    let (by, stage, message, fault) = failed(outcome);
    assert!(!fault, "{message}");
    (by, stage, message)
}

fn only_ous(ous: &[&str]) -> Privileges {
    Privileges {
        ous: Some(ous.iter().map(|ou| Dn::parse(ou).expect("dn")).collect()),
        ..UNRESTRICTED.clone()
    }
}

#[test]
fn a_route_outside_the_plugins_ous_fails_the_group_naming_the_plugin() {
    let route = |parent: &str| Naming {
        parent_dn: Some(parent.into()),
        ..Naming::default()
    };
    let fin = only_ous(&["OU=Fin,DC=example,DC=com", "OU=HR,DC=example,DC=com"]);
    let outcome = run(
        naming_rule("ou-router", route("OU=Sales,DC=example,DC=com")),
        fin.clone(),
        Target::default(),
    );
    assert_eq!(
        overstepped(outcome),
        (
            "ou-router".into(),
            Some(Stage::Naming),
            format!(
                "plugin `ou-router` (naming stage) overstepped its [[plugins]] privileges for \
                 group {GROUP}: it may not route to `OU=Sales,DC=example,DC=com` (its ous: \
                 `OU=Fin,DC=example,DC=com`; `OU=HR,DC=example,DC=com`); widen [[plugins]] ous \
                 in the rules file or fix the plugin"
            )
        )
    );
    // A sub-OU of an allowed OU is allowed; so is answering the OU the group already has.
    for allowed in ["OU=Payroll,OU=Fin,DC=example,DC=com", OU] {
        let desired = written(run(
            naming_rule("ou-router", route(allowed)),
            fin.clone(),
            Target::default(),
        ));
        assert_eq!(desired.parent_dn, allowed);
    }
    // No `ous`: any managed OU, as before.
    let desired = written(run(
        naming_rule("ou-router", route("OU=Sales,DC=example,DC=com")),
        UNRESTRICTED.clone(),
        Target::default(),
    ));
    assert_eq!(desired.parent_dn, "OU=Sales,DC=example,DC=com");
}

#[test]
fn an_empty_ous_list_allows_no_route() {
    let outcome = run(
        naming_rule(
            "ou-router",
            Naming {
                parent_dn: Some("OU=Fin,DC=example,DC=com".into()),
                ..Naming::default()
            },
        ),
        only_ous(&[]),
        Target::default(),
    );
    assert_eq!(
        overstepped(outcome).2,
        format!(
            "plugin `ou-router` (naming stage) overstepped its [[plugins]] privileges for group \
             {GROUP}: it may not route to `OU=Fin,DC=example,DC=com` (its ous: none); widen \
             [[plugins]] ous in the rules file or fix the plugin"
        )
    );
}

#[test]
fn a_cn_or_sam_account_name_needs_its_permission() {
    let no_cn = Privileges {
        may_set_cn: false,
        ..UNRESTRICTED.clone()
    };
    let no_sam = Privileges {
        may_set_sam_account_name: false,
        ..UNRESTRICTED.clone()
    };
    let cn = |cn: &str| Naming {
        cn: Some(cn.into()),
        ..Naming::default()
    };
    let sam = |sam: &str| Naming {
        sam_account_name: Some(sam.into()),
        ..Naming::default()
    };
    for (naming, privileges, expected) in [
        (
            cn("FIN"),
            no_cn.clone(),
            "it may not set the cn (may_set_cn = false); set may_set_cn = true in [[plugins]] \
             in the rules file or fix the plugin",
        ),
        (
            sam("fin-all"),
            no_sam.clone(),
            "it may not set the sAMAccountName (may_set_sam_account_name = false); set \
             may_set_sam_account_name = true in [[plugins]] in the rules file or fix the plugin",
        ),
    ] {
        assert_eq!(
            overstepped(run(
                naming_rule("namer", naming),
                privileges,
                Target::default()
            )),
            (
                "namer".into(),
                Some(Stage::Naming),
                format!(
                    "plugin `namer` (naming stage) overstepped its [[plugins]] privileges for \
                     group {GROUP}: {expected}"
                )
            )
        );
    }
    // What the flags do not forbid passes: the other name, and the cn the group already has.
    let desired = written(run(
        naming_rule("namer", sam("fin-all")),
        no_cn.clone(),
        Target::default(),
    ));
    assert_eq!(desired.sam_account_name.as_deref(), Some("fin-all"));
    let desired = written(run(
        naming_rule("namer", cn("Finance_555555555555")),
        no_cn,
        Target::default(),
    ));
    assert_eq!(desired.cn, "Finance_555555555555");
    let desired = written(run(
        naming_rule("namer", cn("FIN")),
        no_sam,
        Target::default(),
    ));
    assert_eq!(desired.cn, "FIN");
}

#[test]
fn an_attribute_outside_the_plugins_attributes_fails_the_group_naming_the_plugin() {
    let only_ext1 = Privileges {
        attributes: Some(vec!["extensionAttribute1".into()]),
        ..UNRESTRICTED.clone()
    };
    for (target, written_as) in [
        (with_schema(), "EXTENSIONATTRIBUTE2"),
        (Target::default(), "extensionAttribute2"),
    ] {
        let outcome = run(
            mapping_rule("mapper", vec![replace(written_as)]),
            only_ext1.clone(),
            target.clone(),
        );
        let shown = if target.schema.is_some() {
            "`extensionAttribute2` (written `EXTENSIONATTRIBUTE2`)"
        } else {
            "`extensionAttribute2`"
        };
        assert_eq!(
            overstepped(outcome),
            (
                "mapper".into(),
                Some(Stage::Mapping),
                format!(
                    "plugin `mapper` (mapping stage) overstepped its [[plugins]] privileges for \
                     group {GROUP}: it may not edit {shown} (its attributes: \
                     `extensionAttribute1`); widen [[plugins]] attributes in the rules file or \
                     fix the plugin"
                )
            )
        );
    }
    // The allowed attribute, in any spelling the schema resolves, is written in its own.
    for spelling in ["extensionattribute1", "1.2.840.113556.1.2.423"] {
        let desired = written(run(
            mapping_rule("mapper", vec![replace(spelling)]),
            only_ext1.clone(),
            with_schema(),
        ));
        let names: Vec<&str> = desired.attributes.iter().map(|(n, _)| n).collect();
        assert!(names.contains(&"extensionAttribute1"), "{names:?}");
        assert!(!names.contains(&spelling), "{names:?}");
    }
}

#[test]
fn plugin_edits_are_named_canonically_before_they_are_applied() {
    let desired = written(run(
        mapping_rule("mapper", vec![replace("2.5.4.13")]),
        UNRESTRICTED.clone(),
        with_schema(),
    ));
    assert_eq!(desired.attributes.first("description"), Some("x"));
    let names: Vec<&str> = desired.attributes.iter().map(|(n, _)| n).collect();
    assert!(names.contains(&"description"), "{names:?}");
    assert!(!names.contains(&"2.5.4.13"), "{names:?}");

    for target in [with_schema(), Target::default()] {
        let outcome = run(
            mapping_rule("bad", vec![replace("2.5.4.31")]),
            UNRESTRICTED.clone(),
            target,
        );
        assert_eq!(
            failed(outcome).2,
            format!(
                "plugin `bad` (mapping stage) gave invalid output for group {GROUP}: may not \
                 change `member` (written `2.5.4.31`): members come from the cloud group; gwb \
                 resolves and writes them"
            )
        );
    }
    let outcome = run(
        mapping_rule("bad", vec![replace("2.5.4.13")]),
        UNRESTRICTED.clone(),
        Target::default(),
    );
    assert_eq!(
        failed(outcome).2,
        format!(
            "plugin `bad` (mapping stage) gave invalid output for group {GROUP}: `2.5.4.13` is a \
             numeric OID; name the attribute by its lDAPDisplayName (without the directory's \
             schema, as in `gwb rules test`, gwb cannot tell which attribute it is)"
        )
    );
}
