//! Cloud changes arriving as deltas: a rename becomes a modrdn, member changes become value
//! adds and deletes, a soft delete keeps the group and a hard delete removes it.

use gwb::exit::Exit;
use serde_json::json;

use crate::common::{Env, operations, summary};

#[tokio::test(flavor = "multi_thread")]
async fn rename_members_soft_and_hard_delete() {
    let env = Env::new("changes", 3, "").await;
    let team = env.gid(3);
    let (u0, u1, u2) = (&env.users[0], &env.users[1], &env.users[2]);
    env.add_group(&team, "Team A", &[&u0.id, &u1.id]);
    assert_eq!(env.run(true).await.0, Exit::Success);
    let old_dn = format!("CN=Team A_000000000003,{}", env.cloud_ou);
    assert_eq!(env.groups().await[&team].dn, old_dn);

    // Rename in the cloud: one modrdn, same object (objectGUID kept).
    let guid = env.groups().await[&team].object_guid.clone();
    env.emulator
        .tenant(|t| t.update_group(&team, json!({"displayName": "Team B"})))
        .expect("rename");
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{report:#}");
    assert_eq!(report["source"]["full"], false);
    let new_dn = format!("CN=Team B_000000000003,{}", env.cloud_ou);
    assert!(
        operations(&report).contains(&format!("move {old_dn} -> {new_dn}")),
        "{:?}",
        operations(&report)
    );
    assert_eq!(summary(&report)["renamed"], 1);
    let renamed = &env.groups().await[&team];
    assert_eq!(renamed.dn, new_dn);
    assert_eq!(renamed.object_guid, guid, "renamed in place, not recreated");
    assert_eq!(renamed.attributes.first("displayName"), Some("Team B"));

    // Members: one removed, one added — by value, not by replacing the list.
    env.emulator.tenant(|t| {
        t.remove_member(&team, &u0.id).expect("remove");
        t.add_member(&team, &u2.id).expect("add");
    });
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{report:#}");
    let ops = operations(&report);
    assert_eq!(ops.len(), 1, "{ops:?}");
    assert!(
        ops[0].contains("Add member (1)") && ops[0].contains("Delete member (1)"),
        "{ops:?}"
    );
    let mut members = env.groups().await[&team].members.clone();
    members.sort();
    let mut expected = vec![u1.dn.clone(), u2.dn.clone()];
    expected.sort();
    assert_eq!(members, expected);

    // Soft delete: kept in AD (Connect v2's default), reported.
    env.emulator
        .tenant(|t| t.soft_delete_group(&team))
        .expect("soft delete");
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{report:#}");
    assert_eq!(operations(&report), Vec::<String>::new());
    assert!(
        env.groups().await.contains_key(&team),
        "a soft-deleted group stays"
    );

    // Hard delete: removed from AD.
    env.emulator
        .tenant(|t| t.hard_delete_group(&team))
        .expect("hard delete");
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{report:#}");
    assert_eq!(operations(&report), vec![format!("delete {new_dn}")]);
    assert!(env.groups().await.is_empty());
}
