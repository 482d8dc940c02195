//! Overlapping runs: while one gwb sync holds the state directory, another sync (or a state
//! reset) stops before doing anything and names the holder.

use std::fs::File;
use std::io::Write as _;
use std::process::{Command, Output};

use crate::common::Env;

fn gwb(env: &Env, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gwb"))
        .args(["--quiet", "--rules"])
        .arg(env.rules_path())
        .args(args)
        .output()
        .expect("run gwb")
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
    let out = gwb(&env, &["sync"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(env.groups().await.contains_key(&team));
}
