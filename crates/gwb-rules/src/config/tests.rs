//! Rules-file parsing: good files, and every bad input naming file:line with a hint.

use super::*;

fn write_plugin(dir: &Path) -> PathBuf {
    let plugin = dir.join("router.wasm");
    std::fs::write(&plugin, b"\0asm").expect("write plugin");
    plugin
}

fn parse_in(dir: &Path, text: &str) -> Result<RulesFile, ConfigError> {
    RulesFile::parse(&dir.join("org.toml"), text)
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
limits = { time_ms = 5, memory_mib = 4, fuel = 1000000 }
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
    assert_eq!(
        rules.plugins[0].limits.time,
        Duration::from_millis(DEFAULT_TIME_MS)
    );
    assert_eq!(
        rules.plugins[0].limits.memory_bytes,
        DEFAULT_MEMORY_MIB << 20
    );
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
        "[defaults]\nou = \"OU=x,DC=y\"\n[[plugins]]\nname = \"r\"\npath = \"router.wasm\"\n[[plugins]]\nname = \"r\"\npath = \"router.wasm\"\n",
    );
    assert!(
        err.starts_with("DIR/org.toml:6: a second plugin is named `r`"),
        "{err}"
    );
    let err = error_of("[runtime]\non_plugin_fault = \"abort\"\n");
    assert!(err.contains("missing field `defaults`"), "{err}");
}
