//! A first full sync writes every eligible group; a second with no cloud change writes
//! nothing and reads only deltas.

use gwb::exit::Exit;

use crate::common::{Env, operations, summary};

#[tokio::test(flavor = "multi_thread")]
async fn first_full_sync_then_a_second_run_writes_nothing() {
    let env = Env::new("first", 3, "").await;
    let sales = env.gid(1);
    let ops = env.gid(2);
    let (u0, u1, u2) = (&env.users[0], &env.users[1], &env.users[2]);
    env.add_group(&sales, "Sales EU", &[&u0.id, &u1.id, &env.cloud_only]);
    env.add_group(&ops, "Ops", &[&u2.id, &sales]);

    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{report:#}");
    assert_eq!(report["source"]["full"], true);
    assert_eq!(report["source"]["full_reason"], "no saved state yet");
    for phase in ["ad_connect", "graph_read", "transform", "compare", "write"] {
        let seconds = report["timings"][phase].as_f64().expect("a timing");
        assert!(seconds > 0.0 && seconds < 600.0, "{phase}: {seconds}");
    }
    assert_eq!(summary(&report)["created"], 2);
    assert_eq!(
        summary(&report)["members_without_ad_account"],
        1,
        "the cloud-only user"
    );

    let groups = env.groups().await;
    assert_eq!(groups.len(), 2);
    let sales = &groups[&sales];
    assert_eq!(
        sales.dn,
        format!("CN=Sales EU_000000000001,{}", env.cloud_ou)
    );
    assert_eq!(sales.attributes.first("groupType"), Some("-2147483640"));
    assert_eq!(
        sales.attributes.first("description"),
        Some("Sales EU (e2e)")
    );
    assert_eq!(sales.attributes.first("displayName"), Some("Sales EU"));
    let mut members = sales.members.clone();
    members.sort();
    let mut expected = vec![u0.dn.clone(), u1.dn.clone()];
    expected.sort();
    assert_eq!(members, expected);
    let ops = &groups[&ops];
    assert_eq!(ops.dn, format!("CN=Ops_000000000002,{}", env.cloud_ou));
    let mut members = ops.members.clone();
    members.sort();
    let mut expected = vec![u2.dn.clone(), sales.dn.clone()];
    expected.sort();
    assert_eq!(
        members, expected,
        "the nested written-back group is referenced by its DN"
    );

    let before = env.emulator.requests().len();
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{report:#}");
    assert_eq!(
        report["source"]["full"], false,
        "the second run reads deltas"
    );
    assert_eq!(
        operations(&report),
        Vec::<String>::new(),
        "nothing to write"
    );
    let delta_requests: Vec<_> = env.emulator.requests()[before..]
        .iter()
        .filter(|r| r.path_and_query.contains("/delta"))
        .map(|r| r.path_and_query.clone())
        .collect();
    assert!(
        delta_requests.iter().all(|p| p.contains("deltatoken")),
        "only deltaLinks are followed: {delta_requests:?}"
    );
    assert_eq!(env.groups().await.len(), 2);
}
