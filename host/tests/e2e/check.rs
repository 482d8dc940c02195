//! `gwb check` through the real binary: every line ok on a working setup, and a FAIL line with
//! its hint for a wrong Graph secret and for a managed OU that does not exist. Safe scope: a
//! managed OU that is AD's own place stops `gwb sync`, `gwb plan` and `gwb check` before
//! anything is read or written, and a gwb group AD nests into a protected group draws a
//! warning from `gwb check` and in the run report, as does a plugin granted rights-bearing
//! attributes.

use gwb::exit::Exit;
use test_support::TestDc;

use crate::common::{Env, misbehave_granted};

/// Runs `gwb check`; returns the exit code and stdout.
fn check(env: &Env) -> (i32, String) {
    let out = env.gwb_command(&["check"]).output().expect("run gwb check");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    (out.status.code().expect("exit code"), stdout)
}

#[tokio::test(flavor = "multi_thread")]
async fn check_says_what_works_and_what_does_not() {
    let env = Env::new("check", 1, "").await;
    let (code, out) = check(&env);
    assert_eq!(code, 0, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    let expected_starts = [
        format!(
            "ok    rules file {}: 0 plugin(s), 1 managed OU(s)",
            env.rules_path().display()
        ),
        "ok    scope: [scope] kinds = [\"microsoft365\", \"security\", \"mail-enabled-security\"]; \
         writebackConfiguration is not read, so every group of these kinds is in scope"
            .to_owned(),
        format!(
            "ok    graph: signed in and read groups at {}",
            env.emulator.base_url()
        ),
        "ok    ad: bound to ldaps://".to_owned(),
        "ok    ad: domain DC=gwb,DC=test (functional level".to_owned(),
        format!("ok    ad: may create groups in {}", env.cloud_ou),
        format!("ok    ad: may delete groups in {}", env.cloud_ou),
        format!("ok    ad: may rename and move groups in {}", env.cloud_ou),
        format!(
            "ok    ad: may write the {} attributes gwb writes on groups in {} (no gwb group in \
             it yet: checked on what the OU passes on to new groups)",
            if env.dc.is_exchange() { 17 } else { 8 },
            env.cloud_ou
        ),
        "ok    ad: no gwb group is a member of a protected group".to_owned(),
    ];
    assert_eq!(lines.len(), expected_starts.len(), "{out}");
    for (line, start) in lines.iter().zip(&expected_starts) {
        assert!(
            line.starts_with(start.as_str()),
            "{line:?} should start with {start:?}"
        );
    }

    // A wrong client secret and a managed OU that is gone: two FAIL lines, each with a hint.
    std::fs::write(env.dir.path().join("secret"), "not-the-secret").expect("secret");
    env.ldapmodify(&format!("dn: {}\nchangetype: delete\n", env.cloud_ou));
    let (code, out) = check(&env);
    assert_eq!(code, 1, "{out}");
    let fails: Vec<(&str, &str)> = out
        .lines()
        .zip(out.lines().skip(1))
        .filter(|(line, _)| line.starts_with("FAIL"))
        .collect();
    assert_eq!(fails.len(), 2, "{out}");
    assert!(fails[0].0.starts_with("FAIL  graph: "), "{out}");
    assert!(
        fails[0]
            .1
            .contains("hint: check tenant_id, client_id and the credential"),
        "{out}"
    );
    assert_eq!(
        fails[1].0,
        format!("FAIL  ad: managed OU {} does not exist", env.cloud_ou)
    );
    assert!(
        fails[1].1.trim_start().starts_with("hint: create it"),
        "{out}"
    );
    assert!(out.ends_with("2 check(s) failed\n"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn check_says_when_the_bind_account_may_not_create_groups() {
    let env = Env::new("rights", 0, "").await;
    // A plain domain user: may bind and read, but holds no rights on the managed OU.
    let (dn, sam, password_file) = env.add_account("Plain Reader");
    env.bind_as(&dn, &password_file);

    let (code, out) = check(&env);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("ok    ad: bound to ") && l.ends_with(&format!(" as {dn}"))),
        "binds as the plain user: {out}"
    );
    // Each missing right is named, with the dsacls line that grants it.
    let ou = &env.cloud_ou;
    let grant = format!("      dsacls \"{ou}\" /I:T /G \"GWB\\{sam}:CCDC;group\"");
    let more = "      (gwb delegation prints every right gwb needs, also as PowerShell and SDDL)";
    for fail in [
        format!("FAIL  ad: {dn} may not create groups in {ou}"),
        format!("FAIL  ad: {dn} may not delete groups in {ou} (Delete Child of group objects)"),
    ] {
        let expected = format!("{fail}\n      hint: grant it:\n{grant}\n{more}\n");
        assert!(out.contains(&expected), "{expected}\nnot in:\n{out}");
    }
    let rdn =
        |name: &str| format!("      dsacls \"{ou}\" /I:S /G \"GWB\\{sam}:RPWP;{name};group\"");
    let expected = format!(
        "FAIL  ad: {dn} may not rename or move groups in {ou} (Write Property of cn, name on \
         groups)\n      hint: grant it:\n{}\n{}\n{more}\n",
        rdn("cn"),
        rdn("name")
    );
    assert!(out.contains(&expected), "{expected}\nnot in:\n{out}");
    let written = format!(
        "FAIL  ad: {dn} may not write adminDescription, description, displayName, \
         extensionName, groupType, "
    );
    assert!(out.contains(&written), "{out}");
}

/// The line of `out` after the line `line` (its hint); panics when `out` has no such line.
fn line_after<'a>(out: &'a str, line: &str) -> Option<&'a str> {
    let at = out
        .lines()
        .position(|l| l == line)
        .unwrap_or_else(|| panic!("no {line:?} in:\n{out}"));
    out.lines().nth(at + 1)
}

