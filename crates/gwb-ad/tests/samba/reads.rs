//! Reads: ranged `member` reads past 1,500 values, chunked member writes.

use std::collections::BTreeSet;

use gwb_ad::escape::normalize_dn;
use gwb_ad::{Guards, MEMBER_RANGE, Policy, guards};
use gwb_model::MemberKind;

use crate::common::{anchor_of, dc, desired, full_plan, owner, users_map};

#[tokio::test]
async fn groups_with_more_than_1500_members_are_read_whole() {
    let dc = dc();
    let caps = dc.capabilities();
    let mut dir = dc.connect().await;
    let ou = dc.test_ou("big");
    let n = MEMBER_RANGE as usize + 100;
    let u = dc.add_users(&ou, "big", n);
    let mut anchors = Vec::new();
    for (i, dn) in u.iter().enumerate() {
        // A few by SID and immutableId (one lookup each), the rest by DN.
        let how = match i % 100 {
            0 => "sid",
            1 => "guid",
            _ => "dn",
        };
        anchors.push(anchor_of(&mut dir, &format!("u{i}"), dn, how).await);
    }
    let users = users_map(anchors);
    let ids: Vec<String> = (0..n).map(|i| format!("u{i}")).collect();
    let member_list: Vec<(&str, MemberKind)> = ids
        .iter()
        .map(|id| (id.as_str(), MemberKind::User))
        .collect();
    let want = desired("big", "Big", &format!("OU=Groups,{ou}"), caps, &member_list);
    let policy = Policy::default();
    let p = full_plan(
        &mut dir,
        std::slice::from_ref(&ou),
        std::slice::from_ref(&want),
        &users,
        &policy,
    )
    .await;
    // One add with the first 500 members, then modifies of at most 500 values each.
    assert_eq!(p.operations.len(), n.div_ceil(policy.member_chunk));
    guards::check(&p, &Guards::default()).unwrap();
    let report = dir.apply(&p).await.unwrap();
    assert!(report.is_success());
    let now = dir
        .read_owned(
            std::slice::from_ref(&ou),
            &policy.read_attributes(&[]),
            caps.external_directory_object_id,
        )
        .await
        .unwrap();
    assert_eq!(now[0].members.len(), n);
    let mut got: Vec<String> = now[0].members.iter().map(|m| normalize_dn(m)).collect();
    let mut expected: Vec<String> = u.iter().map(|m| normalize_dn(m)).collect();
    got.sort();
    expected.sort();
    assert_eq!(got, expected);
    let again = full_plan(
        &mut dir,
        std::slice::from_ref(&ou),
        &[want],
        &users,
        &policy,
    )
    .await;
    assert!(again.is_empty());
}

#[tokio::test]
async fn incremental_reads_fetch_only_the_named_groups_and_counts_see_all() {
    let dc = dc();
    let caps = dc.capabilities();
    let ext = caps.external_directory_object_id;
    let mut dir = dc.connect().await;
    let ou = dc.test_ou("byid");
    let parent = format!("OU=Groups,{ou}");
    // More groups than one batched search names, so the ids span several searches.
    let wanted: Vec<_> = (0..120)
        .map(|i| desired(&format!("g{i:03}"), &format!("G{i}"), &parent, caps, &[]))
        .collect();
    let policy = Policy::default();
    let users = users_map(vec![]);
    let p = full_plan(
        &mut dir,
        std::slice::from_ref(&ou),
        &wanted,
        &users,
        &policy,
    )
    .await;
    assert!(dir.apply(&p).await.unwrap().is_success());
    dc.ldapmodify(&format!(
        "dn: CN=Unanchored,{parent}\nchangetype: add\nobjectClass: group\n"
    ));
    // Anchored like gwb's groups but not marked: read (reconcile decides), never counted.
    dc.ldapmodify(&format!(
        "dn: CN=Handmade,{parent}\nchangetype: add\nobjectClass: group\n\
         adminDescription: Group_g200\n"
    ));

    let ids: BTreeSet<String> = ["g000", "g051", "g119", "missing", "*"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    let read = policy.read_attributes(&[]);
    let some = dir
        .read_owned_ids(std::slice::from_ref(&ou), &ids, &read, ext)
        .await
        .unwrap();
    let got: Vec<(&str, String)> = some
        .iter()
        .map(|g| (g.object_id.as_str(), normalize_dn(&g.dn)))
        .collect();
    let expected: Vec<(&str, String)> = [("g000", "G0"), ("g051", "G51"), ("g119", "G119")]
        .into_iter()
        .map(|(id, cn)| (id, normalize_dn(&format!("CN={cn},{parent}"))))
        .collect();
    assert_eq!(got, expected, "an id of `*` must not match every anchor");
    let all = dir
        .read_owned(std::slice::from_ref(&ou), &read, ext)
        .await
        .unwrap();
    assert_eq!(some[1], all[51], "both reads see a group the same way");
    assert_eq!(
        dir.count_owned(std::slice::from_ref(&ou), ext, &owner())
            .await
            .unwrap(),
        120
    );
}
