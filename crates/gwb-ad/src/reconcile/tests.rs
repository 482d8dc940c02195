//! Reconcile unit tests: exact plans from hand-built AD state, no DC.

use std::collections::{BTreeMap, BTreeSet};

use gwb_model::{
    Attributes, CloudDelete, DesiredGroup, Member, MemberKind, TargetCapabilities, UserAnchor,
};

use super::*;
use crate::member_index::{AdObject, ObjectKind, SkipReason};
use crate::plan::{Change, ChangeKind, Conflict, SkippedMember};
use crate::read::AnchorSources;

const OU: &str = "OU=Groups,DC=x";

fn caps(external: bool) -> TargetCapabilities {
    TargetCapabilities {
        exchange_schema: false,
        external_directory_object_id: external,
    }
}

fn want(id: &str, cn: &str, members: &[(&str, MemberKind)]) -> DesiredGroup {
    let mut attributes = Attributes::new();
    attributes.set_one("groupType", "-2147483640");
    attributes.set_one("adminDescription", format!("Group_{id}"));
    attributes.set_one("description", format!("d {cn}"));
    DesiredGroup {
        object_id: id.into(),
        cn: cn.into(),
        parent_dn: OU.into(),
        sam_account_name: None,
        attributes,
        members: members
            .iter()
            .map(|(id, kind)| Member {
                id: (*id).into(),
                kind: *kind,
            })
            .collect(),
    }
}

fn have(id: &str, cn: &str, members: &[&str]) -> CurrentGroup {
    let mut attributes = Attributes::new();
    attributes.set_one("groupType", "-2147483640");
    attributes.set_one("adminDescription", format!("Group_{id}"));
    attributes.set_one("description", format!("d {cn}"));
    CurrentGroup {
        dn: child_dn(cn, OU),
        object_guid: format!("guid-{id}"),
        object_id: id.into(),
        anchors: AnchorSources {
            admin_description: true,
            external_id: false,
        },
        marks: written_by_gwb(&attributes),
        protected: false,
        sam_account_name: Some(format!("sam-{id}")),
        attributes,
        members: members.iter().map(|m| (*m).to_owned()).collect(),
    }
}

/// The mark of the tenant the tests write for.
fn owner() -> OwnerMark {
    OwnerMark::for_tenant("contoso")
}

/// The target schema, as far as the tests need it: proxyAddresses holds several values.
fn schema() -> AttributeNames {
    let mut names = AttributeNames::default();
    names.set_multi_valued("proxyAddresses");
    names
}

/// `have`, but without gwb's mark: a group Entra Connect wrote.
fn connects(id: &str, cn: &str) -> CurrentGroup {
    CurrentGroup {
        marks: vec![],
        ..have(id, cn, &[])
    }
}

/// The `extensionName` values of a group gwb wrote with `attributes`: its mark and its
/// record of every value.
fn written_by_gwb(attributes: &Attributes) -> Vec<String> {
    let mut marks = vec![owner().value().to_owned()];
    marks.extend(written_record::entries_for(attributes.iter()));
    marks
}

/// The change to gwb's record that says it wrote (Add) or no longer holds (Delete) `value`
/// of `attribute`.
fn record(kind: ChangeKind, attribute: &str, value: &str) -> Change {
    Change {
        kind,
        attribute: "extensionName".into(),
        values: vec![written_record::entry(attribute, value)],
    }
}

/// The add attribute gwb's mark and record are written with, for a group `want` built.
fn mark(id: &str, cn: &str) -> (String, Vec<String>) {
    let d = want(id, cn, &[]);
    ("extensionName".into(), written_by_gwb(&d.attributes))
}

fn user_dn(i: usize) -> String {
    format!("CN=u{i},OU=Users,DC=x")
}

/// An index with users u0..n (by SID `S-1-5-21-9-<i>`) and gwb's domain-local group `dl`.
fn world(n: usize) -> (MemberIndex, BTreeMap<String, UserAnchor>) {
    let mut index = MemberIndex::new();
    let mut users = BTreeMap::new();
    for i in 0..n {
        index.insert(AdObject {
            dn: user_dn(i),
            object_guid: format!("ug{i}"),
            sid: Some(format!("S-1-5-21-9-{i}")),
            kind: ObjectKind::User,
            ..Default::default()
        });
        users.insert(
            format!("u{i}"),
            UserAnchor {
                id: format!("u{i}"),
                on_premises_security_identifier: Some(format!("S-1-5-21-9-{i}")),
                on_premises_sync_enabled: Some(true),
                ..Default::default()
            },
        );
    }
    index.insert(AdObject {
        dn: "CN=Local,OU=Groups,DC=x".into(),
        object_guid: "dlg".into(),
        group_type: Some(-2147483644),
        anchor: Some("dl".into()),
        marks: vec![owner().value().to_owned()],
        ..Default::default()
    });
    (index, users)
}

