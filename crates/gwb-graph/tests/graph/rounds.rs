//! Full and incremental rounds against the emulator: properties, membership, deletes, paging.

use gwb_graph::{FullReason, RoundOptions};
use gwb_model::{CloudDelete, MemberKind, WritebackConfiguration};
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn full_round_reads_every_live_group_with_members_and_every_user() {
    let emu = emulator(tenant(0), 3, 500).await;
    let (_dir, path) = state_dir();
    let mut source = source(config(&emu), &path);
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert!(round.full);
    assert_eq!(round.full_reason, Some(FullReason::NoState));
    assert_eq!(
        ids(&round.groups),
        ["big", "g1", "g2", "g3", "g4", "g5", "g6"]
    );
    assert!(round.deletes.is_empty());

    let g2 = group(&round.groups, "g2");
    assert_eq!(g2.display_name.as_deref(), Some("All Company"));
    assert_eq!(g2.mail.as_deref(), Some("all@gwb.test"));
    assert_eq!(g2.group_types, ["Unified"]);
    assert_eq!(g2.proxy_addresses, ["SMTP:all@gwb.test"]);
    assert_eq!(g2.visibility.as_deref(), Some("Public"));
    assert_eq!(
        g2.extension_attributes,
        [("extensionAttribute1".to_owned(), "route-a".to_owned())].into()
    );
    assert_eq!(
        g2.directory_extensions,
        [("extension_abc123_costCenter".to_owned(), "CC-1".to_owned())].into()
    );
    assert_eq!(member_ids(g2), ["c1", "u1", "u2", "u3"]);
    // writebackConfiguration is beta-only and was not asked for.
    assert_eq!(group(&round.groups, "g1").writeback, None);
    let g5 = group(&round.groups, "g5");
    assert_eq!(member_ids(g5), ["g6", "u6"]);
    assert_eq!(g5.members[0].kind, MemberKind::Group);
    assert_eq!(g5.members[1].kind, MemberKind::User);

    assert_eq!(round.users.len(), 7);
    let u3 = &round.users["u3"];
    assert_eq!(u3.on_premises_sam_account_name.as_deref(), Some("user3"));
    assert_eq!(
        u3.on_premises_distinguished_name.as_deref(),
        Some("CN=user3,CN=Users,DC=gwb,DC=test")
    );
    assert_eq!(
        u3.on_premises_security_identifier.as_deref(),
        Some("S-1-5-21-1-2-3-1103")
    );
    assert_eq!(u3.on_premises_sync_enabled, Some(true));
    assert_eq!(round.users["c1"].on_premises_immutable_id, None);
    assert_eq!(round.stats.groups, 7);
    assert_eq!(round.stats.users, 7);
    assert_eq!(round.stats.member_changes, 12);
    assert_eq!(round.stats.token_requests, 1);
    // 7 user items over pages of 3 = 3 pages; 7 group items = 3 pages.
    assert_eq!(round.stats.pages, 6);
    assert_eq!(round.stats.requests, 7);
    source.commit(round.checkpoint).await.unwrap();

    let quiet = source.read_round(RoundOptions::default()).await.unwrap();
    assert!(!quiet.full);
    assert!(quiet.groups.is_empty() && quiet.deletes.is_empty());
    assert!(quiet.users.is_empty() && quiet.removed_users.is_empty());
    assert_eq!(quiet.stats.pages, 2);
    assert_eq!(quiet.stats.token_requests, 0);
}

