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
attributes = []
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
    assert_eq!(report["read_again_next_run"], 1);

    // Same rules, no cloud change: the failed group is not forgotten but read again by id,
    // fails again, and says so.
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::GroupFailures, "{report:#}");
    assert_eq!(report["source"]["full"], false);
    assert_eq!(report["source"]["read_again"], 1);
    assert_eq!(report["rules"][0]["object_id"], broken.as_str());

    // Rules fixed: a full round (the rules changed) writes the change the failed runs held.
    env.set_plugins("");
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{report:#}");
    assert_eq!(report["read_again_next_run"], 0);
    assert_eq!(
        env.groups().await[&broken].members,
        vec![u0.dn.clone()],
        "the retried change reached AD"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_conflicted_group_is_written_by_the_first_run_after_the_conflict_is_cleared() {
    let env = Env::new("conflict", 1, "").await;
    let team = env.gid(0x71);
    let dn = format!("CN=Team_000000000071,{}", env.cloud_ou);
    // Someone else's group already sits at the DN the cloud group wants.
    env.ldapmodify(&format!("dn: {dn}\nchangetype: add\nobjectClass: group\n"));
    env.add_group(&team, "Team", &[&env.users[0].id]);
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{report:#}");
    assert_eq!(report["conflicts"][0]["object_id"], team.as_str());
    assert_eq!(report["read_again_next_run"], 1);
    assert!(!env.groups().await.contains_key(&team));

    // The admin removes the other object; nothing changes in the cloud.
    env.ldapmodify(&format!("dn: {dn}\nchangetype: delete\n"));
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{report:#}");
    assert_eq!(report["source"]["full"], false);
    assert_eq!(report["source"]["read_again"], 1);
    assert_eq!(operations(&report), vec![format!("add {dn}")]);
    assert_eq!(
        env.groups().await[&team].members,
        vec![env.users[0].dn.clone()]
    );

    // Written: nothing is read again after that.
    let (_, report) = env.run(true).await;
    assert_eq!(report["source"]["read_again"], 0);
    assert!(operations(&report).is_empty());
}
