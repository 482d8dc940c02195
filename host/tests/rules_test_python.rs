//! Python rule plugins (plugins/python, built by scripts/build-plugins.sh with componentize-py)
//! through the `gwb rules test` binary: the Python ou-router answers byte for byte as the Rust
//! one, and a Python plugin's exceptions reach the author as words and a traceback, per group.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, PoisonError};

use test_support::{
    bad_and_good_groups, built_plugin, built_python_plugin, graph_docs_fixtures, rules_test,
};

/// One compile cache for every run of this test binary (and the next ones): a Python
/// component is 18 MB and takes Cranelift 10-20 s to compile, so it is compiled once.
fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("python-plugin-cache")
}

/// A rules file in `dir` with one plugin, `plugin`, at `path` with these limits (a TOML inline
/// table) and this `[plugins.config]` body.
fn rules(dir: &Path, path: &Path, limits: &str, config: &str) -> PathBuf {
    let rules = dir.join("rules.toml");
    std::fs::write(
        &rules,
        format!(
            r#"
[defaults]
ou = "OU=Cloud Groups,OU=Groups,DC=contoso,DC=com"
managed_ous = ["OU=Groups,DC=contoso,DC=com"]
[scope]
kinds = ["microsoft365", "security", "mail-enabled-security"]
[runtime]
cache_dir = "{}"
[[plugins]]
name = "under-test"
path = "{}"
limits = {limits}
[plugins.config]
{config}
"#,
            cache_dir().display(),
            path.display()
        ),
    )
    .expect("rules");
    rules
}

