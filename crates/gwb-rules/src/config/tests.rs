//! Rules-file parsing: good files, and every bad input naming file:line with a hint.

use super::*;

fn write_plugin(dir: &Path) -> PathBuf {
    let plugin = dir.join("router.wasm");
    std::fs::write(&plugin, b"\0asm").expect("write plugin");
    plugin
}

/// Parses `text` as `DIR/org.toml`. Every rules file needs a `[scope]`: a text without one
/// gets one appended after its last line (so the lines the tests expect hold), except in the
/// tests of `[scope]` itself, which call [`RulesFile::parse`] directly.
fn parse_in(dir: &Path, text: &str) -> Result<RulesFile, ConfigError> {
    let text = if text.contains("[scope]") {
        text.to_owned()
    } else {
        format!("{text}\n[scope]\nkinds = [\"microsoft365\", \"security\"]\n")
    };
    RulesFile::parse(&dir.join("org.toml"), &text)
}

#[test]
fn the_scope_is_a_deliberate_choice() {
    let path = Path::new("DIR/org.toml");
    let head = "[defaults]\nou = \"OU=Cloud,DC=example,DC=com\"\n";
    let err = RulesFile::parse(path, head)
        .expect_err("no [scope]")
        .to_string();
    assert_eq!(
        err,
        "DIR/org.toml:1: the rules file does not say which cloud groups to write back: it has \
         no [scope] table\n  hint: add [scope] kinds = [...] naming one or more of \
         \"microsoft365\" (Entra Connect's group writeback), \"security\" (Cloud Sync's), \
         \"mail-enabled-security\"; filter plugins narrow it further"
    );
    let err = RulesFile::parse(path, &format!("{head}[scope]\nkinds = []\n"))
        .expect_err("empty")
        .to_string();
    assert!(
        err.starts_with(
            "DIR/org.toml:4: [scope] kinds is empty: no cloud group would be written back\n  \
             hint: add [scope] kinds"
        ),
        "{err}"
    );
    let err = RulesFile::parse(
        path,
        &format!("{head}[scope]\nkinds = [\"distribution\"]\n"),
    )
    .expect_err("distribution lists are never written back")
    .to_string();
    assert!(
        err.starts_with("DIR/org.toml:4: unknown variant `distribution`"),
        "{err}"
    );
    assert!(
        err.contains("`mail-enabled-security`"),
        "lists the kinds: {err}"
    );
    let err = RulesFile::parse(
        path,
        &format!("{head}[scope]\nkinds = [\"security\"]\nall = true\n"),
    )
    .expect_err("unknown key")
    .to_string();
    assert!(
        err.starts_with("DIR/org.toml:5: unknown field `all`"),
        "{err}"
    );
    let rules = RulesFile::parse(
        path,
        &format!("{head}[scope]\nkinds = [\"security\", \"microsoft365\", \"security\"]\n"),
    )
    .expect("valid");
    assert_eq!(
        rules.scope,
        Scope::of([ScopeKind::Microsoft365, ScopeKind::Security])
    );
}

#[test]
fn full_file_is_validated_and_paths_resolved() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_plugin(dir.path());
    let rules = parse_in(
        dir.path(),
        r#"
[defaults]
naming = "object-id"
ou = "OU=Cloud,DC=example,DC=com"
managed_ous = ["OU=Teams,DC=example,DC=com", "OU=Cloud,DC=example,DC=com"]

[runtime]
on_plugin_fault = "abort"
cache_dir = "cache"

[[plugins]]
name = "router"
path = "router.wasm"
sha256 = "ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789"
limits = { time_ms = 5, memory_mib = 4, fuel = 1000000, recycle_after_calls = 500 }
config = { default_ou = "OU=Cloud,DC=example,DC=com", routes = [{ prefix = "FIN-", ou = "OU=Fin" }] }
"#,
    )
    .expect("valid");
    assert_eq!(rules.defaults.naming, NamingScheme::ObjectId);
    assert_eq!(
        rules.managed_ous.len(),
        2,
        "the default OU is not listed twice"
    );
    assert_eq!(rules.on_plugin_fault, FaultPolicy::Abort);
    assert_eq!(rules.cache_dir, Some(dir.path().join("cache")));
    let plugin = &rules.plugins[0];
    assert_eq!(plugin.path, dir.path().join("router.wasm"));
    assert_eq!(
        plugin.sha256.as_deref(),
        Some("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789")
    );
    assert_eq!(plugin.limits.time, Duration::from_millis(5));
    assert_eq!(plugin.limits.memory_bytes, 4 * 1024 * 1024);
    assert_eq!(plugin.limits.fuel, Some(1_000_000));
    assert_eq!(plugin.limits.recycle_after_calls, 500);
    assert_eq!(
        plugin.config_json,
        r#"{"default_ou":"OU=Cloud,DC=example,DC=com","routes":[{"ou":"OU=Fin","prefix":"FIN-"}]}"#
    );
    assert_eq!(
        plugin.location,
        format!("{}:11", dir.path().join("org.toml").display()),
        "the [[plugins]] header"
    );
}

