//! State: committed only on request, survives a kill between pages, and schedules full rounds.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use graph_emulator::{Fault, FaultRule};
use gwb_graph::{FullReason, RoundOptions, Source, SourceError, SourceOptions, StateError};
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn a_round_killed_between_pages_is_read_again_next_time() {
    let emu = emulator(tenant(0), 2, 500).await;
    let (_dir, path) = state_dir();
    let mut first = source(config(&emu), &path);
    let round = first.read_round(RoundOptions::default()).await.unwrap();
    first.commit(round.checkpoint).await.unwrap();
    drop(first);

    emu.tenant(|t| {
        t.add_member("g2", "u5").unwrap();
        t.add_member("g3", "u6").unwrap();
        t.hard_delete_group("g1").unwrap();
    });
    // Kill the process while it waits for the second groups page.
    emu.inject(
        FaultRule::next(1, Fault::Slow(Duration::from_secs(30))).on_path("groups/delta?$skiptoken"),
    );
    let killed = source(config(&emu), &path);
    let outcome = tokio::time::timeout(
        Duration::from_millis(1500),
        killed.read_round(RoundOptions::default()),
    )
    .await;
    assert!(outcome.is_err(), "the round should have been cut off");
    let requests_before = emu.requests().len();
    drop(killed);
    assert!(requests_before >= 3);

    // A new process starts from the committed state and sees every change.
    let mut restarted = source(config(&emu), &path);
    let round = restarted.read_round(RoundOptions::default()).await.unwrap();
    assert!(!round.full);
    assert_eq!(ids(&round.groups), ["g2", "g3"]);
    assert_eq!(
        member_ids(group(&round.groups, "g2")),
        ["c1", "u1", "u2", "u3", "u5"]
    );
    assert_eq!(member_ids(group(&round.groups, "g3")), ["u3", "u4", "u6"]);
    assert_eq!(round.deletes.len(), 1);
    assert_eq!(round.deletes[0].id, "g1");
    restarted.commit(round.checkpoint).await.unwrap();
}

#[tokio::test]
async fn an_uncommitted_round_is_delivered_again() {
    let emu = emulator(tenant(0), 3, 500).await;
    let (_dir, path) = state_dir();
    let mut source_a = source(config(&emu), &path);
    let round = source_a.read_round(RoundOptions::default()).await.unwrap();
    source_a.commit(round.checkpoint).await.unwrap();
    emu.tenant(|t| {
        t.update_group("g3", json!({"displayName": "Sales EMEA"}))
            .unwrap()
    });

    let crashed = source_a.read_round(RoundOptions::default()).await.unwrap();
    assert_eq!(ids(&crashed.groups), ["g3"]);
    drop(crashed); // the caller crashed before it could use and commit the round
    drop(source_a);

    let mut source_b = source(config(&emu), &path);
    let again = source_b.read_round(RoundOptions::default()).await.unwrap();
    assert_eq!(ids(&again.groups), ["g3"]);
    assert_eq!(again.groups[0].display_name.as_deref(), Some("Sales EMEA"));
    assert_eq!(member_ids(&again.groups[0]), ["u3", "u4"]);
    source_b.commit(again.checkpoint).await.unwrap();
    let quiet = source_b.read_round(RoundOptions::default()).await.unwrap();
    assert!(quiet.groups.is_empty());
}

#[tokio::test]
async fn an_older_checkpoint_cannot_overwrite_a_newer_state() {
    let emu = emulator(tenant(0), 10, 500).await;
    let (_dir, path) = state_dir();
    let mut source = source(config(&emu), &path);
    let a = source.read_round(RoundOptions::default()).await.unwrap();
    let b = source.read_round(RoundOptions::default()).await.unwrap();
    source.commit(b.checkpoint).await.unwrap();
    let err = source.commit(a.checkpoint).await.unwrap_err();
    assert!(
        matches!(err, SourceError::State(StateError::Stale)),
        "{err}"
    );
}

#[tokio::test]
async fn every_n_runs_a_full_round_reconciles() {
    let emu = emulator(tenant(0), 10, 500).await;
    let (_dir, path) = state_dir();
    let options = SourceOptions {
        full_every_runs: Some(2),
        ..SourceOptions::default()
    };
    let mut source = Source::open(config(&emu), &path, options).unwrap();
    let mut reasons = Vec::new();
    for _ in 0..4 {
        let round = source.read_round(RoundOptions::default()).await.unwrap();
        reasons.push(round.full_reason.clone());
        source.commit(round.checkpoint).await.unwrap();
    }
    assert_eq!(
        reasons,
        [
            Some(FullReason::NoState),
            None,
            Some(FullReason::EveryRuns(2)),
            None
        ]
    );
}