#[tokio::test]
async fn incremental_round_carries_adds_removes_renames_and_deletes() {
    let emu = emulator(tenant(0), 2, 500).await;
    let (_dir, path) = state_dir();
    let mut source = source(config(&emu), &path);
    commit_round(&mut source).await;

    emu.tenant(|t| {
        t.update_group("g1", json!({"displayName": "Finance EMEA"}))
            .unwrap();
        t.add_member("g1", "u3").unwrap();
        t.remove_member("g3", "u4").unwrap();
        t.soft_delete_group("g4").unwrap();
        t.hard_delete_group("g6").unwrap(); // also leaves g5
        t.create_group(json!({"id": "g7", "displayName": "New Team", "securityEnabled": true}))
            .unwrap();
        t.add_member("g7", "u1").unwrap();
        t.add_member("g7", "g1").unwrap();
        t.update_user(
            "u2",
            json!({"onPremisesDistinguishedName": "CN=user2,OU=Moved,DC=gwb,DC=test"}),
        )
        .unwrap();
        t.hard_delete_user("u6").unwrap(); // also leaves g5
    });
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert!(!round.full);
    assert_eq!(round.full_reason, None);
    assert_eq!(ids(&round.groups), ["g1", "g3", "g5", "g7"]);
    let g1 = group(&round.groups, "g1");
    assert_eq!(g1.display_name.as_deref(), Some("Finance EMEA"));
    assert_eq!(g1.mail_nickname.as_deref(), Some("finance"));
    // The full membership, not only the change.
    assert_eq!(member_ids(g1), ["u1", "u2", "u3"]);
    assert_eq!(member_ids(group(&round.groups, "g3")), ["u3"]);
    assert!(group(&round.groups, "g5").members.is_empty());
    assert_eq!(member_ids(group(&round.groups, "g7")), ["g1", "u1"]);
    assert_eq!(
        round.deletes,
        [
            CloudDelete {
                id: "g4".into(),
                hard: false
            },
            CloudDelete {
                id: "g6".into(),
                hard: true
            },
        ]
    );
    assert_eq!(
        round.users["u2"].on_premises_distinguished_name.as_deref(),
        Some("CN=user2,OU=Moved,DC=gwb,DC=test")
    );
    assert_eq!(
        round.users["u2"].on_premises_sam_account_name.as_deref(),
        Some("user2")
    );
    assert!(!round.users.contains_key("u6"));
    assert_eq!(round.removed_users, ["u6"]);
    // The members of the round's groups and the changed users.
    assert_eq!(round.users.keys().collect::<Vec<_>>(), ["u1", "u2", "u3"]);
    // Unchanged users' anchors come from the saved state.
    assert_eq!(
        round.users["u1"].on_premises_sam_account_name.as_deref(),
        Some("user1")
    );
    // g1 +u3, g3 -u4, g5 -g6 -u6, g7 +u1 +g1.
    assert_eq!(round.stats.member_changes, 6);
    assert_eq!(round.stats.users, 2);
    source.commit(round.checkpoint).await.unwrap();

    // The group comes back after restore with its members; a further change keeps the rest.
    emu.tenant(|t| {
        t.restore_group("g4").unwrap();
        t.add_member("g3", "u5").unwrap();
    });
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert_eq!(ids(&round.groups), ["g3", "g4"]);
    assert_eq!(member_ids(group(&round.groups, "g3")), ["u3", "u5"]);
    assert_eq!(member_ids(group(&round.groups, "g4")), ["u5"]);
    assert!(round.deletes.is_empty());
}

#[tokio::test]
async fn a_large_group_spread_over_pages_is_merged_and_changes_cost_only_changes() {
    let emu = emulator(tenant(1_200), 4, 100).await;
    let (_dir, path) = state_dir();
    let mut source = source(config(&emu), &path);
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    let big = group(&round.groups, "big");
    assert_eq!(big.members.len(), 1_200);
    assert_eq!(big.display_name.as_deref(), Some("Big Group"));
    assert_eq!(big.members[0].id, "b00000");
    assert_eq!(big.members[1_199].id, "b01199");
    assert_eq!(round.groups.len(), 7);
    // big: 12 items; 6 more groups: 18 items = 5 pages; 1,207 users = 302 pages.
    assert_eq!(round.stats.pages, 5 + 302);
    source.commit(round.checkpoint).await.unwrap();

    emu.tenant(|t| {
        t.remove_member("big", "b00500").unwrap();
        t.add_member("big", "u1").unwrap();
    });
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert_eq!(ids(&round.groups), ["big"]);
    let big = &round.groups[0];
    assert_eq!(big.members.len(), 1_200);
    assert!(big.members.iter().any(|m| m.id == "u1"));
    assert!(!big.members.iter().any(|m| m.id == "b00500"));
    assert_eq!(round.stats.member_changes, 2);
    assert_eq!(round.stats.pages, 2);
}

