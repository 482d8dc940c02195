//! Microsoft 365 groups' `allowExternalSenders` and `hideFromAddressLists`: read with one GET
//! per mail-enabled Microsoft 365 group the round carries (Graph serves them nowhere else),
//! kept in the state, and handed over from it whenever Graph does not answer (404, 403).

use graph_emulator::{Emulator, Fault, FaultRule, Tenant};
use gwb_graph::{
    FullReason, GraphClient, GraphConfig, GraphError, RequestStats, RoundOptions, Source,
    SourceError, SourceOptions,
};
use std::path::PathBuf;

use gwb_model::CloudGroup;
use gwb_model::clock::system_clock;
use serde_json::json;
use tempfile::TempDir;

use crate::common::*;

/// A Microsoft 365 group that takes mail from outside the organization.
const TEAM: &str = "02bd9fd6-8f93-4758-87c3-1fb73740a315";
/// A Microsoft 365 group with Graph's defaults (false, false).
const CLUB: &str = "3c1a7e52-6d0b-4f1e-9a44-5b8e2d7c9f01";
/// A mail-enabled security group.
const MAIL_SECURITY: &str = "7d4e2f90-1a3b-4c5d-8e6f-0a1b2c3d4e5f";
/// A security group.
const SECURITY: &str = "9e8d7c6b-5a49-4382-b716-f5e4d3c2b1a0";
/// A Microsoft 365 group that is not mail-enabled (Graph documents none; never read).
const NO_MAIL: &str = "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e";

/// The common tenant with GUID-named groups of every kind, and without g2 (a Microsoft 365
/// group whose id is no GUID: [`an_id_that_is_not_a_guid_goes_into_no_url`] is about it).
fn exchange_tenant() -> Tenant {
    let mut t = tenant(0);
    t.hard_delete_group("g2").unwrap();
    let unified = |id: &str, name: &str| {
        json!({"id": id, "displayName": name, "mailNickname": name.to_lowercase(),
            "mail": format!("{}@gwb.test", name.to_lowercase()), "mailEnabled": true,
            "securityEnabled": false, "groupTypes": ["Unified"]})
    };
    let mut team = unified(TEAM, "Team");
    team["allowExternalSenders"] = json!(true);
    t.create_group(team).unwrap();
    t.create_group(unified(CLUB, "Club")).unwrap();
    t.create_group(json!({"id": MAIL_SECURITY, "displayName": "Mail Security",
        "mail": "ms@gwb.test", "mailEnabled": true, "securityEnabled": true, "groupTypes": [],
        "hideFromAddressLists": true}))
        .unwrap();
    t.create_group(
        json!({"id": SECURITY, "displayName": "Security", "mailEnabled": false,
        "securityEnabled": true, "groupTypes": []}),
    )
    .unwrap();
    t.create_group(
        json!({"id": NO_MAIL, "displayName": "No Mail", "mailEnabled": false,
        "securityEnabled": false, "groupTypes": ["Unified"]}),
    )
    .unwrap();
    for (group, member) in [(TEAM, "u1"), (CLUB, "u2"), (MAIL_SECURITY, "u3")] {
        t.add_member(group, member).unwrap();
    }
    t
}

/// The emulator's client configuration reading the settings.
fn reading(emu: &Emulator) -> GraphConfig {
    let mut config = config(emu);
    config.read_exchange_settings = true;
    config
}

/// The path gwb GETs a group's settings at.
fn get_path(id: &str) -> String {
    format!("/v1.0/groups/{id}?$select=allowExternalSenders,hideFromAddressLists")
}

/// The single-group GETs (any `/v1.0/groups/{id}`) among the requests from number `from` on.
fn gets_since(emu: &Emulator, from: usize) -> Vec<String> {
    emu.requests()[from..]
        .iter()
        .map(|r| r.path_and_query.clone())
        .filter(|p| p.starts_with("/v1.0/groups/") && !p.starts_with("/v1.0/groups/delta"))
        .collect()
}

