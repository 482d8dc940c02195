//! `gwb check` through the real binary: every line ok on a working setup, and a FAIL line with
//! its hint for a wrong Graph secret and for a managed OU that does not exist.

use crate::common::Env;

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
        format!(
            "ok    graph: signed in and read groups at {}",
            env.emulator.base_url()
        ),
        "ok    ad: bound to ldaps://".to_owned(),
        "ok    ad: domain DC=gwb,DC=test (functional level".to_owned(),
        format!("ok    ad: may create groups in {}", env.cloud_ou),
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
    let password = "Plain-User-Pw-1!";
    let dn = format!("CN=Plain Reader,{}", env.root);
    let quoted: Vec<u8> = format!("\"{password}\"")
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    env.ldapmodify(&format!(
        "dn: {dn}\nchangetype: add\nobjectClass: user\nsAMAccountName: plain{:05}\n\
         unicodePwd:: {}\nuserAccountControl: 512\n",
        std::process::id() % 100_000,
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, quoted)
    ));
    let password_file = env.dir.path().join("plain-password");
    std::fs::write(&password_file, password).expect("password file");
    let rules = std::fs::read_to_string(env.rules_path()).expect("rules");
    assert!(
        rules.contains("\nbind_dn = ") && rules.contains("\npassword = "),
        "{rules}"
    );
    let rules: String = rules
        .lines()
        .map(|line| {
            if line.starts_with("bind_dn = ") {
                format!("bind_dn = \"{dn}\"")
            } else if line.starts_with("password = ") {
                format!("password = {{ file = \"{}\" }}", password_file.display())
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(env.rules_path(), rules).expect("rules");

    let (code, out) = check(&env);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("ok    ad: bound to ") && l.ends_with(&format!(" as {dn}"))),
        "binds as the plain user: {out}"
    );
    let fail = format!("FAIL  ad: {dn} may not create groups in {}", env.cloud_ou);
    let line = out
        .lines()
        .position(|l| l == fail)
        .unwrap_or_else(|| panic!("no {fail:?} in:\n{out}"));
    assert!(
        out.lines()
            .nth(line + 1)
            .is_some_and(|hint| hint.contains("delegate \"Create, delete and manage groups\"")),
        "{out}"
    );
}
