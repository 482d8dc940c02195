//! Whose groups gwb changes, on a real DC: only those carrying its mark. Groups Cloud Sync, a
//! person or Entra Connect anchored in a managed OU survive a full round untouched; groups
//! gwb wrote before the schema gained msDS-ExternalDirectoryObjectId stay gwb's and gain it;
//! a group AD protects is never changed, moved or deleted, nor written as a member.

use gwb_ad::escape::normalize_dn;
use gwb_ad::{CurrentGroup, GroupAction, Policy, RemovalAction, SkipReason, SkippedMember};
use gwb_model::{CloudDelete, MemberKind};

use crate::common::{
    Dc, anchored, apply_ok, assert_written_by_gwb, dc, desired, full_plan, owner, plan, users_map,
};

/// The LDIF of a group anchored to `id` that gwb did not write: `Group_<id>` in
/// adminDescription and, where the schema has it, msDS-ExternalDirectoryObjectId (how Cloud
/// Sync writes it), with a description and one member.
fn foreign_group(dc: &Dc, dn: &str, id: &str, member: &str) -> String {
    let mut ldif = format!(
        "dn: {dn}\nchangetype: add\nobjectClass: group\nadminDescription: Group_{id}\n\
         description: not gwb's\nmember: {member}\n"
    );
    if dc.capabilities().external_directory_object_id {
        ldif.push_str(&format!("msDS-ExternalDirectoryObjectId: Group_{id}\n"));
    }
    ldif + "\n"
}

#[tokio::test]
async fn anchored_groups_gwb_did_not_write_survive_a_full_round_untouched() {
    let dc = dc();
    let caps = dc.capabilities();
    let mut dir = dc.connect().await;
    let ou = dc.test_ou("foreign");
    let groups = format!("OU=Groups,{ou}");
    let users = dc.add_users(&ou, "fm", 1);
    // Cloud Sync's group of a cloud group gwb also wants, a hand-made look-alike of another,
    // and an anchored group no cloud group wants any more.
    dc.ldapmodify(&format!(
        "{}{}{}",
        foreign_group(&dc, &format!("CN=Synced Team,{groups}"), "cs", &users[0]),
        foreign_group(&dc, &format!("CN=By Hand,{groups}"), "hm", &users[0]),
        foreign_group(&dc, &format!("CN=Orphan,{groups}"), "gone", &users[0]),
    ));
    let before = anchored(&mut dir, &dc, &ou).await;
    assert_eq!(before.len(), 3);
    let want = [
        desired("cs", "Synced Team", &groups, caps, &[]),
        desired("hm", "Renamed By Hand", &groups, caps, &[]),
        desired("ours", "Ours", &groups, caps, &[]),
    ];
    let none = users_map(vec![]);
    let delete_all = Policy {
        on_no_longer_desired: RemovalAction::Delete,
        ..Policy::default()
    };
    let p = full_plan(
        &mut dir,
        std::slice::from_ref(&ou),
        &want,
        &none,
        &delete_all,
    )
    .await;
    let written: Vec<String> = p.operations.iter().map(|o| normalize_dn(o.dn())).collect();
    assert_eq!(
        written,
        vec![normalize_dn(&format!("CN=Ours,{groups}"))],
        "{p:#?}"
    );
    let conflicts: Vec<&str> = p.conflicts.iter().map(|c| c.object_id.as_str()).collect();
    assert_eq!(conflicts, vec!["cs", "hm"]);
    assert!(!p.groups.contains_key("gone"), "{:?}", p.groups.get("gone"));
    apply_ok(&mut dir, &p).await;

    let after = anchored(&mut dir, &dc, &ou).await;
    let foreign: Vec<&CurrentGroup> = after.iter().filter(|g| g.object_id != "ours").collect();
    assert_eq!(
        foreign,
        before.iter().collect::<Vec<_>>(),
        "not one value changed"
    );
    let ours = after.iter().find(|g| g.object_id == "ours").unwrap();
    assert_written_by_gwb(&ours.marks);

    // Adoption is for Entra Connect's groups (anchor only in adminDescription): on a schema
    // with msDS-ExternalDirectoryObjectId these are Cloud Sync's, and stay conflicts. An
    // anchored group gwb did not mark is never deleted, adopted or not.
    let adopt = Policy {
        adopt: true,
        ..delete_all
    };
    let p = full_plan(&mut dir, std::slice::from_ref(&ou), &want, &none, &adopt).await;
    assert!(!p.groups.contains_key("gone"), "{:?}", p.groups.get("gone"));
    let expected = if caps.external_directory_object_id {
        GroupAction::Skipped
    } else {
        GroupAction::Adopt
    };
    assert_eq!(p.groups["cs"].action, expected, "{p:#?}");
    assert_eq!(p.groups["hm"].action, expected, "{p:#?}");
}

