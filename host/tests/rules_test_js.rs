//! JavaScript rule plugins (plugins/js, built by scripts/build-plugins.sh with componentize-js)
//! through the `gwb rules test` binary: a JS plugin's uncaught exceptions and RuleErrors become
//! that group's error, not a trap, and the SDK refuses bad config keys by name. (That the JS
//! examples answer as the Rust ones: tests/conformance.rs.)
//!
//! The tests share one compile cache (`[runtime] cache_dir`) with tests/conformance.rs and
//! rules_test_python.rs, so a ~12 MB component is compiled once, not once per run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use test_support::{OnePlugin, bad_and_good_groups, built_js_plugin, one_plugin_rules};

/// The compile cache shared with the other plugin tests.
fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-cache")
}

fn gwb(rules: &Path, groups: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gwb"))
        .arg("--rules")
        .arg(rules)
        .args(["rules", "test", "--format", "json", "--groups"])
        .arg(groups)
        .output()
        .expect("run gwb")
}

/// Writes `rules.toml` into `dir`: one JS plugin (`name`, built from its folder `folder`) with
/// `config` (a TOML inline table's keys), compiled into the shared cache, with room for a JS
/// component.
fn one_plugin(dir: &Path, (name, folder): (&str, &str), config: &str) -> PathBuf {
    let plugin = OnePlugin {
        name,
        path: &built_js_plugin(folder),
        limits: "{ time_ms = 2000, memory_mib = 32 }",
        config,
        // The JS plugins under test have no mapping stage.
        attributes: None,
    };
    one_plugin_rules(dir, &plugin, Some(&cache_dir()))
}

#[test]
fn js_exceptions_fail_only_their_group_with_the_cause_in_the_report_and_the_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let groups = bad_and_good_groups(dir.path());
    let cases = [
        (
            "type-error",
            "uncaught exception in naming: TypeError: group.noSuchAccessor is not a function \
             (its stack is in the log)",
            // The log line carries the stack, down to the line in the plugin's source.
            Some(
                "uncaught exception in naming: TypeError: group.noSuchAccessor is not a \
                 function\\ntype-error@test/throws/plugin.js:",
            ),
        ),
        (
            "string",
            "uncaught exception in naming: a non-Error value was thrown (string): \
             \"a thrown string\"",
            Some("uncaught exception in naming: a non-Error value was thrown (string)"),
        ),
        (
            "undefined",
            "uncaught exception in naming: a non-Error value was thrown (undefined): undefined",
            Some("uncaught exception in naming: a non-Error value was thrown (undefined)"),
        ),
        // An expected failure: its message alone, nothing logged.
        ("rule-error", "no route for Bad group", None),
    ];
    for (mode, message, logged) in cases {
        let rules = one_plugin(
            dir.path(),
            ("thrower", "throws"),
            &format!(r#"mode = "{mode}", only = "Bad group""#),
        );
        let out = gwb(&rules, &groups);
        let stdout = String::from_utf8(out.stdout).expect("utf-8");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{mode}: {stdout}{stderr}");
        let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
        let bad = &report[0];
        assert_eq!(bad["result"], "failed", "{mode}: {stdout}");
        assert_eq!(bad["by"], "thrower", "{mode}: {stdout}");
        assert_eq!(bad["stage"], "Naming", "{mode}: {stdout}");
        assert_eq!(
            bad["fault"], false,
            "{mode}: a rule error, not a trap: {stdout}"
        );
        assert_eq!(
            bad["message"],
            format!(
                "plugin `thrower` (naming stage) returned an error for group \"Bad group\" \
                 (00000000-0000-4000-8000-00000000000b): {message}"
            ),
            "{mode}: {stdout}"
        );
        assert!(!stdout.contains("unreachable"), "{mode}: {stdout}");
        // The run goes on: the same instance names the next group.
        let good = &report[1];
        assert_eq!(good["result"], "write", "{mode}: {stdout}");
        assert_eq!(
            good["dn"], "CN=ok 00000000-0000-4000-8000-00000000000c,OU=Cloud,DC=example,DC=com",
            "{mode}: {stdout}"
        );
        match logged {
            Some(line) => assert!(
                stderr.contains(line)
                    && stderr.contains("\"00000000-0000-4000-8000-00000000000b\""),
                "{mode}: the log has `{line}` for the group: {stderr}"
            ),
            None => assert!(!stderr.contains("uncaught"), "{mode}: {stderr}"),
        }
    }
}

#[test]
fn the_js_sdk_refuses_unknown_config_keys_and_bad_routes_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let groups = bad_and_good_groups(dir.path());
    let ou = "OU=F,OU=Cloud,DC=example,DC=com";
    let cases = [
        (
            "rotues = []".to_owned(),
            "invalid config: unknown field \"rotues\", expected \"default_ou\" or \"routes\""
                .to_owned(),
        ),
        (
            format!("routes = [{{ prefx = \"FIN-\", ou = \"{ou}\" }}]"),
            "invalid config: route 1: unknown field \"prefx\", expected \"prefix\", \"regex\", \
             \"extension_attribute\", \"equals\" or \"ou\""
                .to_owned(),
        ),
        (
            "routes = 5".to_owned(),
            "invalid config: \"routes\" must be an array, found number 5".to_owned(),
        ),
        (
            format!("routes = [{{ prefix = \"A\", regex = \"^A\", ou = \"{ou}\" }}]"),
            "invalid config: route 1: give exactly one of prefix, regex or extension_attribute"
                .to_owned(),
        ),
        (
            format!("routes = [{{ regex = \"(\", ou = \"{ou}\" }}]"),
            "invalid config: route 1: invalid regex \"(\": ".to_owned(),
        ),
        (
            "routes = [{ prefix = \"A\" }]".to_owned(),
            "invalid config: route 1: missing field \"ou\"".to_owned(),
        ),
    ];
    for (config, refusal) in cases {
        let rules = one_plugin(dir.path(), ("ou-router", "ou-router"), &config);
        let out = gwb(&rules, &groups);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{config}: {stderr}");
        assert_eq!(out.stdout, b"", "{config}: no group is reported on");
        assert!(
            stderr.contains("plugin `ou-router`")
                && stderr.contains(&format!("refused its config: {refusal}")),
            "{config}: says `{refusal}`: {stderr}"
        );
    }
}
