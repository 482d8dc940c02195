//! Whose groups gwb changes: only those carrying this tenant's mark, never one AD protects;
//! Entra Connect's only by explicit adoption, Cloud Sync's and other tenants' never.

use super::*;

/// A group with `Group_<id>` in both anchor attributes and no gwb mark: Cloud Sync's, or
/// made by hand to look like it.
fn cloud_sync(id: &str, cn: &str) -> CurrentGroup {
    CurrentGroup {
        anchors: AnchorSources {
            admin_description: true,
            external_id: true,
        },
        ..connects(id, cn)
    }
}

/// A full round on the external-id schema whose rules want `desired` while AD has `current`.
fn run(desired: Vec<DesiredGroup>, current: Vec<CurrentGroup>, policy: &Policy) -> Plan {
    let mut case = Case::new(desired, current);
    case.external = true;
    case.run(policy)
}

/// The conflict of the group `id`: what is in the way and why.
fn conflict<'p>(plan: &'p Plan, id: &str) -> (&'p str, &'p str) {
    let c = plan
        .conflicts
        .iter()
        .find(|c| c.object_id == id)
        .unwrap_or_else(|| panic!("no conflict for {id}: {plan:#?}"));
    (c.theirs.as_str(), c.reason.as_str())
}

#[test]
fn groups_without_our_mark_are_conflicts_never_writes() {
    let mut other_tenant = have("t", "T", &[]);
    other_tenant.marks = vec!["gwb:tenant=fabrikam".into()];
    let desired = vec![
        want("c", "C", &[]),
        want("t", "T", &[]),
        want("e", "E", &[]),
    ];
    let current = vec![cloud_sync("c", "C"), other_tenant, connects("e", "E")];
    // Adoption takes Entra Connect's group only: never Cloud Sync's or another tenant's.
    let adopt = Policy {
        adopt: true,
        ..Policy::default()
    };
    let plan = run(desired, current, &adopt);
    assert_eq!(
        conflict(&plan, "c"),
        (
            "CN=C,OU=Groups,DC=x (objectGUID guid-c, anchor in msDS-ExternalDirectoryObjectId)",
            "the group carries the anchor without gwb's mark: Cloud Sync or a person wrote it, \
             and gwb never takes it over by itself. To hand it to gwb, stop writing it back with \
             Cloud Sync, then add extensionName: gwb:tenant=contoso to it"
        )
    );
    assert_eq!(
        conflict(&plan, "t"),
        (
            "CN=T,OU=Groups,DC=x (objectGUID guid-t, anchor in extensionName gwb:tenant=fabrikam)",
            "the group is written by gwb for another tenant (fabrikam); give each tenant its own \
             managed OUs (if it is this tenant under another spelling of [graph] tenant_id, set \
             extensionName to gwb:tenant=contoso on its groups)"
        )
    );
    assert_eq!(plan.groups["c"].action, GroupAction::Skipped);
    assert_eq!(plan.groups["t"].action, GroupAction::Skipped);
    assert_eq!(plan.groups["e"].action, GroupAction::Adopt);
    // The adopted group gains the mark and gwb's record beside whatever else it holds;
    // nothing else is written.
    let dns: Vec<&str> = plan.operations.iter().map(Operation::dn).collect();
    assert_eq!(dns, vec!["CN=E,OU=Groups,DC=x"], "{plan:#?}");
    let Operation::Modify { changes, .. } = &plan.operations[0] else {
        panic!("{plan:#?}")
    };
    let (attribute, values) = mark("e", "E");
    assert_eq!(
        changes.last(),
        Some(&Change {
            kind: ChangeKind::Add,
            attribute,
            values,
        })
    );
    assert_eq!(plan.owned_count, 0);
}

#[test]
fn a_full_round_removes_only_marked_groups() {
    let current = vec![
        have("ours", "Ours", &[]),
        cloud_sync("sync", "Sync"),
        connects("connect", "Connect"),
    ];
    for adopt in [false, true] {
        let plan = run(
            vec![],
            current.clone(),
            &Policy {
                adopt,
                ..Policy::default()
            },
        );
        assert_eq!(
            plan.operations,
            vec![Operation::Delete {
                object_id: "ours".into(),
                dn: "CN=Ours,OU=Groups,DC=x".into(),
                removal: Removal::NoLongerDesired,
            }],
            "adopt = {adopt}"
        );
        assert_eq!(plan.owned_count, 1);
        assert!(!plan.groups.contains_key("sync") && !plan.groups.contains_key("connect"));
    }
}

#[test]
fn protected_groups_are_never_changed_moved_or_deleted() {
    let protected = |id: &str, cn: &str| CurrentGroup {
        protected: true,
        ..have(id, cn, &["CN=u9,OU=Users,DC=x"])
    };
    let mut moved = want("m", "Renamed", &[("u0", MemberKind::User)]);
    moved.attributes.set_one("description", "changed");
    let mut case = Case::new(
        vec![moved],
        vec![protected("m", "M"), protected("gone", "Gone")],
    );
    case.deletes = vec![CloudDelete {
        id: "gone".into(),
        hard: true,
    }];
    for removal in [
        RemovalAction::Delete,
        RemovalAction::MoveTo("OU=Hold,DC=x".into()),
    ] {
        let plan = case.run(&Policy {
            on_hard_delete: removal.clone(),
            ..Policy::default()
        });
        assert!(plan.operations.is_empty(), "{removal:?}: {plan:#?}");
        let m = &plan.groups["m"];
        assert_eq!(m.action, GroupAction::Skipped);
        assert_eq!(m.dn, "CN=M,OU=Groups,DC=x");
        assert_eq!(
            m.problems,
            vec![
                "CN=M,OU=Groups,DC=x is protected by AD (adminCount=1 or \
                 isCriticalSystemObject=TRUE: it is, or was, nested in a privileged group such \
                 as Domain Admins); gwb never changes it. Remove it from the privileged group \
                 and clear adminCount, and gwb manages it again"
            ]
        );
        let gone = &plan.groups["gone"];
        assert_eq!(gone.action, GroupAction::Keep);
        assert_eq!(
            gone.problems,
            vec![
                "kept: CN=Gone,OU=Groups,DC=x is protected by AD (adminCount=1 or \
                 isCriticalSystemObject=TRUE); gwb never deletes or moves it. Remove it from \
                 the privileged group and clear adminCount, or delete it by hand"
            ]
        );
    }
}

#[test]
fn a_schema_extension_keeps_our_groups_and_adds_the_new_anchor() {
    // Written before the schema had msDS-ExternalDirectoryObjectId: anchor in adminDescription
    // only. Now the schema has it and the defaults propose it.
    let mut desired = want("a", "A", &[]);
    desired
        .attributes
        .set_one("msDS-ExternalDirectoryObjectId", "Group_a");
    let plan = run(vec![desired], vec![have("a", "A", &[])], &Policy::default());
    assert!(plan.conflicts.is_empty(), "{plan:#?}");
    assert_eq!(plan.groups["a"].action, GroupAction::Update);
    assert_eq!(
        plan.operations,
        vec![Operation::Modify {
            object_id: "a".into(),
            dn: "CN=A,OU=Groups,DC=x".into(),
            changes: vec![
                Change {
                    kind: ChangeKind::Replace,
                    attribute: "msDS-ExternalDirectoryObjectId".into(),
                    values: members(&["Group_a"]),
                },
                record(ChangeKind::Add, "msDS-ExternalDirectoryObjectId", "Group_a"),
            ],
        }]
    );
}
