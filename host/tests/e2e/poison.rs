//! No poison pills: among 1,000 groups, one that AD refuses (its OU denies creating objects, a
//! refusal only AD makes) fails alone. The run exits 4 and the Graph state advances all the
//! same; every later run is incremental, reads only the changes plus that group (by id), and
//! once the admin fixes the OU the next run writes it with all its members.

use gwb::exit::Exit;
use serde_json::{Value, json};

use crate::common::{Env, dsacl_set, operations, ou_router};

/// The tenant's groups, the refused one included.
const GROUPS: u64 = 1_000;

/// The group ids the test's Graph requests read by id (`$filter=id in (...)`), in order.
fn read_by_id(env: &Env, from: usize) -> Vec<String> {
    env.emulator.requests()[from..]
        .iter()
        .map(|r| r.path_and_query.clone())
        .filter(|p| p.starts_with("/v1.0/groups?"))
        .collect()
}

/// The source counts of a report: full round, groups handed over, groups read again by id.
fn source(report: &Value) -> (bool, u64, u64) {
    let source = &report["source"];
    (
        source["full"].as_bool().expect("full"),
        source["groups"].as_u64().expect("groups"),
        source["read_again"].as_u64().expect("read_again"),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn one_group_ad_refuses_does_not_hold_back_the_tenant() {
    let mut env = Env::new("poison", 3, "").await;
    let locked = format!("OU=Locked,{}", env.cloud_ou);
    // The router sends the pill to an OU that exists but where nobody may create anything.
    env.set_plugins(&ou_router(&format!(
        "routes = [{{ prefix = \"Locked \", ou = \"{locked}\" }}]\ndefault_ou = \"{}\"",
        env.cloud_ou
    )));
    env.write_rules("[guards]\nmax_creates = 1000\n");
    env.dc.add_ous(&[&locked]);
    dsacl_set(&locked, &env.dc.bind_dn, &[&"(D;;CC;;;WD)".to_owned()]);

    let users: Vec<&str> = env.users.iter().map(|u| u.id.as_str()).collect();
    let pill = env.gid(GROUPS);
    env.emulator.tenant(|t| {
        for n in 1..GROUPS {
            let id = env.gid(n);
            t.create_group(json!({
                "id": id, "displayName": format!("Group {n}"), "mailEnabled": false,
                "securityEnabled": true, "groupTypes": [],
            }))
            .expect("create group");
            t.add_member(&id, users[n as usize % 3]).expect("member");
        }
        t.create_group(json!({
            "id": pill, "displayName": "Locked Pill", "mailEnabled": false,
            "securityEnabled": true, "groupTypes": [],
        }))
        .expect("create the pill");
        for user in &users[..2] {
            t.add_member(&pill, user).expect("pill member");
        }
    });

    // First run, no saved state: a full round. AD refuses the pill's add; the 999 others are
    // written, and the state advances with the pill marked to be read again.
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::GroupFailures, "{:#}", report["summary"]);
    assert_eq!(source(&report), (true, GROUPS, 0));
    let pill_dn = format!("CN=Locked Pill_{},{locked}", &pill[pill.len() - 12..]);
    let failed: Vec<&Value> = report["operations"]
        .as_array()
        .expect("operations")
        .iter()
        .filter(|o| o["outcome"] != "done")
        .collect();
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0]["operation"], format!("add {pill_dn}"));
    assert_eq!(failed[0]["outcome"], "failed");
    let why = failed[0]["detail"].as_str().expect("detail");
    assert!(
        why.starts_with(&format!("LDAP add of {pill_dn} failed")) && why.contains("result code 50"),
        "AD's refusal (insufficientAccessRights): {why}"
    );
    assert_eq!(report["state_kept"], Value::Null, "the state advanced");
    assert_eq!(report["read_again_next_run"], 1);
    let groups = env.groups().await;
    assert_eq!(groups.len(), GROUPS as usize - 1);
    assert!(!groups.contains_key(&pill));

    // Two groups change in the cloud, the pill does not. The next run is incremental: it
    // reads the two changes and the pill (by id), writes the changes and fails the pill again.
    let renamed = env.gid(7);
    let grown = env.gid(8);
    env.emulator.tenant(|t| {
        t.update_group(&renamed, json!({"displayName": "Group 7 renamed"}))
            .expect("rename");
        t.add_member(&grown, users[0]).expect("add member");
    });
    let before = env.emulator.requests().len();
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::GroupFailures, "{:#}", report["summary"]);
    assert_eq!(source(&report), (false, 3, 1), "the changes plus the pill");
    let by_id = read_by_id(&env, before);
    assert_eq!(by_id.len(), 1, "{by_id:?}");
    assert!(by_id[0].contains(&format!("%27{pill}%27")), "{by_id:?}");
    assert_eq!(report["read_again_next_run"], 1);
    let groups = env.groups().await;
    assert_eq!(
        groups[&renamed].dn,
        format!("CN=Group 7 renamed_000000000007,{}", env.cloud_ou)
    );
    let mut members = groups[&grown].members.clone();
    members.sort();
    let mut want = vec![env.users[0].dn.clone(), env.users[2].dn.clone()];
    want.sort();
    assert_eq!(members, want);
    assert!(!groups.contains_key(&pill));

    // The admin fixes the OU (recreates it without the deny). The next run reads only the pill
    // and writes it, with its whole membership.
    env.ldapmodify(&format!("dn: {locked}\nchangetype: delete\n"));
    env.dc.add_ous(&[&locked]);
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{:#}", report["summary"]);
    assert_eq!(source(&report), (false, 1, 1));
    assert_eq!(operations(&report), vec![format!("add {pill_dn}")]);
    assert_eq!(report["read_again_next_run"], 0);
    let written = &env.groups().await[&pill];
    assert_eq!(written.dn, pill_dn);
    let mut members = written.members.clone();
    members.sort();
    let mut want = vec![env.users[0].dn.clone(), env.users[1].dn.clone()];
    want.sort();
    assert_eq!(members, want);

    // Nothing left to read again: a quiet incremental round.
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{:#}", report["summary"]);
    assert_eq!(source(&report), (false, 0, 0));
}