#[tokio::test]
async fn changed_rules_make_the_next_round_full_and_same_rules_do_not() {
    let emu = emulator(tenant(0), 10, 500).await;
    let (_dir, path) = state_dir();
    let with_rules = |fingerprint: &str| SourceOptions {
        rules_fingerprint: fingerprint.to_owned(),
        ..SourceOptions::default()
    };
    let mut reasons = Vec::new();
    for fingerprint in ["rules-a", "rules-a", "rules-b", "rules-b"] {
        // A fresh Source each time, as each gwb run opens the saved state anew.
        let mut source = Source::open(config(&emu), &path, with_rules(fingerprint)).unwrap();
        let round = source.read_round(RoundOptions::default()).await.unwrap();
        reasons.push((round.full_reason.clone(), round.groups.len()));
        source.commit(round.checkpoint).await.unwrap();
    }
    assert_eq!(
        reasons,
        [
            (Some(FullReason::NoState), 7),
            (None, 0),
            (Some(FullReason::RulesChanged), 7),
            (None, 0)
        ]
    );
}

/// The test clock, in seconds since the epoch.
static NOW: AtomicU64 = AtomicU64::new(1_800_000_000);

fn test_clock() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW.load(Ordering::SeqCst))
}

#[tokio::test]
async fn after_n_days_a_full_round_reconciles() {
    let emu = emulator(tenant(0), 10, 500).await;
    let (_dir, path) = state_dir();
    let options = SourceOptions {
        full_every: Some(Duration::from_secs(7 * 86_400)),
        clock: test_clock,
        ..SourceOptions::default()
    };
    let mut source = Source::open(config(&emu), &path, options).unwrap();
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    source.commit(round.checkpoint).await.unwrap();
    NOW.fetch_add(6 * 86_400, Ordering::SeqCst);
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert_eq!(round.full_reason, None);
    source.commit(round.checkpoint).await.unwrap();
    NOW.fetch_add(86_400, Ordering::SeqCst);
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert_eq!(
        round.full_reason,
        Some(FullReason::EveryDuration(Duration::from_secs(7 * 86_400)))
    );
    assert_eq!(round.groups.len(), 7);
}

#[tokio::test]
async fn a_corrupt_state_file_is_refused_with_advice() {
    let emu = emulator(tenant(0), 10, 500).await;
    let (_dir, path) = state_dir();
    std::fs::write(&path, b"{\"version\": 99}").unwrap();
    let Err(err) = Source::open(config(&emu), &path, SourceOptions::default()) else {
        panic!("expected an error");
    };
    assert!(err.to_string().contains("move it away"), "{err}");
}

#[tokio::test]
async fn the_state_summary_counts_what_the_saved_state_holds() {
    let emu = emulator(tenant(0), 10, 500).await;
    let (_dir, path) = state_dir();
    assert_eq!(gwb_graph::StateSummary::load(&path).unwrap(), None);
    let mut source = source(config(&emu), &path);
    let mut round = source.read_round(RoundOptions::default()).await.unwrap();
    round.checkpoint.read_again_next_round(["g1".to_owned()]);
    source.commit(round.checkpoint).await.unwrap();
    let summary = gwb_graph::StateSummary::load(&path).unwrap().unwrap();
    // Seven live groups, 12 memberships, 7 users; last full round at the commit's time.
    let text = summary.to_string();
    let last_full = summary.last_full_unix.expect("a full round was committed");
    assert_eq!(
        text,
        format!(
            "  groups deltaLink: yes\n  users deltaLink: yes\n  groups: 7 with 12 memberships\n  \
             users with on-premises anchors: 7\n  groups the next run reads again (failed or \
             skipped last time): 1\n  incremental rounds since the last full one: 0\n  last \
             full round: {last_full} (seconds since 1970-01-01 UTC)"
        )
    );
}

#[tokio::test]
async fn incremental_commits_append_to_the_journal_and_a_new_source_sees_them() {
    let emu = emulator(tenant(0), 10, 500).await;
    let (_dir, path) = state_dir();
    let journal = {
        let mut name = path.as_os_str().to_owned();
        name.push(".journal");
        std::path::PathBuf::from(name)
    };
    let mut source = source(config(&emu), &path);
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    source.commit(round.checkpoint).await.unwrap();
    let snapshot = std::fs::read(&path).unwrap();
    assert!(!journal.exists(), "a full round writes a snapshot");

    for name in ["Finance 2", "Finance 3"] {
        emu.tenant(|t| t.update_group("g1", json!({"displayName": name})))
            .unwrap();
        let round = source.read_round(RoundOptions::default()).await.unwrap();
        assert_eq!(ids(&round.groups), ["g1"]);
        source.commit(round.checkpoint).await.unwrap();
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        snapshot,
        "the snapshot was not rewritten"
    );
    let lines = std::fs::read_to_string(&journal).unwrap();
    assert_eq!(
        lines.lines().count(),
        2,
        "one journal entry per incremental commit"
    );

    // A new process continues from snapshot + journal: a quiet round, then g1's next change.
    let mut reopened = crate::common::source(config(&emu), &path);
    let quiet = reopened.read_round(RoundOptions::default()).await.unwrap();
    assert!(!quiet.full && quiet.groups.is_empty());
    emu.tenant(|t| t.remove_member("g1", "u1")).unwrap();
    let round = reopened.read_round(RoundOptions::default()).await.unwrap();
    assert_eq!(member_ids(group(&round.groups, "g1")), ["u2"]);
    reopened.commit(round.checkpoint).await.unwrap();
    assert!(gwb_graph::remove_state(&path).unwrap());
    assert!(!path.exists() && !journal.exists());
}
