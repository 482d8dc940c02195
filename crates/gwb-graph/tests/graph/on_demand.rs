//! Provision on demand: named groups read now through `/groups/{id}/members`, with the same
//! anchors and synced SIDs a round carries, and the delta state neither used nor changed.

use std::collections::BTreeMap;
use std::path::Path;

use graph_emulator::{Emulator, Fault, FaultRule};
use gwb_graph::{RoundOptions, Source, SourceError};
use gwb_model::MemberKind;
use serde_json::json;

use crate::common::*;

/// A group with members of every kind, spread over several pages.
const SALES: &str = "5a1e5000-0000-4000-8000-000000000001";
/// A group synced from AD, nested in SALES.
const AD_GROUP: &str = "ad000000-0000-4000-8000-000000000002";
/// Another group, changed in the cloud too but not asked for.
const OTHER: &str = "07e40000-0000-4000-8000-000000000003";
const AD_SID: &str = "S-1-5-21-1-2-3-3001";

/// The common tenant (page size 3) plus SALES (u1..u4, the cloud-only c1, the synced AD group,
/// the cloud group g1), AD_GROUP and OTHER.
async fn setup() -> Emulator {
    let emu = emulator(tenant(0), 3, 500).await;
    emu.tenant(|t| {
        t.create_group(
            json!({"id": SALES, "displayName": "Sales EU", "securityEnabled": true,
            "mailEnabled": false, "groupTypes": [], "description": "EU sales",
            "extension_abc123_costCenter": "CC-7"}),
        )
        .unwrap();
        t.create_group(json!({"id": AD_GROUP, "displayName": "Sales (AD)",
            "securityEnabled": true, "onPremisesSyncEnabled": true,
            "onPremisesSecurityIdentifier": AD_SID}))
            .unwrap();
        t.create_group(json!({"id": OTHER, "displayName": "Other", "securityEnabled": true}))
            .unwrap();
        for member in ["u1", "u2", "u3", "u4", "c1", AD_GROUP, "g1"] {
            t.add_member(SALES, member).unwrap();
        }
        t.add_member(OTHER, "u5").unwrap();
    });
    emu
}

