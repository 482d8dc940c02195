//! JavaScript rule plugins (plugins/js, built by scripts/build-plugins.sh with componentize-js)
//! through the `gwb rules test` binary: the JS ou-router answers byte for byte as the Rust one,
//! and a JS plugin's uncaught exceptions and RuleErrors become that group's error, not a trap.
//!
//! Each test keeps one compile cache (`[runtime] cache_dir`) for all its runs, so the ~12 MB
//! component is compiled once per test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use test_support::{
    OnePlugin, bad_and_good_groups, built_js_plugin, built_plugin, graph_docs_fixtures,
    one_plugin_rules,
};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
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

/// rules/contoso.toml with absolute plugin paths, `router` as the ou-router, the compile cache
/// in `cache`, and limits a JS component fits in (the same for both routers: only the path
/// differs between the two files compared).
fn contoso_with(router: &Path, cache: &Path) -> String {
    let text = std::fs::read_to_string(repo().join("rules/contoso.toml")).expect("contoso.toml");
    let release = "../plugins/target/wasm32-wasip2/release/";
    let replaced = text
        .replace(
            &format!("{release}ou_router.wasm"),
            &router.display().to_string(),
        )
        .replace(
            &format!("{release}group_filter.wasm"),
            &built_plugin("group_filter").display().to_string(),
        )
        .replace(
            &format!("{release}sam_name.wasm"),
            &built_plugin("sam_name").display().to_string(),
        )
        .replace(
            "cache_dir = \"../.gwb-cache\"",
            &format!("cache_dir = {:?}", cache.display().to_string()),
        )
        .replace(
            "limits = { time_ms = 20, memory_mib = 8 }",
            // 32 MiB: a JS component needs about 10 to instantiate and grows per call; a
            // generous clock, since a debug host on a loaded machine is slow.
            "limits = { time_ms = 2000, memory_mib = 32 }",
        );
    assert!(
        !replaced.contains("\"../plugins/target")
            && replaced.matches("memory_mib = 32").count() == 3,
        "rules/contoso.toml changed shape; update this test: {replaced}"
    );
    replaced
}

/// Routes that reach every matcher of ou-router: a prefix in another case, a regex with a
/// leading (?i), an extension attribute named in capitals whose `equals` does not match, a
/// directory extension with any value; no default_ou, so an unmatched group is a rule error naming it.
fn routes_everywhere(router: &Path, cache: &Path) -> String {
    format!(
        r#"
[defaults]
ou = "OU=Cloud,OU=Groups,DC=gwb,DC=test"
managed_ous = ["OU=Groups,DC=gwb,DC=test"]
[scope]
kinds = ["microsoft365", "security", "mail-enabled-security"]
[runtime]
cache_dir = {cache:?}
[[plugins]]
name = "ou-router"
path = {router:?}
limits = {{ time_ms = 2000, memory_mib = 32 }}
[plugins.config]
routes = [
    {{ prefix = "fin", ou = "OU=Finance,OU=Groups,DC=gwb,DC=test" }},
    {{ regex = "(?i)^sales", ou = "OU=Sales,OU=Groups,DC=gwb,DC=test" }},
    {{ extension_attribute = "EXTENSIONATTRIBUTE10", equals = "cost-0000", ou = "OU=Cost,OU=Groups,DC=gwb,DC=test" }},
    {{ extension_attribute = "extension_7d9a4b2c1e8f4a6b9c0d1e2f3a4b5c6d_writebackOu", ou = "OU=Directory,OU=Groups,DC=gwb,DC=test" }},
    {{ regex = "^(Platform|HR) ", ou = "OU=Teams,OU=Groups,DC=gwb,DC=test" }},
]
"#,
        cache = cache.display().to_string(),
        router = router.display().to_string(),
    )
}

/// The example tenant's groups as a Graph groups response.
fn tenant_groups(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(repo().join("testkit/graph-emulator/tenants/example.json"))
        .expect("tenant");
    let tenant: serde_json::Value = serde_json::from_str(&text).expect("tenant JSON");
    // The emulator's files list members and owners by id; a Graph response has neither here.
    let groups: Vec<serde_json::Value> = tenant["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            let mut g = g.clone();
            if let Some(fields) = g.as_object_mut() {
                fields.remove("members");
                fields.remove("owners");
            }
            g
        })
        .collect();
    assert!(groups.len() >= 10, "the example tenant has its groups");
    let path = dir.join("tenant-groups.json");
    std::fs::write(&path, serde_json::json!({ "value": groups }).to_string()).expect("write");
    path
}