/// `out` has the line `line`, and the hint `advice` right after it.
fn assert_hinted(out: &str, line: &str, advice: &str) {
    assert_eq!(
        line_after(out, line),
        Some(format!("      hint: {advice}").as_str()),
        "{out}"
    );
}

/// Runs the binary with `args`; returns the exit code, stdout and stderr.
fn gwb(env: &Env, args: &[&str]) -> (i32, String, String) {
    let out = env.gwb_command(args).output().expect("run gwb");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).expect("UTF-8"),
        String::from_utf8(out.stderr).expect("UTF-8"),
    )
}

/// Rewrites the rules file's `managed_ous` line to the test's OU and `extra`.
fn manage_also(env: &Env, extra: &str) {
    let rules = std::fs::read_to_string(env.rules_path()).expect("rules");
    assert_eq!(
        rules
            .lines()
            .filter(|l| l.starts_with("managed_ous = "))
            .count(),
        1,
        "{rules}"
    );
    let rules: Vec<String> = rules
        .lines()
        .map(|line| {
            if line.starts_with("managed_ous = ") {
                format!("managed_ous = [\"{}\", \"{extra}\"]", env.cloud_ou)
            } else {
                line.to_owned()
            }
        })
        .collect();
    std::fs::write(env.rules_path(), rules.join("\n")).expect("rules");
}

