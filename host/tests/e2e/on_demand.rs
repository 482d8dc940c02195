//! Provision on demand (`--group`): one group read from Graph now and applied (or shown) on its
//! own, step by step, while every other group and the Graph delta state stay as they are.

use std::collections::BTreeMap;
use std::path::Path;

use gwb::exit::Exit;
use serde_json::{Value, json};

use crate::common::{Env, operations};

/// Runs the gwb binary; returns its exit code, stdout and stderr.
fn gwb(env: &Env, args: &[&str]) -> (i32, String, String) {
    let out = env.gwb_command(args).output().expect("run gwb");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    )
}

/// The Graph state's files with their bytes (the run lock, which only says who runs, aside).
fn state_files(env: &Env) -> BTreeMap<String, Vec<u8>> {
    let dir = env.dir.path().join("state");
    std::fs::read_dir(&dir)
        .expect("state dir")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.file_name().is_some_and(|n| n != "gwb.lock"))
        .map(|path| {
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(&path).expect("state file"))
        })
        .collect()
}

/// A group's description and sorted member DNs as AD holds them.
async fn in_ad(env: &Env, id: &str) -> (Option<String>, Vec<String>) {
    let groups = env.groups().await;
    let group = &groups[id];
    let mut members = group.members.clone();
    members.sort();
    (
        group.attributes.first("description").map(str::to_owned),
        members,
    )
}

fn sorted(dns: &[&str]) -> Vec<String> {
    let mut dns: Vec<String> = dns.iter().map(|d| (*d).to_owned()).collect();
    dns.sort();
    dns
}

fn report(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("report")).expect("JSON")
}