#[test]
fn defaults_apply_when_keys_are_absent() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_plugin(dir.path());
    let rules = parse_in(
        dir.path(),
        "[defaults]\nou = \"OU=Cloud,DC=x\"\n[[plugins]]\nname = \"r\"\npath = \"router.wasm\"\n",
    )
    .expect("valid");
    assert_eq!(rules.defaults.naming, NamingScheme::DisplayName);
    assert_eq!(rules.on_plugin_fault, FaultPolicy::SkipGroup);
    // The defaults docs/rules-file.md documents.
    assert_eq!(rules.plugins[0].limits.time, Duration::from_millis(50));
    assert_eq!(rules.plugins[0].limits.memory_bytes, 16 << 20);
    assert_eq!(rules.plugins[0].limits.recycle_after_calls, 10_000);
    assert_eq!(rules.plugins[0].config_json, "{}");
}

fn error_of(text: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    write_plugin(dir.path());
    let err = parse_in(dir.path(), text)
        .expect_err("must be rejected")
        .to_string();
    err.replace(&dir.path().display().to_string(), "DIR")
}

#[test]
fn bad_toml_names_the_line() {
    let err = error_of("[defaults]\nou = \"OU=x,DC=y\"\nnaming = display-name\n");
    assert!(err.starts_with("DIR/org.toml:3: "), "{err}");
    assert!(err.contains("hint: check the TOML syntax"), "{err}");
}

#[test]
fn unknown_keys_are_refused_with_the_expected_ones() {
    let err = error_of("[defaults]\nou = \"OU=x,DC=y\"\nnmaing = \"object-id\"\n");
    assert!(
        err.starts_with("DIR/org.toml:3: unknown field `nmaing`"),
        "{err}"
    );
    assert!(err.contains("naming"), "lists the known keys: {err}");
    let err = error_of(
        "[defaults]\nou = \"OU=x,DC=y\"\n[[plugins]]\nname = \"r\"\npath = \"router.wasm\"\nlimits = { time = 5 }\n",
    );
    assert!(
        err.contains("DIR/org.toml:6: unknown field `time`"),
        "{err}"
    );
}

#[test]
fn missing_plugin_file_names_the_path_key() {
    let err = error_of(
        "[defaults]\nou = \"OU=x,DC=y\"\n\n[[plugins]]\nname = \"r\"\npath = \"missing.wasm\"\n",
    );
    assert!(
        err.starts_with("DIR/org.toml:6: plugin `r`: file DIR/missing.wasm does not exist"),
        "{err}"
    );
    assert!(err.contains("scripts/build-plugins.sh"), "{err}");
}

