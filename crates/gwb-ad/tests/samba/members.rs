//! Member resolution on the DC: only synced users resolve, to the object their SID names, and
//! only to normal users and contacts that are not protected. Forged immutableIds (the base64
//! objectGUID of another user, of Administrator, of Domain Admins, of a computer) add nothing.
//! Nested groups synced from AD resolve by their SID, only to unprotected groups.

use std::collections::{BTreeMap, BTreeSet};

use gwb_ad::Plan;
use gwb_ad::escape::normalize_dn;
use gwb_ad::{
    AdObject, Directory, GroupAction, Guards, ObjectKind, Policy, SkipReason, SkippedMember, guards,
};
use gwb_model::{MemberKind, TargetCapabilities, UserAnchor};

use crate::common::{
    Dc, MemberLookup, dc, desired, plan_looking_up_members_in, sam_for, users_map,
};

/// The identities of the object at `dn`, read back from the DC.
async fn object(dir: &mut Directory, dn: &str) -> AdObject {
    dir.lookup(dn, false).await.unwrap().unwrap()
}

/// Creates a computer account and a contact under `OU=Users,<ou>`; returns their DNs.
fn add_computer_and_contact(dc: &Dc, ou: &str) -> (String, String) {
    let computer = format!("CN=PC,OU=Users,{ou}");
    let contact = format!("CN=Partner,OU=Users,{ou}");
    dc.ldapmodify(&format!(
        "dn: {computer}\nchangetype: add\nobjectClass: computer\nsAMAccountName: {}$\n\n\
         dn: {contact}\nchangetype: add\nobjectClass: contact\n\n",
        sam_for(ou, "pc")
    ));
    (computer, contact)
}

/// A cloud user as Graph would report it.
fn cloud_user(
    id: &str,
    sync: Option<bool>,
    sid: Option<&AdObject>,
    immutable_id: Option<&AdObject>,
) -> UserAnchor {
    UserAnchor {
        id: id.into(),
        on_premises_sync_enabled: sync,
        on_premises_security_identifier: sid.and_then(|o| o.sid.clone()),
        on_premises_immutable_id: immutable_id.map(|o| o.object_guid.clone()),
        ..Default::default()
    }
}

#[tokio::test]
async fn the_dc_reports_users_contacts_computers_groups_and_protected_objects_apart() {
    let dc = dc();
    let mut dir = dc.connect().await;
    let ou = dc.test_ou("kinds");
    let user = dc.add_users(&ou, "kind", 1).remove(0);
    let (computer, contact) = add_computer_and_contact(&dc, &ou);
    let cases = [
        (user, ObjectKind::User, false),
        (contact, ObjectKind::Contact, false),
        (computer, ObjectKind::Other, false),
        (
            format!("CN=Administrator,CN=Users,{}", dc.base_dn),
            ObjectKind::User,
            true,
        ),
        (
            format!("CN=Domain Admins,CN=Users,{}", dc.base_dn),
            ObjectKind::Other,
            true,
        ),
    ];
    for (dn, kind, protected) in cases {
        let o = object(&mut dir, &dn).await;
        assert_eq!((o.kind, o.protected), (kind, protected), "{dn}");
    }
}

