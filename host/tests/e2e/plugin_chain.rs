//! Changing the plugin chain changes the plan by exactly the difference the new plugin makes.

use gwb::exit::Exit;

use crate::common::{Env, operations, ou_router};

#[tokio::test(flavor = "multi_thread")]
async fn adding_a_router_moves_only_the_routed_groups() {
    let mut env = Env::new("chain", 2, "").await;
    let team_x = env.gid(161);
    let team_y = env.gid(162);
    let finance = env.gid(163);
    let (u0, u1) = (&env.users[0], &env.users[1]);
    env.add_group(&team_x, "Team X", &[&u0.id]);
    env.add_group(&team_y, "Team Y", &[&u1.id]);
    env.add_group(&finance, "Finance", &[&u0.id, &u1.id]);
    assert_eq!(env.run(true).await.0, Exit::Success);
    let teams = format!("OU=Teams,{}", env.cloud_ou);
    env.ldapmodify(&format!(
        "dn: {teams}\nchangetype: add\nobjectClass: organizationalUnit\nou: Teams\n"
    ));

    env.set_plugins(&ou_router("Team ", &teams, &env.cloud_ou));
    // A full plan: every group goes through the new chain.
    let (exit, report) = env.run_full(false).await;
    assert_eq!(exit, Exit::Success, "{report:#}");
    let cloud = &env.cloud_ou;
    assert_eq!(
        operations(&report),
        vec![
            format!("move CN=Team X_0000000000a1,{cloud} -> CN=Team X_0000000000a1,{teams}"),
            format!("move CN=Team Y_0000000000a2,{cloud} -> CN=Team Y_0000000000a2,{teams}"),
        ],
        "only the routed groups move; Finance is untouched"
    );
    let ldif = env.last_ldif();
    assert!(ldif.contains(&format!("newsuperior: {teams}")), "{ldif}");
    assert_eq!(
        env.groups().await[&finance].dn,
        format!("CN=Finance_0000000000a3,{cloud}"),
        "plan writes nothing"
    );
}