#[test]
fn bad_values_are_refused() {
    let err = error_of("[defaults]\nou = \"Cloud Groups\"\n");
    assert!(
        err.starts_with("DIR/org.toml:2: `Cloud Groups` is not a valid distinguished name"),
        "{err}"
    );
    let err = error_of(
        "[defaults]\nou = \"OU=x,DC=y\"\n[[plugins]]\nname = \"r\"\npath = \"router.wasm\"\nsha256 = \"abc\"\n",
    );
    assert!(
        err.starts_with("DIR/org.toml:6: plugin `r`: sha256 `abc` is not 64 hex digits"),
        "{err}"
    );
    let err = error_of(
        "[defaults]\nou = \"OU=x,DC=y\"\n[[plugins]]\nname = \"r\"\npath = \"router.wasm\"\nlimits = { memory_mib = 0 }\n",
    );
    assert!(
        err.contains("limits.memory_mib must be greater than 0"),
        "{err}"
    );
    let err = error_of(
        "[defaults]\nou = \"OU=x,DC=y\"\n[[plugins]]\nname = \"r\"\npath = \"router.wasm\"\nlimits = { recycle_after_calls = 0 }\n",
    );
    assert!(
        err.starts_with(
            "DIR/org.toml:6: plugin `r`: limits.recycle_after_calls must be greater than 0"
        ),
        "{err}"
    );
    assert!(err.contains("remove the key to use the default"), "{err}");
    let err = error_of(
        "[defaults]\nou = \"OU=x,DC=y\"\n[[plugins]]\nname = \"r\"\npath = \"router.wasm\"\n[[plugins]]\nname = \"r\"\npath = \"router.wasm\"\n",
    );
    assert!(
        err.starts_with("DIR/org.toml:6: a second plugin is named `r`"),
        "{err}"
    );
    let err = error_of("[runtime]\non_plugin_fault = \"abort\"\n");
    assert!(err.contains("missing field `defaults`"), "{err}");
    let err = error_of("[defaults]\nou = \"OU=x,DC=y\"\nrouting_domain = \"@contoso\"\n");
    assert!(
        err.starts_with(
            "DIR/org.toml:3: [defaults] routing_domain: `@contoso` is not a domain name"
        ),
        "{err}"
    );
    assert!(err.contains("contoso.mail.onmicrosoft.com"), "{err}");
}

#[test]
fn routing_domain_is_read_in_lower_case() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = parse_in(
        dir.path(),
        "[defaults]\nou = \"OU=x,DC=y\"\nrouting_domain = \"Contoso.Mail.OnMicrosoft.com\"\n",
    )
    .expect("valid");
    assert_eq!(
        rules.defaults.routing_domain.as_deref(),
        Some("contoso.mail.onmicrosoft.com")
    );
    let rules = parse_in(dir.path(), "[defaults]\nou = \"OU=x,DC=y\"\n").expect("valid");
    assert_eq!(rules.defaults.routing_domain, None);
}

const HEAD: &str = "[defaults]\nou = \"OU=Cloud,DC=example,DC=com\"\n";

#[test]
fn connection_sections_are_read_with_defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "{HEAD}[graph]\ntenant_id = \"t\"\nclient_id = \"c\"\nclient_secret = {{ env = \"GWB_GRAPH_SECRET\" }}\n\
         [ad]\nurl = \"ldaps://dc1.example.com\"\nbind_dn = \"CN=svc,DC=example,DC=com\"\npassword = {{ file = \"ad.pw\" }}\nca_file = \"ca.pem\"\n\
         [sync]\non_soft_delete = \"move\"\nholding_ou = \"OU=Removed,OU=Cloud,DC=example,DC=com\"\n\
         [guards]\nmax_deletes = 10\n"
    );
    let rules = parse_in(dir.path(), &text).expect("valid");
    let graph = rules.graph.expect("graph");
    assert_eq!(graph.authority, "https://login.microsoftonline.com");
    assert_eq!(graph.endpoint, "https://graph.microsoft.com");
    assert_eq!(
        graph.credential,
        GraphCredential::Secret(SecretRef::Env("GWB_GRAPH_SECRET".into()))
    );
    assert_eq!(graph.state_dir, dir.path().join("state"));
    assert_eq!(graph.full_every_days, 7);
    let ad = rules.ad.expect("ad");
    assert_eq!(ad.password, SecretRef::File(dir.path().join("ad.pw")));
    assert_eq!(ad.ca_file, Some(dir.path().join("ca.pem")));
    assert_eq!(ad.timeout, Duration::from_secs(30));
    assert_eq!(rules.sync.on_soft_delete, RemovalChoice::Move);
    assert_eq!(rules.sync.on_hard_delete, RemovalChoice::Delete);
    assert_eq!(rules.guards.max_deletes, 10);
    assert_eq!(rules.guards.max_delete_percent, 20.0);
    assert_eq!(
        rules.guards.max_creates, 500,
        "the default applies to a first run too"
    );
}

