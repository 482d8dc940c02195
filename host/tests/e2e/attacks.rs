//! Hostile plugins through the real `gwb` binary against Samba: a sleep, a wait, a timer poll,
//! a log flood, terminal control sequences and protected attributes in other spellings each
//! fail or mark only their own group, with the cause in words, and the other groups are
//! written normally; printing in `configure` breaks nothing, a sleep there stops the run
//! before any write.

use serde_json::{Value, json};

use crate::common::{Env, misbehave, misbehave_granted, plugin};

/// Runs the `gwb` binary; returns its exit code, stdout and stderr.
fn gwb(env: &Env, args: &[&str]) -> (i32, String, String) {
    let out = env.gwb_command(args).output().expect("run gwb");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    )
}

/// A misbehave entry misbehaving in `stage` for the group `only` alone, leaving the others
/// as the defaults make them.
fn attacker(name: &str, stage: &str, mode: &str, only: &str, limits: &str) -> String {
    misbehave(
        name,
        &format!(r#"stage = "{stage}", mode = "{mode}", only = "{only}", pass_others = true"#),
        limits,
    )
}

/// A misbehave entry whose mapping, for the group `only` alone, sets the attribute spelled
/// `attribute` (to `x`).
fn editor(name: &str, only: &str, attribute: &str) -> String {
    misbehave(
        name,
        &format!(
            r#"stage = "mapping", mode = "edit-attribute", only = "{only}", pass_others = true, attribute = "{attribute}""#
        ),
        "{}",
    )
}

/// A misbehave entry misbehaving once, in `configure`.
fn in_configure(name: &str, mode: &str) -> String {
    misbehave(
        name,
        &format!(r#"stage = "configure", mode = "{mode}""#),
        GENEROUS,
    )
}

/// The time budget of the blocking attacks: generous, so that only the refusal can end them.
const GENEROUS: &str = "{ time_ms = 10000 }";

#[tokio::test(flavor = "multi_thread")]
async fn each_attack_in_a_stage_fails_or_marks_only_its_group_in_a_sync() {
    let mut env = Env::new("attacks", 1, "").await;
    let user = env.users[0].id.clone();
    let [
        sleeper,
        waiter,
        poller,
        flooder,
        painter,
        good,
        spoofer,
        oider,
        shouter,
    ] = [0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9].map(|n| env.gid(n));
    // These are in AD before the attacks; the others are new.
    let existing = [
        (&waiter, "Waiter"),
        (&poller, "Poller"),
        (&good, "Good"),
        (&spoofer, "Spoofer"),
        (&oider, "Oider"),
        (&shouter, "Shouter"),
    ];
    for (id, name) in existing {
        env.add_group(id, name, &[&user]);
    }
    let (code, out, err) = gwb(&env, &["sync"]);
    assert_eq!(code, 0, "{out}{err}");
    let before = env.groups().await;
    for (id, name) in [
        (&sleeper, "Sleeper"),
        (&flooder, "Flooder"),
        (&painter, "Painter"),
    ] {
        env.add_group(id, name, &[&user]);
    }
    // A cloud change to every existing group: only Good's may reach AD.
    env.emulator.tenant(|t| {
        for (id, _) in existing {
            t.update_group(id, json!({"description": "changed in the cloud"}))
                .expect("update");
        }
    });

    env.set_plugins(
        &[
            attacker("sleeper", "filter", "sleep", "Sleeper", GENEROUS),
            attacker("waiter", "naming", "wait-instant", "Waiter", GENEROUS),
            attacker("poller", "mapping", "poll-timer", "Poller", GENEROUS),
            // A million log calls take a while in a debug build; only the cap is under test.
            attacker(
                "flooder",
                "mapping",
                "log-flood",
                "Flooder",
                "{ time_ms = 120000 }",
            ),
            attacker("painter", "filter", "control-characters", "Painter", "{}"),
            // Protected attributes spelled as an option, an OID and in capitals.
            editor("spoofer", "Spoofer", "adminDescription;binary"),
            editor("oider", "Oider", "2.5.4.31"),
            editor("shouter", "Shouter", "MEMBER"),
        ]
        .concat(),
    );
    let report_path = env.dir.path().join("attacks.json");
    let report_arg = report_path.to_str().expect("UTF-8 path");
    let (code, summary, err) = gwb(&env, &["sync", "--report", report_arg]);
    assert_eq!(code, 4, "finished with per-group failures: {summary}{err}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).expect("report"))
            .expect("report JSON");

    // The blocking calls: a fault each, naming plugin, stage, group and the refused wait.
    for (id, name, plugin, stage, function) in [
        (
            &sleeper,
            "Sleeper",
            "sleeper",
            "filter",
            "subscribe-duration",
        ),
        (&waiter, "Waiter", "waiter", "naming", "subscribe-instant"),
        (&poller, "Poller", "poller", "mapping", "subscribe-duration"),
    ] {
        let line = failed_line(&summary, id, name);
        assert!(
            line.contains(&format!(
                "FAILED: plugin {plugin} (misbehave 0.1.0, {}) {stage} stage on group \
                 \"{name}\" ({id}): tried to wait 30000000000 ns ({function}: a sleep, or a \
                 poll with a timer); plugins may not block, so the call was stopped at once",
                plugin_file()
            )),
            "{line}"
        );
    }
    // The flood: capped, counted, and the run went on.
    assert_eq!(
        report["plugin_log_lines_dropped"],
        json!({"flooder": 999_000}),
        "{report:#}"
    );
    assert!(
        summary.contains(
            "\n  plugin flooder: 999000 log line(s) over its cap of 1000 lines / 1 MiB per run \
             were counted, not written\n"
        ),
        "{summary}"
    );
    // The control sequences: the skip reason shown escaped, its line break indented.
    assert!(
        summary.contains(
            "\n  - skipped by painter (1 group(s)): \\u{1b}[2J\\u{1b}[31mred\\u{7}\n    \
             FAKE: all groups deleted\\u{9b}0m\n"
        ),
        "{summary}"
    );
    assert!(
        !summary.contains(['\u{1b}', '\u{7}', '\r', '\u{9b}']),
        "raw control characters in the summary: {summary:?}"
    );
    // The spellings: each refused as invalid output, naming the attribute as written.
    for (id, name, plugin, written, protected) in [
        (
            &spoofer,
            "Spoofer",
            "spoofer",
            "adminDescription;binary",
            "adminDescription",
        ),
        (&oider, "Oider", "oider", "2.5.4.31", "member"),
        (&shouter, "Shouter", "shouter", "MEMBER", "member"),
    ] {
        let line = failed_line(&summary, id, name);
        assert!(
            line.contains(&format!(
                "FAILED: plugin `{plugin}` (mapping stage) gave invalid output for group \
                 \"{name}\" ({id}): may not "
            )) && line.contains(&format!("`{protected}`"))
                && line.contains(&format!("`{written}`")),
            "{line}"
        );
    }
    assert_eq!(report["summary"]["plugin_faults"], 3, "{report:#}");
    assert_eq!(report["summary"]["rule_failures"], 3, "{report:#}");
    assert_eq!(report["summary"]["skipped"], json!({"painter": 1}));

    // AD: the new groups that failed or were skipped are not there, the existing ones that
    // failed are exactly as they were, and Flooder and Good are written as the rules say.
    let after = env.groups().await;
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        [
            &waiter, &poller, &flooder, &good, &spoofer, &oider, &shouter
        ],
        "Sleeper and Painter are not written"
    );
    for id in [&waiter, &poller, &spoofer, &oider, &shouter] {
        assert_eq!(after[id], before[id], "left exactly as it was");
    }
    let cloud = &env.cloud_ou;
    let flooded = &after[&flooder];
    assert_eq!(flooded.dn, format!("CN=Flooder_0000000000a4,{cloud}"));
    assert_eq!(
        flooded.attributes.first("description"),
        Some("returned from log-flood")
    );
    let written = &after[&good];
    assert_eq!(written.dn, format!("CN=Good_0000000000a6,{cloud}"));
    assert_eq!(
        written.attributes.first("description"),
        Some("changed in the cloud")
    );
    assert_eq!(written.members, vec![env.users[0].dn.clone()]);
}

/// The misbehave plugin's file, as fault messages name it.
fn plugin_file() -> String {
    plugin("misbehave").display().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn printing_in_configure_breaks_nothing_and_a_sleep_there_stops_the_run() {
    let mut env = Env::new("configure", 1, "").await;
    let team = env.gid(0xb1);
    env.add_group(&team, "Team", &[&env.users[0].id]);
    env.set_plugins(&in_configure("printer", "print"));

    // check, plan and sync all load the plugin from async code, where its printing once
    // crashed gwb; the printed lines go nowhere.
    let (code, out, err) = gwb(&env, &["check"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("\nok    plugin misbehave 0.1.0 (filter, naming, mapping; facts by value)\n"),
        "{out}"
    );
    let dn = format!("CN=Team_0000000000b1,{}", env.cloud_ou);
    let (code, ldif, err) = gwb(&env, &["plan"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        ldif.contains(&format!("dn: {dn}\nchangetype: add\n")),
        "{ldif}"
    );
    let (code, out, err) = gwb(&env, &["sync"]);
    assert_eq!(code, 0, "{out}{err}");
    for text in [&out, &ldif, &err] {
        assert!(!text.contains("misbehave std"), "{text}");
    }
    let groups = env.groups().await;
    assert_eq!(groups[&team].dn, dn);
    assert_eq!(
        groups[&team].attributes.first("description"),
        Some("Team (e2e)")
    );

    // A sleep in configure: the load fails naming the plugin and the wait; nothing is written.
    env.emulator
        .tenant(|t| t.update_group(&team, json!({"description": "changed in the cloud"})))
        .expect("update");
    env.set_plugins(&in_configure("sleeper", "sleep"));
    let (code, out, err) = gwb(&env, &["sync"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.starts_with(&format!("error: {}:", env.rules_path().display()))
            && err.contains(&format!(
                ": plugin `sleeper`: plugin sleeper: {} failed while calling configure: tried to \
             wait 30000000000 ns (subscribe-duration: a sleep, or a poll with a timer); plugins \
             may not block, so the call was stopped at once",
                plugin_file()
            )),
        "{err}"
    );
    assert_eq!(env.groups().await, groups, "AD is exactly as it was");
}

/// The summary's FAILED line for the group `id` named `name`.
fn failed_line<'a>(summary: &'a str, id: &str, name: &str) -> &'a str {
    summary
        .lines()
        .find(|l| l.starts_with(&format!("  - {id} \"{name}\": FAILED: ")))
        .unwrap_or_else(|| panic!("no line for {name}: {summary}"))
}

/// Membership by its other names, and the rights-bearing attributes a plugin tried in the issue.
const FORBIDDEN: [&str; 6] = [
    "memberUid",
    "msSFU30PosixMember",
    "nonSecurityMember",
    "gidNumber",
    "proxyAddresses",
    "managedBy",
];

#[tokio::test(flavor = "multi_thread")]
async fn a_mapping_plugin_writes_only_what_its_attributes_list_and_never_membership() {
    let mut env = Env::new("grants", 1, "").await;
    let user = env.users[0].id.clone();
    let targets: Vec<(String, &str)> = FORBIDDEN
        .iter()
        .enumerate()
        .map(|(i, attribute)| (env.gid(0xc1 + i as u64), *attribute))
        .collect();
    let fine = env.gid(0xcf);
    for (id, attribute) in &targets {
        env.add_group(id, attribute, &[&user]);
    }
    env.add_group(&fine, "Fine", &[&user]);
    let (code, out, err) = gwb(&env, &["sync"]);
    assert_eq!(code, 0, "{out}{err}");
    let before = env.groups().await;
    let editor = |only: &str, attribute: &str, attributes: Option<&str>| {
        misbehave_granted(
            &format!("edit-{}", only.to_ascii_lowercase()),
            &format!(
                r#"stage = "mapping", mode = "edit-attribute", only = "{only}", pass_others = true, attribute = "{attribute}""#
            ),
            "{}",
            attributes,
        )
    };

    // Membership named in `attributes`: the rules file is refused before anything runs.
    env.set_plugins(&editor(
        "Fine",
        "info",
        Some(r#"["info", "memberUid", "msSFU30PosixMember", "nonSecurityMember"]"#),
    ));
    let (code, out, err) = gwb(&env, &["sync"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains(
            "plugin `edit-fine`: attributes: may not change `memberUid`: it expresses \
             membership, and members come only from the cloud group"
        ),
        "{err}"
    );
    // A mapping plugin without `attributes`: refused when it is loaded.
    env.set_plugins(&editor("Fine", "info", None));
    let (code, out, err) = gwb(&env, &["sync"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains(
            ": plugin `edit-fine` implements the mapping stage, but its [[plugins]] entry has \
             no `attributes` key"
        ),
        "{err}"
    );
    assert_eq!(env.groups().await, before, "neither run wrote anything");

    // Each plugin listed for `info` alone: every other attribute fails its group.
    let chain: Vec<String> = targets
        .iter()
        .map(|(_, attribute)| editor(attribute, attribute, Some(r#"["info"]"#)))
        .chain([editor("Fine", "info", Some(r#"["info"]"#))])
        .collect();
    env.set_plugins(&chain.concat());
    let (code, summary, err) = gwb(&env, &["sync"]);
    assert_eq!(code, 4, "finished with per-group failures: {summary}{err}");
    for (id, attribute) in &targets {
        let line = failed_line(&summary, id, attribute);
        let plugin = format!("edit-{}", attribute.to_ascii_lowercase());
        let refusal = if attribute.starts_with("gid")
            || attribute.starts_with("proxy")
            || attribute.starts_with("managed")
        {
            format!(
                "FAILED: plugin `{plugin}` (mapping stage) overstepped its [[plugins]] \
                 privileges for group \"{attribute}\" ({id}): it may not edit `{attribute}` \
                 (its attributes: `info`)"
            )
        } else {
            format!(
                "FAILED: plugin `{plugin}` (mapping stage) gave invalid output for group \
                 \"{attribute}\" ({id}): may not change `{attribute}`: it expresses membership"
            )
        };
        assert!(line.contains(&refusal), "{line}");
    }

    // AD: not one forbidden attribute on any group, and Fine got its `info`.
    let mut directory = env.directory().await;
    let attrs: Vec<String> = FORBIDDEN
        .iter()
        .chain(&["info"])
        .map(|a| (*a).to_owned())
        .collect();
    let groups = directory
        .read_owned(std::slice::from_ref(&env.root), &attrs, false)
        .await
        .expect("read owned");
    assert_eq!(groups.len(), FORBIDDEN.len() + 1, "{groups:?}");
    for group in &groups {
        for attribute in FORBIDDEN {
            assert_eq!(
                group.attributes.get(attribute),
                &[] as &[String],
                "{} holds {attribute}",
                group.dn
            );
        }
        let info = (group.object_id == fine).then_some("x");
        assert_eq!(group.attributes.first("info"), info, "{}", group.dn);
    }
}
