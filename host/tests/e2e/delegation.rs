//! Least privilege for real: a fresh unprivileged account is given exactly the ACEs `gwb
//! delegation --format sddl` prints (with `samba-tool dsacl set`, as an administrator would),
//! `gwb check` names the one right it lacks while an ACE is held back and passes once it is
//! granted, and then the account runs a whole lifecycle — create, update, rename, move between
//! managed OUs, delete — while AD refuses it a group outside the managed OUs and any attribute
//! gwb does not write.

use std::collections::BTreeMap;

use gwb::exit::Exit;
use serde_json::json;

use crate::common::{Env, dsacl_set};

/// The schemaIDGUID of `name` (RDN) that Microsoft publishes: the ACE held back at first.
const NAME_GUID: &str = "bf967a0e-0de6-11d0-a285-00aa003049e2";

/// Runs the gwb binary with `args`; returns the exit code and stdout.
fn gwb(env: &Env, args: &[&str]) -> (i32, String) {
    let out = env.gwb_command(args).output().expect("run gwb");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).expect("UTF-8"),
    )
}

/// The SDDL section of `gwb delegation` output: each OU with its ACEs, in order.
fn sddl_section(out: &str) -> BTreeMap<String, Vec<String>> {
    let mut aces: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut ou = None;
    let section = out
        .lines()
        .skip_while(|l| !l.starts_with("## SDDL"))
        .skip(1);
    for line in section {
        if let Some(ace) = line.strip_prefix("  ") {
            let ou: &String = ou.as_ref().expect("an ACE before its OU");
            aces.entry(ou.clone()).or_default().push(ace.to_owned());
        } else if !line.is_empty() {
            ou = Some(line.to_owned());
        }
    }
    aces
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_with_exactly_the_printed_rights_runs_a_whole_lifecycle() {
    let env = Env::new("delegation", 2, "").await;
    let (cloud, second) = (env.cloud_ou.clone(), format!("OU=Second,{}", env.root));
    env.dc.add_ous(&[&second]);
    env.rewrite_rules(&[(
        "managed_ous = ",
        format!("managed_ous = [\"{cloud}\", \"{second}\"]"),
    )]);
    let (svc, sam, password_file) = env.add_account("gwb service");

    // What gwb prints for the account, asked as the administrator: the two managed OUs and
    // nothing else, every ACE for the account's SID.
    let (code, out) = gwb(&env, &["delegation", "--account", &svc, "--format", "sddl"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with(&format!(
            "# gwb delegation for {svc} (GWB\\{sam}, S-1-5-21-"
        )),
        "{out}"
    );
    assert!(
        !out.contains("## dsacls") && !out.contains("## PowerShell"),
        "{out}"
    );
    let printed = sddl_section(&out);
    assert_eq!(
        printed.keys().collect::<Vec<_>>(),
        [&cloud, &second],
        "rights on the managed OUs only: {out}"
    );
    let attributes = if env.dc.is_exchange() { 17 } else { 8 };
    for aces in printed.values() {
        assert_eq!(aces.len(), 1 + attributes, "{out}");
        assert!(aces[0].starts_with("(OA;CI;CCDC;bf967a9c-0de6-11d0-a285-00aa003049e2;;S-1-5-21-"));
        assert!(aces[1..].iter().all(|a| a.starts_with("(OA;CIIO;RPWP;")));
    }

    // Granted all but Write Property of `name` on the first OU: check names exactly that.
    let held_back = |ace: &&String| ace.contains(NAME_GUID);
    let first: Vec<&String> = printed[&cloud].iter().filter(|a| !held_back(a)).collect();
    assert_eq!(first.len(), attributes);
    dsacl_set(&cloud, &svc, &first);
    dsacl_set(&second, &svc, &printed[&second].iter().collect::<Vec<_>>());
    env.bind_as(&svc, &password_file);
    let (code, out) = gwb(&env, &["check"]);
    assert_eq!(code, 1, "{out}");
    let fails: Vec<&str> = out.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert_eq!(
        fails,
        [format!(
            "FAIL  ad: {svc} may not rename or move groups in {cloud} (Write Property of name on \
             groups)"
        )],
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "on groups)\n      hint: grant it:\n      dsacls \"{cloud}\" /I:S /G \
             \"GWB\\{sam}:RPWP;name;group\"\n"
        )),
        "{out}"
    );
    assert!(out.contains(&format!(
        "ok    ad: may rename and move groups in {second}\n"
    )));

    // With the held-back ACE every right is there.
    let rest: Vec<&String> = printed[&cloud].iter().filter(|a| held_back(a)).collect();
    assert_eq!(rest.len(), 1);
    dsacl_set(&cloud, &svc, &rest);
    let (code, out) = gwb(&env, &["check"]);
    assert_eq!(code, 0, "{out}");
    for ou in [&cloud, &second] {
        for right in ["create groups", "delete groups", "rename and move groups"] {
            assert!(
                out.contains(&format!("ok    ad: may {right} in {ou}\n")),
                "{out}"
            );
        }
    }

    // Create, as the delegated account: a security group, and a Microsoft 365 group whose
    // Exchange attributes (with the Exchange schema) are written and later changed.
    let team = env.gid(1);
    let (u0, u1) = (&env.users[0], &env.users[1]);
    env.add_group(&team, "Team A", &[&u0.id]);
    let m365 = env.gid(2);
    let proxies = |extra: &[&str]| {
        let mut list = vec![
            "SMTP:deckcrew@contoso.com".to_owned(),
            "smtp:deckcrew@contoso.mail.onmicrosoft.com".to_owned(),
        ];
        list.extend(extra.iter().map(|p| (*p).to_owned()));
        list
    };
    env.emulator
        .tenant(|t| {
            t.create_group(json!({
                "id": m365,
                "displayName": "Crew",
                "mailEnabled": true,
                "securityEnabled": false,
                "groupTypes": ["Unified"],
                "mailNickname": "deckcrew",
                "mail": "deckcrew@contoso.com",
                "proxyAddresses": proxies(&[]),
            }))
        })
        .expect("create Microsoft 365 group");
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{report:#}");
    let created = format!("CN=Team A_000000000001,{cloud}");
    let group = &env.groups().await[&team];
    assert_eq!(group.dn, created);
    assert_eq!(group.attributes.first("description"), Some("Team A (e2e)"));
    assert_eq!(group.members, std::slice::from_ref(&u0.dn));
    let crew = format!("CN=Crew_000000000002,{cloud}");
    let exchange_values = |attribute: &str| {
        let out = env.dc.ldapsearch(&["-s", "base", "-b", &crew, attribute]);
        let prefix = format!("{attribute}: ");
        let mut values: Vec<String> = out
            .lines()
            .filter_map(|l| l.strip_prefix(&prefix).map(str::to_owned))
            .collect();
        values.sort();
        values
    };
    if env.dc.is_exchange() {
        assert_eq!(
            exchange_values("targetAddress"),
            ["SMTP:deckcrew@contoso.mail.onmicrosoft.com"]
        );
    }
    // gwb check now asks AD itself, on a group there.
    let (code, out) = gwb(&env, &["check"]);
    assert_eq!(code, 0, "{out}");
    let checked_on = |dn: &str| {
        format!(
            "ok    ad: may write the {attributes} attributes gwb writes on groups in {cloud} \
             (checked on {dn})\n"
        )
    };
    assert!(
        out.contains(&checked_on(&created)) || out.contains(&checked_on(&crew)),
        "{out}"
    );

    // Update: description and members.
    env.emulator.tenant(|t| {
        t.update_group(&team, json!({"description": "changed in the cloud"}))
            .expect("update");
        t.add_member(&team, &u1.id).expect("add member");
        t.update_group(
            &m365,
            json!({"proxyAddresses": proxies(&["smtp:deckteam@contoso.com"])}),
        )
        .expect("new address");
    });
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{report:#}");
    let group = &env.groups().await[&team];
    assert_eq!(
        group.attributes.first("description"),
        Some("changed in the cloud")
    );
    let mut members = group.members.clone();
    members.sort();
    let mut expected = vec![u0.dn.clone(), u1.dn.clone()];
    expected.sort();
    assert_eq!(members, expected);
    if env.dc.is_exchange() {
        assert_eq!(
            exchange_values("proxyAddresses"),
            [
                "SMTP:deckcrew@contoso.com",
                "smtp:deckcrew@contoso.mail.onmicrosoft.com",
                "smtp:deckteam@contoso.com"
            ]
        );
    }

    // Rename: a new displayName is a new cn.
    env.emulator
        .tenant(|t| t.update_group(&team, json!({"displayName": "Team B"})))
        .expect("rename");
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{report:#}");
    let renamed = format!("CN=Team B_000000000001,{cloud}");
    assert_eq!(env.groups().await[&team].dn, renamed);

    // An attribute gwb does not write is refused, even on a group the account created.
    let refused = env.dc.ldapmodify_as(
        &svc,
        &password_file,
        &format!("dn: {renamed}\nchangetype: modify\nreplace: info\ninfo: not gwb's\n-\n"),
    );
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("Insufficient access")),
        "{refused:?}"
    );

    // Move: the default OU becomes the second managed OU.
    env.rewrite_rules(&[("ou = ", format!("ou = \"{second}\""))]);
    let (exit, report) = env.run_full(true).await;
    assert_eq!(exit, Exit::Success, "{report:#}");
    let groups = env.groups().await;
    assert_eq!(groups[&team].dn, format!("CN=Team B_000000000001,{second}"));
    assert_eq!(groups[&m365].dn, format!("CN=Crew_000000000002,{second}"));

    // Delete: the group is gone from the tenant.
    env.emulator.tenant(|t| {
        t.hard_delete_group(&team).expect("hard delete");
        t.hard_delete_group(&m365).expect("hard delete");
    });
    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{report:#}");
    assert!(env.groups().await.is_empty(), "{report:#}");

    // Outside the managed OUs the account may create nothing.
    for parent in [format!("OU=Users,{}", env.root), env.dc.base_dn.clone()] {
        let refused = env.dc.ldapmodify_as(
            &svc,
            &password_file,
            &format!(
                "dn: CN=Outside {sam},{parent}\nchangetype: add\nobjectClass: group\n\
                 sAMAccountName: out{sam}\n"
            ),
        );
        assert!(
            refused
                .as_ref()
                .is_err_and(|e| e.contains("Insufficient access")),
            "{parent}: {refused:?}"
        );
    }
}
