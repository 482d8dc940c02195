//! What the rules decide about a group that is already in AD: a group a filter newly skips
//! leaves in the same incremental run; a group the rules fail on stays exactly as it is, even
//! in a full round.

use gwb::exit::Exit;
use serde_json::json;

use crate::common::{Env, operations, plugin, summary};

#[tokio::test(flavor = "multi_thread")]
async fn a_group_filtered_out_by_a_cloud_change_leaves_in_the_same_incremental_run() {
    let filter = format!(
        r#"
[[plugins]]
name = "group-filter"
path = "{}"
[plugins.config]
exclude = ["Retired *"]
"#,
        plugin("group_filter").display()
    );
    let env = Env::new("scope", 1, &filter).await;
    let (kept, leaving) = (env.gid(0x51), env.gid(0x52));
    let u0 = &env.users[0];
    env.add_group(&kept, "Team Kept", &[&u0.id]);
    env.add_group(&leaving, "Team Leaving", &[&u0.id]);
    assert_eq!(env.run(true).await.0, Exit::Success);
    let leaving_dn = format!("CN=Team Leaving_000000000052,{}", env.cloud_ou);
    assert_eq!(env.groups().await[&leaving].dn, leaving_dn);

    env.emulator
        .tenant(|t| t.update_group(&leaving, json!({"displayName": "Retired Team"})))
        .expect("rename");
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{report:#}");
    assert_eq!(report["source"]["full"], false, "an incremental round");
    assert_eq!(operations(&report), vec![format!("delete {leaving_dn}")]);
    let groups = env.groups().await;
    assert!(
        !groups.contains_key(&leaving),
        "the filtered-out group is gone"
    );
    assert!(groups.contains_key(&kept), "the other group is untouched");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_the_rules_fail_on_stays_as_it_is_even_in_a_full_round() {
    let mut env = Env::new("failed", 2, "").await;
    let (fine, broken) = (env.gid(0x61), env.gid(0x62));
    let (u0, u1) = (env.users[0].clone(), env.users[1].clone());
    env.add_group(&fine, "Fine", &[&u0.id]);
    env.add_group(&broken, "Broken", &[&u0.id, &u1.id]);
    assert_eq!(env.run(true).await.0, Exit::Success);
    let before = env.groups().await[&broken].clone();

    // A plugin that panics on "Broken" only, and a cloud change to that group.
    env.set_plugins(&format!(
        r#"
[[plugins]]
name = "misbehave"
path = "{}"
[plugins.config]
stage = "naming"
mode = "panic"
only = "Broken"
"#,
        plugin("misbehave").display()
    ));
    env.emulator
        .tenant(|t| t.remove_member(&broken, &u1.id))
        .expect("remove member");
    let state = env.dir.path().join("state/graph-state.json");
    let saved = std::fs::read(&state).expect("state after the first sync");
    // Not forced: the new plugin chain alone makes the round full.
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::GroupFailures, "{report:#}");
    assert_eq!(
        report["source"]["full_reason"],
        "the rules changed since the last run"
    );
    assert!(
        operations(&report).iter().all(|op| !op.contains("Broken")),
        "nothing touches the group the rules failed on: {:?}",
        operations(&report)
    );
    assert_eq!(summary(&report)["deleted"], 0);
    assert_eq!(
        env.groups().await[&broken],
        before,
        "entry unchanged, members and all"
    );
    assert!(
        report["state_kept"]
            .as_str()
            .is_some_and(|why| why.contains("the rules failed on 1 group(s)")),
        "{report:#}"
    );
    assert_eq!(
        std::fs::read(&state).expect("state"),
        saved,
        "the Graph state did not advance past the failed group"
    );

    // Back to the old rules: the same changes are read again (an incremental round from the
    // old delta link) and the member removal the failed run could not write arrives now.
    env.set_plugins("");
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{report:#}");
    assert_eq!(report["source"]["full"], false);
    assert_eq!(
        env.groups().await[&broken].members,
        vec![u0.dn.clone()],
        "the retried change reached AD"
    );
}
