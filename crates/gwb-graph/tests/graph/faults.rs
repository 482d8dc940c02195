//! Every injected fault ends with the right data and state: no duplicate or lost change.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use graph_emulator::{Emulator, Fault, FaultRule};
use gwb_graph::{
    FullReason, GraphClient, GraphError, RequestStats, Round, RoundOptions, Source, SourceError,
};
use gwb_model::clock::system_clock;
use serde_json::json;

use crate::common::*;

/// Group ids with member ids, and deletes with their hardness.
type Summary = (Vec<(String, Vec<String>)>, Vec<(String, bool)>);

/// The ids, members and deletes of a round, for comparing rounds.
fn summary(round: &Round) -> Summary {
    (
        round
            .groups
            .iter()
            .map(|g| {
                (
                    g.id.clone(),
                    member_ids(g).into_iter().map(str::to_owned).collect(),
                )
            })
            .collect(),
        round
            .deletes
            .iter()
            .map(|d| (d.id.clone(), d.hard))
            .collect(),
    )
}

/// A committed first round, then a change (g1 renamed and +u3, g4 soft-deleted).
async fn after_first_round(page_size: usize) -> (Emulator, tempfile::TempDir, Source) {
    let emu = emulator(tenant(0), page_size, 500).await;
    let (dir, path) = state_dir();
    let mut source = source(config(&emu), &path);
    let first = source.read_round(RoundOptions::default()).await.unwrap();
    source.commit(first.checkpoint).await.unwrap();
    emu.tenant(|t| {
        t.update_group("g1", json!({"displayName": "Finance 2"}))
            .unwrap();
        t.add_member("g1", "u3").unwrap();
        t.soft_delete_group("g4").unwrap();
    });
    (emu, dir, source)
}

/// The expected summary of the change made by `after_first_round`.
fn expected_change() -> Summary {
    (
        vec![("g1".into(), vec!["u1".into(), "u2".into(), "u3".into()])],
        vec![("g4".into(), false)],
    )
}

/// Runs the incremental round after injecting `rules`, checks the change arrives exactly once
/// and that the next round is quiet; returns the round's retries.
async fn incremental_with(rules: Vec<FaultRule>) -> u64 {
    let (emu, _dir, mut source) = after_first_round(2).await;
    for rule in rules {
        emu.inject(rule);
    }
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert!(!round.full);
    assert_eq!(summary(&round), expected_change());
    assert_eq!(round.groups[0].display_name.as_deref(), Some("Finance 2"));
    let retries = round.stats.retries;
    source.commit(round.checkpoint).await.unwrap();
    let quiet = source.read_round(RoundOptions::default()).await.unwrap();
    assert!(quiet.groups.is_empty() && quiet.deletes.is_empty());
    retries
}

#[tokio::test]
async fn throttling_with_integer_and_fractional_retry_after_is_retried() {
    let retries = incremental_with(vec![
        FaultRule::next(
            1,
            Fault::Throttle {
                retry_after: Some("1".into()),
            },
        )
        .on_path("groups/delta"),
        FaultRule::next(
            2,
            Fault::Throttle {
                retry_after: Some("0.128".into()),
            },
        )
        .on_path("users/delta"),
    ])
    .await;
    assert_eq!(retries, 3);
}

#[tokio::test]
async fn throttling_with_an_http_date_or_no_retry_after_is_retried() {
    let soon = httpdate::fmt_http_date(system_clock() + Duration::from_secs(1));
    let retries = incremental_with(vec![
        FaultRule::next(
            1,
            Fault::Throttle {
                retry_after: Some(soon),
            },
        ),
        FaultRule::next(3, Fault::Throttle { retry_after: None }),
    ])
    .await;
    assert_eq!(retries, 4);
}

/// 2001-01-01T00:00:00Z: a fixed clock far from the real one.
fn in_2001() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(978_307_200)
}