/// A group's `(allowExternalSenders, hideFromAddressLists)`.
fn settings(groups: &[CloudGroup], id: &str) -> (Option<bool>, Option<bool>) {
    let g = group(groups, id);
    (g.allow_external_senders, g.hide_from_address_lists)
}

/// The emulator with [`exchange_tenant`], and a source reading the settings whose first (full)
/// round is committed, with its state directory and file.
async fn after_full_round() -> (Emulator, TempDir, PathBuf, Source) {
    let emu = emulator(exchange_tenant(), 10, 500).await;
    let (dir, path) = state_dir();
    let mut source = source(reading(&emu), &path);
    commit_round(&mut source).await;
    (emu, dir, path, source)
}

/// Makes the next `times` settings reads answer 403 `ErrorAccessDenied`.
fn refuse(emu: &Emulator, times: usize) {
    emu.inject(FaultRule::next(times, Fault::AccessDenied).on_path("$select=allowExternalSenders"));
}

/// A full round, as `--full` asks for.
const FULL: RoundOptions = RoundOptions { force_full: true };

#[tokio::test]
async fn a_full_round_reads_the_settings_of_mail_enabled_microsoft_365_groups_only() {
    let emu = emulator(exchange_tenant(), 10, 500).await;
    // Off by default: no settings read, none handed over.
    let (_off_dir, off_path) = state_dir();
    let off = source(config(&emu), &off_path)
        .read_round(RoundOptions::default())
        .await
        .unwrap();
    assert_eq!(gets_since(&emu, 0), Vec::<String>::new());
    assert!(
        off.groups
            .iter()
            .all(|g| g.allow_external_senders.is_none() && g.hide_from_address_lists.is_none())
    );
    assert_eq!(off.stats.exchange_settings_read, 0);

    let from = emu.requests().len();
    let (_dir, path) = state_dir();
    let round = source(reading(&emu), &path)
        .read_round(RoundOptions::default())
        .await
        .unwrap();
    assert!(round.full);
    // One GET per Microsoft 365 group, none for the others.
    assert_eq!(gets_since(&emu, from), [get_path(TEAM), get_path(CLUB)]);
    assert_eq!(settings(&round.groups, TEAM), (Some(true), Some(false)));
    assert_eq!(settings(&round.groups, CLUB), (Some(false), Some(false)));
    for id in ["g1", "g3", MAIL_SECURITY, SECURITY, NO_MAIL] {
        assert_eq!(settings(&round.groups, id), (None, None), "{id}");
    }
    assert_eq!(round.stats.exchange_settings_read, 2);
    assert_eq!(round.stats.exchange_settings_unread, 0);
    assert_eq!(round.exchange_settings_error, None);
    // The GETs count as requests like every other read.
    assert_eq!(round.stats.requests, (emu.requests().len() - from) as u64);
}

#[tokio::test]
async fn an_incremental_round_reads_only_the_changed_group_and_the_rest_keep_what_was_read() {
    let (emu, _dir, path, mut source) = after_full_round().await;

    emu.tenant(|t| {
        t.update_group(
            CLUB,
            json!({"displayName": "Club 2", "hideFromAddressLists": true}),
        )
        .unwrap();
        t.add_member("g1", "u3").unwrap();
    });
    let from = emu.requests().len();
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert!(!round.full);
    assert_eq!(ids(&round.groups), [CLUB, "g1"]);
    assert_eq!(gets_since(&emu, from), [get_path(CLUB)]);
    assert_eq!(settings(&round.groups, CLUB), (Some(false), Some(true)));
    assert_eq!(round.stats.exchange_settings_read, 1);
    source.commit(round.checkpoint).await.unwrap();
    drop(source);

    // A new run; Graph now refuses the settings. Both groups change: each gets what the state
    // holds, TEAM's from the full round, CLUB's from the incremental one.
    emu.tenant(|t| {
        t.add_member(TEAM, "u4").unwrap();
        t.update_group(CLUB, json!({"displayName": "Club 3"}))
            .unwrap();
    });
    refuse(&emu, 1);
    let reopened = Source::open(reading(&emu), &path, SourceOptions::default()).unwrap();
    let round = reopened.read_round(RoundOptions::default()).await.unwrap();
    assert_eq!(ids(&round.groups), [TEAM, CLUB]);
    assert_eq!(settings(&round.groups, TEAM), (Some(true), Some(false)));
    assert_eq!(settings(&round.groups, CLUB), (Some(false), Some(true)));
    assert_eq!(round.stats.exchange_settings_unread, 2);
}