#[tokio::test]
async fn groups_written_before_a_schema_extension_stay_gwbs_and_gain_the_new_anchor() {
    let dc = dc();
    let caps = dc.capabilities();
    let mut dir = dc.connect().await;
    let ou = dc.test_ou("schemaext");
    let groups = format!("OU=Groups,{ou}");
    // What a run on the 2012 R2 schema leaves: the anchor in adminDescription only, the mark
    // and the record; beside it an unmarked group of the same shape (Entra Connect's).
    let before_extension = desired("old", "Old", &groups, Default::default(), &[]);
    let mut ldif = format!(
        "dn: CN=Old,{groups}\nchangetype: add\nobjectClass: group\n\
         extensionName: {}\n",
        owner().value()
    );
    for entry in gwb_ad::written_record::entries_for(before_extension.attributes.iter()) {
        ldif.push_str(&format!("extensionName: {entry}\n"));
    }
    for (name, values) in before_extension.attributes.iter() {
        for value in values {
            ldif.push_str(&format!("{name}: {value}\n"));
        }
    }
    ldif.push_str(&format!(
        "\ndn: CN=Connect,{groups}\nchangetype: add\nobjectClass: group\n\
         adminDescription: Group_con\n"
    ));
    dc.ldapmodify(&ldif);
    let guid = anchored(&mut dir, &dc, &ou).await[1].object_guid.clone();

    // The run after the extension (this DC's real schema).
    let want = [
        desired("old", "Old", &groups, caps, &[]),
        desired("con", "Connect", &groups, caps, &[]),
    ];
    let none = users_map(vec![]);
    let p = full_plan(
        &mut dir,
        std::slice::from_ref(&ou),
        &want,
        &none,
        &Policy::default(),
    )
    .await;
    let conflicts: Vec<&str> = p.conflicts.iter().map(|c| c.object_id.as_str()).collect();
    assert_eq!(conflicts, vec!["con"], "only Connect's group is a conflict");
    let expected = if caps.external_directory_object_id {
        GroupAction::Update
    } else {
        GroupAction::Unchanged
    };
    assert_eq!(p.groups["old"].action, expected, "{p:#?}");
    apply_ok(&mut dir, &p).await;
    let now = anchored(&mut dir, &dc, &ou).await;
    let old = now.iter().find(|g| g.object_id == "old").unwrap();
    assert_eq!(old.object_guid, guid, "the same object");
    assert!(old.anchors.admin_description);
    assert_eq!(old.anchors.external_id, caps.external_directory_object_id);
    assert_written_by_gwb(&old.marks);
}

#[tokio::test]
async fn groups_ad_protects_are_never_changed_moved_deleted_or_nested() {
    let dc = dc();
    let caps = dc.capabilities();
    let mut dir = dc.connect().await;
    let ou = dc.test_ou("protect");
    let groups = format!("OU=Groups,{ou}");
    let managed = [ou.clone()];
    let none = users_map(vec![]);
    let first = [
        desired("priv", "Priv", &groups, caps, &[]),
        desired("gone", "Gone", &groups, caps, &[]),
        desired("outer", "Outer", &groups, caps, &[]),
    ];
    let p = full_plan(&mut dir, &managed, &first, &none, &Policy::default()).await;
    apply_ok(&mut dir, &p).await;
    // AD's SDProp marks groups nested into Domain Admins and the like so; do what it does.
    for cn in ["Priv", "Gone"] {
        dc.ldapmodify(&format!(
            "dn: CN={cn},{groups}\nchangetype: modify\nreplace: adminCount\nadminCount: 1\n"
        ));
    }
    let before = anchored(&mut dir, &dc, &ou).await;

    // Now the cloud renames Priv, deletes Gone and nests Priv into Outer.
    let mut renamed = desired("priv", "Priv Renamed", &groups, caps, &[]);
    renamed.attributes.set_one("description", "changed");
    let outer = desired(
        "outer",
        "Outer",
        &groups,
        caps,
        &[("priv", MemberKind::Group)],
    );
    let gone = [CloudDelete {
        id: "gone".into(),
        hard: true,
    }];
    let p = plan(
        &mut dir,
        &managed,
        &[renamed, outer],
        &none,
        &gone,
        true,
        &Policy::default(),
    )
    .await;
    assert!(p.operations.is_empty(), "{p:#?}");
    assert_eq!(p.groups["priv"].action, GroupAction::Skipped);
    assert!(
        p.groups["priv"].problems[0].contains("is protected by AD (adminCount=1"),
        "{:?}",
        p.groups["priv"].problems
    );
    assert_eq!(p.groups["gone"].action, GroupAction::Keep);
    assert!(
        p.groups["gone"].problems[0].starts_with("kept: "),
        "{:?}",
        p.groups["gone"].problems
    );
    assert_eq!(
        p.groups["outer"].members_skipped,
        vec![SkippedMember {
            id: "priv".into(),
            reason: SkipReason::Protected,
        }]
    );
    assert_eq!(anchored(&mut dir, &dc, &ou).await, before);
}