#[tokio::test]
async fn an_http_date_retry_after_is_read_against_the_injected_clock() {
    let emu = emulator(tenant(0), 2, 500).await;
    // One second after the injected "now"; long past by the system clock, which would mean
    // retrying at once.
    let retry_after = httpdate::fmt_http_date(in_2001() + Duration::from_secs(1));
    emu.inject(
        FaultRule::next(
            1,
            Fault::Throttle {
                retry_after: Some(retry_after),
            },
        )
        .on_path("users/delta"),
    );
    let client = GraphClient::new(config(&emu), in_2001).unwrap();
    let mut stats = RequestStats::default();
    let started = Instant::now();
    let url = format!("{}/v1.0/users/delta", emu.base_url());
    client.get_json(&url, &mut stats).await.unwrap();
    assert_eq!(stats.retries, 1);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(950),
        "waited {waited:?}, not the second the injected clock says"
    );
}

#[tokio::test]
async fn unavailable_and_gateway_timeouts_are_retried() {
    let retries = incremental_with(vec![
        FaultRule::next(
            1,
            Fault::Unavailable {
                retry_after: Some("0.2".into()),
            },
        ),
        FaultRule::next(1, Fault::Unavailable { retry_after: None }),
        FaultRule::next(2, Fault::GatewayTimeout).on_path("groups/delta"),
    ])
    .await;
    assert_eq!(retries, 4);
}

#[tokio::test]
async fn dropped_connections_and_slow_responses_are_retried() {
    let retries = incremental_with(vec![
        FaultRule::next(2, Fault::DropConnection).on_path("groups/delta"),
        // Longer than the 2 s request timeout of the test configuration.
        FaultRule::next(1, Fault::Slow(Duration::from_secs(4))).on_path("users/delta"),
        FaultRule::next(1, Fault::Slow(Duration::from_millis(100))).on_path("groups/delta"),
    ])
    .await;
    assert_eq!(retries, 3);
}

#[tokio::test]
async fn replayed_and_empty_pages_deliver_each_change_once() {
    let retries = incremental_with(vec![
        FaultRule::next(2, Fault::ReplayPage).on_path("groups/delta"),
        FaultRule::next(1, Fault::EmptyPage).on_path("groups/delta"),
        FaultRule::next(1, Fault::ReplayPage).on_path("users/delta"),
    ])
    .await;
    assert_eq!(retries, 0);
}

#[tokio::test]
async fn replayed_pages_in_a_full_round_with_a_big_group_lose_nothing() {
    let emu = emulator(tenant(300), 2, 40).await;
    let (_dir, path) = state_dir();
    let clean = source(config(&emu), &path)
        .read_round(RoundOptions::default())
        .await
        .unwrap();
    for rule in [
        FaultRule::next(3, Fault::ReplayPage).on_path("groups/delta?$skiptoken"),
        FaultRule::next(1, Fault::ReplayPage).on_path("groups/delta?$select"),
    ] {
        emu.inject(rule);
    }
    let replayed = source(config(&emu), &path)
        .read_round(RoundOptions::default())
        .await
        .unwrap();
    assert_eq!(summary(&replayed), summary(&clean));
    assert_eq!(group(&replayed.groups, "big").members.len(), 300);
    assert_eq!(replayed.stats.pages, clean.stats.pages + 4);
}

#[tokio::test]
async fn an_expired_token_is_renewed_once() {
    let (emu, _dir, mut source) = after_first_round(2).await;
    emu.expire_tokens();
    emu.inject(FaultRule::next(1, Fault::ExpiredToken).on_path("groups/delta"));
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert_eq!(summary(&round), expected_change());
    // One renewal after expire_tokens, one after the injected 401.
    assert_eq!(round.stats.token_requests, 2);
    source.commit(round.checkpoint).await.unwrap();
}

#[tokio::test]
async fn a_token_refused_twice_is_an_error() {
    let (emu, _dir, source) = after_first_round(2).await;
    emu.inject(FaultRule::next(2, Fault::ExpiredToken).on_path("/v1.0/"));
    let err = source
        .read_round(RoundOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SourceError::Graph(GraphError::Unauthorized { code, .. }) if code == "InvalidAuthenticationToken"),
        "{err}"
    );
}