#[tokio::test]
async fn a_change_of_only_the_settings_is_seen_at_the_next_full_round() {
    let (emu, _dir, _, mut source) = after_full_round().await;

    // Exchange's settings are no directory change: delta does not list the group.
    emu.tenant(|t| {
        t.update_group(
            TEAM,
            json!({"allowExternalSenders": false, "hideFromAddressLists": true}),
        )
        .unwrap()
    });
    let from = emu.requests().len();
    assert_eq!(commit_round(&mut source).await.ids, Vec::<String>::new());
    assert_eq!(gets_since(&emu, from), Vec::<String>::new());

    let round = source.read_round(FULL).await.unwrap();
    assert_eq!(settings(&round.groups, TEAM), (Some(false), Some(true)));
    assert_eq!(settings(&round.groups, CLUB), (Some(false), Some(false)));
}

#[tokio::test]
async fn access_denied_stops_the_reads_keeps_the_saved_values_and_is_counted() {
    let emu = emulator(exchange_tenant(), 10, 500).await;
    let (_dir, path) = state_dir();
    let mut source = source(reading(&emu), &path);
    let refused = |id: &str| {
        format!(
            "Graph answered HTTP 403 (ErrorAccessDenied: Access is denied. Check credentials and \
             try again.) for {}{}",
            emu.base_url(),
            get_path(id)
        )
    };

    // Refused on the first round: the round succeeds with no settings, and no GET after the
    // refusal (it holds for every group).
    refuse(&emu, 1);
    let from = emu.requests().len();
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert_eq!(gets_since(&emu, from), [get_path(TEAM)]);
    assert_eq!(settings(&round.groups, TEAM), (None, None));
    assert_eq!(settings(&round.groups, CLUB), (None, None));
    assert_eq!(round.stats.exchange_settings_read, 0);
    assert_eq!(round.stats.exchange_settings_unread, 2);
    assert_eq!(round.exchange_settings_error, Some(refused(TEAM)));
    source.commit(round.checkpoint).await.unwrap();

    let round = source.read_round(FULL).await.unwrap();
    assert_eq!(settings(&round.groups, TEAM), (Some(true), Some(false)));
    assert_eq!(round.stats.exchange_settings_unread, 0);
    source.commit(round.checkpoint).await.unwrap();

    // Exchange changes both, but refuses gwb on two full rounds in a row: each hands over the
    // values last read, so the refused full round's new snapshot kept them.
    emu.tenant(|t| {
        t.update_group(TEAM, json!({"allowExternalSenders": false}))
            .unwrap();
        t.update_group(CLUB, json!({"hideFromAddressLists": true}))
            .unwrap();
    });
    for _ in 0..2 {
        refuse(&emu, 1);
        let round = source.read_round(FULL).await.unwrap();
        assert_eq!(settings(&round.groups, TEAM), (Some(true), Some(false)));
        assert_eq!(settings(&round.groups, CLUB), (Some(false), Some(false)));
        assert_eq!(round.stats.exchange_settings_unread, 2);
        assert_eq!(round.exchange_settings_error, Some(refused(TEAM)));
        source.commit(round.checkpoint).await.unwrap();
    }

    // Once Graph answers again, the new values arrive.
    let round = source.read_round(FULL).await.unwrap();
    assert_eq!(settings(&round.groups, TEAM), (Some(false), Some(false)));
    assert_eq!(settings(&round.groups, CLUB), (Some(false), Some(true)));
    assert_eq!(round.exchange_settings_error, None);
}

