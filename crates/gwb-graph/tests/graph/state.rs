//! State: committed only on request, survives a kill between pages, schedules full rounds,
//! belongs to one tenant/app/domain, stays private, and fails closed on crafted values.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use graph_emulator::{Fault, FaultRule};
use gwb_graph::{FullReason, RoundOptions, Source, SourceError, SourceOptions, StateError};
use gwb_model::CloudDelete;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn a_round_killed_between_pages_is_read_again_next_time() {
    let emu = emulator(tenant(0), 2, 500).await;
    let (_dir, path) = state_dir();
    run_once(&emu, &path, SourceOptions::default()).await;

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
    commit_round(&mut source_a).await;
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
        reasons.push(commit_round(&mut source).await.full_reason);
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
        let run = run_once(&emu, &path, with_rules(fingerprint)).await;
        reasons.push((run.full_reason, run.ids.len()));
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
    commit_round(&mut source).await;
    NOW.fetch_add(6 * 86_400, Ordering::SeqCst);
    assert_eq!(commit_round(&mut source).await.full_reason, None);
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
    round.checkpoint.delete_again_next_round([CloudDelete {
        id: "g0".into(),
        hard: true,
    }]);
    source.commit(round.checkpoint).await.unwrap();
    let summary = gwb_graph::StateSummary::load(&path).unwrap().unwrap();
    // Seven live groups, 12 memberships, 7 users; last full round at the commit's time.
    let text = summary.to_string();
    let last_full = summary.last_full_unix.expect("a full round was committed");
    assert_eq!(
        text,
        format!(
            "  belongs to: tenant {TENANT_ID}, app {APP_ID}, AD domain none\n  \
             groups deltaLink: yes\n  users deltaLink: yes\n  groups: 7 with 12 memberships\n  \
             users with on-premises anchors: 7\n  groups the next run reads again (failed or \
             skipped last time): 1\n  cloud removals the next run tries again (refused \
             last time): 1\n  incremental rounds since the last full one: 0\n  last \
             full round: {last_full} (seconds since 1970-01-01 UTC)"
        )
    );
}