/// Every file of the state directory with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            (
                entry.file_name().into_string().unwrap(),
                std::fs::read(entry.path()).unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn named_groups_come_with_every_member_page_anchors_and_synced_sids() {
    let emu = setup().await;
    let (_dir, path) = state_dir();
    let source = source(config(&emu), &path);
    // Upper case is the same id: Graph's ids are GUIDs, compared without case.
    let round = source
        .read_groups_now(&[SALES.to_uppercase()])
        .await
        .unwrap();
    assert!(!round.full);
    assert_eq!(round.full_reason, None);
    assert!(round.deletes.is_empty());
    assert_eq!(ids(&round.groups), [SALES]);
    let sales = &round.groups[0];
    assert_eq!(sales.display_name.as_deref(), Some("Sales EU"));
    assert_eq!(sales.description.as_deref(), Some("EU sales"));
    assert_eq!(
        sales
            .directory_extensions
            .get("extension_abc123_costCenter"),
        Some(&"CC-7".to_owned())
    );
    let members: Vec<(&str, MemberKind)> = sales
        .members
        .iter()
        .map(|m| (m.id.as_str(), m.kind))
        .collect();
    assert_eq!(
        members,
        [
            (AD_GROUP, MemberKind::Group),
            ("c1", MemberKind::User),
            ("g1", MemberKind::Group),
            ("u1", MemberKind::User),
            ("u2", MemberKind::User),
            ("u3", MemberKind::User),
            ("u4", MemberKind::User),
        ]
    );
    // Users carry the anchors users/delta gives; only the synced group has a SID.
    assert_eq!(
        round.users.keys().collect::<Vec<_>>(),
        ["c1", "u1", "u2", "u3", "u4"]
    );
    let u2 = &round.users["u2"];
    assert_eq!(u2.on_premises_sync_enabled, Some(true));
    assert_eq!(
        u2.on_premises_security_identifier.as_deref(),
        Some("S-1-5-21-1-2-3-1102")
    );
    assert_eq!(
        u2.on_premises_immutable_id.as_deref(),
        Some("AAAAAAAAAAAAAAAAAAAAA2==")
    );
    assert_eq!(
        u2.on_premises_distinguished_name.as_deref(),
        Some("CN=user2,CN=Users,DC=gwb,DC=test")
    );
    assert_eq!(u2.on_premises_sam_account_name.as_deref(), Some("user2"));
    assert_eq!(u2.user_principal_name.as_deref(), Some("user2@gwb.test"));
    assert_eq!(round.users["c1"].on_premises_sync_enabled, None);
    assert_eq!(
        round.group_sids,
        BTreeMap::from([(AD_GROUP.to_owned(), AD_SID.to_owned())])
    );

    // The member list was read over three pages of three, with the selection, and nothing
    // but the group and its members was asked for.
    let paths: Vec<String> = emu
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.path_and_query)
        .collect();
    let members_path = format!(
        "/v1.0/groups/{SALES}/members?$select=id,userPrincipalName,onPremisesSecurityIdentifier,\
         onPremisesImmutableId,onPremisesDistinguishedName,onPremisesSyncEnabled,\
         onPremisesSamAccountName"
    );
    assert_eq!(paths.len(), 4, "{paths:#?}");
    assert!(
        paths[0].starts_with("/v1.0/groups?$select=id,displayName"),
        "{}",
        paths[0]
    );
    assert!(
        paths[0].contains("$filter=id%20in%20%28%275a1e5000"),
        "{}",
        paths[0]
    );
    assert_eq!(paths[1], members_path);
    for next in &paths[2..] {
        assert!(
            next.starts_with(&format!("/v1.0/groups/{SALES}/members?$skiptoken=")),
            "{next}"
        );
    }
    assert_eq!(round.stats.pages, 4);
    assert_eq!(round.stats.groups, 1);
}

#[tokio::test]
async fn the_delta_state_is_neither_used_nor_changed() {
    let emu = setup().await;
    let (dir, path) = state_dir();
    let mut source = source(config(&emu), &path);
    // A saved state with a snapshot and a journal entry.
    commit_round(&mut source).await;
    emu.tenant(|t| t.add_member("g3", "u1").unwrap());
    commit_round(&mut source).await;
    let before = files(dir.path());
    assert!(
        before.len() >= 2,
        "snapshot and journal: {:?}",
        before.keys()
    );

    // Two groups change; one is read on demand and sees its change now.
    emu.tenant(|t| {
        t.add_member(SALES, "u6").unwrap();
        t.update_group(OTHER, json!({"displayName": "Other renamed"}))
            .unwrap();
    });
    let round = source.read_groups_now(&[SALES.to_owned()]).await.unwrap();
    assert!(member_ids(&round.groups[0]).contains(&"u6"));
    assert_eq!(files(dir.path()), before);
    // Its checkpoint is refused, and refusing it writes nothing either.
    let err = source.commit(round.checkpoint).await.unwrap_err();
    assert!(matches!(err, SourceError::OnDemandCommit), "{err}");
    assert_eq!(files(dir.path()), before);

    // A fresh process on the same state: the next round still delivers both changes.
    drop(source);
    let mut source = Source::open(config(&emu), &path, Default::default()).unwrap();
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert!(!round.full);
    assert_eq!(ids(&round.groups), [OTHER, SALES]);
    source.commit(round.checkpoint).await.unwrap();
}