#[tokio::test(flavor = "multi_thread")]
async fn one_group_on_demand_changes_only_it_and_leaves_the_state_alone() {
    let env = Env::new("on-demand", 4, "").await;
    let u: Vec<&crate::common::User> = env.users.iter().collect();
    let (sales, hr, ops) = (env.gid(1), env.gid(2), env.gid(3));
    env.add_group(&sales, "Sales EU", &[&u[0].id, &u[1].id]);
    env.add_group(&hr, "HR", &[&u[2].id]);
    env.add_group(&ops, "Ops", &[&u[3].id]);
    let (exit, first) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{first:#}");
    let state = state_files(&env);
    assert!(state.contains_key("graph-state.json"), "{:?}", state.keys());
    let before = env.groups().await;
    let sales_dn = format!("CN=Sales EU_000000000001,{}", env.cloud_ou);
    let hr_dn = format!("CN=HR_000000000002,{}", env.cloud_ou);
    assert_eq!(before[&sales].dn, sales_dn);

    // Two groups change in the cloud.
    env.emulator.tenant(|t| {
        t.update_group(&sales, json!({"description": "EU sales team"}))
            .expect("update");
        t.add_member(&sales, &u[2].id).expect("add");
        t.remove_member(&sales, &u[0].id).expect("remove");
        t.update_group(&hr, json!({"description": "People team"}))
            .expect("update");
        t.add_member(&hr, &u[3].id).expect("add");
    });

    // plan --group: the steps and the LDIF of that group alone; nothing is written.
    let (code, ldif, stderr) = gwb(&env, &["plan", "--group", &sales]);
    assert_eq!(code, 0, "{stderr}");
    let wrote = |value: &str| gwb_ad::written_record::entry("description", value);
    assert_eq!(
        // RFC 2849 folds long lines; where depends on this run's OU name.
        ldif.replace("\n ", ""),
        format!(
            "version: 1\n\n\
             dn: {sales_dn}\nchangetype: modify\n\
             delete: description\ndescription: Sales EU (e2e)\n-\n\
             add: description\ndescription: EU sales team\n-\n\
             delete: extensionName\nextensionName: {}\n-\n\
             add: extensionName\nextensionName: {}\n-\n\n\
             dn: {sales_dn}\nchangetype: modify\n\
             delete: member\nmember: {}\n-\n\
             add: member\nmember: {}\n-\n",
            wrote("Sales EU (e2e)"),
            wrote("EU sales team"),
            u[0].dn,
            u[2].dn
        )
    );
    let guid = &before[&sales].object_guid;
    let steps = format!(
        "read      Graph: \"Sales EU\" ({sales}), security, 2 members\n\
         scope     in scope\n\
         rules     {sales_dn}  (filter: write; naming: none; mapping: none)\n\
         match     AD: {sales_dn} (gwb's, objectGUID {guid})\n\
         action    update (1 attribute change, +1/-1 members)\n\n\
         gwb plan: provision on demand: 1 group(s), 0 removal(s), 2 user(s) from Graph in "
    );
    assert!(stderr.starts_with(&steps), "{stderr}");
    assert_eq!(env.groups().await, before, "plan writes nothing");
    assert_eq!(state_files(&env), state);

    // sync --group: only that group changes in AD; the state files are byte for byte the same.
    let report_path = env.dir.path().join("on-demand.json");
    let (code, stdout, stderr) = gwb(
        &env,
        &[
            "sync",
            "--group",
            &sales,
            "--report",
            report_path.to_str().expect("path"),
        ],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    let modify_description = format!(
        "modify {sales_dn}: Delete description (1), Add description (1), Delete extensionName \
         (1), Add extensionName (1)"
    );
    let modify_members = format!("modify {sales_dn}: Delete member (1), Add member (1)");
    let steps = format!(
        "read      Graph: \"Sales EU\" ({sales}), security, 2 members\n\
         scope     in scope\n\
         rules     {sales_dn}  (filter: write; naming: none; mapping: none)\n\
         match     AD: {sales_dn} (gwb's, objectGUID {guid})\n\
         action    update (1 attribute change, +1/-1 members)\n\
         result    done: {modify_description}\n\
         result    done: {modify_members}\n\n\
         gwb sync: provision on demand: 1 group(s), 0 removal(s), 2 user(s) from Graph in \
         3 request(s), 0 retried\n\
         \x20 Graph state not advanced: provision on demand (--group) leaves the Graph state as \
         it was; the next run reads these groups' changes again, with every other group's\n\
         \x20 created 0, updated 1, renamed/moved 0, deleted 0,"
    );
    assert!(stdout.starts_with(&steps), "{stdout}");
    let on_demand = report(&report_path);
    assert_eq!(on_demand["source"]["on_demand"], true);
    assert_eq!(on_demand["source"]["groups"], 1);
    assert_eq!(
        operations(&on_demand),
        [modify_description.clone(), modify_members.clone()]
    );
    assert_eq!(
        in_ad(&env, &sales).await,
        (
            Some("EU sales team".to_owned()),
            sorted(&[&u[1].dn, &u[2].dn])
        )
    );
    // The other changed group is untouched, and so is the third.
    assert_eq!(
        in_ad(&env, &hr).await,
        (Some("HR (e2e)".to_owned()), sorted(&[&u[2].dn]))
    );
    let after = env.groups().await;
    assert_eq!(after[&hr], before[&hr]);
    assert_eq!(after[&ops], before[&ops]);
    assert_eq!(after[&sales].object_guid, before[&sales].object_guid);
    assert_eq!(state_files(&env), state, "the delta state is untouched");

    // The next plain sync reads both changes from the state: the other group's is applied,
    // and the one applied on demand is found done.
    let (exit, next) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{next:#}");
    assert_eq!(next["source"]["full"], false);
    assert_eq!(next["source"]["on_demand"], false);
    assert_eq!(next["source"]["groups"], 2);
    assert_eq!(
        operations(&next),
        [
            format!(
                "modify {hr_dn}: Delete description (1), Add description (1), Delete \
                 extensionName (1), Add extensionName (1)"
            ),
            format!("modify {hr_dn}: Add member (1)")
        ]
    );
    let actions: BTreeMap<&str, &str> = next["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            (
                g["object_id"].as_str().expect("id"),
                g["action"].as_str().expect("action"),
            )
        })
        .collect();
    assert_eq!(
        actions,
        BTreeMap::from([(hr.as_str(), "update"), (sales.as_str(), "unchanged")])
    );
    assert_eq!(
        in_ad(&env, &hr).await,
        (
            Some("People team".to_owned()),
            sorted(&[&u[2].dn, &u[3].dn])
        )
    );
    assert_ne!(state_files(&env), state, "a plain sync advances the state");
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_and_crafted_ids_are_refused_clearly_and_nothing_is_written() {
    let env = Env::new("on-demand-bad", 1, "").await;
    let team = env.gid(1);
    env.add_group(&team, "Team", &[&env.users[0].id]);
    assert_eq!(env.run(true).await.0, Exit::Success);
    let state = state_files(&env);
    let before = env.groups().await;

    let unknown = env.gid(99);
    let (code, stdout, stderr) = gwb(&env, &["sync", "--group", &team, "--group", &unknown]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stderr.contains(&format!(
            "group {unknown} not found in the tenant (Graph has no live group with that object \
             id; a deleted group is only under deletedItems); nothing was written"
        )),
        "{stderr}"
    );

    let crafted = "x') or true or ('";
    let (code, _, stderr) = gwb(&env, &["plan", "--group", crafted]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("\"x') or true or ('\" is not a group object id"),
        "{stderr}"
    );
    let (code, _, stderr) = gwb(&env, &["sync", "--group", &team, "--full"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot be used with"), "{stderr}");

    assert_eq!(env.groups().await, before);
    assert_eq!(state_files(&env), state);
    // No member list of a crafted id was ever asked for.
    assert!(
        env.emulator
            .requests()
            .iter()
            .all(|r| !r.path_and_query.contains("or%20true")
                && !r.path_and_query.contains("or true")),
        "{:#?}",
        env.emulator.requests()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_gone_out_of_scope_shows_why_and_what_happens_to_its_ad_group() {
    let env = Env::new("on-demand-scope", 1, "").await;
    let (team, other) = (env.gid(1), env.gid(2));
    env.add_group(&team, "Team", &[&env.users[0].id]);
    env.add_group(&other, "Other", &[&env.users[0].id]);
    assert_eq!(env.run(true).await.0, Exit::Success);
    let before = env.groups().await;
    let team_dn = format!("CN=Team_000000000001,{}", env.cloud_ou);
    // It becomes a distribution list, which is never written back; so does the other group.
    for id in [&team, &other] {
        env.emulator
            .tenant(|t| t.update_group(id, json!({"securityEnabled": false, "mailEnabled": true})))
            .expect("update");
    }
    let (code, ldif, stderr) = gwb(&env, &["plan", "--group", &team]);
    assert_eq!(code, 0, "{stderr}");
    let guid = &before[&team].object_guid;
    let steps = format!(
        "read      Graph: \"Team\" ({team}), distribution list, 1 member\n\
         scope     out of scope: an Exchange Online distribution list (mail-enabled, not \
         security, not Microsoft 365): these are never written back (by defaults)\n\
         match     AD: {team_dn} (gwb's, objectGUID {guid})\n\
         action    delete (no longer in scope)\n\n"
    );
    assert!(stderr.starts_with(&steps), "{stderr}");
    assert_eq!(
        ldif.replace("\n ", ""),
        format!("version: 1\n\ndn: {team_dn}\nchangetype: delete\n")
    );
    assert_eq!(env.groups().await, before);

    // A sync removes that group alone, as a plain run would; the other stays until then.
    let (code, stdout, stderr) = gwb(&env, &["sync", "--group", &team]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!(
            "action    delete (no longer in scope)\nresult    done: delete {team_dn}\n"
        )),
        "{stdout}"
    );
    let after = env.groups().await;
    assert!(!after.contains_key(&team), "{after:?}");
    assert_eq!(after[&other], before[&other]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_nested_group_synced_from_ad_is_found_by_the_sid_its_member_item_carries() {
    let env = Env::new("on-demand-nested", 1, "").await;
    // A group made in AD and synced to the cloud: its cloud copy carries its SID.
    let ad_dn = format!("CN=AD Sales,OU=Users,{}", env.root);
    let sam = format!("adsales{}", std::process::id());
    env.ldapmodify(&format!(
        "dn: {ad_dn}\nchangetype: add\nobjectClass: group\nsAMAccountName: {sam}\n\n"
    ));
    let found = env
        .dc
        .ldapsearch(&["-s", "base", "-b", &ad_dn, "objectSid"]);
    let b64 = found
        .lines()
        .find_map(|l| l.strip_prefix("objectSid:: "))
        .expect("objectSid");
    let sid =
        gwb_ad::sid::sid_to_string(&gwb_ad::sid::from_base64(b64).expect("base64")).expect("SID");
    let (team, synced) = (env.gid(1), env.gid(2));
    env.emulator.tenant(|t| {
        t.create_group(
            json!({"id": synced, "displayName": "AD Sales", "securityEnabled": true,
            "mailEnabled": false, "groupTypes": [], "onPremisesSyncEnabled": true,
            "onPremisesSecurityIdentifier": sid}),
        )
        .expect("synced group")
    });
    env.add_group(&team, "Team", &[&env.users[0].id]);
    assert_eq!(env.run(true).await.0, Exit::Success);
    let state = state_files(&env);

    env.emulator
        .tenant(|t| t.add_member(&team, &synced))
        .expect("nest");
    let (code, stdout, stderr) = gwb(&env, &["sync", "--group", &team]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("action    update (0 attribute changes, +1/-0 members)\n"),
        "{stdout}"
    );
    assert_eq!(
        in_ad(&env, &team).await.1,
        sorted(&[&ad_dn, &env.users[0].dn])
    );
    assert_eq!(state_files(&env), state);
}