fn gwb(rules: &Path, groups: &Path, extra: &[&str]) -> Output {
    rules_test(env!("CARGO_BIN_EXE_gwb"), rules, groups, extra)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// rules/contoso.toml's ou-router config.
const CONTOSO: &str = r#"
default_ou = "OU=Cloud Groups,OU=Groups,DC=contoso,DC=com"
routes = [
    { prefix = "FIN-", ou = "OU=Finance,OU=Groups,DC=contoso,DC=com" },
    { prefix = "HR-", ou = "OU=Human Resources,OU=Groups,DC=contoso,DC=com" },
    { regex = "^(ENG|DEV|OPS)-", ou = "OU=Engineering,OU=Groups,DC=contoso,DC=com" },
    { extension_attribute = "extensionAttribute1", equals = "Sales", ou = "OU=Sales,OU=Groups,DC=contoso,DC=com" },
]
"#;

/// Every kind of matcher against the example tenant, and no default: unmatched groups are
/// rule errors, whose words must match too.
const TENANT: &str = r#"
routes = [
    { prefix = "fin", ou = "OU=Finance,OU=Groups,DC=contoso,DC=com" },
    { regex = "(?i)\\bengineering$", ou = "OU=Engineering,OU=Groups,DC=contoso,DC=com" },
    { extension_attribute = "extension_7d9a4b2c1e8f4a6b9c0d1e2f3a4b5c6d_writebackOu", equals = "OU=Marketing,DC=gwb,DC=test", ou = "OU=Marketing,OU=Groups,DC=contoso,DC=com" },
    { prefix = "LEGACY ", ou = "OU=Legacy,OU=Groups,DC=contoso,DC=com" },
    { extension_attribute = "EXTENSIONATTRIBUTE10", ou = "OU=Costed,OU=Groups,DC=contoso,DC=com" },
]
"#;

/// The edge cases of matching: ASCII-only case folding, a non-ASCII prefix, regex classes,
/// lower-case attribute names, empty and missing values, a group without a displayName.
const EDGES: &str = r#"
default_ou = "OU=Cloud Groups,OU=Groups,DC=contoso,DC=com"
routes = [
    { prefix = "FIN-", ou = "OU=Finance,OU=Groups,DC=contoso,DC=com" },
    { prefix = "ü", ou = "OU=Umlaut,OU=Groups,DC=contoso,DC=com" },
    { regex = "^(ENG|DEV|OPS)-\\d+$", ou = "OU=Engineering,OU=Groups,DC=contoso,DC=com" },
    { extension_attribute = "extensionattribute1", equals = "Sales", ou = "OU=Sales,OU=Groups,DC=contoso,DC=com" },
    { extension_attribute = "extensionAttribute2", ou = "OU=Tagged,OU=Groups,DC=contoso,DC=com" },
]
"#;

/// Security groups: `(id suffix, displayName or null, onPremisesExtensionAttributes)`, and
/// the OU EDGES must route each to.
const EDGE_GROUPS: &[(&str, &str, &str, &str)] = &[
    ("01", r#""FIN-Payroll""#, "{}", "OU=Finance"),
    ("02", r#""fin-lower""#, "{}", "OU=Finance"),
    ("03", r#""über alles""#, "{}", "OU=Umlaut"),
    ("04", r#""Über alles""#, "{}", "OU=Cloud Groups"),
    ("05", r#""ENG-42""#, "{}", "OU=Engineering"),
    ("06", r#""ENG-x""#, "{}", "OU=Cloud Groups"),
    ("07", r#""ENG-４２""#, "{}", "OU=Engineering"),
    (
        "08",
        r#""Team""#,
        r#"{"extensionAttribute1": "Sales"}"#,
        "OU=Sales",
    ),
    (
        "09",
        r#""Team""#,
        r#"{"extensionAttribute1": "sales", "extensionAttribute2": ""}"#,
        "OU=Cloud Groups",
    ),
    (
        "10",
        r#""Team""#,
        r#"{"extensionAttribute2": "x"}"#,
        "OU=Tagged",
    ),
    ("11", "null", "{}", "OU=Cloud Groups"),
];

fn edge_groups(dir: &Path) -> PathBuf {
    let items: Vec<String> = EDGE_GROUPS
        .iter()
        .map(|(n, name, ext, _)| {
            format!(
                r#"{{"id": "00000000-0000-4000-8000-0000000000{n}", "displayName": {name}, "securityEnabled": true, "mailEnabled": false, "groupTypes": [], "onPremisesExtensionAttributes": {ext}}}"#
            )
        })
        .collect();
    let path = dir.join("edges.json");
    std::fs::write(&path, format!(r#"{{"value": [{}]}}"#, items.join(",\n"))).expect("edge groups");
    path
}

/// The example tenant's groups (testkit/graph-emulator/tenants/example.json) as a Graph
/// groups response: member ids become member objects with their `@odata.type`.
fn tenant_groups(dir: &Path) -> PathBuf {
    let tenant: serde_json::Value = serde_json::from_str(include_str!(
        "../../testkit/graph-emulator/tenants/example.json"
    ))
    .expect("tenant");
    let ids = |key: &str| -> Vec<String> {
        tenant[key]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|o| o["id"].as_str().map(str::to_owned))
            .collect()
    };
    let (users, groups) = (ids("users"), ids("groups"));
    let mut value = tenant["groups"].clone();
    for group in value.as_array_mut().expect("groups") {
        let members = group["members"].as_array().cloned().unwrap_or_default();
        group["members"] = members
            .iter()
            .map(|id| {
                let id = id.as_str().expect("member id").to_owned();
                let kind = if users.contains(&id) {
                    "#microsoft.graph.user"
                } else if groups.contains(&id) {
                    "#microsoft.graph.group"
                } else {
                    "#microsoft.graph.device"
                };
                serde_json::json!({"@odata.type": kind, "id": id})
            })
            .collect();
    }
    let path = dir.join("tenant.json");
    std::fs::write(&path, serde_json::json!({ "value": value }).to_string()).expect("tenant");
    path
}

/// Runs the Rust and the Python ou-router with `config` over `groups` and asserts the same exit
/// code and byte-identical JSON; returns the report.
fn same_answers(config: &str, groups: &Path) -> serde_json::Value {
    let dir = tempfile::tempdir().expect("tempdir");
    // The time budget is not under test: generous, so a loaded machine cannot fail a group.
    let limits = "{ time_ms = 5000, memory_mib = 16 }";
    let rust_dir = dir.path().join("rust");
    let python_dir = dir.path().join("python");
    for d in [&rust_dir, &python_dir] {
        std::fs::create_dir(d).expect("dir");
    }
    let rust = gwb(
        &rules(&rust_dir, &built_plugin("ou_router"), limits, config),
        groups,
        &["--format", "json"],
    );
    let python = gwb(
        &rules(
            &python_dir,
            &built_python_plugin("ou_router"),
            limits,
            config,
        ),
        groups,
        &["--format", "json"],
    );
    let name = groups.display();
    assert_eq!(
        python.status.code(),
        rust.status.code(),
        "{name}: {}",
        text(&python.stderr)
    );
    assert_eq!(
        text(&python.stdout),
        text(&rust.stdout),
        "{name}: {}",
        text(&python.stderr)
    );
    if rust.status.code() == Some(1) {
        // Only a file of other objects may stop the run, never the rules file.
        let stderr = text(&rust.stderr);
        assert!(
            stderr.contains("not groups; give a groups response"),
            "{name}: {stderr}"
        );
        return serde_json::Value::Null;
    }
    serde_json::from_slice(&python.stdout).expect("JSON report")
}

/// The DN each item of a report was written to (`None` for a skip or failure).
fn dns(report: &serde_json::Value) -> Vec<Option<String>> {
    report
        .as_array()
        .expect("report")
        .iter()
        .map(|item| item["dn"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn the_python_ou_router_answers_byte_for_byte_as_the_rust_one() {
    // Every docs fixture with contoso's config (groups, non-groups, items without id).
    let (mut seen, mut reports) = (0, 0);
    for entry in std::fs::read_dir(graph_docs_fixtures()).expect("fixtures") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            if !same_answers(CONTOSO, &path).is_null() {
                reports += 1;
            }
            seen += 1;
        }
    }
    assert_eq!(seen, 12, "all docs fixtures were compared");
    assert_eq!(reports, 8, "the 8 group responses were routed");

    // The example tenant, with contoso's config and with a config hitting every matcher.
    let dir = tempfile::tempdir().expect("tempdir");
    let tenant = tenant_groups(dir.path());
    let report = same_answers(CONTOSO, &tenant);
    assert_eq!(report.as_array().map(Vec::len), Some(13), "{report}");
    let report = same_answers(TENANT, &tenant);
    let routed: Vec<String> = dns(&report).into_iter().flatten().collect();
    for ou in [
        ",OU=Finance,OU=Groups,DC=contoso,DC=com",
        ",OU=Engineering,OU=Groups,DC=contoso,DC=com",
        ",OU=Marketing,OU=Groups,DC=contoso,DC=com",
        ",OU=Legacy,OU=Groups,DC=contoso,DC=com",
    ] {
        assert!(routed.iter().any(|dn| dn.ends_with(ou)), "{ou}: {report}");
    }
    let unrouted = report
        .as_array()
        .expect("report")
        .iter()
        .filter(|item| {
            item["message"]
                .as_str()
                .is_some_and(|e| e.contains("no default_ou is configured"))
        })
        .count();
    assert!(unrouted > 0, "groups no route matches fail: {report}");

    // The edge cases: each group lands where the Rust semantics put it.
    let edges = edge_groups(dir.path());
    let report = same_answers(EDGES, &edges);
    let got = dns(&report);
    assert_eq!(got.len(), EDGE_GROUPS.len(), "{report}");
    for (dn, (n, name, _, ou)) in got.iter().zip(EDGE_GROUPS) {
        let dn = dn.as_deref().unwrap_or_default();
        assert!(
            dn.contains(&format!(",{ou},")),
            "group {n} {name} goes to {ou}: {dn}"
        );
    }
}

/// `gwb rules test` over "Bad group" and "Good group" with the Python test plugin
/// py_misbehave configured with `config` (a `[plugins.config]` body) and `memory_mib`.
fn py_misbehave(config: &str, memory_mib: u32) -> Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let groups = bad_and_good_groups(dir.path());
    // The time budget is not under test: generous, so a loaded machine cannot fail a group.
    let limits = format!("{{ memory_mib = {memory_mib}, time_ms = 5000 }}");
    let rules = rules(
        dir.path(),
        &built_python_plugin("py_misbehave"),
        &limits,
        config,
    );
    // The tests run in parallel: the first run compiles the component into the cache alone,
    // the others wait for it and load it from there.
    static COMPILED: Mutex<bool> = Mutex::new(false);
    let mut compiled = COMPILED.lock().unwrap_or_else(PoisonError::into_inner);
    if *compiled {
        drop(compiled);
        return gwb(&rules, &groups, &[]);
    }
    let out = gwb(&rules, &groups, &[]);
    // Every run reads and compiles the plugin before anything else can fail.
    *compiled = true;
    out
}

const BAD: &str = "\"Bad group\" (00000000-0000-4000-8000-00000000000b)";

/// Runs py_misbehave with `mode` in `stage` for "Bad group" and asserts the run finished
/// (exit 4), "Bad group" failed and "Good group" was written by the same plugin afterwards, with
/// what its stages answer; returns the first item's text and the run's stderr.
fn bad_group_failed(stage: &str, mode: &str) -> (String, String) {
    let out = py_misbehave(
        &format!("mode = \"{mode}\"\nstage = \"{stage}\"\nonly = \"Bad group\""),
        16,
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(4), "{stdout}{}", text(&out.stderr));
    let (first, second) = stdout.split_once("[2] ").expect("two items");
    let good = "00000000-0000-4000-8000-00000000000c";
    assert!(
        second.starts_with(&format!(
            "{good} \"Good group\"\n    write CN=ok {good},OU=Cloud Groups,OU=Groups,DC=contoso,DC=com\n"
        )) && second.contains(&format!("\n      description: ok {good}\n"))
            && second.contains("\n      info: from python\n"),
        "the run goes on with the next group: {stdout}"
    );
    assert!(
        stdout.ends_with("2 item(s): 1 written, 0 skipped, 1 failed, 0 removed, 0 invalid\n"),
        "{stdout}"
    );
    (first.to_owned(), text(&out.stderr))
}

/// Asserts an error-level log line of the run contains `text` and is tagged with the plugin and
/// "Bad group", and that no frame of the SDK's own code reaches the log.
fn assert_logged_for_bad_group(stderr: &str, text: &str) {
    assert!(
        stderr.lines().any(|l| l.contains("ERROR")
            && l.contains(text)
            && l.contains("\"under-test\"")
            && l.contains("\"00000000-0000-4000-8000-00000000000b\"")),
        "{text}: {stderr}"
    );
    assert!(!stderr.contains("gwb_plugin/plugin.py"), "{stderr}");
}

#[test]
fn an_uncaught_python_exception_names_the_group_and_exception_and_logs_the_traceback() {
    for (stage, line) in [("filter", 66), ("naming", 70), ("mapping", 74)] {
        let (first, stderr) = bad_group_failed(stage, "raise");
        assert!(
            first.contains(&format!(
                "    failed: plugin under-test (py-misbehave 0.1.0, {}) {stage} stage on group \
                 {BAD}: panicked: uncaught Python exception in the {stage} stage: KeyError: \
                 'bad group' (traceback in the log)\n",
                built_python_plugin("py_misbehave").display()
            )),
            "{first}"
        );
        assert!(!first.contains("reached unreachable code"), "{first}");
        // The traceback, through the log (one line, its line breaks escaped), tagged with the
        // group; it starts in the author's code, not in the SDK.
        assert!(
            stderr.contains(&format!(
                r#"Traceback (most recent call last):\n  File "/0/app.py", line {line}, in {stage}\n  File "/0/app.py", line 58, in misbehave\n  File "/0/app.py", line 34, in _cost_center\nKeyError: 'bad group'"#
            )),
            "{stderr}"
        );
        assert_logged_for_bad_group(&stderr, "Traceback (most recent call last):");
    }
}

#[test]
fn a_wrong_return_type_is_named_not_a_bare_trap() {
    for (stage, expected) in [
        ("filter", "write() or skip(reason)"),
        ("naming", "a NamingDecision such as keep(parent_dn=...)"),
        ("mapping", "a list of replace(), add() or remove() edits"),
    ] {
        let (first, stderr) = bad_group_failed(stage, "wrong-return");
        let message =
            format!("TypeError: the {stage} stage returned 'OU=Somewhere'; expected {expected}");
        assert!(
            first.contains(&format!(
                "{stage} stage on group {BAD}: panicked: uncaught Python exception in the \
                 {stage} stage: {message} (traceback in the log)\n"
            )),
            "{first}"
        );
        // Logged too; the check is the SDK's, so no frame of the SDK is shown.
        assert_logged_for_bad_group(&stderr, &message);
    }
}

#[test]
fn a_python_rule_error_is_that_groups_rule_error() {
    for stage in ["filter", "naming", "mapping"] {
        let (first, stderr) = bad_group_failed(stage, "rule-error");
        assert_eq!(
            first,
            format!(
                "[1] 00000000-0000-4000-8000-00000000000b \"Bad group\"\n    failed: plugin \
                 `under-test` ({stage} stage) returned an error for group {BAD}: no cost center \
                 is known for group {BAD}\n"
            )
        );
        assert!(
            !stderr.contains("Traceback"),
            "an expected error is no crash: {stderr}"
        );
    }
}

#[test]
fn python_configure_errors_stop_the_load_with_the_cause() {
    // An exception in configure: the load fails naming it, with the traceback logged.
    let out = py_misbehave(r#"mode = "configure-raise""#, 16);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(text(&out.stdout), "", "no group is reported on");
    assert!(
        stderr.contains(
            "failed while calling configure: panicked: uncaught Python exception in configure: \
             ZeroDivisionError: division by zero (traceback in the log)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(r#"in configure\nZeroDivisionError: division by zero"#),
        "{stderr}"
    );
    // A misspelt key is refused by the SDK's config parsing, naming the keys allowed.
    let out = py_misbehave(
        r#"mode = "raise"
onyl = "Bad group""#,
        16,
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(r#"invalid config: unknown field "onyl", expected one of "mode", "only""#),
        "{stderr}"
    );
}

#[test]
fn a_python_plugin_needs_13_mib_of_memory() {
    let out = py_misbehave(r#"mode = "none""#, 12);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("failed while instantiating: exceeded its 12 MiB memory limit"),
        "{stderr}"
    );
    let out = py_misbehave(r#"mode = "none""#, 13);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// `plugins/python/build.py --check-imports` on `path`.
fn check_imports(path: &Path) -> Output {
    Command::new("python3")
        .arg(repo().join("plugins/python/build.py"))
        .arg("--check-imports")
        .arg(path)
        .output()
        .expect("run python3 plugins/python/build.py")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn the_build_refuses_a_component_importing_what_gwb_does_not_link() {
    // The built plugins pass.
    let out = check_imports(&built_python_plugin("ou_router"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("imports, all linked by gwb"));
    // A component header and an import section with three instance imports, one allowed.
    let names = [
        "gwb:rules/log@1.0.0",
        "wasi:http/outgoing-handler@0.2.0",
        "wasi:cli/environment@0.3.0",
    ];
    let mut section = vec![u8::try_from(names.len()).expect("few")];
    for name in names {
        section.push(0x00);
        section.push(u8::try_from(name.len()).expect("short name"));
        section.extend_from_slice(name.as_bytes());
        section.extend_from_slice(&[0x05, 0x00]);
    }
    let mut wasm = b"\0asm\x0d\x00\x01\x00\x0a".to_vec();
    wasm.push(u8::try_from(section.len()).expect("short section"));
    wasm.extend_from_slice(&section);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("http.wasm");
    std::fs::write(&path, wasm).expect("component");
    let out = check_imports(&path);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "the component imports wasi:http/outgoing-handler@0.2.0, \
             wasi:cli/environment@0.3.0, which gwb does not provide"
        ),
        "{stderr}"
    );
}