#[tokio::test]
async fn forged_immutable_ids_and_cloud_only_users_add_no_member() {
    let dc = dc();
    let caps = dc.capabilities();
    let mut dir = dc.connect().await;
    let ou = dc.test_ou("forged");
    let groups = format!("OU=Groups,{ou}");
    let u = dc.add_users(&ou, "forged", 2);
    let (computer_dn, contact_dn) = add_computer_and_contact(&dc, &ou);
    let real = object(&mut dir, &u[0]).await;
    let other = object(&mut dir, &u[1]).await;
    let computer = object(&mut dir, &computer_dn).await;
    let contact = object(&mut dir, &contact_dn).await;
    let admin = object(
        &mut dir,
        &format!("CN=Administrator,CN=Users,{}", dc.base_dn),
    )
    .await;
    let domain_admins = object(
        &mut dir,
        &format!("CN=Domain Admins,CN=Users,{}", dc.base_dn),
    )
    .await;

    use SkipReason::*;
    let synced = Some(true);
    // (member id, what Graph says of it, why it is skipped or None when it is written)
    let cases: Vec<(UserAnchor, Option<SkipReason>)> = vec![
        (cloud_user("real", synced, Some(&real), Some(&real)), None),
        (cloud_user("partner", synced, None, Some(&contact)), None),
        // Cloud-only users, whatever their immutableId names.
        (
            cloud_user("c-user", None, None, Some(&other)),
            Some(CloudOnly),
        ),
        (
            cloud_user("c-admin", None, None, Some(&admin)),
            Some(CloudOnly),
        ),
        (
            cloud_user("c-da", None, None, Some(&domain_admins)),
            Some(CloudOnly),
        ),
        (
            cloud_user("c-pc", None, None, Some(&computer)),
            Some(CloudOnly),
        ),
        (
            cloud_user("c-false", Some(false), Some(&other), Some(&other)),
            Some(CloudOnly),
        ),
        // Users Graph calls synced whose immutableId names something else.
        (
            cloud_user("s-other", synced, Some(&real), Some(&other)),
            Some(AnchorsDisagree),
        ),
        (
            cloud_user("s-admin", synced, None, Some(&admin)),
            Some(Protected),
        ),
        (
            cloud_user("s-admin-sid", synced, Some(&admin), None),
            Some(Protected),
        ),
        (
            cloud_user("s-da", synced, None, Some(&domain_admins)),
            Some(NoUserOrContact),
        ),
        (
            cloud_user("s-da-sid", synced, Some(&domain_admins), None),
            Some(NoUserOrContact),
        ),
        (
            cloud_user("s-pc", synced, None, Some(&computer)),
            Some(NoUserOrContact),
        ),
        (
            cloud_user("s-pc-sid", synced, Some(&computer), None),
            Some(NoUserOrContact),
        ),
    ];
    let members: Vec<(&str, MemberKind)> = cases
        .iter()
        .map(|(a, _)| (a.id.as_str(), MemberKind::User))
        .collect();
    let users = users_map(cases.iter().map(|(a, _)| a.clone()).collect());
    let g = desired("forged", "Forged", &groups, caps, &members);
    let managed = vec![ou.clone()];
    // Members are looked up in the whole domain, as the CLI does: Administrator, Domain Admins
    // and the users of other tests are in reach.
    let lookup = MemberLookup {
        base: &dc.base_dn,
        users: &users,
        group_sids: &BTreeMap::new(),
    };
    let p = full_plan_of(&mut dir, &managed, &lookup, &g).await;
    let report = &p.groups["forged"];
    assert_eq!(report.action, GroupAction::Create);
    let expected: Vec<SkippedMember> = cases
        .iter()
        .filter_map(|(a, why)| {
            why.map(|reason| SkippedMember {
                id: a.id.clone(),
                reason,
            })
        })
        .collect();
    assert_eq!(report.members_skipped, expected);
    assert_eq!(report.members_added, 2);
    assert_eq!(
        apply_and_read_members(&mut dir, &p, &managed, caps).await,
        normalized(&[&u[0], &contact_dn]),
        "only the real synced user and the contact"
    );
}

/// The plan of a full round in which `g` is the one desired group, its members looked up as
/// `lookup` says (across the whole domain, as the CLI does).
async fn full_plan_of(
    dir: &mut Directory,
    managed: &[String],
    lookup: &MemberLookup<'_>,
    g: &gwb_model::DesiredGroup,
) -> Plan {
    let policy = Policy::default();
    plan_looking_up_members_in(
        dir,
        managed,
        lookup,
        std::slice::from_ref(g),
        &[],
        true,
        &policy,
    )
    .await
}

