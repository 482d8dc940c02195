//! The three example plugins in Rust, Python and JavaScript answer alike: for each example, the
//! docs fixtures, the example tenant and a file of edge cases go through `gwb rules test
//! --format json` with rules/contoso.toml's config for the plugin and with configs that reach
//! every branch, and the Python and JS ports must give the Rust plugin's exit code and
//! byte-identical output. Configs each port refuses must be refused with the same words.
//!
//! Every component is compiled once into a compile cache shared by the runs (and the next
//! runs), each example is one test, so no two tests compile the same component at once.

use std::path::{Path, PathBuf};

use test_support::{
    built_js_plugin, built_plugin, built_python_plugin, graph_docs_fixtures, rules_test,
};

/// One compile cache for every run of the test binaries (rules_test_python and rules_test_js
/// use it too): a Python component takes Cranelift 10-20 s, a JS one 14-40 s.
fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-cache")
}

/// An example plugin and the configs (TOML bodies of its `config` table) that, besides
/// rules/contoso.toml's, reach its branches.
struct Example {
    /// Its name in rules/contoso.toml.
    name: &'static str,
    /// The crate name (plugins/examples), the Python folder, the JS folder.
    builds: [&'static str; 3],
    /// `(what it shows, config)`.
    configs: &'static [(&'static str, &'static str)],
}

/// The languages, in the order of `Example::builds`.
const LANGUAGES: [&str; 3] = ["rust", "python", "js"];

fn component(language: &str, build: &str) -> PathBuf {
    match language {
        "rust" => built_plugin(build),
        "python" => built_python_plugin(build),
        _ => built_js_plugin(build),
    }
}

/// A rules file in `dir` with one plugin at `path` with `config` (a TOML table).
fn rules(dir: &Path, name: &str, path: &Path, config: &toml::Table) -> PathBuf {
    let mut rules: toml::Table = toml::from_str(
        r#"
[defaults]
ou = "OU=Cloud Groups,OU=Groups,DC=contoso,DC=com"
managed_ous = ["OU=Groups,DC=contoso,DC=com"]
[scope]
kinds = ["microsoft365", "security", "mail-enabled-security"]
"#,
    )
    .expect("rules");
    let mut runtime = toml::Table::new();
    runtime.insert("cache_dir".into(), cache_dir().display().to_string().into());
    rules.insert("runtime".into(), runtime.into());
    let mut plugin = toml::Table::new();
    plugin.insert("name".into(), name.into());
    plugin.insert("path".into(), path.display().to_string().into());
    // The time budget is not under test: generous, so a loaded machine cannot fail a group;
    // 32 MiB holds a Python (13) or JS (10 and growing) instance.
    let limits: toml::Table = toml::from_str("time_ms = 5000\nmemory_mib = 32").expect("limits");
    plugin.insert("limits".into(), limits.into());
    plugin.insert("config".into(), config.clone().into());
    rules.insert("plugins".into(), vec![toml::Value::from(plugin)].into());
    let file = dir.join(format!(
        "{}.toml",
        path.file_stem().expect("stem").display()
    ));
    std::fs::write(&file, toml::to_string(&rules).expect("TOML")).expect("rules");
    file
}

/// rules/contoso.toml's `config` of the plugin `name`.
fn contoso_config(name: &str) -> toml::Table {
    let contoso: toml::Table =
        toml::from_str(include_str!("../../rules/contoso.toml")).expect("contoso");
    let plugins = contoso["plugins"].as_array().expect("plugins");
    let plugin = plugins
        .iter()
        .find(|p| p["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("rules/contoso.toml has the plugin {name}"));
    plugin["config"].as_table().expect("config").clone()
}

/// Runs `groups` through the example with `config` in each language; asserts the Python and JS
/// runs exit as the Rust one and print the same bytes, and that a refused config is refused
/// with the same words. Returns the Rust run's exit code and stdout.
fn same_answers(example: &Example, config: &toml::Table, groups: &Path) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let runs: Vec<_> = LANGUAGES
        .iter()
        .zip(example.builds)
        .map(|(language, build)| {
            let path = component(language, build);
            let out = rules_test(
                env!("CARGO_BIN_EXE_gwb"),
                &rules(dir.path(), example.name, &path, config),
                groups,
                &["--format", "json"],
            );
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            let refusal = stderr
                .split_once("refused its config: ")
                .map(|(_, rest)| rest.lines().next().unwrap_or_default().to_owned());
            let stdout = String::from_utf8(out.stdout).expect("utf-8");
            (*language, out.status.code(), stdout, refusal, stderr)
        })
        .collect();
    let (_, code, stdout, refusal, _) = &runs[0];
    for (language, other_code, other_stdout, other_refusal, stderr) in &runs[1..] {
        let what = format!(
            "{} with {config} over {}: {language} answers as Rust ({language}'s stderr: {stderr})",
            example.name,
            groups.display()
        );
        assert_eq!(other_code, code, "{what}");
        assert_eq!(other_stdout, stdout, "{what}");
        assert_eq!(other_refusal, refusal, "{what}");
    }
    (*code, stdout.clone())
}

/// Every docs fixture with contoso's config, then the tenant and the edge cases with contoso's
/// and each of the example's configs; returns the Rust runs' stdout of the latter, by config.
fn conforms(example: &Example) -> Vec<(&'static str, String)> {
    let contoso = contoso_config(example.name);
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(graph_docs_fixtures())
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    fixtures.sort();
    assert_eq!(fixtures.len(), 12, "all docs fixtures");
    let mut written = 0;
    for groups in &fixtures {
        let (code, out) = same_answers(example, &contoso, groups);
        // Only a file of other objects may stop the run.
        assert!(
            matches!(code, Some(0 | 1 | 4)),
            "{}: {out}",
            groups.display()
        );
        written += out.matches("\"result\": \"write\"").count();
    }
    assert!(written >= 3, "the fixtures' groups reached the plugin");

    let dir = tempfile::tempdir().expect("tempdir");
    let files = [tenant_groups(dir.path()), edge_groups(dir.path())];
    let mut reports = Vec::new();
    let configs = std::iter::once(("contoso", contoso)).chain(
        example
            .configs
            .iter()
            .map(|(what, body)| (*what, toml::from_str(body).expect("config"))),
    );
    for (what, config) in configs {
        for groups in &files {
            let (code, out) = same_answers(example, &config, groups);
            assert!(matches!(code, Some(0 | 1 | 4)), "{what}: {out}");
            reports.push((what, out));
        }
    }
    reports
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

/// Groups at the edges of matching, quoting and naming: `(displayName, kind, members,
/// onPremisesExtensionAttributes)`, kind `s` security, `m` mail-enabled security, `u` Microsoft 365.
const EDGE_GROUPS: &[(Option<&str>, char, usize, &str)] = &[
    (Some("FIN-Payroll"), 's', 3, "{}"),
    (Some("fin-lower"), 'u', 0, "{}"),
    (Some("über alles"), 's', 1, "{}"),
    (Some("Über alles"), 'm', 2, "{}"),
    (Some("ENG-42"), 's', 2, "{}"),
    (Some("ENG-x"), 's', 2, "{}"),
    (Some("ENG-４２"), 's', 2, "{}"),
    (Some("Team"), 's', 2, r#"{"extensionAttribute1": "Sales"}"#),
    (
        Some("Team"),
        's',
        2,
        r#"{"extensionAttribute1": "sales", "extensionAttribute2": ""}"#,
    ),
    (Some("Team"), 's', 2, r#"{"extensionAttribute2": "x"}"#),
    (None, 's', 2, "{}"),
    (Some("Say \"hi\"\tto \\ all"), 's', 2, "{}"),
    (Some("Cafe\u{301} sandbox"), 's', 2, "{}"),
    (Some("my SANDBOX-2"), 's', 2, "{}"),
    (Some("sandboxes"), 's', 2, "{}"),
    (Some("test-foo"), 's', 2, "{}"),
    (Some("a.b.c.d.e.f.g.h.i.j.k.l.m.n"), 's', 2, "{}"),
    (Some("...."), 's', 2, "{}"),
    (Some("x\u{a0}y\u{200b}z\u{7f}"), 's', 2, "{}"),
    (Some("Line\nbreak team"), 's', 2, "{}"),
    (Some("Größe ｶﾞ group"), 's', 2, "{}"),
];

fn edge_groups(dir: &Path) -> PathBuf {
    let items: Vec<serde_json::Value> = EDGE_GROUPS
        .iter()
        .enumerate()
        .map(|(i, (name, kind, members, ext))| {
            let members: Vec<_> = (0..*members)
                .map(|m| {
                    serde_json::json!({
                        "@odata.type": "#microsoft.graph.user",
                        "id": format!("00000000-0000-4000-8000-1000000000{m:02}"),
                    })
                })
                .collect();
            serde_json::json!({
                "id": format!("00000000-0000-4000-8000-0000000000{i:02}"),
                "displayName": name,
                "securityEnabled": *kind != 'u',
                "mailEnabled": *kind != 's',
                "groupTypes": if *kind == 'u' { vec!["Unified"] } else { vec![] },
                "onPremisesExtensionAttributes":
                    serde_json::from_str::<serde_json::Value>(ext).expect("extension attributes"),
                "members": members,
            })
        })
        .collect();
    let path = dir.join("edges.json");
    std::fs::write(&path, serde_json::json!({ "value": items }).to_string()).expect("edges");
    path
}

/// Asserts each of `texts` occurs in one of the reports.
fn reached(reports: &[(&str, String)], texts: &[&str]) {
    for text in texts {
        assert!(
            reports.iter().any(|(_, out)| out.contains(text)),
            "some run shows {text}: {reports:#?}"
        );
    }
}

#[test]
fn group_filter_answers_alike_in_rust_python_and_js() {
    let reports = conforms(&Example {
        name: "group-filter",
        builds: ["group_filter", "group_filter", "group-filter"],
        configs: &[
            (
                "every reason",
                r#"
kinds = ["security", "m365"]
include = ["*team*", "re:^(FIN|ENG)-", "?ber *", "Caf*"]
exclude = ["*(dynamic)", "re:(?i)^old", "ENG-?"]
min_members = 2
max_members = 2
"#,
            ),
            (
                "bounds only",
                "min_members = 1\nmax_members = 2\nkinds = [\"mail-enabled-security\", \"security\", \"m365\"]",
            ),
            ("refused bounds", "min_members = 3\nmax_members = 2"),
        ],
    });
    reached(
        &reports,
        &[
            "\"result\": \"write\"",
            "is not one of the configured kinds [security, m365]",
            "matches exclude pattern \\\"*(dynamic)\\\"",
            "matches no include pattern",
            "fewer than min_members",
            "more than max_members",
            // Rust's {:?} quoting: quotes, tab, backslash, a combining accent, no-break and
            // zero-width spaces, DEL, a line break.
            r#"displayName \"Say \\\"hi\\\"\\tto \\\\ all\" matches"#,
            r#"\"Cafe\\u{301} sandbox\""#,
            r#"\"x\\u{a0}y\\u{200b}z\\u{7f}\""#,
            r#"\"Line\\nbreak team\""#,
        ],
    );
    // contoso's exclude pattern: "sandbox" as a word, in any case, not within a word.
    let contoso = &reports[1].1;
    assert!(
        contoso.contains("\"my SANDBOX-2\\\" matches exclude"),
        "{contoso}"
    );
    assert!(!contoso.contains("\"sandboxes\\\" matches"), "{contoso}");
    // Refused alike (the words are compared in same_answers).
    assert!(
        reports
            .iter()
            .any(|(what, out)| *what == "refused bounds" && out.is_empty())
    );
}

#[test]
fn sam_name_answers_alike_in_rust_python_and_js() {
    let reports = conforms(&Example {
        name: "sam-name",
        builds: ["sam_name", "sam_name", "sam-name"],
        configs: &[
            ("no prefix", ""),
            ("longest prefix", "prefix = \"grp.x_-9\""),
            ("prefix too long", "prefix = \"toolongprefix\""),
            ("prefix with a space", "prefix = \"a b\""),
            ("prefix with a quote", "prefix = \"a'\""),
        ],
    });
    let mut names = Vec::new();
    for (what, out) in &reports {
        for line in out.lines() {
            if let Some(name) = line.trim().strip_prefix("\"sam_account_name\": ") {
                let name: String = serde_json::from_str(name.trim_end_matches(',')).expect("name");
                assert!(name.len() <= 20 && !name.ends_with('.'), "{what}: {name}");
                names.push(name);
            }
        }
    }
    assert!(names.len() > 40, "names were compared: {reports:#?}");
    // The FNV-1a hash of the id, the body cut to the room the prefix leaves, dots trimmed,
    // the hash alone when nothing of the displayName is kept.
    let hex = |s: &str| s.len() == 6 && s.bytes().all(|b| b.is_ascii_hexdigit());
    for (prefix, body) in [
        ("cg-", "FIN-Payrol-"),
        ("cg-", "a.b.c.d.e-"),
        ("grp.x_-9", "a.b.c-"),
        ("", "Team-"),
        ("cg-", ""),
        ("", ""),
    ] {
        let start = format!("{prefix}{body}");
        assert!(
            names
                .iter()
                .any(|n| n.strip_prefix(&start).is_some_and(hex)),
            "a name {start}<hash>: {names:?}"
        );
    }
    for refused in [
        "prefix too long",
        "prefix with a space",
        "prefix with a quote",
    ] {
        assert!(
            reports
                .iter()
                .any(|(what, out)| *what == refused && out.is_empty())
        );
    }
}

#[test]
fn ou_router_answers_alike_in_rust_python_and_js() {
    let reports = conforms(&Example {
        name: "ou-router",
        builds: ["ou_router", "ou_router", "ou-router"],
        configs: &[
            (
                "every matcher, no default",
                r#"
routes = [
    { prefix = "fin", ou = "OU=Finance,OU=Groups,DC=contoso,DC=com" },
    { regex = "(?i)^sales", ou = "OU=Sales,OU=Groups,DC=contoso,DC=com" },
    { extension_attribute = "EXTENSIONATTRIBUTE10", equals = "cost-0000", ou = "OU=Cost,OU=Groups,DC=contoso,DC=com" },
    { extension_attribute = "extension_7d9a4b2c1e8f4a6b9c0d1e2f3a4b5c6d_writebackOu", ou = "OU=Directory,OU=Groups,DC=contoso,DC=com" },
    { regex = "^(Platform|HR) ", ou = "OU=Teams,OU=Groups,DC=contoso,DC=com" },
    { prefix = "LEGACY ", ou = "OU=Legacy,OU=Groups,DC=contoso,DC=com" },
]
"#,
            ),
            (
                "edges of matching",
                r#"
default_ou = "OU=Cloud Groups,OU=Groups,DC=contoso,DC=com"
routes = [
    { prefix = "FIN-", ou = "OU=Finance,OU=Groups,DC=contoso,DC=com" },
    { prefix = "ü", ou = "OU=Umlaut,OU=Groups,DC=contoso,DC=com" },
    { regex = "^(ENG|DEV|OPS)-[0-9]+$", ou = "OU=Engineering,OU=Groups,DC=contoso,DC=com" },
    { extension_attribute = "extensionattribute1", equals = "Sales", ou = "OU=Sales,OU=Groups,DC=contoso,DC=com" },
    { extension_attribute = "extensionAttribute2", ou = "OU=Tagged,OU=Groups,DC=contoso,DC=com" },
]
"#,
            ),
            (
                "two matchers",
                "routes = [{ prefix = \"A\", regex = \"^A\", ou = \"OU=X\" }]",
            ),
            (
                "no such attribute",
                "routes = [{ extension_attribute = \"extensionAttribute16\", ou = \"OU=X\" }]",
            ),
        ],
    });
    reached(
        &reports,
        &[
            ",OU=Finance,OU=Groups,DC=contoso,DC=com\"",
            ",OU=Sales,OU=Groups,DC=contoso,DC=com\"",
            ",OU=Directory,OU=Groups,DC=contoso,DC=com\"",
            ",OU=Teams,OU=Groups,DC=contoso,DC=com\"",
            ",OU=Legacy,OU=Groups,DC=contoso,DC=com\"",
            ",OU=Umlaut,OU=Groups,DC=contoso,DC=com\"",
            ",OU=Engineering,OU=Groups,DC=contoso,DC=com\"",
            ",OU=Tagged,OU=Groups,DC=contoso,DC=com\"",
            ",OU=Cloud Groups,OU=Groups,DC=contoso,DC=com\"",
            "no route matches group \\\"Contractors\\\" (ed20258b-67c9-4240-a5e1-278db65be8e0) and \
             no default_ou is configured",
            "no route matches group (00000000-0000-4000-8000-000000000010) and no default_ou",
        ],
    );
}