#[tokio::test]
async fn not_found_for_one_group_leaves_it_as_last_read_and_the_others_are_read() {
    let (emu, _dir, _, mut source) = after_full_round().await;
    emu.tenant(|t| {
        t.update_group(TEAM, json!({"hideFromAddressLists": true}))
            .unwrap();
        t.update_group(CLUB, json!({"allowExternalSenders": true}))
            .unwrap();
    });
    emu.inject(FaultRule::next(1, Fault::NotFound).on_path(format!("/v1.0/groups/{TEAM}?")));
    let from = emu.requests().len();
    let round = source.read_round(FULL).await.unwrap();
    assert_eq!(gets_since(&emu, from), [get_path(TEAM), get_path(CLUB)]);
    assert_eq!(settings(&round.groups, TEAM), (Some(true), Some(false)));
    assert_eq!(settings(&round.groups, CLUB), (Some(true), Some(false)));
    assert_eq!(round.stats.exchange_settings_read, 1);
    assert_eq!(round.stats.exchange_settings_unread, 1);
    assert_eq!(
        round.exchange_settings_error,
        Some(format!(
            "Graph answered HTTP 404 (Request_ResourceNotFound: Resource '{TEAM}' does not exist \
             or one of its queried reference-property objects are not present.) for {}{}",
            emu.base_url(),
            get_path(TEAM)
        ))
    );
    source.commit(round.checkpoint).await.unwrap();

    // A new group Exchange does not know yet: no values until Graph has them.
    const NEW: &str = "c0ffee00-0000-4000-8000-000000000001";
    emu.tenant(|t| {
        t.create_group(json!({"id": NEW, "displayName": "New", "mailEnabled": true,
            "securityEnabled": false, "groupTypes": ["Unified"]}))
            .unwrap()
    });
    emu.inject(FaultRule::next(1, Fault::NotFound).on_path(format!("/v1.0/groups/{NEW}?")));
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert_eq!(ids(&round.groups), [NEW]);
    assert_eq!(settings(&round.groups, NEW), (None, None));
    assert_eq!(round.stats.exchange_settings_unread, 1);
}

#[tokio::test]
async fn other_failures_fail_the_round_and_it_is_read_again() {
    let (emu, _dir, _, source) = after_full_round().await;
    emu.tenant(|t| {
        t.update_group(
            TEAM,
            json!({"displayName": "Team 2", "allowExternalSenders": false}),
        )
        .unwrap()
    });

    emu.inject(FaultRule::next(1, Fault::MalformedJson).on_path("$select=allowExternalSenders"));
    let err = source
        .read_round(RoundOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SourceError::Graph(GraphError::Malformed { .. })),
        "{err}"
    );
    // Unavailable on every attempt the retry policy allows (5).
    emu.inject(
        FaultRule::next(
            5,
            Fault::Unavailable {
                retry_after: Some("0".into()),
            },
        )
        .on_path("$select=allowExternalSenders"),
    );
    let err = source
        .read_round(RoundOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            SourceError::Graph(GraphError::RetriesExhausted { attempts: 5, .. })
        ),
        "{err}"
    );

    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert_eq!(ids(&round.groups), [TEAM]);
    assert_eq!(settings(&round.groups, TEAM), (Some(false), Some(false)));
}

#[tokio::test]
async fn a_removed_group_drops_out_of_the_saved_settings() {
    let (emu, _dir, _, mut source) = after_full_round().await;

    emu.tenant(|t| t.soft_delete_group(TEAM).unwrap());
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert_eq!(round.deletes.len(), 1);
    assert_eq!(round.deletes[0].id, TEAM);
    source.commit(round.checkpoint).await.unwrap();

    // Restored, and refused: the state no longer has its old values to hand over.
    emu.tenant(|t| t.restore_group(TEAM).unwrap());
    refuse(&emu, 1);
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert_eq!(ids(&round.groups), [TEAM]);
    assert_eq!(settings(&round.groups, TEAM), (None, None));
    assert_eq!(round.stats.exchange_settings_unread, 1);
}

