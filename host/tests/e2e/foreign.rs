//! Groups in a managed OU that gwb did not write: Cloud Sync's, one made by hand, and one gwb
//! wrote for another tenant. Through the real `gwb sync`, full rounds leave every one of them
//! exactly as it was (every attribute, whenChanged and uSNChanged too) while gwb writes its
//! own groups beside them; one anchored to a cloud group gwb wants is a conflict, in the
//! closing summary and in the `--report` JSON, and stays one after its cloud group is gone.

use serde_json::{Value, json};

use crate::common::{Env, TENANT_ID, operations, summary};

/// The tenant whose gwb marked one of the groups.
const OTHER_TENANT: &str = "0be70000-0000-4000-8000-0000000000ff";

/// Runs `gwb sync` with `args` and a report, which must succeed; returns the closing summary
/// (stdout) and the report.
fn sync(env: &Env, args: &[&str]) -> (String, Value) {
    let path = env.dir.path().join("foreign-report.json");
    let report = path.to_str().expect("UTF-8 path");
    let out = env
        .gwb_command(&[&["sync", "--report", report][..], args].concat())
        .output()
        .expect("run gwb");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    assert_eq!(
        out.status.code(),
        Some(0),
        "a conflict is no failure: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&path).expect("report");
    (stdout, serde_json::from_str(&text).expect("report JSON"))
}

/// The LDIF that adds, at `dn`, a group with `member` that gwb did not write: anchored to
/// `id` in adminDescription (and in msDS-ExternalDirectoryObjectId too with `external_id`,
/// as Cloud Sync writes it), with `mark` as its only extensionName value, if any.
fn foreign_group(
    dn: &str,
    id: &str,
    external_id: bool,
    mark: Option<&str>,
    member: &str,
) -> String {
    let mut ldif = format!(
        "dn: {dn}\nchangetype: add\nobjectClass: group\nadminDescription: Group_{id}\n\
         description: not gwb's\nmember: {member}\n"
    );
    if external_id {
        ldif += &format!("msDS-ExternalDirectoryObjectId: Group_{id}\n");
    }
    if let Some(mark) = mark {
        ldif += &format!("extensionName: {mark}\n");
    }
    ldif + "\n"
}

/// The entry at `dn` as ldapsearch prints it: every attribute the DC returns, uSNChanged and
/// whenChanged named so that they are there whatever `*` holds.
fn entry(env: &Env, dn: &str) -> String {
    env.dc
        .ldapsearch(&["-s", "base", "-b", dn, "*", "uSNChanged", "whenChanged"])
}

/// The conflict gwb reports for the cloud group `id` named `cn`, whose anchor the group at
/// `theirs` (ldapsearch `entry`) carries `anchored` (where, as gwb says it), for `reason`.
fn conflict(
    env: &Env,
    id: &str,
    cn: &str,
    theirs: (&str, &str),
    anchored: &str,
    reason: &str,
) -> Value {
    let (dn, entry) = theirs;
    let guid = entry
        .lines()
        .find_map(|l| l.strip_prefix("objectGUID:: "))
        .unwrap_or_else(|| panic!("no objectGUID in {entry}"));
    json!({
        "object_id": id,
        "ours": format!("CN={cn}_{},{} (Group_{id})", &id[id.len() - 12..], env.cloud_ou),
        "theirs": format!("{dn} (objectGUID {guid}, anchor in {anchored})"),
        "reason": reason,
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn groups_gwb_did_not_mark_survive_full_syncs_byte_for_byte_and_twins_are_conflicts() {
    let env = Env::new("foreign", 1, "").await;
    let external_id = env.dc.is_exchange();
    let u0 = env.users[0].clone();
    let (ours, synced, other, by_hand) =
        (env.gid(0xf1), env.gid(0xf2), env.gid(0xf3), env.gid(0xf4));
    env.add_group(&ours, "Ours", &[&u0.id]);
    env.add_group(&synced, "Synced", &[&u0.id]);
    env.add_group(&other, "Other", &[&u0.id]);
    // Cloud Sync's group of `synced`, a hand-made group anchored to no cloud group, and the
    // group gwb wrote for another tenant's `other`: all in the managed OU, none marked ours.
    let synced_dn = format!("CN=Synced Team,{}", env.cloud_ou);
    let by_hand_dn = format!("CN=By Hand,{}", env.cloud_ou);
    let other_dn = format!("CN=Other Tenant,{}", env.cloud_ou);
    let other_mark = format!("gwb:tenant={OTHER_TENANT}");
    env.ldapmodify(
        &[
            foreign_group(&synced_dn, &synced, external_id, None, &u0.dn),
            foreign_group(&by_hand_dn, &by_hand, false, None, &u0.dn),
            foreign_group(&other_dn, &other, external_id, Some(&other_mark), &u0.dn),
        ]
        .concat(),
    );
    let foreign = [&synced_dn, &by_hand_dn, &other_dn];
    let before: Vec<String> = foreign.iter().map(|dn| entry(&env, dn)).collect();
    for (text, anchor) in before.iter().zip([&synced, &by_hand, &other]) {
        for line in [
            format!("adminDescription: Group_{anchor}"),
            "description: not gwb's".to_owned(),
            format!("member: {}", u0.dn),
        ] {
            assert!(text.lines().any(|l| l == line), "{line:?} in {text}");
        }
        assert!(
            text.contains("\nuSNChanged: ") && text.contains("\nwhenChanged: "),
            "{text}"
        );
    }
    assert!(
        before[2]
            .lines()
            .any(|l| l == format!("extensionName: {other_mark}"))
    );
    assert!(!before[0].contains("extensionName") && !before[1].contains("extensionName"));
    assert_eq!(
        before[0]
            .lines()
            .any(|l| l == format!("msDS-ExternalDirectoryObjectId: Group_{synced}")),
        external_id,
        "Cloud Sync's anchor where the schema has its attribute: {}",
        before[0]
    );

    let (out, report) = sync(&env, &["--full"]);
    assert_eq!(report["source"]["full"], true);
    // gwb's own group is written as on any first sync, with gwb's mark.
    let ours_dn = format!("CN=Ours_0000000000f1,{}", env.cloud_ou);
    assert_eq!(operations(&report), [format!("add {ours_dn}")]);
    assert_eq!(summary(&report)["created"], 1);
    let groups = env.groups().await;
    assert_eq!(groups[&ours].dn, ours_dn);
    assert_eq!(groups[&ours].members, std::slice::from_ref(&u0.dn));
    let mark = format!("gwb:tenant={TENANT_ID}");
    assert!(
        groups[&ours].marks.contains(&mark),
        "{:?}",
        groups[&ours].marks
    );
    // The foreign-anchored twins are conflicts, named with what to do.
    let cloud_sync = if external_id {
        (
            "msDS-ExternalDirectoryObjectId",
            format!(
                "the group carries the anchor without gwb's mark: Cloud Sync or a person wrote \
                 it, and gwb never takes it over by itself. To hand it to gwb, stop writing it \
                 back with Cloud Sync, then add extensionName: {mark} to it"
            ),
        )
    } else {
        // Without that attribute the anchor sits where Entra Connect puts it.
        (
            "adminDescription",
            "the group was written by Entra Connect; set [sync] adopt_connect_groups = true in \
             the rules file to take it over in place"
                .to_owned(),
        )
    };
    let other_conflict = conflict(
        &env,
        &other,
        "Other",
        (&other_dn, &before[2]),
        &format!("extensionName {other_mark}"),
        &format!(
            "the group is written by gwb for another tenant ({OTHER_TENANT}); give each tenant \
             its own managed OUs (if it is this tenant under another spelling of [graph] \
             tenant_id, set extensionName to {mark} on its groups)"
        ),
    );
    let expected = json!([
        conflict(
            &env,
            &synced,
            "Synced",
            (&synced_dn, &before[0]),
            cloud_sync.0,
            &cloud_sync.1
        ),
        other_conflict,
    ]);
    assert_eq!(report["conflicts"], expected, "{report:#}");
    assert_eq!(summary(&report)["conflicts"], 2);
    assert!(
        out.contains("\n  conflicts 2, plugin faults 0, rule failures 0, apply failures 0\n"),
        "{out}"
    );
    for c in expected.as_array().expect("conflicts") {
        let line = format!(
            "\n  - CONFLICT {}: {} vs {}: {}\n",
            c["object_id"].as_str().expect("id"),
            c["ours"].as_str().expect("ours"),
            c["theirs"].as_str().expect("theirs"),
            c["reason"].as_str().expect("reason")
        );
        assert!(out.contains(&line), "{line:?} in:\n{out}");
    }
    let after: Vec<String> = foreign.iter().map(|dn| entry(&env, dn)).collect();
    assert_eq!(after, before, "not one byte of the foreign groups changed");

    // Cloud Sync's cloud group goes away; another full round deletes nothing gwb did not mark.
    env.emulator
        .tenant(|t| t.hard_delete_group(&synced))
        .expect("delete the cloud group");
    let (_, report) = sync(&env, &["--full"]);
    assert_eq!(operations(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(report["conflicts"], json!([other_conflict]), "{report:#}");
    let after: Vec<String> = foreign.iter().map(|dn| entry(&env, dn)).collect();
    assert_eq!(after, before, "still not one byte");
    assert_eq!(env.groups().await[&ours], groups[&ours], "ours unchanged");
}
