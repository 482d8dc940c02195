//! `gwb init` through the real binary: the file it writes parses, says what the flags said and
//! passes `gwb check` against the emulator and the DC; it never overwrites a file; a value
//! crafted to smuggle TOML in stays one string; a scope it does not know is refused.

use std::path::Path;

use gwb_rules::config::SecretRef;
use gwb_rules::{RulesFile, Scope, ScopeKind};

use crate::common::{APP_ID, Env, TENANT_ID};

/// Runs `gwb --rules <path> init` with the flags for this test's tenant and DC, each of
/// `changes` replacing that flag's value or, for a flag not there, added; returns the exit
/// code, stdout and stderr.
fn init(env: &Env, path: &Path, changes: &[(&str, &str)]) -> (i32, String, String) {
    let base = env.emulator.base_url();
    let secret = env.dir.path().join("secret");
    let state = env.dir.path().join("init-state");
    let mut args: Vec<String> = [
        "--tenant-id",
        TENANT_ID,
        "--client-id",
        APP_ID,
        "--client-secret-file",
        &secret.display().to_string(),
        "--authority",
        base,
        "--graph-endpoint",
        base,
        "--state-dir",
        &state.display().to_string(),
        "--ad-url",
        &env.dc.url,
        "--bind-dn",
        &env.dc.bind_dn,
        "--password-file",
        &env.dc.password_file.display().to_string(),
        "--ad-ca-file",
        &env.dc.ca_file.display().to_string(),
        "--ou",
        &env.cloud_ou,
        "--scope",
        "security,microsoft365",
    ]
    .map(str::to_owned)
    .to_vec();
    for (flag, value) in changes {
        match args.iter().position(|a| a == flag) {
            Some(at) => args[at + 1] = (*value).to_owned(),
            None => args.extend([(*flag).to_owned(), (*value).to_owned()]),
        }
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gwb"))
        .arg("--rules")
        .arg(path)
        .arg("init")
        .args(&args)
        .output()
        .expect("run gwb init");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).expect("UTF-8"),
        String::from_utf8(out.stderr).expect("UTF-8"),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn init_writes_a_file_that_passes_check_and_never_overwrites() {
    let env = Env::new("init", 1, "").await;
    let path = env.dir.path().join("new.toml");
    let (code, out, err) = init(&env, &path, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with(&format!("wrote {}\n", path.display())),
        "{out}"
    );

    let rules = RulesFile::load(&path).expect("the written file parses");
    assert_eq!(
        rules.scope,
        Scope::of([ScopeKind::Microsoft365, ScopeKind::Security])
    );
    assert_eq!(
        rules
            .managed_ous
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        std::slice::from_ref(&env.cloud_ou)
    );
    assert_eq!(rules.defaults.ou, env.cloud_ou);
    let graph = rules.graph.as_ref().expect("[graph]");
    assert_eq!(
        (graph.tenant_id.as_str(), graph.client_id.as_str()),
        (TENANT_ID, APP_ID)
    );
    let ad = rules.ad.as_ref().expect("[ad]");
    assert_eq!(ad.bind_dn, env.dc.bind_dn);
    assert_eq!(ad.password, SecretRef::File(env.dc.password_file.clone()));
    assert!(rules.plugins.is_empty());

    // The file passes gwb check as it is: every line ok.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gwb"))
        .args(["--quiet", "--rules"])
        .arg(&path)
        .arg("check")
        .output()
        .expect("run gwb check");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.lines().all(|l| l.starts_with("ok ")), "{stdout}");
    assert!(
        stdout.contains(
            "ok    scope: [scope] kinds = [\"microsoft365\", \"security\"]; writebackConfiguration \
             is not read, so every group of these kinds is in scope\n"
        ),
        "{stdout}"
    );

    // A second init at the same path changes nothing and says why.
    let written = std::fs::read(&path).expect("read");
    let (code, _, err) = init(&env, &path, &[("--naming", "object-id")]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("exists already; gwb init never overwrites a rules file"),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).expect("read"), written);
}

#[tokio::test(flavor = "multi_thread")]
async fn crafted_values_stay_values_and_bad_ones_write_nothing() {
    let env = Env::new("init-hostile", 1, "").await;
    // A value carrying a quote, a newline and a table header: TOML's own quoting keeps it one
    // string, so no key or table is added.
    let path = env.dir.path().join("crafted.toml");
    let crafted = "state\"\n[sync]\ncreate_missing_ous = true\n#";
    let (code, out, err) = init(&env, &path, &[("--state-dir", crafted)]);
    assert_eq!(code, 0, "{out}{err}");
    let rules = RulesFile::load(&path).expect("parses");
    assert_eq!(
        rules.graph.expect("[graph]").state_dir,
        env.dir.path().join(crafted)
    );
    assert!(!rules.sync.create_missing_ous);
    // Where the value must be a DN, the same smuggling is one bad DN, named; nothing written.
    let path = env.dir.path().join("crafted-dn.toml");
    let (code, _, err) = init(
        &env,
        &path,
        &[("--bind-dn", &format!("CN=svc,DC=x{crafted}"))],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("[ad] bind_dn: `CN=svc,DC=xstate\"")
            && err.contains("is not a valid distinguished name: `\"` must be escaped"),
        "{err}"
    );
    assert!(!path.exists());

    // A managed OU that is AD's own place is refused before anything is written.
    let path = env.dir.path().join("users.toml");
    let users = format!("CN=Users,{}", env.dc.base_dn);
    let (code, _, err) = init(&env, &path, &[("--managed-ou", &users)]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("the values given do not make a valid rules file")
            && err.contains("managed_ous: `")
            && err.contains("is the well-known Users container"),
        "{err}"
    );
    assert!(!path.exists());

    // A kind gwb never writes back: refused by the command line, nothing written.
    let (code, _, err) = init(&env, &path, &[("--scope", "security,distribution")]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("expected one of microsoft365, security, mail-enabled-security"),
        "{err}"
    );
    assert!(!path.exists());
}
