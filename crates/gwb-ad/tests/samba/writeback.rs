//! Reconcile + apply on the DC: create, converge, rename/move, members, deletes, conflicts,
//! adopt, domain-local members, crash replays.

use std::collections::BTreeSet;

use gwb_ad::escape::{first_rdn_value, normalize_dn};
use gwb_ad::{
    ChangeKind, CurrentGroup, GroupAction, Operation, Outcome, Plan, Policy, RemovalAction,
    SkipReason, SkippedMember,
};
use gwb_model::{CloudDelete, MemberKind};

use crate::common::{
    anchor_of, anchored, apply_ok, assert_written_by_gwb, dc, desired, full_plan, plan, users_map,
};

fn members(g: &CurrentGroup) -> BTreeSet<String> {
    g.members.iter().map(|m| normalize_dn(m)).collect()
}

fn dns(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|m| normalize_dn(m)).collect()
}

#[tokio::test]
async fn groups_are_created_converge_move_and_are_deleted() {
    let dc = dc();
    let caps = dc.capabilities();
    let mut dir = dc.connect().await;
    let ou = dc.test_ou("wb");
    let groups = format!("OU=Groups,{ou}");
    let u = dc.add_users(&ou, "wbuser", 4);
    let users = users_map(vec![
        anchor_of(&mut dir, "u0", &u[0], "sid").await,
        anchor_of(&mut dir, "u1", &u[1], "guid").await,
        anchor_of(&mut dir, "u2", &u[2], "dn").await,
        anchor_of(&mut dir, "u3", &u[3], "sid").await,
    ]);
    let g1 = desired(
        "g1",
        "Team, EU #1",
        &groups,
        caps,
        &[
            ("u0", MemberKind::User),
            ("u1", MemberKind::User),
            ("u2", MemberKind::User),
            ("cloud-only", MemberKind::User),
            ("g2", MemberKind::Group),
            ("dev", MemberKind::Device),
        ],
    );
    let g2 = desired("g2", "Inner", &groups, caps, &[("u3", MemberKind::User)]);
    let managed = vec![ou.clone()];
    let policy = Policy::default();
    let p = full_plan(
        &mut dir,
        &managed,
        &[g1.clone(), g2.clone()],
        &users,
        &policy,
    )
    .await;
    let g1_dn = format!("CN=Team\\, EU #1,{groups}");
    let g2_dn = format!("CN=Inner,{groups}");
    assert!(p.conflicts.is_empty(), "{:?}", p.conflicts);
    assert_eq!(p.operations.len(), 3, "{p:#?}");
    assert!(matches!(&p.operations[0], Operation::Add { dn, .. } if *dn == g1_dn));
    assert!(matches!(&p.operations[1], Operation::Add { dn, .. } if *dn == g2_dn));
    match &p.operations[2] {
        Operation::Modify { dn, changes, .. } => {
            assert_eq!(*dn, g1_dn);
            assert_eq!(changes.len(), 1);
            assert_eq!(changes[0].kind, ChangeKind::Add);
            assert_eq!(changes[0].values, vec![g2_dn.clone()]);
        }
        other => panic!("expected the nested member add, got {other:?}"),
    }
    assert_eq!(
        p.groups["g1"].members_skipped,
        vec![
            SkippedMember {
                id: "cloud-only".into(),
                reason: SkipReason::UserNotRead,
            },
            SkippedMember {
                id: "dev".into(),
                reason: SkipReason::NotWrittenKind(MemberKind::Device),
            },
        ]
    );
    assert_eq!(p.groups["g1"].action, GroupAction::Create);
    apply_ok(&mut dir, &p).await;

    let now = anchored(&mut dir, &dc, &ou).await;
    assert_eq!(now.len(), 2);
    assert_eq!(now[0].object_id, "g1");
    assert_eq!(normalize_dn(&now[0].dn), normalize_dn(&g1_dn));
    assert_eq!(members(&now[0]), dns(&[&u[0], &u[1], &u[2], &g2_dn]));
    assert_eq!(
        now[0].attributes.get("description"),
        ["desc of Team, EU #1"]
    );
    assert_eq!(now[0].attributes.get("groupType"), ["-2147483640"]);
    assert_eq!(
        now[0].anchors.external_id,
        caps.external_directory_object_id
    );
    assert!(
        now[0].sam_account_name.is_some(),
        "AD generates a sAMAccountName"
    );
    assert_eq!(members(&now[1]), dns(&[&u[3]]));

    // A second run changes nothing.
    let again = full_plan(
        &mut dir,
        &managed,
        &[g1.clone(), g2.clone()],
        &users,
        &policy,
    )
    .await;
    assert!(again.is_empty(), "{again:#?}");
    assert_eq!(again.groups["g1"].action, GroupAction::Unchanged);

    // Rename + move into a new OU, new description, one member fewer.
    let moved_parent = format!("OU=Moved,{ou}");
    let mut g1b = g1.clone();
    g1b.cn = "Team EU".into();
    g1b.parent_dn = moved_parent.clone();
    g1b.attributes.set_one("description", "now elsewhere");
    g1b.members.retain(|m| m.id != "u0");
    let refused = full_plan(
        &mut dir,
        &managed,
        &[g1b.clone(), g2.clone()],
        &users,
        &policy,
    )
    .await;
    assert!(refused.operations.is_empty());
    assert!(refused.groups["g1"].problems[0].contains("create_missing_ous"));
    let create_ous = Policy {
        create_missing_ous: true,
        ..Policy::default()
    };
    let p = full_plan(
        &mut dir,
        &managed,
        &[g1b.clone(), g2.clone()],
        &users,
        &create_ous,
    )
    .await;
    let kinds: Vec<&str> = p
        .operations
        .iter()
        .map(|op| match op {
            Operation::CreateOu { .. } => "ou",
            Operation::ModDn { .. } => "moddn",
            Operation::Modify { .. } => "modify",
            Operation::Add { .. } => "add",
            Operation::Delete { .. } => "delete",
        })
        .collect();
    assert_eq!(kinds, ["ou", "moddn", "modify", "modify"], "{p:#?}");
    apply_ok(&mut dir, &p).await;
    let now = anchored(&mut dir, &dc, &ou).await;
    let new_dn = format!("CN=Team EU,{moved_parent}");
    assert_eq!(normalize_dn(&now[0].dn), normalize_dn(&new_dn));
    assert_eq!(now[0].attributes.get("description"), ["now elsewhere"]);
    assert_eq!(members(&now[0]), dns(&[&u[1], &u[2], &g2_dn]));

    // g2 hard-deleted in the cloud (so also gone from g1's members): only the delete is
    // written; AD drops the member link itself.
    let mut g1c = g1b.clone();
    g1c.members.retain(|m| m.id != "g2");
    let p = plan(
        &mut dir,
        &managed,
        &[g1c],
        &users,
        &[CloudDelete {
            id: "g2".into(),
            hard: true,
        }],
        false,
        &policy,
    )
    .await;
    assert_eq!(p.operations.len(), 1, "{p:#?}");
    assert!(
        matches!(&p.operations[0], Operation::Delete { dn, .. } if normalize_dn(dn) == normalize_dn(&g2_dn))
    );
    apply_ok(&mut dir, &p).await;
    let now = anchored(&mut dir, &dc, &ou).await;
    assert_eq!(now.len(), 1);
    assert_eq!(members(&now[0]), dns(&[&u[1], &u[2]]));
}

