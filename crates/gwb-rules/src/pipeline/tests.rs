//! The pipeline's order, attribution of failures and policies, driven by native test rules.

use gwb_model::{AttributeEdit, Member, MemberKind, Stages};

use super::*;
use crate::defaults::NamingScheme;
use crate::scope::ScopeKind;

/// A rule scripted per stage; records the order in which stages ran.
struct Scripted {
    name: &'static str,
    stages: Stages,
    filter: Result<FilterDecision, StageError>,
    naming: Result<Naming, StageError>,
    mapping: Result<Vec<AttributeEdit>, StageError>,
    log: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Scripted {
    fn new(name: &'static str, log: &Arc<std::sync::Mutex<Vec<String>>>) -> Self {
        Self {
            name,
            stages: Stages::default(),
            filter: Ok(FilterDecision::Write),
            naming: Ok(Naming::default()),
            mapping: Ok(Vec::new()),
            log: log.clone(),
        }
    }
    fn note(&self, stage: &str) {
        self.log
            .lock()
            .expect("log")
            .push(format!("{}:{stage}", self.name));
    }
}

impl Rule for Scripted {
    fn name(&self) -> &str {
        self.name
    }
    fn stages(&self) -> Stages {
        self.stages
    }
    fn filter(&mut self, _: &Arc<CloudGroup>) -> Result<FilterDecision, StageError> {
        self.note("filter");
        self.filter.clone()
    }
    fn naming(
        &mut self,
        _: &Arc<CloudGroup>,
        proposal: &mut DesiredGroup,
        _: TargetCapabilities,
    ) -> Result<Naming, StageError> {
        self.note(&format!("naming(cn={})", proposal.cn));
        self.naming.clone()
    }
    fn mapping(
        &mut self,
        _: &Arc<CloudGroup>,
        proposal: &mut DesiredGroup,
        _: TargetCapabilities,
    ) -> Result<Vec<AttributeEdit>, StageError> {
        self.note(&format!("mapping(ou={})", proposal.parent_dn));
        self.mapping.clone()
    }
}

const OU: &str = "OU=Cloud,DC=example,DC=com";

fn pipeline(rules: Vec<Box<dyn Rule>>, policy: FaultPolicy) -> Pipeline {
    pipeline_with(rules, PluginPrivileges::new(), Target::default(), policy)
}

fn pipeline_with(
    rules: Vec<Box<dyn Rule>>,
    privileges: PluginPrivileges,
    target: Target,
    policy: FaultPolicy,
) -> Pipeline {
    Pipeline::new(
        Defaults {
            naming: NamingScheme::DisplayName,
            ou: OU.into(),
            routing_domain: None,
        },
        Scope::of(ScopeKind::ALL),
        vec![Dn::parse("DC=example,DC=com").expect("dn")],
        target,
        rules,
        privileges,
        policy,
    )
}

/// How messages name [`group`].
const GROUP: &str = "\"Finance\" (11111111-2222-3333-4444-555555555555)";

fn group() -> CloudGroup {
    CloudGroup {
        id: "11111111-2222-3333-4444-555555555555".into(),
        display_name: Some("Finance".into()),
        security_enabled: Some(true),
        mail_enabled: Some(false),
        members: vec![Member {
            id: "u1".into(),
            kind: MemberKind::User,
        }],
        ..CloudGroup::default()
    }
}

fn all_stages() -> Stages {
    Stages {
        filter: true,
        naming: true,
        mapping: true,
    }
}

#[test]
fn stages_run_filter_then_naming_then_mapping_across_plugins() {
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut a = Scripted::new("a", &log);
    a.stages = all_stages();
    a.naming = Ok(Naming {
        parent_dn: Some("OU=Fin,DC=example,DC=com".into()),
        ..Naming::default()
    });
    let mut b = Scripted::new("b", &log);
    b.stages = all_stages();
    b.naming = Ok(Naming {
        cn: Some("FIN".into()),
        sam_account_name: Some("fin-all".into()),
        ..Naming::default()
    });
    b.mapping = Ok(vec![AttributeEdit::Replace {
        name: "info".into(),
        values: vec!["from b".into()],
    }]);
    let outcome = pipeline(vec![Box::new(a), Box::new(b)], FaultPolicy::SkipGroup)
        .transform(group())
        .expect("no abort");
    assert_eq!(
        *log.lock().expect("log"),
        [
            "a:filter",
            "b:filter",
            "a:naming(cn=Finance_555555555555)",
            "b:naming(cn=Finance_555555555555)",
            "a:mapping(ou=OU=Fin,DC=example,DC=com)",
            "b:mapping(ou=OU=Fin,DC=example,DC=com)",
        ],
        "each plugin sees the proposal left by the ones before it"
    );
    let Outcome::Write { desired, warnings } = outcome else {
        panic!("expected a write, got {outcome:?}");
    };
    assert!(warnings.is_empty());
    assert_eq!(desired.cn, "FIN");
    assert_eq!(desired.parent_dn, "OU=Fin,DC=example,DC=com");
    assert_eq!(desired.sam_account_name.as_deref(), Some("fin-all"));
    assert_eq!(desired.attributes.first("info"), Some("from b"));
    assert_eq!(desired.members, group().members, "members moved in");
}

#[test]
fn a_skip_stops_later_plugins_and_names_the_skipper() {
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut a = Scripted::new("a", &log);
    a.stages = all_stages();
    a.filter = Ok(FilterDecision::Skip("too small".into()));
    let mut b = Scripted::new("b", &log);
    b.stages = all_stages();
    let outcome = pipeline(vec![Box::new(a), Box::new(b)], FaultPolicy::SkipGroup)
        .transform(group())
        .expect("no abort");
    assert_eq!(
        outcome,
        Outcome::Rejected(Rejection::Skipped {
            by: "a".into(),
            reason: "too small".into()
        })
    );
    assert_eq!(*log.lock().expect("log"), ["a:filter"]);
}

#[test]
fn defaults_skip_before_any_plugin_runs() {
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut a = Scripted::new("a", &log);
    a.stages = all_stages();
    let mut synced = group();
    synced.on_premises_sync_enabled = Some(true);
    let outcome = pipeline(vec![Box::new(a)], FaultPolicy::SkipGroup)
        .transform(synced)
        .expect("no abort");
    assert!(
        matches!(outcome, Outcome::Rejected(Rejection::Skipped { ref by, .. }) if by == BY_DEFAULTS),
        "{outcome:?}"
    );
    assert!(log.lock().expect("log").is_empty());
}

#[test]
fn a_kind_out_of_scope_is_skipped_by_the_scope_before_any_plugin_runs() {
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut a = Scripted::new("a", &log);
    a.stages = all_stages();
    let mut pipeline = pipeline(vec![Box::new(a)], FaultPolicy::SkipGroup);
    pipeline.scope = Scope::of([ScopeKind::Microsoft365]);
    let outcome = pipeline.transform(group()).expect("no abort");
    assert_eq!(
        outcome,
        Outcome::Rejected(Rejection::Skipped {
            by: BY_SCOPE.into(),
            reason:
                "a security group, and [scope] kinds = [\"microsoft365\"] does not name that kind"
                    .into()
        })
    );
    assert!(log.lock().expect("log").is_empty());
    let mut m365 = group();
    m365.group_types = vec!["Unified".into()];
    m365.mail_enabled = Some(true);
    m365.security_enabled = Some(false);
    assert!(matches!(
        pipeline.transform(m365).expect("no abort"),
        Outcome::Write { .. }
    ));
    assert_eq!(
        *log.lock().expect("log"),
        [
            "a:filter",
            "a:naming(cn=Finance_555555555555)",
            "a:mapping(ou=OU=Cloud,DC=example,DC=com)"
        ]
    );
}

#[test]
fn only_declared_stages_are_called() {
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut a = Scripted::new("a", &log);
    a.stages = Stages {
        naming: true,
        ..Stages::default()
    };
    pipeline(vec![Box::new(a)], FaultPolicy::SkipGroup)
        .transform(group())
        .expect("no abort");
    assert_eq!(
        *log.lock().expect("log"),
        ["a:naming(cn=Finance_555555555555)"]
    );
}

fn failed(outcome: Outcome) -> (String, Option<Stage>, String, bool) {
    match outcome {
        Outcome::Rejected(Rejection::Failed {
            by,
            stage,
            message,
            fault,
        }) => (by, stage, message, fault),
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn invalid_plugin_output_is_an_error_naming_plugin_stage_and_group() {
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let cases: Vec<(Stages, Naming, Vec<AttributeEdit>, &str)> = vec![
        (
            Stages {
                naming: true,
                ..Stages::default()
            },
            Naming {
                cn: Some("x".repeat(65)),
                ..Naming::default()
            },
            vec![],
            "has 65 characters; AD allows at most 64",
        ),
        (
            Stages {
                naming: true,
                ..Stages::default()
            },
            Naming {
                sam_account_name: Some("a*b".into()),
                ..Naming::default()
            },
            vec![],
            "contains `*`",
        ),
        (
            Stages {
                naming: true,
                ..Stages::default()
            },
            Naming {
                parent_dn: Some("OU=Elsewhere,DC=other,DC=org".into()),
                ..Naming::default()
            },
            vec![],
            "outside the managed OUs",
        ),
        (
            Stages {
                mapping: true,
                ..Stages::default()
            },
            Naming::default(),
            vec![AttributeEdit::Add {
                name: "bad name!".into(),
                values: vec!["v".into()],
            }],
            "`bad name!` is not a valid LDAP attribute name",
        ),
        (
            Stages {
                mapping: true,
                ..Stages::default()
            },
            Naming::default(),
            vec![AttributeEdit::Replace {
                name: "msDS-ExternalDirectoryObjectId".into(),
                values: vec![],
            }],
            "may not change `msDS-ExternalDirectoryObjectId`",
        ),
    ];
    for (stages, naming, edits, expected) in cases {
        let mut rule = Scripted::new("bad", &log);
        rule.stages = stages;
        rule.naming = Ok(naming);
        rule.mapping = Ok(edits);
        let (by, _, message, fault) = failed(
            pipeline(vec![Box::new(rule)], FaultPolicy::Abort)
                .transform(group())
                .expect("invalid output is not a fault"),
        );
        assert_eq!(by, "bad");
        assert!(!fault);
        assert!(message.contains(expected), "{message}");
        assert!(
            message.contains("group \"Finance\" (11111111-2222-3333-4444-555555555555)"),
            "{message}"
        );
    }
}

#[test]
fn rule_errors_fail_the_group_and_faults_follow_the_policy() {
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut erring = Scripted::new("router", &log);
    erring.stages = Stages {
        naming: true,
        ..Stages::default()
    };
    erring.naming = Err(StageError::Rule("no route for Finance".into()));
    let (by, stage, message, fault) = failed(
        pipeline(vec![Box::new(erring)], FaultPolicy::Abort)
            .transform(group())
            .expect("a rule error never aborts"),
    );
    assert_eq!(
        (by.as_str(), stage, fault),
        ("router", Some(Stage::Naming), false)
    );
    assert_eq!(
        message,
        "plugin `router` (naming stage) returned an error for group \"Finance\" \
         (11111111-2222-3333-4444-555555555555): no route for Finance"
    );

    let faulty = || {
        let mut rule = Scripted::new("loop", &log);
        rule.stages = Stages {
            filter: true,
            ..Stages::default()
        };
        rule.filter = Err(StageError::Fault(
            "plugin loop exceeded its 5 ms time budget".into(),
        ));
        Box::new(rule) as Box<dyn Rule>
    };
    let (_, _, message, fault) = failed(
        pipeline(vec![faulty()], FaultPolicy::SkipGroup)
            .transform(group())
            .expect("skip-group carries on"),
    );
    assert!(fault);
    assert_eq!(message, "plugin loop exceeded its 5 ms time budget");
    let aborted = pipeline(vec![faulty()], FaultPolicy::Abort)
        .transform(group())
        .expect_err("abort policy");
    assert!(
        aborted
            .to_string()
            .contains("exceeded its 5 ms time budget")
    );
}

#[test]
fn warnings_do_not_stop_the_group() {
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut rule = Scripted::new("sam", &log);
    rule.stages = Stages {
        naming: true,
        ..Stages::default()
    };
    rule.naming = Ok(Naming {
        sam_account_name: Some("a-very-long-sam-account-name".into()),
        ..Naming::default()
    });
    let outcome = pipeline(vec![Box::new(rule)], FaultPolicy::SkipGroup)
        .transform(group())
        .expect("no abort");
    let Outcome::Write { warnings, .. } = outcome else {
        panic!("expected a write");
    };
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("28 characters"), "{warnings:?}");
}

#[test]
fn cloud_data_that_ad_cannot_take_fails_in_defaults() {
    let mut bad = group();
    bad.description = Some("bell\u{7}".into());
    let (by, stage, message, _) = failed(
        pipeline(vec![], FaultPolicy::SkipGroup)
            .transform(bad)
            .expect("no abort"),
    );
    assert_eq!((by.as_str(), stage), (BY_DEFAULTS, None));
    assert!(
        message.contains("`description` contains the control character U+0007"),
        "{message}"
    );
}

#[test]
fn cloud_values_longer_than_the_schema_allows_are_cut_and_plugin_values_refused() {
    let mut schema: AttributeNames = [("1.2.840.113556.1.2.13", "displayName")]
        .into_iter()
        .map(|(oid, name)| (oid.to_owned(), name.to_owned()))
        .collect();
    schema.set_max_length("displayName", 256);
    let target = || Target {
        schema: Some(Arc::new(schema.clone())),
        ..Target::default()
    };
    let mut long = group();
    long.display_name = Some(format!("{}é😀", "x".repeat(254)));
    let outcome = pipeline_with(
        vec![],
        PluginPrivileges::new(),
        target(),
        FaultPolicy::SkipGroup,
    )
    .transform(long)
    .expect("no abort");
    let Outcome::Write { desired, warnings } = outcome else {
        panic!("expected a write, got {outcome:?}");
    };
    assert_eq!(
        desired.attributes.first("displayName"),
        Some(format!("{}é", "x".repeat(254)).as_str()),
        "cut between characters: the emoji's two units do not fit"
    );
    assert_eq!(
        warnings,
        vec!["displayName cut from 257 to 256 characters (AD's rangeUpper for displayName)"]
    );

    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut rule = Scripted::new("titler", &log);
    rule.stages = Stages {
        mapping: true,
        ..Stages::default()
    };
    rule.mapping = Ok(vec![AttributeEdit::Replace {
        name: "displayname".into(),
        values: vec!["y".repeat(300)],
    }]);
    let (by, stage, message, fault) = failed(
        pipeline_with(
            vec![Box::new(rule)],
            PluginPrivileges::new(),
            target(),
            FaultPolicy::SkipGroup,
        )
        .transform(group())
        .expect("no abort"),
    );
    assert_eq!(
        (by.as_str(), stage, fault),
        ("titler", Some(Stage::Mapping), false)
    );
    assert_eq!(
        message,
        format!(
            "plugin `titler` (mapping stage) gave invalid output for group {GROUP}: a value of \
             `displayName` is 300 characters long; AD's schema allows at most 256 (its \
             rangeUpper, counted in UTF-16 code units: an emoji counts 2)"
        )
    );
}

mod privileges;