#[tokio::test]
async fn writeback_configuration_comes_from_beta_when_switched_on() {
    let emu = emulator(tenant(0), 50, 500).await;
    let (_dir, path) = state_dir();
    let mut config = config(&emu);
    config.read_writeback_configuration = true;
    let mut source = source(config, &path);
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert_eq!(
        group(&round.groups, "g1").writeback,
        Some(WritebackConfiguration {
            is_enabled: Some(true),
            on_premises_group_type: Some("universalSecurityGroup".into())
        })
    );
    assert_eq!(group(&round.groups, "g2").writeback, None);
    source.commit(round.checkpoint).await.unwrap();

    emu.tenant(|t| {
        t.update_group(
            "g1",
            json!({"writebackConfiguration": {"isEnabled": false, "onPremisesGroupType": null}}),
        )
        .unwrap()
    });
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert_eq!(ids(&round.groups), ["g1"]);
    assert_eq!(
        round.groups[0].writeback,
        Some(WritebackConfiguration {
            is_enabled: Some(false),
            on_premises_group_type: None
        })
    );
    let by_id = emu
        .requests()
        .into_iter()
        .filter(|r| {
            r.path_and_query.starts_with("/beta/groups") && r.path_and_query.contains("filter")
        })
        .count();
    assert_eq!(by_id, 1);
}

#[tokio::test]
async fn forced_full_round_reports_groups_that_vanished_as_soft_deletes() {
    let emu = emulator(tenant(0), 10, 500).await;
    let (_dir, path) = state_dir();
    let mut source = source(config(&emu), &path);
    commit_round(&mut source).await;
    emu.tenant(|t| t.hard_delete_group("g3").unwrap());
    let round = source
        .read_round(RoundOptions { force_full: true })
        .await
        .unwrap();
    assert!(round.full);
    assert_eq!(round.full_reason, Some(FullReason::Forced));
    assert_eq!(ids(&round.groups), ["big", "g1", "g2", "g4", "g5", "g6"]);
    assert_eq!(
        round.deletes,
        [CloudDelete {
            id: "g3".into(),
            hard: false
        }]
    );
}

#[tokio::test]
async fn groups_asked_for_again_come_back_once_by_id_with_their_members() {
    let emu = emulator(tenant(0), 3, 500).await;
    let (_dir, path) = state_dir();
    let mut source = source(config(&emu), &path);
    let mut round = source.read_round(RoundOptions::default()).await.unwrap();
    round
        .checkpoint
        .read_again_next_round(["g3".to_owned(), "g5".to_owned(), "gone".to_owned()]);
    source.commit(round.checkpoint).await.unwrap();

    // Nothing changed in the cloud: the two known groups come back, read by id.
    let before = emu.requests().len();
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert!(!round.full);
    assert_eq!(ids(&round.groups), ["g3", "g5"]);
    assert_eq!(
        group(&round.groups, "g3").display_name.as_deref(),
        Some("Sales")
    );
    assert_eq!(member_ids(group(&round.groups, "g5")), ["g6", "u6"]);
    assert_eq!(
        round.users["u6"].on_premises_sam_account_name.as_deref(),
        Some("user6")
    );
    assert_eq!(round.stats.read_again, 2);
    let by_id: Vec<String> = emu.requests()[before..]
        .iter()
        .map(|r| r.path_and_query.clone())
        .filter(|p| p.starts_with("/v1.0/groups?"))
        .collect();
    assert_eq!(by_id.len(), 1, "one request for both: {by_id:?}");
    assert!(
        by_id[0].contains("%27g3%27") && by_id[0].contains("%27g5%27"),
        "{by_id:?}"
    );
    source.commit(round.checkpoint).await.unwrap();

    // Not asked for again: a quiet round is empty.
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert!(round.groups.is_empty());
    assert_eq!(round.stats.read_again, 0);
}