#[tokio::test]
async fn names_that_need_escaping_are_created_once_and_then_left_alone() {
    let dc = dc();
    let caps = dc.capabilities();
    let mut dir = dc.connect().await;
    let ou = dc.test_ou("esc");
    let groups = format!("OU=Groups,{ou}");
    // Every character RFC 4514 escapes, a bare `=` (which Samba refuses unescaped), edge spaces
    // and non-ASCII.
    let names = [
        "a=b",
        "x;y+z",
        "#1, \"q\" <x>",
        " edge ",
        "back\\slash",
        "Équipe",
    ];
    let wanted: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(i, cn)| desired(&format!("esc{i}"), cn, &groups, caps, &[]))
        .collect();
    let managed = vec![ou.clone()];
    let users = users_map(vec![]);
    let policy = Policy::default();
    let p = full_plan(&mut dir, &managed, &wanted, &users, &policy).await;
    assert!(p.conflicts.is_empty(), "{:?}", p.conflicts);
    assert_eq!(p.operations.len(), names.len(), "{p:#?}");
    apply_ok(&mut dir, &p).await;

    let now = anchored(&mut dir, &dc, &ou).await;
    let cns: Vec<String> = now
        .iter()
        .map(|g| first_rdn_value(&g.dn).unwrap())
        .collect();
    assert_eq!(cns, names, "the DNs AD reports parse back to the names");
    // AD spells some characters as hex pairs (`\3D`, `\3B`); the DN keys agree anyway, so
    // nothing is renamed.
    let again = full_plan(&mut dir, &managed, &wanted, &users, &policy).await;
    assert!(again.is_empty(), "{again:#?}");
}