fn occupants() -> Occupants {
    let mut o = Occupants::default();
    o.containers.insert(normalize_dn(OU));
    o
}

struct Case {
    desired: Vec<DesiredGroup>,
    current: Vec<CurrentGroup>,
    deletes: Vec<CloudDelete>,
    occupants: Occupants,
    full: bool,
    external: bool,
    users: usize,
    skipped: BTreeSet<String>,
    failed: BTreeSet<String>,
}

impl Case {
    fn new(desired: Vec<DesiredGroup>, current: Vec<CurrentGroup>) -> Self {
        Self {
            desired,
            current,
            deletes: vec![],
            occupants: occupants(),
            full: true,
            external: false,
            users: 5,
            skipped: BTreeSet::new(),
            failed: BTreeSet::new(),
        }
    }

    fn run(&self, policy: &Policy) -> Plan {
        let (index, users) = world(self.users);
        reconcile(
            &ReconcileInput {
                desired: &self.desired,
                current: &self.current,
                index: &index,
                users: &users,
                group_sids: &BTreeMap::new(),
                cloud_deletes: &self.deletes,
                occupants: &self.occupants,
                capabilities: caps(self.external),
                schema: &schema(),
                owner: &owner(),
                full: self.full,
                rules_skipped: &self.skipped,
                rules_failed: &self.failed,
            },
            policy,
        )
    }
}