#[test]
fn dns_are_kept_in_their_canonical_form() {
    // Samba refuses `;` between RDNs: every DN of the rules file is sent as `canonical_dn`
    // writes it, however the file spells it.
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "[defaults]\nou = \"ou = Cloud ; dc=example;DC = com\"\n\
         managed_ous = [\"ou=More , DC=example,dc=com\"]\n\
         [ad]\nurl = \"ldaps://dc1.example.com\"\nbind_dn = \"cn = svc\\\\2C gwb;dc=example;dc=com\"\n\
         password = { file = \"ad.pw\" }\n\
         [sync]\non_soft_delete = \"move\"\nholding_ou = \" ou=Removed;OU=Cloud;DC=Example,DC=com\"\n";
    let rules = parse_in(dir.path(), text).expect("valid");
    assert_eq!(rules.defaults.ou, "OU=Cloud,DC=example,DC=com");
    let managed: Vec<String> = rules.managed_ous.iter().map(ToString::to_string).collect();
    assert_eq!(
        managed,
        ["OU=Cloud,DC=example,DC=com", "OU=More,DC=example,DC=com"]
    );
    assert_eq!(
        rules.ad.expect("ad").bind_dn,
        r"CN=svc\, gwb,DC=example,DC=com"
    );
    assert_eq!(
        rules.sync.holding_ou.as_deref(),
        Some("OU=Removed,OU=Cloud,DC=Example,DC=com")
    );
}

#[test]
fn a_secret_in_the_wrong_shape_is_refused_naming_the_key_and_fix_never_the_value() {
    let ad = |line: &str| {
        error_of(&format!(
            "{HEAD}[ad]\nurl = \"ldaps://dc1\"\nbind_dn = \"CN=svc,DC=x\"\n{line}\n"
        ))
    };
    let fix = "put the password in a file readable only by gwb's user and write password = \
               { file = \"/etc/gwb/ad-password\" }, or set it in an environment variable and \
               write password = { env = \"GWB_AD_PASSWORD\" }";
    assert_eq!(
        ad("password = \"S3cret\""),
        format!(
            "DIR/org.toml:6: [ad] password is written as a string, as if it were the secret \
             itself: gwb reads secrets only from a file or an environment variable, and the \
             value is not shown\n  hint: {fix}"
        )
    );
    assert_eq!(
        ad("password = { env = \"S3cret!\" }"),
        format!(
            "DIR/org.toml:6: [ad] password = {{ env = … }} is not an environment variable name \
             (only letters, digits and _, not starting with a digit, at most 64 characters); it \
             may be the secret itself, so it is not shown\n  hint: {fix}"
        )
    );
    assert_eq!(
        ad("password = \"S3cret"),
        format!(
            "DIR/org.toml:6: [ad] password is not valid TOML here (the line is not shown: it may \
             hold the secret)\n  hint: check its quotes and braces; {fix}"
        )
    );
    assert_eq!(
        ad("password = [1]"),
        format!(
            "DIR/org.toml:6: [ad] password is an array, not a table (the value is not shown)\n  hint: {fix}"
        )
    );
    let certificate = error_of(&format!(
        "{HEAD}[graph]\ntenant_id = \"t\"\nclient_id = \"c\"\n\
         certificate = {{ cert_file = \"a.pem\", key_file = \"-----BEGIN PRIVATE KEY-----S3cret\" }}\n"
    ));
    assert!(
        certificate.starts_with(
            "DIR/org.toml:6: [graph] certificate key_file is not the path of a PEM file: the \
             file's content, which is not shown, belongs in the file\n  hint: put the certificate"
        ),
        "{certificate}"
    );
    // At any other key, a string value the parser quotes is left out too.
    assert_eq!(
        error_of(&format!(
            "{HEAD}[guards]\nmax_deletes = \"S3cret \\\" x\"\n"
        )),
        "DIR/org.toml:4: invalid type: string (not shown), expected usize\n  hint: check the \
         TOML syntax at that line (quotes around strings, [table] headers)"
    );
}