#[tokio::test]
async fn removals_follow_the_soft_hard_and_full_round_policies() {
    let dc = dc();
    let caps = dc.capabilities();
    let mut dir = dc.connect().await;
    let ou = dc.test_ou("del");
    let groups = format!("OU=Groups,{ou}");
    let holding = format!("OU=Users,{ou}");
    let all: Vec<_> = ["a", "b", "c", "d"]
        .iter()
        .map(|id| desired(id, &format!("del-{id}"), &groups, caps, &[]))
        .collect();
    let users = users_map(vec![]);
    let managed = vec![ou.clone()];
    let p = full_plan(&mut dir, &managed, &all, &users, &Policy::default()).await;
    apply_ok(&mut dir, &p).await;

    let deletes = [
        CloudDelete {
            id: "a".into(),
            hard: false,
        },
        CloudDelete {
            id: "b".into(),
            hard: true,
        },
    ];
    let policy = Policy {
        on_hard_delete: RemovalAction::MoveTo(holding.clone()),
        ..Policy::default()
    };
    // An incremental round touches only the reported deletes; "c" stays.
    let p = plan(
        &mut dir,
        &managed,
        &all[3..],
        &users,
        &deletes,
        false,
        &policy,
    )
    .await;
    assert_eq!(p.groups["a"].action, GroupAction::Keep);
    assert_eq!(p.groups["b"].action, GroupAction::MoveToHolding);
    assert!(!p.groups.contains_key("c"));
    assert_eq!(p.operations.len(), 1);
    // A full round also removes "c", which has no desired twin.
    let p = plan(
        &mut dir,
        &managed,
        &all[3..],
        &users,
        &deletes,
        true,
        &policy,
    )
    .await;
    assert_eq!(p.groups["c"].action, GroupAction::Delete);
    assert_eq!(p.removals(), 2);
    apply_ok(&mut dir, &p).await;
    let now = anchored(&mut dir, &dc, &ou).await;
    let got: Vec<(String, String)> = now
        .iter()
        .map(|g| (g.object_id.clone(), normalize_dn(&g.dn)))
        .collect();
    assert_eq!(
        got,
        vec![
            ("a".to_string(), normalize_dn(&format!("CN=del-a,{groups}"))),
            (
                "b".to_string(),
                normalize_dn(&format!("CN=del-b,{holding}"))
            ),
            ("d".to_string(), normalize_dn(&format!("CN=del-d,{groups}"))),
        ]
    );
}

