//! A mass delete trips the guard before any write; raising the limit lets it through.

use gwb::exit::Exit;

use crate::common::{Env, operations};

#[tokio::test(flavor = "multi_thread")]
async fn mass_delete_is_stopped_until_the_limit_is_raised() {
    let env = Env::new("guard", 1, "").await;
    let ids: Vec<String> = (0..12)
        .map(|i| format!("9a4d0000-0000-4000-8000-{i:012x}"))
        .collect();
    for (i, id) in ids.iter().enumerate() {
        env.add_group(id, &format!("Group {i}"), &[&env.users[0].id]);
    }
    assert_eq!(env.run(true).await.0, Exit::Success);
    assert_eq!(env.groups().await.len(), 12);

    env.emulator.tenant(|t| {
        for id in &ids[..11] {
            t.hard_delete_group(id).expect("hard delete");
        }
    });
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::GuardStopped, "{report:#}");
    let guard = report["guard"].as_str().expect("guard message");
    assert!(guard.contains("removes 11 of 12 owned groups"), "{guard}");
    assert!(
        guard.contains("--max-delete-percent"),
        "says how to override: {guard}"
    );
    assert_eq!(
        operations(&report).len(),
        11,
        "the report shows what would have happened"
    );
    assert_eq!(env.groups().await.len(), 12, "nothing was deleted");

    env.write_rules("[guards]\nmax_delete_percent = 100\n");
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{report:#}");
    let left: Vec<String> = env.groups().await.into_keys().collect();
    assert_eq!(left, vec![ids[11].clone()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_first_run_that_creates_too_many_groups_is_stopped_until_the_limit_is_raised() {
    let env = Env::new("createguard", 1, "").await;
    let ids: Vec<String> = (0..4).map(|i| env.gid(0xc0 + i)).collect();
    for (i, id) in ids.iter().enumerate() {
        env.add_group(id, &format!("New {i}"), &[&env.users[0].id]);
    }
    env.write_rules("[guards]\nmax_creates = 3\n");
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::GuardStopped, "{report:#}");
    assert_eq!(
        report["guard"],
        "the plan creates 4 groups, over the limit of 3; nothing was written. Review the plan \
         (gwb plan) and the rules' scope, then raise [guards] max_creates or pass --max-creates \
         4 to proceed"
    );
    assert_eq!(operations(&report).len(), 4, "the report shows the plan");
    assert!(env.groups().await.is_empty(), "nothing was created");

    // The override the message names, on the command line.
    let out = env
        .gwb_command(&["sync", "--max-creates", "4"])
        .output()
        .expect("run gwb");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created: Vec<String> = env.groups().await.into_keys().collect();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(created, expected);
}
