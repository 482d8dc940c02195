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