#[tokio::test]
async fn turning_the_reads_on_or_off_makes_the_next_round_full() {
    let emu = emulator(exchange_tenant(), 10, 500).await;
    let (_dir, path) = state_dir();
    let mut reasons = Vec::new();
    for read in [false, true, true, false] {
        let mut config = config(&emu);
        config.read_exchange_settings = read;
        let mut source = Source::open(config, &path, SourceOptions::default()).unwrap();
        let round = source.read_round(RoundOptions::default()).await.unwrap();
        if round.full {
            let expected = if read { Some(true) } else { None };
            assert_eq!(settings(&round.groups, TEAM).0, expected, "read = {read}");
        }
        reasons.push(round.full_reason.clone());
        source.commit(round.checkpoint).await.unwrap();
    }
    assert_eq!(
        reasons,
        [
            Some(FullReason::NoState),
            Some(FullReason::SelectionChanged),
            None,
            Some(FullReason::SelectionChanged)
        ]
    );
}

#[tokio::test]
async fn an_id_that_is_not_a_guid_goes_into_no_url() {
    let emu = emulator(tenant(0), 10, 500).await;
    emu.tenant(|t| {
        t.create_group(json!({"id": "../../users?$top=1", "displayName": "Crafted",
            "mailEnabled": true, "securityEnabled": false, "groupTypes": ["Unified"]}))
            .unwrap()
    });
    let (_dir, path) = state_dir();
    let round = source(reading(&emu), &path)
        .read_round(RoundOptions::default())
        .await
        .unwrap();
    // Neither g2 nor the crafted id is read.
    assert_eq!(gets_since(&emu, 0), Vec::<String>::new());
    assert!(
        emu.requests()
            .iter()
            .all(|r| !r.path_and_query.contains("$top=1")),
        "{:?}",
        emu.requests()
    );
    assert_eq!(settings(&round.groups, "g2"), (None, None));
    assert_eq!(round.stats.exchange_settings_unread, 2);
    assert_eq!(
        round.exchange_settings_error.as_deref(),
        Some(r#"group id "../../users?$top=1" is not a GUID, so gwb puts it in no URL"#)
    );
}

#[tokio::test]
async fn the_emulator_answers_the_single_group_get_as_graph_does() {
    let emu = emulator(exchange_tenant(), 10, 500).await;
    emu.tenant(|t| t.soft_delete_group(CLUB).unwrap());
    let client = GraphClient::new(config(&emu), system_clock).unwrap();
    let mut stats = RequestStats::default();
    let url = |id: &str| format!("{}{}", emu.base_url(), get_path(id));
    let context = format!(
        "{}/v1.0/$metadata#groups(allowExternalSenders,hideFromAddressLists)/$entity",
        emu.base_url()
    );
    assert_eq!(
        client.get_json(&url(TEAM), &mut stats).await.unwrap(),
        json!({"@odata.context": context, "id": TEAM, "allowExternalSenders": true,
            "hideFromAddressLists": false})
    );
    // Graph documents the two for Microsoft 365 groups only; the emulator answers null for
    // other groups (what real Graph answers is not documented).
    assert_eq!(
        client
            .get_json(&url(MAIL_SECURITY), &mut stats)
            .await
            .unwrap(),
        json!({"@odata.context": context, "id": MAIL_SECURITY, "allowExternalSenders": null,
            "hideFromAddressLists": null})
    );
    for missing in [CLUB, "d0d0d0d0-0000-4000-8000-000000000000"] {
        let err = client
            .get_json(&url(missing), &mut stats)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, GraphError::Status { status: 404, code, message, .. }
                if code == "Request_ResourceNotFound"
                    && *message == format!("Resource '{missing}' does not exist or one of its \
                       queried reference-property objects are not present.")),
            "{err}"
        );
    }
}