#[tokio::test]
async fn unknown_groups_are_named_as_not_found_in_the_tenant() {
    let emu = setup().await;
    let (_dir, path) = state_dir();
    let source = source(config(&emu), &path);
    let unknown = "0000dead-0000-4000-8000-000000000000";
    let err = source
        .read_groups_now(&[SALES.to_owned(), unknown.to_owned()])
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "group {unknown} not found in the tenant (Graph has no live group with that object \
             id; a deleted group is only under deletedItems); nothing was written"
        )
    );
    // A soft-deleted group is not found either.
    emu.tenant(|t| t.soft_delete_group(OTHER).unwrap());
    let err = source
        .read_groups_now(&[OTHER.to_owned()])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SourceError::GroupsNotFound { ids } if ids == &[OTHER]),
        "{err}"
    );

    // A group that goes away between its read and its member list's: Graph's 404 there.
    emu.inject(FaultRule::next(1, Fault::NotFound).on_path("/members"));
    let err = source
        .read_groups_now(&[SALES.to_owned()])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SourceError::GroupsNotFound { ids } if ids == &[SALES]),
        "{err}"
    );
}

#[tokio::test]
async fn a_crafted_id_is_refused_before_any_request() {
    let emu = setup().await;
    let (_dir, path) = state_dir();
    let source = source(config(&emu), &path);
    for crafted in [
        "g1",
        "x') or true or ('",
        "../users?$top=999#",
        "5a1e5000-0000-4000-8000-00000000000/",
        "5a1e5000-0000-4000-8000-000000000001/members?$top=1&x=",
        "5a1e5000%2D0000-4000-8000-00000000001",
        "",
    ] {
        let err = source
            .read_groups_now(&[SALES.to_owned(), crafted.to_owned()])
            .await
            .unwrap_err();
        assert!(
            matches!(&err, SourceError::NotAnObjectId { id } if id == crafted),
            "{crafted}: {err}"
        );
        assert!(
            err.to_string().contains("is not a group object id"),
            "{err}"
        );
    }
    assert!(emu.requests().is_empty(), "{:#?}", emu.requests());
}

#[tokio::test]
async fn writeback_and_exchange_settings_are_read_as_a_round_reads_them() {
    const TEAM: &str = "7ea70000-0000-4000-8000-000000000004";
    let emu = setup().await;
    emu.tenant(|t| {
        t.create_group(json!({"id": TEAM, "displayName": "Team", "mailNickname": "team",
            "mail": "team@gwb.test", "mailEnabled": true, "securityEnabled": false,
            "groupTypes": ["Unified"], "allowExternalSenders": true,
            "writebackConfiguration": {"isEnabled": true, "onPremisesGroupType": "universalDistributionGroup"}}))
            .unwrap();
        t.add_member(TEAM, "u1").unwrap();
    });
    let (dir, path) = state_dir();
    let mut config = config(&emu);
    config.read_writeback_configuration = true;
    config.read_exchange_settings = true;
    let mut source = Source::open(config, &path, Default::default()).unwrap();
    commit_round(&mut source).await;
    let before = files(dir.path());
    // Exchange changes these without a directory change; on demand reads them now.
    emu.tenant(|t| {
        t.update_group(TEAM, json!({"hideFromAddressLists": true}))
            .unwrap()
    });
    let round = source
        .read_groups_now(&[TEAM.to_owned(), SALES.to_owned()])
        .await
        .unwrap();
    assert_eq!(ids(&round.groups), [SALES, TEAM]);
    let team = group(&round.groups, TEAM);
    assert_eq!(team.allow_external_senders, Some(true));
    assert_eq!(team.hide_from_address_lists, Some(true));
    let writeback = team.writeback.as_ref().unwrap();
    assert_eq!(writeback.is_enabled, Some(true));
    assert_eq!(
        writeback.on_premises_group_type.as_deref(),
        Some("universalDistributionGroup")
    );
    assert_eq!(round.stats.exchange_settings_read, 1);
    assert_eq!(round.exchange_settings_error, None);
    assert_eq!(member_ids(team), ["u1"]);
    // The writeback configuration came by id from beta, for these two groups only.
    let beta: Vec<String> = emu
        .requests()
        .into_iter()
        .map(|r| r.path_and_query)
        .filter(|p| p.starts_with("/beta/groups?") && p.contains("$filter="))
        .collect();
    assert_eq!(beta.len(), 1, "{beta:?}");
    assert_eq!(files(dir.path()), before);
}
