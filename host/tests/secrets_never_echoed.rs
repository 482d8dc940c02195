//! No secret is ever echoed, whatever the mistake: every secret-bearing key of a rules file
//! (`[ad] password`, `[graph] client_secret`, `[graph] certificate`) and every secret flag of
//! `gwb init` is given a recognizable value in each wrong shape, and the real `gwb` binary's
//! `check`, `plan` and `sync` (plain, `-vvv`, `--log-format json`) and `init` must refuse it
//! naming the key (or flag) and the line, and print the value nowhere: not on stdout, not on
//! stderr (the systemd journal).
//!
//! The commands stop at the rules file, before any network; every address in it is a closed
//! loopback port all the same.

use std::path::Path;
use std::process::{Command, Output};

/// The rules file around one secret-bearing key's line(s): `graph` is the `[graph]` credential,
/// `ad` the `[ad]` password, each one or more whole lines.
fn rules(graph: &str, ad: &str) -> String {
    format!(
        "[defaults]\nou = \"OU=Cloud,DC=example,DC=com\"\n\
         [scope]\nkinds = [\"security\"]\n\
         [graph]\ntenant_id = \"t\"\nclient_id = \"c\"\nauthority = \"http://127.0.0.1:9\"\n\
         endpoint = \"http://127.0.0.1:9\"\n{graph}\n\
         [ad]\nurl = \"ldaps://127.0.0.1:9\"\nbind_dn = \"CN=svc,DC=example,DC=com\"\n{ad}\n"
    )
}

const GOOD_GRAPH: &str = "client_secret = { env = \"GWB_TEST_GRAPH_SECRET\" }";
const GOOD_AD: &str = "password = { env = \"GWB_TEST_AD_PASSWORD\" }";

/// One mistake: the key's line(s), the text that must never be printed, and how the key is
/// named in the error.
struct Mistake {
    /// The `[graph]` credential line(s), or the `[ad]` password line(s).
    lines: &'static str,
    /// In `[graph]` (else in `[ad]`).
    graph: bool,
    /// The secret written in it.
    canary: &'static str,
    /// The key the error must name.
    key: &'static str,
}

const fn ad(lines: &'static str, canary: &'static str) -> Mistake {
    Mistake {
        lines,
        graph: false,
        canary,
        key: "[ad] password",
    }
}

const fn secret(lines: &'static str, canary: &'static str) -> Mistake {
    Mistake {
        lines,
        graph: true,
        canary,
        key: "[graph] client_secret",
    }
}

const fn certificate(lines: &'static str, canary: &'static str) -> Mistake {
    Mistake {
        lines,
        graph: true,
        canary,
        key: "[graph] certificate",
    }
}