fn members(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

#[test]
fn new_groups_are_added_whole_and_nested_new_groups_follow() {
    let outer = want(
        "a",
        "Outer",
        &[
            ("u0", MemberKind::User),
            ("b", MemberKind::Group),
            ("ghost", MemberKind::User),
            ("dl", MemberKind::Group),
            ("d1", MemberKind::Device),
        ],
    );
    let inner = want("b", "Inner", &[("u1", MemberKind::User)]);
    let plan = Case::new(vec![outer, inner], vec![]).run(&Policy::default());
    assert_eq!(
        plan.operations,
        vec![
            Operation::Add {
                object_id: "a".into(),
                dn: "CN=Outer,OU=Groups,DC=x".into(),
                attributes: vec![
                    ("objectClass".into(), members(&["group"])),
                    ("adminDescription".into(), members(&["Group_a"])),
                    ("description".into(), members(&["d Outer"])),
                    ("groupType".into(), members(&["-2147483640"])),
                    mark("a", "Outer"),
                    ("member".into(), vec![user_dn(0)]),
                ],
            },
            Operation::Add {
                object_id: "b".into(),
                dn: "CN=Inner,OU=Groups,DC=x".into(),
                attributes: vec![
                    ("objectClass".into(), members(&["group"])),
                    ("adminDescription".into(), members(&["Group_b"])),
                    ("description".into(), members(&["d Inner"])),
                    ("groupType".into(), members(&["-2147483640"])),
                    mark("b", "Inner"),
                    ("member".into(), vec![user_dn(1)]),
                ],
            },
            Operation::Modify {
                object_id: "a".into(),
                dn: "CN=Outer,OU=Groups,DC=x".into(),
                changes: vec![Change {
                    kind: ChangeKind::Add,
                    attribute: "member".into(),
                    values: members(&["CN=Inner,OU=Groups,DC=x"]),
                }],
            },
        ]
    );
    let a = &plan.groups["a"];
    assert_eq!(a.action, GroupAction::Create);
    let skipped = |id: &str, reason| SkippedMember {
        id: id.into(),
        reason,
    };
    assert_eq!(
        a.members_skipped,
        vec![
            skipped("ghost", SkipReason::UserNotRead),
            skipped("dl", SkipReason::DomainLocalInUniversal),
            skipped("d1", SkipReason::NotWrittenKind(MemberKind::Device)),
        ]
    );
    assert_eq!(a.members_added, 2);
}

#[test]
fn matching_groups_give_an_empty_plan() {
    let plan = Case::new(
        vec![want("a", "A", &[("u0", MemberKind::User)])],
        vec![have("a", "A", &["cn=U0,ou=users,dc=X"])],
    )
    .run(&Policy::default());
    assert!(plan.is_empty(), "{plan:#?}");
    assert_eq!(plan.groups["a"].action, GroupAction::Unchanged);
}

#[test]
fn renames_and_moves_use_moddn_and_keep_nested_links() {
    let mut moved = want("a", "A, new", &[]);
    moved.parent_dn = "OU=Other,DC=x".into();
    moved.attributes.set_one("description", "changed");
    let outer = want("o", "Outer", &[("a", MemberKind::Group)]);
    let mut case = Case::new(
        vec![moved, outer],
        vec![
            have("a", "A", &[]),
            have("o", "Outer", &["CN=A,OU=Groups,DC=x"]),
        ],
    );
    case.occupants
        .containers
        .insert(normalize_dn("OU=Other,DC=x"));
    let plan = case.run(&Policy::default());
    assert_eq!(
        plan.operations,
        vec![
            Operation::ModDn {
                object_id: "a".into(),
                dn: "CN=A,OU=Groups,DC=x".into(),
                new_rdn: "CN=A\\, new".into(),
                new_superior: Some("OU=Other,DC=x".into()),
                new_dn: "CN=A\\, new,OU=Other,DC=x".into(),
                removal: None,
            },
            Operation::Modify {
                object_id: "a".into(),
                dn: "CN=A\\, new,OU=Other,DC=x".into(),
                changes: vec![
                    Change {
                        kind: ChangeKind::Replace,
                        attribute: "description".into(),
                        values: members(&["changed"]),
                    },
                    record(ChangeKind::Delete, "description", "d A"),
                    record(ChangeKind::Add, "description", "changed"),
                ],
            },
        ],
        "AD keeps Outer's link to the renamed group: no member change"
    );
}

#[test]
fn members_change_by_value_in_chunks() {
    let current: Vec<String> = (0..1000).map(user_dn).collect();
    let current_refs: Vec<&str> = current.iter().map(String::as_str).collect();
    let ids: Vec<String> = (300..1500).map(|i| format!("u{i}")).collect();
    let wanted: Vec<(&str, MemberKind)> =
        ids.iter().map(|i| (i.as_str(), MemberKind::User)).collect();
    let mut case = Case::new(
        vec![want("a", "A", &wanted)],
        vec![have("a", "A", &current_refs)],
    );
    case.users = 1500;
    let plan = case.run(&Policy::default());
    // 300 deletes + 500 adds = 800 values → chunks of 500 and 300; deletes first.
    assert_eq!(plan.operations.len(), 2);
    let Operation::Modify { changes, .. } = &plan.operations[0] else {
        panic!()
    };
    assert_eq!(changes.len(), 2);
    assert_eq!(
        (changes[0].kind, changes[0].values.len()),
        (ChangeKind::Delete, 300)
    );
    assert_eq!(
        (changes[1].kind, changes[1].values.len()),
        (ChangeKind::Add, 200)
    );
    let Operation::Modify { changes, .. } = &plan.operations[1] else {
        panic!()
    };
    assert_eq!(changes.len(), 1);
    assert_eq!(
        (changes[0].kind, changes[0].values.len()),
        (ChangeKind::Add, 300)
    );
    assert!(plan.operations.iter().all(|op| match op {
        Operation::Modify { changes, .. } => changes.iter().all(|c| c.kind != ChangeKind::Replace),
        _ => false,
    }));
    assert_eq!(plan.groups["a"].members_removed, 300);
    assert_eq!(plan.groups["a"].members_before, 1000);
}

#[test]
fn removals_follow_policy_and_round_kind() {
    let current = vec![
        have("h", "H", &[]),
        have("s", "S", &[]),
        have("o", "O", &[]),
        have("k", "K", &[]),
    ];
    let mut case = Case::new(vec![want("k", "K", &[])], current);
    case.deletes = vec![
        CloudDelete {
            id: "h".into(),
            hard: true,
        },
        CloudDelete {
            id: "s".into(),
            hard: false,
        },
    ];
    let policy = Policy {
        on_soft_delete: RemovalAction::MoveTo("OU=Hold,DC=x".into()),
        ..Policy::default()
    };
    let plan = case.run(&policy);
    assert_eq!(
        plan.operations,
        vec![
            Operation::Delete {
                object_id: "h".into(),
                dn: "CN=H,OU=Groups,DC=x".into(),
                removal: Removal::HardDelete
            },
            Operation::Delete {
                object_id: "o".into(),
                dn: "CN=O,OU=Groups,DC=x".into(),
                removal: Removal::NoLongerDesired
            },
            Operation::ModDn {
                object_id: "s".into(),
                dn: "CN=S,OU=Groups,DC=x".into(),
                new_rdn: "CN=S".into(),
                new_superior: Some("OU=Hold,DC=x".into()),
                new_dn: "CN=S,OU=Hold,DC=x".into(),
                removal: Some(Removal::SoftDelete),
            },
        ]
    );
    assert_eq!(plan.removals(), 3);
    case.full = false;
    let plan = case.run(&Policy::default());
    assert_eq!(
        plan.operations.len(),
        1,
        "incremental: only the hard delete; soft is kept"
    );
    assert_eq!(plan.groups["s"].action, GroupAction::Keep);
    assert!(!plan.groups.contains_key("o"));
}

#[test]
fn groups_the_rules_skip_go_at_once_and_groups_they_fail_on_stay() {
    let current = vec![
        have("f", "F", &[]),
        have("s", "S", &[]),
        have("q", "Q", &[]),
    ];
    let mut case = Case::new(vec![], current);
    case.skipped = BTreeSet::from(["s".to_owned()]);
    case.failed = BTreeSet::from(["f".to_owned()]);
    let deleted = |id: &str, cn: &str| Operation::Delete {
        object_id: id.into(),
        dn: child_dn(cn, OU),
        removal: Removal::NoLongerDesired,
    };
    // Full round: everything without a desired twin goes, except what the rules failed on.
    let plan = case.run(&Policy::default());
    assert_eq!(plan.operations, vec![deleted("q", "Q"), deleted("s", "S")]);
    assert!(
        !plan.groups.contains_key("f"),
        "a failed group is not touched"
    );
    // Incremental round: only the group the rules skipped in this round goes.
    case.full = false;
    let plan = case.run(&Policy::default());
    assert_eq!(plan.operations, vec![deleted("s", "S")]);
    assert_eq!(plan.groups["s"].action, GroupAction::Delete);
    assert!(!plan.groups.contains_key("f") && !plan.groups.contains_key("q"));
}

#[test]
fn foreign_objects_are_conflicts_and_connect_groups_need_adopt() {
    let mut by_sam = want("s", "S", &[]);
    by_sam.sam_account_name = Some("Taken".into());
    let mut case = Case::new(
        vec![want("d", "D", &[]), by_sam, want("c", "Connect", &[])],
        vec![connects("c", "Connect")],
    );
    case.external = true;
    case.occupants.insert(AdObject {
        dn: "CN=D,OU=Groups,DC=x".into(),
        object_guid: "other".into(),
        ..Default::default()
    });
    case.occupants.insert(AdObject {
        dn: "CN=Elsewhere,DC=x".into(),
        object_guid: "other2".into(),
        sam_account_name: Some("taken".into()),
        ..Default::default()
    });
    case.occupants.insert(AdObject {
        dn: "CN=Connect,OU=Groups,DC=x".into(),
        object_guid: "guid-c".into(),
        anchor: Some("c".into()),
        ..Default::default()
    });
    let plan = case.run(&Policy::default());
    assert!(plan.operations.is_empty(), "{plan:#?}");
    let reasons: Vec<(&str, &str)> = plan
        .conflicts
        .iter()
        .map(|c| (c.object_id.as_str(), c.theirs.as_str()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            (
                "c",
                "CN=Connect,OU=Groups,DC=x (objectGUID guid-c, anchor in adminDescription)"
            ),
            ("d", "CN=D,OU=Groups,DC=x (objectGUID other)"),
            ("s", "CN=Elsewhere,DC=x (objectGUID other2)"),
        ]
    );
    assert!(
        plan.conflicts[0]
            .reason
            .contains("[sync] adopt_connect_groups = true"),
        "{}",
        plan.conflicts[0].reason
    );
    assert_eq!(plan.conflicts[1].ours, "CN=D,OU=Groups,DC=x (Group_d)");
    let plan = case.run(&Policy {
        adopt: true,
        ..Policy::default()
    });
    assert_eq!(plan.groups["c"].action, GroupAction::Adopt);
    assert!(
        plan.groups
            .values()
            .filter(|g| g.action == GroupAction::Skipped)
            .count()
            == 2
    );
}

#[test]
fn missing_ous_skip_the_group_or_are_created_parent_first() {
    let mut g = want("a", "A", &[]);
    g.parent_dn = "OU=Leaf,OU=Mid,DC=x".into();
    let case = Case::new(vec![g], vec![]);
    let plan = case.run(&Policy::default());
    assert!(plan.operations.is_empty());
    assert_eq!(plan.groups["a"].action, GroupAction::Skipped);
    assert!(
        plan.groups["a"].problems[0].contains("[sync] create_missing_ous = true"),
        "{}",
        plan.groups["a"].problems[0]
    );
    let plan = case.run(&Policy {
        create_missing_ous: true,
        ..Policy::default()
    });
    let dns: Vec<&str> = plan.operations.iter().map(Operation::dn).collect();
    assert_eq!(
        dns,
        vec![
            "OU=Mid,DC=x",
            "OU=Leaf,OU=Mid,DC=x",
            "CN=A,OU=Leaf,OU=Mid,DC=x"
        ]
    );
}

#[test]
fn removed_attributes_and_sam_changes_are_replaced() {
    let mut g = want("a", "A", &[]);
    g.attributes.set("description", vec![]);
    g.sam_account_name = Some("new-sam".into());
    let plan = Case::new(vec![g], vec![have("a", "A", &[])]).run(&Policy::default());
    assert_eq!(
        plan.operations,
        vec![Operation::Modify {
            object_id: "a".into(),
            dn: "CN=A,OU=Groups,DC=x".into(),
            changes: vec![
                Change {
                    kind: ChangeKind::Replace,
                    attribute: "sAMAccountName".into(),
                    values: members(&["new-sam"])
                },
                Change {
                    kind: ChangeKind::Replace,
                    attribute: "description".into(),
                    values: vec![]
                },
                record(ChangeKind::Delete, "description", "d A"),
            ],
        }]
    );
}

#[test]
fn links_to_a_deleted_group_are_left_to_ad() {
    let mut case = Case::new(
        vec![want("o", "Outer", &[])],
        vec![
            have("o", "Outer", &["CN=Gone,OU=Groups,DC=x"]),
            have("g", "Gone", &[]),
        ],
    );
    case.deletes = vec![CloudDelete {
        id: "g".into(),
        hard: true,
    }];
    let plan = case.run(&Policy::default());
    assert_eq!(
        plan.operations,
        vec![Operation::Delete {
            object_id: "g".into(),
            dn: "CN=Gone,OU=Groups,DC=x".into(),
            removal: Removal::HardDelete,
        }]
    );
    assert_eq!(plan.groups["o"].members_removed, 0);
}

#[test]
fn each_group_is_unchanged_or_updated_by_its_own_operations() {
    let mut changed = want("b", "B", &[("u0", MemberKind::User)]);
    changed.attributes.set_one("description", "changed");
    let plan = Case::new(
        vec![want("a", "A", &[]), changed, want("c", "C", &[])],
        vec![
            have("a", "A", &[]),
            have("b", "B", &[]),
            have("c", "C", &[]),
        ],
    )
    .run(&Policy::default());
    let actions: Vec<(&str, GroupAction)> = plan
        .groups
        .iter()
        .map(|(id, g)| (id.as_str(), g.action))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("a", GroupAction::Unchanged),
            ("b", GroupAction::Update),
            ("c", GroupAction::Unchanged),
        ]
    );
    assert_eq!(
        plan.operations.len(),
        2,
        "b's attribute and member modifies"
    );
}

#[test]
fn a_missing_ou_shared_by_groups_is_created_once() {
    let mut a = want("a", "A", &[]);
    a.parent_dn = "OU=Leaf,OU=Mid,DC=x".into();
    let mut b = want("b", "B", &[]);
    b.parent_dn = "ou=leaf,ou=mid,dc=x".into();
    let mut c = want("c", "C", &[]);
    c.parent_dn = "OU=Other,OU=Mid,DC=x".into();
    let plan = Case::new(vec![a, b, c], vec![]).run(&Policy {
        create_missing_ous: true,
        ..Policy::default()
    });
    let ous: Vec<&str> = plan
        .operations
        .iter()
        .filter(|op| matches!(op, Operation::CreateOu { .. }))
        .map(Operation::dn)
        .collect();
    assert_eq!(
        ous,
        vec!["OU=Mid,DC=x", "OU=Leaf,OU=Mid,DC=x", "OU=Other,OU=Mid,DC=x"]
    );
}

mod addresses;
mod only_what_gwb_wrote;
mod ownership;