/// The DNs, normalised, as the member index and AD compare them.
fn normalized(dns: &[&str]) -> BTreeSet<String> {
    dns.iter().map(|dn| normalize_dn(dn)).collect()
}

/// Applies `plan`, which creates the one group of `managed`, and reads back its members.
async fn apply_and_read_members(
    dir: &mut Directory,
    plan: &Plan,
    managed: &[String],
    caps: TargetCapabilities,
) -> BTreeSet<String> {
    guards::check(plan, &Guards::default()).unwrap();
    let applied = dir.apply(plan).await.unwrap();
    assert!(applied.is_success(), "{applied:#?}");
    let owned = dir
        .read_owned(
            managed,
            &Policy::default().read_attributes(&[]),
            caps.external_directory_object_id,
        )
        .await
        .unwrap();
    assert_eq!(owned.len(), 1);
    owned[0].members.iter().map(|m| normalize_dn(m)).collect()
}

#[tokio::test]
async fn nested_groups_synced_from_ad_resolve_by_sid_only_to_unprotected_groups() {
    let dc = dc();
    let caps = dc.capabilities();
    let mut dir = dc.connect().await;
    let ou = dc.test_ou("synced-groups");
    let groups = format!("OU=Groups,{ou}");
    let sales_dn = format!("CN=Sales,OU=Users,{ou}");
    dc.ldapmodify(&format!(
        "dn: {sales_dn}\nchangetype: add\nobjectClass: group\nsAMAccountName: {}\n\
         groupType: -2147483646\n\n",
        sam_for(&ou, "sales")
    ));
    let user = dc.add_users(&ou, "synced-groups", 1).remove(0);
    let sid_of = async |dir: &mut Directory, dn: &str| object(dir, dn).await.sid.unwrap();
    let sales = sid_of(&mut dir, &sales_dn).await;
    let domain_admins = sid_of(
        &mut dir,
        &format!("CN=Domain Admins,CN=Users,{}", dc.base_dn),
    )
    .await;
    let user_sid = sid_of(&mut dir, &user).await;
    let group_sids: BTreeMap<String, String> = [
        ("sales", sales),
        ("da", domain_admins),
        ("user", user_sid),
        ("gone", "S-1-5-21-1-2-3-4".to_owned()),
    ]
    .into_iter()
    .map(|(id, sid)| (id.to_owned(), sid))
    .collect();
    // "cloud" is a cloud group: Graph gave no SID for it (whatever SID it claims, only a
    // synced group's counts), so only gwb's own anchored group could be it, and there is none.
    let members: Vec<(&str, MemberKind)> = ["cloud", "da", "gone", "sales", "user"]
        .into_iter()
        .map(|id| (id, MemberKind::Group))
        .collect();
    let g = desired("nesting", "Nesting", &groups, caps, &members);
    let managed = vec![ou.clone()];
    let lookup = MemberLookup {
        base: &dc.base_dn,
        users: &BTreeMap::new(),
        group_sids: &group_sids,
    };
    let p = full_plan_of(&mut dir, &managed, &lookup, &g).await;
    let report = &p.groups["nesting"];
    use SkipReason::*;
    let skipped: Vec<(&str, SkipReason)> = report
        .members_skipped
        .iter()
        .map(|m| (m.id.as_str(), m.reason))
        .collect();
    assert_eq!(
        skipped,
        [
            ("cloud", GroupNotFound),
            ("da", Protected),
            ("gone", SyncedGroupNotFound),
            // Looked up among groups only, a user's SID finds nothing.
            ("user", SyncedGroupNotFound),
        ]
    );
    assert_eq!(report.members_added, 1);
    assert_eq!(
        apply_and_read_members(&mut dir, &p, &managed, caps).await,
        normalized(&[&sales_dn]),
        "only the synced group"
    );
}