const MISTAKES: &[Mistake] = &[
    // The most natural mistake: the secret itself.
    ad("password = \"GWB-CANARY-1\"", "GWB-CANARY-1"),
    ad("password = 918273645", "918273645"),
    ad("password = [\"GWB-CANARY-3\"]", "GWB-CANARY-3"),
    // The secret pasted where its variable's name belongs.
    ad("password = { env = \"GWB-CANARY-4\" }", "GWB-CANARY-4"),
    ad("password = { env = 918273646 }", "918273646"),
    // A file reference that is no path.
    ad("password = { file = [\"GWB-CANARY-6\"] }", "GWB-CANARY-6"),
    ad(
        "password = { file = \"GWB-CANARY-7\\nsecond line\" }",
        "GWB-CANARY-7",
    ),
    // A table with unknown keys, or two sources.
    ad("password = { GWB-CANARY-8 = \"x\" }", "GWB-CANARY-8"),
    ad(
        "password = { env = \"P\", pwd = \"GWB-CANARY-9\" }",
        "GWB-CANARY-9",
    ),
    ad(
        "password = { file = \"p\", value = \"GWB-CANARY-10\" }",
        "GWB-CANARY-10",
    ),
    // Inline without allow_inline_secret.
    ad("password = { value = \"GWB-CANARY-11\" }", "GWB-CANARY-11"),
    // Broken TOML on the secret's line.
    ad("password = \"GWB-CANARY-12", "GWB-CANARY-12"),
    ad("password = GWB-CANARY-13", "GWB-CANARY-13"),
    ad("password = { env = \"GWB-CANARY-14\" ", "GWB-CANARY-14"),
    ad("password = { value = \"GWB-CANARY-15\" }}", "GWB-CANARY-15"),
    ad("[ad.password]\nenv = \"GWB-CANARY-16\"", "GWB-CANARY-16"),
    secret("client_secret = \"GWB-CANARY-21\"", "GWB-CANARY-21"),
    secret("client_secret = 918273622", "918273622"),
    secret(
        "client_secret = { env = \"GWB~CANARY.23\" }",
        "GWB~CANARY.23",
    ),
    secret(
        "client_secret = { env = \"GWB_CANARY_24_AND_LONGER_THAN_ANY_VARIABLE_NAME_GWB_EVER_READS_FROM\" }",
        "GWB_CANARY_24_AND_LONGER_THAN_ANY_VARIABLE_NAME_GWB_EVER_READS_FROM",
    ),
    secret(
        "client_secret = { value = \"GWB-CANARY-25\" }",
        "GWB-CANARY-25",
    ),
    secret(
        "client_secret = { secret = \"GWB-CANARY-26\" }",
        "GWB-CANARY-26",
    ),
    secret("client_secret = { file = 918273627 }", "918273627"),
    secret("client_secret = 'GWB-CANARY-28", "GWB-CANARY-28"),
    secret("client_secret = \"\"\"GWB-CANARY-29", "GWB-CANARY-29"),
    // The private key pasted where its file belongs, or the certificate table's values wrong.
    certificate(
        "certificate = \"-----BEGIN PRIVATE KEY-----GWB-CANARY-31\"",
        "GWB-CANARY-31",
    ),
    certificate(
        "certificate = { cert_file = \"a.pem\", key_file = \"\"\"-----BEGIN PRIVATE KEY-----\n\
         GWB-CANARY-32\n-----END PRIVATE KEY-----\"\"\" }",
        "GWB-CANARY-32",
    ),
    certificate(
        "certificate = { cert_file = \"a.pem\", key_file = \"-----BEGIN PRIVATE KEY-----GWB-CANARY-33\" }",
        "GWB-CANARY-33",
    ),
    certificate(
        "certificate = { cert_file = \"a.pem\", key_file = \"a.key\", key = \"GWB-CANARY-34\" }",
        "GWB-CANARY-34",
    ),
    certificate(
        "certificate = { cert_file = \"a.pem\", key_file = \"a.key\", algorithm = \"GWB-CANARY-35\" }",
        "GWB-CANARY-35",
    ),
    certificate(
        "certificate = { cert_file = \"a.pem\", key_file = 918273636 }",
        "918273636",
    ),
    certificate(
        "certificate = { cert_file = \"a.pem\", key_file = \"-----BEGIN PRIVATE KEY-----\nGWB-CANARY-37\" }",
        "GWB-CANARY-37",
    ),
];

fn gwb(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gwb"))
        .args(args)
        .current_dir(dir)
        .env_remove("GWB_RULES")
        .env("GWB_TEST_GRAPH_SECRET", "graph-secret")
        .env("GWB_TEST_AD_PASSWORD", "ad-password")
        .output()
        .expect("run gwb")
}

/// Everything `out` printed.
fn printed(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The 1-based line of `text` where `needle` starts.
fn line_of(text: &str, needle: &str) -> usize {
    let at = text.find(needle).expect("the mistake is in the file");
    text[..at].matches('\n').count() + 1
}

#[test]
fn no_secret_key_echoes_its_value_whatever_the_mistake() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runs: [&[&str]; 7] = [
        &["check"],
        &["plan"],
        &["sync"],
        &["-vvv", "check"],
        &["-vvv", "sync"],
        &["--log-format", "json", "-vvv", "plan"],
        &["--log-format", "json", "sync"],
    ];
    for mistake in MISTAKES {
        let text = if mistake.graph {
            rules(mistake.lines, GOOD_AD)
        } else {
            rules(GOOD_GRAPH, mistake.lines)
        };
        let path = dir.path().join("r.toml");
        std::fs::write(&path, &text).expect("rules file");
        let line = line_of(&text, mistake.lines);
        let at = format!("r.toml:{line}: ");
        for args in runs {
            let args = [&["--rules", "r.toml"], args].concat();
            let out = gwb(dir.path(), &args);
            let printed = printed(&out);
            assert!(
                !out.status.success(),
                "{args:?} {}: {printed}",
                mistake.lines
            );
            assert!(
                !printed.contains(mistake.canary),
                "{args:?} echoed the secret of `{}`: {printed}",
                mistake.lines
            );
            assert!(
                printed.contains(&at) && printed.contains(mistake.key),
                "{args:?} `{}`: the error must name {at} and {}: {printed}",
                mistake.lines,
                mistake.key
            );
        }
    }
}