/// Nothing was read from Graph, no Graph state was written and the group `id` reached AD nowhere:
/// not in the test's OU, not in `users_container`.
async fn nothing_happened(env: &Env, id: &str, users_container: &str) {
    assert_eq!(env.emulator.requests().len(), 0, "no Graph request");
    // At most the run lock a sync takes before it connects: no delta state.
    let state: Vec<String> = std::fs::read_dir(env.dir.path().join("state"))
        .map(|entries| {
            entries
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    assert!(state.iter().all(|f| f == "gwb.lock"), "{state:?}");
    assert!(env.groups().await.is_empty(), "no group in the test's OU");
    let mut dir = env.directory().await;
    let in_users = dir
        .read_owned(&[users_container.to_owned()], &[], false)
        .await
        .expect("read the Users container");
    assert!(in_users.iter().all(|g| g.object_id != id), "{in_users:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_managed_ou_among_ad_s_own_objects_stops_sync_plan_and_check() {
    let base = TestDc::from_env().base_dn;
    let users = format!("CN=Users,{base}");
    let env = Env::new("unsafe", 1, "").await;
    let id = env.gid(0x81);
    env.add_group(&id, "Team Unsafe", &[&env.users[0].id]);

    // The Users container: the rules file is refused where it names it.
    manage_also(&env, &users);
    let message = format!(
        "{}:4: managed_ous: `{users}` is the well-known Users container, where AD keeps its own \
         objects; gwb creates, changes and deletes groups in its managed OUs and must never \
         manage those",
        env.rules_path().display()
    );
    let hint = format!(
        "hint: create an OU for gwb, e.g. \"OU=Cloud Groups,{base}\", and list it in managed_ous \
         instead"
    );
    for command in ["sync", "plan"] {
        assert_eq!(
            gwb(&env, &[command]),
            (1, String::new(), format!("error: {message}\n    {hint}\n")),
            "gwb {command}"
        );
    }
    assert_eq!(
        gwb(&env, &["check"]),
        (
            1,
            format!(
                "FAIL  rules file: {message}\n        {hint}\n      \
                 hint: fix the rules file; nothing else can be checked\n"
            ),
            String::new()
        )
    );
    nothing_happened(&env, &id, &users).await;

    // Inside the configuration partition: only the DC knows, so the run asks it and stops.
    let config = format!("CN=Configuration,{base}");
    let inside = format!("OU=Cloud,{config}");
    manage_also(&env, &inside);
    let problem = format!(
        "managed OU `{inside}` is not safe for gwb: it is in the configuration partition {config}"
    );
    let advice = format!(
        "create an OU for gwb, e.g. OU=Cloud Groups,{base}, and list it in managed_ous (gwb \
         creates, changes and deletes groups in its managed OUs, so they must hold nothing of \
         AD's own)"
    );
    for command in ["sync", "plan"] {
        assert_eq!(
            gwb(&env, &[command]),
            (
                1,
                String::new(),
                format!(
                    "error: gwb refuses to run, nothing was read or written: {problem}; {advice}\n"
                )
            ),
            "gwb {command}"
        );
    }
    nothing_happened(&env, &id, &users).await;
    let (code, out, _) = gwb(&env, &["check"]);
    assert_eq!(code, 1, "{out}");
    assert_hinted(&out, &format!("FAIL  ad: {problem}"), &advice);
    assert!(
        out.contains(&format!(
            "ok    ad: may create groups in {}\n",
            env.cloud_ou
        )),
        "{out}"
    );
    assert!(out.ends_with("1 check(s) failed\n"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gwb_group_nested_into_a_protected_group_is_warned_about() {
    let base = TestDc::from_env().base_dn;
    let env = Env::new("nested", 1, "").await;
    let id = env.gid(0x91);
    env.add_group(&id, "Team Admins", &[&env.users[0].id]);
    assert_eq!(env.run(true).await.0, Exit::Success);
    let dn = format!("CN=Team Admins_000000000091,{}", env.cloud_ou);
    assert_eq!(env.groups().await[&id].dn, dn);

    let administrators = format!("CN=Administrators,CN=Builtin,{base}");
    let _nested = env.dc.add_member(&administrators, &dn);
    let problem = format!(
        "gwb group `{dn}` (Group_{id}) is a member of the protected group(s) `{administrators}` \
         (directly or through nested groups): whoever edits the cloud group's members controls \
         privileged access in AD"
    );
    let advice = "remove the nesting in AD (take the gwb group out of the protected group, or \
                  out of the group that brings it in), or take the cloud group out of gwb's scope";
    let (code, out) = check(&env);
    assert_eq!(code, 0, "a warning is not a failure: {out}");
    assert_hinted(&out, &format!("WARN  ad: {problem}"), advice);
    assert!(
        !out.contains("no gwb group is a member of a protected group"),
        "{out}"
    );

    let (exit, report) = env.run(true).await;
    assert_eq!(exit, Exit::Success, "{report:#}");
    assert_eq!(
        report["directory_warnings"],
        serde_json::json!([format!("{problem}; {advice}")])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn check_warns_of_each_rights_bearing_attribute_a_plugin_is_granted() {
    let plugins = misbehave_granted(
        "tagger",
        r#"stage = "mapping", mode = "ok""#,
        "{}",
        Some(r#"["info", "gidNumber", "managedBy"]"#),
    );
    let env = Env::new("bearing", 0, &plugins).await;
    let (code, out) = check(&env);
    assert_eq!(code, 0, "a warning, not a failure: {out}");
    let warning = out
        .lines()
        .find(|l| l.starts_with("WARN  plugin `tagger` ("))
        .unwrap_or_else(|| panic!("no warning for tagger: {out}"));
    assert!(
        warning.ends_with(
            ") may write rights-bearing attributes: `gidNumber` (is the group's POSIX GID, which \
             SSSD, idmap_ad and nss_ldap honour (0 is root's group)); `managedBy` (names the \
             group's manager, whom Exchange and Outlook let change the membership)"
        ),
        "{warning}"
    );
    assert_hinted(
        &out,
        warning,
        "keep them in its attributes only if the plugin must set them; no grant covers them \
         unless it names them",
    );
}