/// A refused delta link turns the groups read into a full round that still carries the change.
async fn resync_with(rule: Option<FaultRule>) {
    let (emu, _dir, mut source) = after_first_round(3).await;
    match rule {
        Some(rule) => emu.inject(rule),
        None => emu.invalidate_delta_tokens(),
    }
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert!(round.full);
    assert!(
        matches!(round.full_reason, Some(FullReason::Resync(_))),
        "{:?}",
        round.full_reason
    );
    assert!(round.stats.resyncs >= 1);
    assert_eq!(ids(&round.groups), ["big", "g1", "g2", "g3", "g5", "g6"]);
    assert_eq!(member_ids(group(&round.groups, "g1")), ["u1", "u2", "u3"]);
    assert_eq!(
        group(&round.groups, "g1").display_name.as_deref(),
        Some("Finance 2")
    );
    // g4 is soft-deleted: no longer listed, so reported as a (soft) delete.
    assert_eq!(summary(&round).1, [("g4".to_owned(), false)]);
    source.commit(round.checkpoint).await.unwrap();
    let quiet = source.read_round(RoundOptions::default()).await.unwrap();
    assert!(!quiet.full && quiet.groups.is_empty() && quiet.deletes.is_empty());
}

#[tokio::test]
async fn gone_410_triggers_a_full_round() {
    resync_with(Some(
        FaultRule::next(1, Fault::Gone).on_path("groups/delta?$deltatoken"),
    ))
    .await;
}

#[tokio::test]
async fn invalidated_delta_tokens_trigger_a_full_round() {
    resync_with(None).await;
}

#[tokio::test]
async fn sync_state_not_found_triggers_a_full_round() {
    resync_with(Some(
        FaultRule::next(1, Fault::SyncStateNotFound).on_path("groups/delta?$deltatoken"),
    ))
    .await;
}

#[tokio::test]
async fn resync_required_triggers_a_full_round() {
    resync_with(Some(
        FaultRule::next(1, Fault::ResyncRequired).on_path("groups/delta?$deltatoken"),
    ))
    .await;
}

/// A round that fails leaves the state as it was: the next round delivers the change.
async fn failure_keeps_state(rule: FaultRule, check: impl Fn(&GraphError)) {
    let (emu, _dir, mut source) = after_first_round(2).await;
    emu.inject(rule);
    let err = source
        .read_round(RoundOptions::default())
        .await
        .unwrap_err();
    let SourceError::Graph(graph) = &err else {
        panic!("unexpected {err}");
    };
    check(graph);
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert_eq!(summary(&round), expected_change());
    source.commit(round.checkpoint).await.unwrap();
}

#[tokio::test]
async fn malformed_json_is_an_error_naming_the_url_and_saves_nothing() {
    failure_keeps_state(
        FaultRule::next(1, Fault::MalformedJson).on_path("groups/delta"),
        |e| {
            assert!(matches!(e, GraphError::Malformed { url, .. } if url.contains("/v1.0/groups/delta?$deltatoken=")), "{e}");
            assert!(e.to_string().contains("nothing from this round is saved"));
        },
    )
    .await;
}

#[tokio::test]
async fn an_item_without_id_is_an_error_naming_the_url() {
    failure_keeps_state(
        FaultRule::next(1, Fault::MissingId).on_path("groups/delta"),
        |e| {
            assert!(
                matches!(e, GraphError::Item { url, .. } if url.contains("/v1.0/groups/delta")),
                "{e}"
            );
            assert!(e.to_string().contains("has no `id`"), "{e}");
        },
    )
    .await;
}

#[tokio::test]
async fn throttling_beyond_the_retry_budget_fails_without_saving() {
    failure_keeps_state(
        FaultRule::next(5, Fault::Throttle { retry_after: Some("0".into()) }).on_path("users/delta"),
        |e| assert!(matches!(e, GraphError::RetriesExhausted { attempts: 5, last, .. } if last == "HTTP 429"), "{e}"),
    )
    .await;
}