#[test]
fn the_fix_is_named_not_the_value() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("r.toml"),
        rules(GOOD_GRAPH, "password = \"S3cret\""),
    )
    .expect("rules file");
    let out = gwb(dir.path(), &["--rules", "r.toml", "sync"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: r.toml:14: [ad] password is written as a string, as if it were the secret \
         itself: gwb reads secrets only from a file or an environment variable, and the value is \
         not shown\n    hint: put the password in a file readable only by gwb's user and write \
         password = { file = \"/etc/gwb/ad-password\" }, or set it in an environment variable \
         and write password = { env = \"GWB_AD_PASSWORD\" }\n"
    );
    assert_eq!(out.status.code(), Some(1));
}

/// `gwb init`'s flags for one tenant and forest, with `extra` (the credentials).
fn init(dir: &Path, extra: &[&str]) -> Output {
    let base = [
        "--rules",
        "new.toml",
        "init",
        "--tenant-id",
        "t",
        "--client-id",
        "c",
        "--ad-url",
        "ldaps://127.0.0.1:9",
        "--bind-dn",
        "CN=svc,DC=example,DC=com",
        "--ou",
        "OU=Cloud,DC=example,DC=com",
        "--scope",
        "security",
    ];
    gwb(dir, &[&base[..], extra].concat())
}

#[test]
fn init_refuses_a_secret_given_for_a_name_or_a_path_without_echoing_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: [(&[&str], &str, &str); 6] = [
        (
            &[
                "--client-secret-env",
                "G",
                "--password-env",
                "GWB-CANARY-41",
            ],
            "GWB-CANARY-41",
            "--password-env is not an environment variable name",
        ),
        // A value starting with a hyphen is taken as the value, not echoed as an unknown flag.
        (
            &[
                "--client-secret-env",
                "G",
                "--password-env",
                "-GWB-CANARY-40",
            ],
            "GWB-CANARY-40",
            "--password-env is not an environment variable name",
        ),
        (
            &[
                "--client-secret-env",
                "GWB CANARY 42",
                "--password-env",
                "P",
            ],
            "GWB CANARY 42",
            "--client-secret-env is not an environment variable name",
        ),
        (
            &[
                "--certificate",
                "a.pem",
                "--certificate-key",
                "-----BEGIN PRIVATE KEY-----GWB-CANARY-43",
                "--password-env",
                "P",
            ],
            "GWB-CANARY-43",
            "[graph] certificate key_file is not the path of a PEM file",
        ),
        (
            &[
                "--client-secret-env",
                "G",
                "--password-file",
                "GWB-CANARY-44\nsecond line",
            ],
            "GWB-CANARY-44",
            "[ad] password = { file = … } is not the path of a file holding the secret",
        ),
        (
            &[
                "--client-secret-file",
                "-----BEGIN GWB-CANARY-45",
                "--password-env",
                "P",
            ],
            "GWB-CANARY-45",
            "[graph] client_secret = { file = … } is not the path of a file",
        ),
    ];
    for (flags, canary, error) in cases {
        for log in [&[][..], &["-vvv", "--log-format", "json"][..]] {
            let out = init(dir.path(), &[log, flags].concat());
            let printed = printed(&out);
            assert_eq!(out.status.code(), Some(1), "{flags:?}: {printed}");
            assert!(!printed.contains(canary), "{flags:?} echoed it: {printed}");
            assert!(printed.contains(error), "{flags:?}: {printed}");
            assert!(!dir.path().join("new.toml").exists(), "nothing was written");
        }
    }
}