/// Runs `groups` through the rules `make(router)` once with the Rust and once with the JS
/// ou-router and asserts the same exit code and byte-identical stdout; returns the JS run's.
fn same_answers(
    dir: &Path,
    make: &dyn Fn(&Path) -> String,
    groups: &Path,
) -> (Option<i32>, String) {
    let rust_rules = dir.join("rust.toml");
    let js_rules = dir.join("js.toml");
    std::fs::write(&rust_rules, make(&built_plugin("ou_router"))).expect("rules");
    std::fs::write(&js_rules, make(&built_js_plugin("ou-router"))).expect("rules");
    let rust = gwb(&rust_rules, groups);
    let js = gwb(&js_rules, groups);
    let (rust_out, js_out) = (
        String::from_utf8(rust.stdout).expect("utf-8"),
        String::from_utf8(js.stdout).expect("utf-8"),
    );
    let js_err = String::from_utf8_lossy(&js.stderr);
    assert_eq!(
        (rust.status.code(), rust_out.as_str()),
        (js.status.code(), js_out.as_str()),
        "{}: the JS ou-router answers as the Rust one (JS stderr: {js_err})",
        groups.display()
    );
    (js.status.code(), js_out)
}

#[test]
fn the_js_ou_router_answers_byte_for_byte_as_the_rust_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");

    // Microsoft's docs fixtures through rules/contoso.toml (all three plugins).
    let contoso = |router: &Path| contoso_with(router, &cache);
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(graph_docs_fixtures())
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    fixtures.sort();
    assert_eq!(fixtures.len(), 12, "all docs fixtures");
    let mut written = 0;
    for groups in &fixtures {
        let (_, out) = same_answers(dir.path(), &contoso, groups);
        written += out.matches("\"result\": \"write\"").count();
    }
    // group-get, groups-list and groups-expand-members hold the groups contoso.toml writes.
    assert_eq!(written, 3, "the fixtures reached the router");

    // The example tenant's groups, through contoso.toml and through routes using every matcher.
    let tenant = tenant_groups(dir.path());
    let (code, out) = same_answers(dir.path(), &contoso, &tenant);
    assert_eq!(code, Some(0), "{out}");
    let everywhere = |router: &Path| routes_everywhere(router, &cache);
    let (code, out) = same_answers(dir.path(), &everywhere, &tenant);
    assert_eq!(code, Some(4), "unmatched groups fail: {out}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let dn_of = |name: &str| -> String {
        let item = report
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["display_name"] == name)
            .unwrap_or_else(|| panic!("{name} is in the report: {out}"));
        item["dn"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| item["message"].as_str().unwrap_or_default().to_owned())
    };
    let routed = [
        ("Finance Team", "OU=Finance,OU=Groups,DC=gwb,DC=test"),
        ("Sales (dynamic)", "OU=Sales,OU=Groups,DC=gwb,DC=test"),
        ("Marketing", "OU=Directory,OU=Groups,DC=gwb,DC=test"),
        ("Platform Engineering", "OU=Teams,OU=Groups,DC=gwb,DC=test"),
    ];
    for (name, ou) in routed {
        assert!(dn_of(name).ends_with(&format!(",{ou}")), "{name}: {out}");
    }
    assert!(
        dn_of("Contractors").contains(
            "no route matches group \"Contractors\" (ed20258b-67c9-4240-a5e1-278db65be8e0) and no \
             default_ou is configured"
        ),
        "{out}"
    );
}

/// Writes `rules.toml` into `dir`: one JS plugin (`name`, built from its folder `folder`) with
/// `config` (a TOML inline table's keys), compiled into `cache`, with room for a JS component.
fn one_plugin(dir: &Path, cache: &Path, (name, folder): (&str, &str), config: &str) -> PathBuf {
    let plugin = OnePlugin {
        name,
        path: &built_js_plugin(folder),
        limits: "{ time_ms = 2000, memory_mib = 32 }",
        config,
    };
    one_plugin_rules(dir, &plugin, Some(cache))
}

#[test]
fn js_exceptions_fail_only_their_group_with_the_cause_in_the_report_and_the_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
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
            &cache,
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
    let cache = dir.path().join("cache");
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
        let rules = one_plugin(dir.path(), &cache, ("ou-router", "ou-router"), &config);
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