#[tokio::test]
async fn objects_that_are_not_ours_are_conflicts_and_never_touched() {
    let dc = dc();
    let caps = dc.capabilities();
    let mut dir = dc.connect().await;
    let ou = dc.test_ou("conflict");
    let groups = format!("OU=Groups,{ou}");
    let sam = crate::common::sam_for(&ou, "taken");
    dc.ldapmodify(&format!(
        "dn: CN=Squatter,{groups}\nchangetype: add\nobjectClass: group\n\n\
         dn: CN=Other,{groups}\nchangetype: add\nobjectClass: group\nsAMAccountName: {sam}\n"
    ));
    let by_dn = desired("c1", "Squatter", &groups, caps, &[]);
    let mut by_sam = desired("c2", "Fresh", &groups, caps, &[]);
    by_sam.sam_account_name = Some(sam.clone());
    let users = users_map(vec![]);
    let p = full_plan(
        &mut dir,
        std::slice::from_ref(&ou),
        &[by_dn, by_sam],
        &users,
        &Policy::default(),
    )
    .await;
    assert!(p.operations.is_empty(), "{p:#?}");
    assert_eq!(p.conflicts.len(), 2);
    assert!(
        p.conflicts[0]
            .theirs
            .starts_with(&format!("CN=Squatter,{groups} (objectGUID ")),
        "{:?}",
        p.conflicts[0]
    );
    assert!(p.conflicts[0].ours.contains("Group_c1"));
    assert!(p.conflicts[0].reason.starts_with("DN:"));
    assert!(p.conflicts[1].reason.contains(&sam));
    assert_eq!(p.groups["c1"].action, GroupAction::Skipped);
    assert_eq!(p.groups["c2"].action, GroupAction::Skipped);
}

#[tokio::test]
async fn groups_written_by_entra_connect_are_adopted_in_place() {
    let dc = dc();
    let caps = dc.capabilities();
    let mut dir = dc.connect().await;
    let ou = dc.test_ou("adopt");
    let groups = format!("OU=Groups,{ou}");
    dc.ldapmodify(&format!(
        "dn: CN=Group_x1,{groups}\nchangetype: add\nobjectClass: group\nadminDescription: Group_x1\n"
    ));
    let before = dir
        .lookup(&format!("CN=Group_x1,{groups}"), false)
        .await
        .unwrap()
        .unwrap();
    let want = desired("x1", "Connect Group", &groups, caps, &[]);
    let users = users_map(vec![]);
    let managed = vec![ou.clone()];
    let p = full_plan(
        &mut dir,
        &managed,
        std::slice::from_ref(&want),
        &users,
        &Policy::default(),
    )
    .await;
    // Without gwb's mark it is Connect's, whatever the schema: a conflict until adopted.
    assert!(p.operations.is_empty(), "{p:#?}");
    assert!(
        p.conflicts[0]
            .reason
            .contains("[sync] adopt_connect_groups = true"),
        "{:?}",
        p.conflicts
    );
    let adopt = Policy {
        adopt: true,
        ..Policy::default()
    };
    let p = full_plan(
        &mut dir,
        &managed,
        std::slice::from_ref(&want),
        &users,
        &adopt,
    )
    .await;
    assert_eq!(p.groups["x1"].action, GroupAction::Adopt);
    apply_ok(&mut dir, &p).await;
    let now = anchored(&mut dir, &dc, &ou).await;
    assert_eq!(now.len(), 1);
    assert_eq!(
        now[0].object_guid, before.object_guid,
        "taken over in place"
    );
    assert_eq!(
        normalize_dn(&now[0].dn),
        normalize_dn(&format!("CN=Connect Group,{groups}"))
    );
    assert_eq!(
        now[0].anchors.external_id,
        caps.external_directory_object_id
    );
    // Adopted: marked, with gwb's record of what it wrote.
    assert_written_by_gwb(&now[0].marks);
    // Adopted, it is gwb's: the next round, without adoption, updates it like any other.
    let p = full_plan(
        &mut dir,
        &managed,
        std::slice::from_ref(&want),
        &users,
        &Policy::default(),
    )
    .await;
    assert_eq!(p.groups["x1"].action, GroupAction::Unchanged, "{p:#?}");
}

