//! Overlapping runs: while one gwb sync holds the state directory, another sync (or a state
//! reset) stops before doing anything and names the holder. Then the state files a real sync
//! leaves (snapshot, journal) and what a reset removes.

use std::fs::File;
use std::io::Write as _;
use std::process::Output;

use crate::common::Env;

fn gwb(env: &Env, args: &[&str]) -> Output {
    env.gwb_command(args).output().expect("run gwb")
}

/// Runs gwb and asserts it succeeded.
fn gwb_ok(env: &Env, args: &[&str]) -> Output {
    let out = gwb(env, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_sync_stops_while_the_first_holds_the_state() {
    let env = Env::new("lock", 1, "").await;
    let team = env.gid(0x81);
    env.add_group(&team, "Team", &[&env.users[0].id]);

    // Another run (this test, posing as pid 4242) holds the lock.
    let state_dir = env.dir.path().join("state");
    std::fs::create_dir_all(&state_dir).expect("state dir");
    let mut held = File::create(state_dir.join("gwb.lock")).expect("lock file");
    held.try_lock().expect("the test takes the lock");
    write!(held, "4242").expect("pid");

    for args in [&["sync"][..], &["state", "reset"][..]] {
        let out = gwb(&env, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("gwb process 4242 is already running with the state in"),
            "{args:?}: {stderr}"
        );
    }
    assert!(env.groups().await.is_empty(), "nothing was written");
    assert!(
        !state_dir.join("graph-state.json").exists(),
        "no state was saved"
    );

    drop(held);
    gwb_ok(&env, &["sync"]);
    assert!(env.groups().await.contains_key(&team));

    // An incremental sync journals its change; a reset removes snapshot and journal.
    env.emulator
        .tenant(|t| t.update_group(&team, serde_json::json!({"description": "changed"})))
        .expect("change");
    gwb_ok(&env, &["sync"]);
    let journal = state_dir.join("graph-state.json.journal");
    assert!(
        journal.exists(),
        "the incremental commit went to the journal"
    );
    let out = gwb_ok(&env, &["state", "reset"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("removed "));
    assert!(!state_dir.join("graph-state.json").exists() && !journal.exists());
}