#[test]
fn unsafe_connection_settings_are_refused() {
    let graph =
        |extra: &str| format!("{HEAD}[graph]\ntenant_id = \"t\"\nclient_id = \"c\"\n{extra}");
    let err = error_of(&graph("client_secret = { value = \"s3cr3t\" }\n"));
    assert!(
        err.contains("[graph] client_secret holds a secret inline"),
        "{err}"
    );
    assert!(
        !err.contains("s3cr3t"),
        "the secret never appears in messages: {err}"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let inline = parse_in(
        dir.path(),
        &graph("client_secret = { value = \"s3cr3t\" }\nallow_inline_secret = true\n"),
    )
    .expect("allowed explicitly");
    assert_eq!(
        inline.graph.expect("graph").credential,
        GraphCredential::Secret(SecretRef::Inline(gwb_model::Secret::new("s3cr3t")))
    );
    let err = error_of(&graph(
        "client_secret = { env = \"A\" }\ndirectory_extensions = [\"costCenter\"]\n",
    ));
    assert!(
        err.contains("`costCenter` is not a directory extension name"),
        "{err}"
    );
    let err = error_of(&graph(""));
    assert!(
        err.contains("exactly one of client_secret or certificate"),
        "{err}"
    );
    let err = error_of(&graph("client_secret = { env = \"A\", file = \"b\" }\n"));
    assert!(err.contains("exactly one of env, file or value"), "{err}");
    let err = error_of(&graph(
        "client_secret = { env = \"A\" }\nendpoint = \"http://graph.example.com\"\n",
    ));
    assert!(err.contains("is not an https:// URL"), "{err}");

    let ad = |url: &str, extra: &str| {
        format!(
            "{HEAD}[ad]\nurl = \"{url}\"\nbind_dn = \"CN=svc,DC=x\"\npassword = {{ env = \"P\" }}\n{extra}"
        )
    };
    let err = error_of(&ad("ldap://dc1", ""));
    assert!(
        err.starts_with(
            "DIR/org.toml:4: [ad] url `ldap://dc1` would send the bind password unencrypted"
        ),
        "{err}"
    );
    assert!(parse_in(dir.path(), &ad("ldap://dc1", "starttls = true\n")).is_ok());
    let err = error_of(&ad("https://dc1", ""));
    assert!(err.contains("not an ldaps:// or ldap:// URL"), "{err}");

    let err = error_of(&format!("{HEAD}[sync]\non_hard_delete = \"move\"\n"));
    assert!(err.contains("holding_ou is not set"), "{err}");
    let err = error_of(&format!(
        "{HEAD}[sync]\nholding_ou = \"OU=Elsewhere,DC=other\"\n"
    ));
    assert!(err.contains("outside the managed OUs"), "{err}");
    let err = error_of(&format!("{HEAD}[guards]\nmax_delete_percent = 150\n"));
    assert!(err.contains("is not a percentage"), "{err}");
}

/// Runs `f` with a subscriber that keeps what is logged, and returns the log text.
fn logged(f: impl FnOnce()) -> String {
    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("log buffer").extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, f);
    let bytes = captured.0.lock().expect("log buffer").clone();
    String::from_utf8(bytes).expect("UTF-8 log")
}

#[cfg(unix)]
#[test]
fn key_and_secret_files_readable_by_others_draw_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let chmod = |name: &str, mode: u32| {
        let path = dir.path().join(name);
        std::fs::write(&path, "-----BEGIN PRIVATE KEY-----\n").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        path
    };
    let graph = |credential: &str| {
        format!("{HEAD}[graph]\ntenant_id = \"t\"\nclient_id = \"c\"\n{credential}\n")
    };
    let certificate = graph("certificate = { cert_file = \"app.pem\", key_file = \"app.key\" }");
    let secret = graph("client_secret = { file = \"graph.secret\" }");

    let key = chmod("app.key", 0o640);
    let log = logged(|| drop(parse_in(dir.path(), &certificate).expect("valid")));
    assert!(
        log.contains(&format!(
            "certificate key file {} is readable by group or others; restrict it with chmod 600",
            key.display()
        )),
        "{log}"
    );
    let secret_file = chmod("graph.secret", 0o604);
    let log = logged(|| drop(parse_in(dir.path(), &secret).expect("valid")));
    assert!(
        log.contains(&format!(
            "secrets file {} is readable by group or others",
            secret_file.display()
        )),
        "{log}"
    );

    chmod("app.key", 0o600);
    chmod("graph.secret", 0o600);
    let log = logged(|| {
        drop(parse_in(dir.path(), &certificate).expect("valid"));
        drop(parse_in(dir.path(), &secret).expect("valid"));
    });
    assert!(!log.contains("readable"), "{log}");
}

mod privileges;
mod safe_scope;