#[tokio::test]
async fn a_domain_local_group_is_not_put_into_a_universal_group() {
    let dc = dc();
    let caps = dc.capabilities();
    let mut dir = dc.connect().await;
    let ou = dc.test_ou("dl");
    let groups = format!("OU=Groups,{ou}");
    let mut local = desired("dl", "Local", &groups, caps, &[]);
    local.attributes.set_one("groupType", "-2147483644");
    let users = users_map(vec![]);
    let managed = vec![ou.clone()];
    let p = full_plan(
        &mut dir,
        &managed,
        std::slice::from_ref(&local),
        &users,
        &Policy::default(),
    )
    .await;
    apply_ok(&mut dir, &p).await;
    let uni = desired(
        "uni",
        "Universal",
        &groups,
        caps,
        &[("dl", MemberKind::Group)],
    );
    let p = full_plan(
        &mut dir,
        &managed,
        &[local, uni],
        &users,
        &Policy::default(),
    )
    .await;
    assert_eq!(
        p.groups["uni"].members_skipped,
        vec![SkippedMember {
            id: "dl".into(),
            reason: SkipReason::DomainLocalInUniversal,
        }]
    );
    assert_eq!(
        p.operations.len(),
        1,
        "only the add of Universal, without members: {p:#?}"
    );
    apply_ok(&mut dir, &p).await;
}

#[tokio::test]
async fn a_rerun_after_a_crash_at_any_point_converges() {
    let dc = dc();
    let caps = dc.capabilities();
    let mut dir = dc.connect().await;
    let policy = Policy {
        member_chunk: 2,
        create_missing_ous: true,
        ..Policy::default()
    };
    // Crash after k operations, for every k; then a fresh run must converge to the same state.
    for k in 0..=4 {
        let ou = dc.test_ou(&format!("crash{k}"));
        let groups = format!("OU=New,{ou}");
        let u = dc.add_users(&ou, &format!("cr{k}u"), 3);
        let mut anchors = Vec::new();
        for (i, dn) in u.iter().enumerate() {
            anchors.push(anchor_of(&mut dir, &format!("u{i}"), dn, "sid").await);
        }
        let users = users_map(anchors);
        let want = vec![
            desired(
                "p",
                "Parent",
                &groups,
                caps,
                &[
                    ("u0", MemberKind::User),
                    ("u1", MemberKind::User),
                    ("u2", MemberKind::User),
                    ("q", MemberKind::Group),
                ],
            ),
            desired("q", "Child", &groups, caps, &[("u0", MemberKind::User)]),
        ];
        let managed = vec![ou.clone()];
        let full = plan(&mut dir, &managed, &want, &users, &[], true, &policy).await;
        // OU, add Parent (2 members), add Child (1 member), then Parent's last 2 members.
        assert_eq!(full.operations.len(), 4, "{full:#?}");
        let partial = Plan {
            operations: full.operations[..k.min(full.operations.len())].to_vec(),
            ..full.clone()
        };
        apply_ok(&mut dir, &partial).await;
        // Replaying the same operations is harmless too.
        let replay = dir.apply(&partial).await.unwrap();
        assert!(replay.is_success(), "{replay:#?}");
        if k > 0 {
            assert!(
                matches!(replay.operations[0].outcome, Outcome::AlreadyDone(_)),
                "{replay:#?}"
            );
        }
        let rest = plan(&mut dir, &managed, &want, &users, &[], true, &policy).await;
        apply_ok(&mut dir, &rest).await;
        let now = anchored(&mut dir, &dc, &ou).await;
        assert_eq!(now.len(), 2, "no duplicate group after a crash at {k}");
        let child = format!("CN=Child,{groups}");
        assert_eq!(
            members(&now[0]),
            dns(&[&u[0], &u[1], &u[2], &child]),
            "crash at {k}"
        );
        assert_eq!(members(&now[1]), dns(&[&u[0]]));
        let done = plan(&mut dir, &managed, &want, &users, &[], true, &policy).await;
        assert!(done.is_empty(), "crash at {k}: {done:#?}");
    }
}