#[tokio::test]
async fn incremental_commits_append_to_the_journal_and_a_new_source_sees_them() {
    let emu = emulator(tenant(0), 10, 500).await;
    let (_dir, path) = state_dir();
    let journal = journal_of(&path);
    let mut source = source(config(&emu), &path);
    commit_round(&mut source).await;
    let snapshot = std::fs::read(&path).unwrap();
    assert!(!journal.exists(), "a full round writes a snapshot");

    for name in ["Finance 2", "Finance 3"] {
        emu.tenant(|t| t.update_group("g1", json!({"displayName": name})))
            .unwrap();
        assert_eq!(commit_round(&mut source).await.ids, ["g1"]);
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

/// The AD domain GUID the binding tests run for.
const DOMAIN: &str = "0b6a5d3e-1c2f-4a7b-9e8d-6f5c4b3a2d1e";

/// Options naming `domain` as the AD domain written to.
fn for_domain(domain: Option<&str>) -> SourceOptions {
    SourceOptions {
        ad_domain_guid: domain.map(str::to_owned),
        ..SourceOptions::default()
    }
}

/// The journal next to the snapshot at `path`.
fn journal_of(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".journal");
    PathBuf::from(name)
}

/// Rewrites the saved snapshot's JSON, as someone with access to the file could.
fn tamper(path: &Path, change: impl FnOnce(&mut serde_json::Value)) {
    let mut value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    change(&mut value);
    std::fs::write(path, serde_json::to_vec(&value).unwrap()).unwrap();
}

/// The error of opening the state at `path`.
fn open_error(config: gwb_graph::GraphConfig, path: &Path, options: SourceOptions) -> String {
    match Source::open(config, path, options) {
        Ok(_) => panic!("{} was not refused", path.display()),
        Err(err) => err.to_string(),
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[tokio::test]
async fn a_state_is_refused_to_another_tenant_app_or_domain() {
    let emu = emulator(tenant(0), 10, 500).await;
    let (_dir, path) = state_dir();
    run_once(&emu, &path, for_domain(Some(DOMAIN))).await;
    let saved = std::fs::read(&path).unwrap();
    let requests = emu.requests().len();
    let summary = gwb_graph::StateSummary::load(&path).unwrap().unwrap();
    assert!(
        summary.to_string().starts_with(&format!(
            "  belongs to: tenant {TENANT_ID}, app {APP_ID}, AD domain {DOMAIN}\n"
        )),
        "{summary}"
    );

    let other_tenant = {
        let mut config = config(&emu);
        config.tenant_id = "contoso.onmicrosoft.com".into();
        config
    };
    assert_eq!(
        open_error(other_tenant, &path, for_domain(Some(DOMAIN))),
        format!(
            "state file {} was written for another tenant, app or AD domain (tenant id: saved \
             `{TENANT_ID}`, configured `contoso.onmicrosoft.com`); gwb refuses to use it. Point \
             [graph] state_dir at this pair's own directory, or run `gwb state reset` if the \
             pair really changed",
            path.display()
        )
    );
    let other_app = {
        let mut config = config(&emu);
        config.client_id = "00000000-0000-4000-8000-00000000beef".into();
        config
    };
    let err = open_error(other_app, &path, for_domain(Some(DOMAIN)));
    assert!(
        err.contains(&format!(
            "(client id: saved `{APP_ID}`, configured `00000000-0000-4000-8000-00000000beef`)"
        )),
        "{err}"
    );
    let other_domain = "11111111-2222-4333-8444-555555555555";
    let err = open_error(config(&emu), &path, for_domain(Some(other_domain)));
    assert!(
        err.contains(&format!(
            "(AD domain GUID: saved `{DOMAIN}`, configured `{other_domain}`)"
        )),
        "{err}"
    );
    let err = open_error(config(&emu), &path, for_domain(None));
    assert!(
        err.contains(&format!(
            "(AD domain GUID: saved `{DOMAIN}`, configured none)"
        )),
        "{err}"
    );
    // Everything at once: each value that differs is named.
    let mut all = config(&emu);
    all.tenant_id = "t2".into();
    all.client_id = "a2".into();
    let err = open_error(all, &path, for_domain(Some("d2")));
    assert!(
        err.contains(&format!(
            "(tenant id: saved `{TENANT_ID}`, configured `t2`; client id: saved `{APP_ID}`, \
             configured `a2`; AD domain GUID: saved `{DOMAIN}`, configured `d2`)"
        )),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        saved,
        "the state was not touched"
    );
    assert_eq!(
        emu.requests().len(),
        requests,
        "the refused opens sent nothing to Graph"
    );

    // The same pair in other letter case is the same pair.
    let mut shouting = config(&emu);
    shouting.tenant_id = TENANT_ID.to_uppercase();
    shouting.client_id = APP_ID.to_uppercase();
    Source::open(shouting, &path, for_domain(Some(&DOMAIN.to_uppercase())))
        .expect("case does not matter");
}

#[tokio::test]
async fn a_state_from_before_bindings_adopts_the_pair_at_its_next_commit() {
    let emu = emulator(tenant(0), 10, 500).await;
    let (_dir, path) = state_dir();
    run_once(&emu, &path, for_domain(Some(DOMAIN))).await;
    // As an older gwb wrote it: no binding.
    tamper(&path, |state| {
        state.as_object_mut().unwrap().remove("binding");
    });
    let summary = gwb_graph::StateSummary::load(&path).unwrap().unwrap();
    assert!(
        summary
            .to_string()
            .starts_with("  belongs to: not recorded yet (an older state; the next sync records"),
        "{summary}"
    );

    // Not refused, whatever the pair; an incremental round that commits records it.
    let adopter = "22222222-3333-4444-8555-666666666666";
    emu.tenant(|t| t.update_group("g1", json!({"displayName": "Finance 2"})))
        .unwrap();
    let adopting = run_once(&emu, &path, for_domain(Some(adopter))).await;
    assert!(!adopting.full, "adopting does not make the round full");
    assert_eq!(adopting.ids, ["g1"]);
    assert!(
        !journal_of(&path).exists(),
        "the adopting commit writes a snapshot, which holds the binding"
    );
    let err = open_error(config(&emu), &path, for_domain(Some(DOMAIN)));
    assert!(
        err.contains(&format!(
            "(AD domain GUID: saved `{adopter}`, configured `{DOMAIN}`)"
        )),
        "{err}"
    );
    // The adopted state goes on incrementally for its pair, in the journal.
    emu.tenant(|t| t.update_group("g1", json!({"displayName": "Finance 3"})))
        .unwrap();
    let next = run_once(&emu, &path, for_domain(Some(adopter))).await;
    assert_eq!((next.full, next.ids), (false, vec!["g1".to_owned()]));
    assert!(journal_of(&path).exists());
}

#[tokio::test]
async fn state_files_are_created_private_and_an_older_open_one_is_made_private() {
    let emu = emulator(tenant(0), 10, 500).await;
    let dir = tempfile::tempdir().unwrap();
    let state_dir = dir.path().join("var/gwb");
    let path = state_dir.join("graph-state.json");
    let mut source = source(config(&emu), &path);
    commit_round(&mut source).await;
    assert_eq!(mode(&state_dir), 0o700);
    assert_eq!(
        mode(&dir.path().join("var")),
        0o700,
        "and the parents it created"
    );
    assert_eq!(mode(&path), 0o600);
    emu.tenant(|t| t.update_group("g1", json!({"displayName": "Finance 2"})))
        .unwrap();
    commit_round(&mut source).await;
    assert_eq!(mode(&journal_of(&path)), 0o600);

    // Files an older gwb left world-readable are made private when opened.
    for file in [&path, &journal_of(&path)] {
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    drop(source);
    crate::common::source(config(&emu), &path);
    assert_eq!((mode(&path), mode(&journal_of(&path))), (0o600, 0o600));
}

#[tokio::test]
async fn symbolic_links_in_the_state_directory_are_refused_never_followed() {
    let emu = emulator(tenant(0), 10, 500).await;
    let (dir, path) = state_dir();
    run_once(&emu, &path, SourceOptions::default()).await;
    let planted = dir.path().join("planted.json");
    std::fs::rename(&path, &planted).unwrap();
    let planted_bytes = std::fs::read(&planted).unwrap();

    // A link planted as the snapshot, or as the journal.
    std::os::unix::fs::symlink(&planted, &path).unwrap();
    assert_eq!(
        open_error(config(&emu), &path, SourceOptions::default()),
        format!(
            "state file {} is refused: it is a symbolic link (not followed); remove it and \
             check who put it there (gwb never follows a symbolic link in the state directory)",
            path.display()
        )
    );
    std::fs::remove_file(&path).unwrap();
    std::fs::copy(&planted, &path).unwrap();
    let journal = journal_of(&path);
    std::os::unix::fs::symlink(&planted, &journal).unwrap();
    let err = open_error(config(&emu), &path, SourceOptions::default());
    assert!(
        err.starts_with(&format!(
            "state file {} is refused: it is a symbolic link (not followed)",
            journal.display()
        )),
        "{err}"
    );
    std::fs::remove_file(&journal).unwrap();

    // A link at the snapshot's temporary name is removed, not written through.
    let tmp = dir.path().join("graph-state.json.tmp");
    std::os::unix::fs::symlink(&planted, &tmp).unwrap();
    let mut source = source(config(&emu), &path);
    let round = source
        .read_round(RoundOptions { force_full: true })
        .await
        .unwrap();
    source.commit(round.checkpoint).await.unwrap();
    assert!(std::fs::symlink_metadata(&tmp).is_err(), "the link is gone");
    assert_eq!(
        std::fs::read(&planted).unwrap(),
        planted_bytes,
        "no link target was ever written"
    );
    assert_eq!(mode(&path), 0o600);
}

#[tokio::test]
async fn a_state_directory_others_may_write_is_refused() {
    let emu = emulator(tenant(0), 10, 500).await;
    let (dir, path) = state_dir();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
    assert_eq!(
        open_error(config(&emu), &path, SourceOptions::default()),
        format!(
            "state directory {0} is writable by group or others (mode 1777), so another user \
             could plant or swap state files in it; run `chmod 700 {0}` (gwb creates it with \
             mode 0700)",
            dir.path().display()
        )
    );
    // Readable by others is only a warning: the files themselves are 0600.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    run_once(&emu, &path, SourceOptions::default()).await;
    assert_eq!(mode(&path), 0o600);
}

/// The uid of `nobody`: another user than the one running the tests (root).
const NOBODY: u32 = 65534;

#[tokio::test]
async fn a_state_directory_another_user_owns_or_a_symbolic_link_to_one_is_refused() {
    let emu = emulator(tenant(0), 10, 500).await;
    let (dir, path) = state_dir();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    std::os::unix::fs::chown(dir.path(), Some(NOBODY), None)
        .expect("chown to another user needs root: the tests run as root, as CI does");
    let user = gwb_model::ownership::running_user();
    assert_eq!(
        open_error(config(&emu), &path, SourceOptions::default()),
        format!(
            "state directory {0} is refused: it is owned by uid {NOBODY}, not by the user \
             running gwb (uid {user}) or root; its owner could plant or swap state files in it. \
             Run gwb as the user that owns it, or give it to this one with `chown -R {user} {0}`",
            dir.path().display()
        )
    );
    assert!(!path.exists(), "nothing was written");

    // A symbolic link to a private directory is not followed either.
    std::os::unix::fs::chown(dir.path(), Some(user), None).unwrap();
    let real = dir.path().join("real");
    std::fs::create_dir(&real).unwrap();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let linked = link.join("state.json");
    assert_eq!(
        open_error(config(&emu), &linked, SourceOptions::default()),
        format!(
            "state directory {} is refused: it is a symbolic link (not followed); point [graph] \
             state_dir at the real directory (gwb never follows a symbolic link to its state)",
            link.display()
        )
    );

    // Its owner (here root, running the test) may use it.
    run_once(&emu, &path, SourceOptions::default()).await;
    assert_eq!(mode(&path), 0o600);
}

/// Why a state whose `file` (the snapshot or the journal) holds the last generation is
/// refused.
fn no_generation_left(file: &Path) -> String {
    format!(
        "state file {} is unreadable (generation 18446744073709551615 leaves no number for the \
         next change); move it away to start with a full round",
        file.display()
    )
}

#[tokio::test]
async fn a_generation_at_its_limit_is_refused_not_wrapped() {
    let emu = emulator(tenant(0), 10, 500).await;
    let (_dir, path) = state_dir();
    run_once(&emu, &path, SourceOptions::default()).await;
    emu.tenant(|t| t.update_group("g1", json!({"displayName": "Finance 2"})))
        .unwrap();
    run_once(&emu, &path, SourceOptions::default()).await;
    let journal = journal_of(&path);
    let entry = std::fs::read_to_string(&journal).unwrap();
    assert!(entry.starts_with("{\"generation\":2,"), "{entry}");

    // The snapshot at the limit (its journal entry is then older and skipped).
    tamper(&path, |state| state["generation"] = json!(u64::MAX));
    assert_eq!(
        open_error(config(&emu), &path, SourceOptions::default()),
        no_generation_left(&path)
    );
    // A journal entry reaching the limit: the journal is named.
    tamper(&path, |state| state["generation"] = json!(u64::MAX - 1));
    std::fs::write(
        &journal,
        entry.replacen(
            "\"generation\":2,",
            &format!("\"generation\":{},", u64::MAX),
            1,
        ),
    )
    .unwrap();
    assert_eq!(
        open_error(config(&emu), &path, SourceOptions::default()),
        no_generation_left(&journal)
    );
    // One below the limit still works: the next change takes the last number.
    std::fs::remove_file(&journal).unwrap();
    run_once(&emu, &path, SourceOptions::default()).await;
    let err = open_error(config(&emu), &path, SourceOptions::default());
    assert!(
        err.contains("(generation 18446744073709551615 leaves no number"),
        "{err}"
    );
}

/// A clock fixed at 1,800,000,000 seconds (2027), for the saved-counter test.
fn fixed_clock() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

#[tokio::test]
async fn huge_saved_counters_and_times_neither_overflow_nor_stop_full_rounds() {
    let emu = emulator(tenant(0), 10, 500).await;
    let (_dir, path) = state_dir();
    run_once(&emu, &path, SourceOptions::default()).await;
    let summary = || gwb_graph::StateSummary::load(&path).unwrap().unwrap();

    // runs_since_full at its limit: the next incremental commit keeps it there.
    tamper(&path, |state| state["runs_since_full"] = json!(u32::MAX));
    let incremental = run_once(&emu, &path, SourceOptions::default()).await;
    assert_eq!(incremental.full_reason, None);
    assert_eq!(summary().runs_since_full, u32::MAX);
    // ... and with full_every_runs, it is due: a full round, which resets it.
    let every = SourceOptions {
        full_every_runs: Some(3),
        ..SourceOptions::default()
    };
    let due = run_once(&emu, &path, every).await;
    assert_eq!(due.full_reason, Some(FullReason::EveryRuns(3)));
    assert_eq!(summary().runs_since_full, 0);

    // A last full round dated in the far future has no age: the round is full, not never.
    tamper(&path, |state| state["last_full_unix"] = json!(u64::MAX));
    let weekly = SourceOptions {
        full_every: Some(Duration::from_secs(7 * 86_400)),
        clock: fixed_clock,
        ..SourceOptions::default()
    };
    let repair = run_once(&emu, &path, weekly).await;
    assert_eq!(
        repair.full_reason,
        Some(FullReason::LastFullInFuture(u64::MAX))
    );
    assert_eq!(
        repair.full_reason.as_ref().unwrap().to_string(),
        "the last full round is dated in the future (18446744073709551615 seconds since \
         1970-01-01 UTC): the clock or the saved state is wrong"
    );
    assert_eq!(repair.ids.len(), 7);
    assert_eq!(
        summary().last_full_unix,
        Some(1_800_000_000),
        "repaired by the full round"
    );
    // Without full_every_days, the saved time is not used at all.
    tamper(&path, |state| state["last_full_unix"] = json!(u64::MAX));
    let round = source(config(&emu), &path)
        .read_round(RoundOptions::default())
        .await
        .unwrap();
    assert_eq!(round.full_reason, None);
}