#[tokio::test]
async fn a_member_that_becomes_synced_brings_its_groups_back() {
    let emu = emulator(tenant(0), 3, 500).await;
    let (_dir, path) = state_dir();
    let mut source = source(config(&emu), &path);
    commit_round(&mut source).await;

    // c1 (cloud-only, a member of g2) gets on-premises anchors; g2 itself does not change.
    emu.tenant(|t| {
        t.update_user(
            "c1",
            json!({"onPremisesSyncEnabled": true, "onPremisesSecurityIdentifier": "S-1-5-21-1-2-3-1999"}),
        )
    })
    .unwrap();
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert!(!round.full);
    assert_eq!(ids(&round.groups), ["g2"]);
    assert_eq!(
        member_ids(group(&round.groups, "g2")),
        ["c1", "u1", "u2", "u3"]
    );
    assert_eq!(
        round.users["c1"].on_premises_security_identifier.as_deref(),
        Some("S-1-5-21-1-2-3-1999")
    );
    assert_eq!(round.stats.read_again, 1);
}

#[tokio::test]
async fn removals_asked_for_again_come_back_until_no_commit_asks_or_the_group_is_restored() {
    let emu = emulator(tenant(0), 3, 500).await;
    let (_dir, path) = state_dir();
    let mut source = source(config(&emu), &path);
    commit_round(&mut source).await;
    emu.tenant(|t| {
        t.hard_delete_group("g1")?;
        t.soft_delete_group("g4")
    })
    .unwrap();
    let hard_g1 = CloudDelete {
        id: "g1".into(),
        hard: true,
    };
    let soft_g4 = CloudDelete {
        id: "g4".into(),
        hard: false,
    };
    let mut round = source.read_round(RoundOptions::default()).await.unwrap();
    assert_eq!(round.deletes, [hard_g1.clone(), soft_g4.clone()]);
    assert_eq!(round.stats.deletes_again, 0);
    // The caller could not remove either from AD.
    round
        .checkpoint
        .delete_again_next_round(round.deletes.clone());
    source.commit(round.checkpoint).await.unwrap();

    // Nothing changed in the cloud: both come back as they were, without a request by id.
    let before = emu.requests().len();
    let mut round = source.read_round(RoundOptions::default()).await.unwrap();
    assert!(!round.full);
    assert!(round.groups.is_empty());
    assert_eq!(round.deletes, [hard_g1.clone(), soft_g4.clone()]);
    assert_eq!((round.stats.deletes, round.stats.deletes_again), (2, 2));
    assert!(
        emu.requests()[before..]
            .iter()
            .all(|r| !r.path_and_query.starts_with("/v1.0/groups?")),
        "no cloud group to read"
    );
    // g4 still fails; g1 went through.
    round.checkpoint.delete_again_next_round([soft_g4.clone()]);
    source.commit(round.checkpoint).await.unwrap();

    // A full round hands it over too (the saved member lists no longer know g4).
    let mut round = source
        .read_round(RoundOptions { force_full: true })
        .await
        .unwrap();
    assert!(round.full);
    assert_eq!(round.deletes, std::slice::from_ref(&soft_g4));
    assert_eq!(round.stats.deletes_again, 1);
    round.checkpoint.delete_again_next_round([soft_g4]);
    source.commit(round.checkpoint).await.unwrap();

    // Restored in the cloud: it comes back live, not as a removal.
    emu.tenant(|t| t.restore_group("g4")).unwrap();
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert_eq!(ids(&round.groups), ["g4"]);
    assert!(round.deletes.is_empty(), "{:?}", round.deletes);
    assert_eq!(round.stats.deletes_again, 0);
    source.commit(round.checkpoint).await.unwrap();

    // Not asked for again: a quiet round is empty.
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert!(round.groups.is_empty() && round.deletes.is_empty());
}
