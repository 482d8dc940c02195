//! `gwb check` through the real binary: every line ok on a working setup, and a FAIL line with
//! its hint for a wrong Graph secret and for a managed OU that does not exist.

use std::process::Command;

use crate::common::Env;

/// Runs `gwb check`; returns the exit code and stdout.
fn check(env: &Env) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gwb"))
        .args(["--quiet", "--rules"])
        .arg(env.rules_path())
        .arg("check")
        .output()
        .expect("run gwb check");
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
