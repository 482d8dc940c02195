//! Python rule plugins (plugins/python, built by scripts/build-plugins.sh with componentize-py)
//! through the `gwb rules test` binary: a Python plugin's exceptions reach the author as words and
//! a traceback, per group; its RuleError is that group's rule error; a bad config stops the load;
//! it needs 13 MiB. (That the Python examples answer as the Rust ones: tests/conformance.rs.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, PoisonError};

use test_support::{
    OnePlugin, bad_and_good_groups, built_python_plugin, one_plugin_rules, rules_test,
};

/// The compile cache tests/conformance.rs and rules_test_js.rs use too, for every run (and the
/// next ones): a Python component is 18 MB and takes Cranelift 10-20 s to compile, so once.
fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-cache")
}

fn gwb(rules: &Path, groups: &Path, extra: &[&str]) -> Output {
    rules_test(env!("CARGO_BIN_EXE_gwb"), rules, groups, extra)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `gwb rules test` over "Bad group" and "Good group" with the Python test plugin
/// py_misbehave (as `under-test`) configured with `config` (the keys of a TOML inline table) and
/// `memory_mib`.
fn py_misbehave(config: &str, memory_mib: u32) -> Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let groups = bad_and_good_groups(dir.path());
    // The time budget is not under test: generous, so a loaded machine cannot fail a group.
    let limits = format!("{{ memory_mib = {memory_mib}, time_ms = 5000 }}");
    let plugin = OnePlugin {
        name: "under-test",
        path: &built_python_plugin("py_misbehave"),
        limits: &limits,
        config,
        // What py_misbehave's mapping writes.
        attributes: Some(r#"["description", "info"]"#),
    };
    let rules = one_plugin_rules(dir.path(), &plugin, Some(&cache_dir()));
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
        &format!("mode = \"{mode}\", stage = \"{stage}\", only = \"Bad group\""),
        16,
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(4), "{stdout}{}", text(&out.stderr));
    let (first, second) = stdout.split_once("[2] ").expect("two items");
    let good = "00000000-0000-4000-8000-00000000000c";
    assert!(
        second.starts_with(&format!(
            "{good} \"Good group\"\n    write CN=ok {good},OU=Cloud,DC=example,DC=com\n"
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
    let out = py_misbehave(r#"mode = "raise", onyl = "Bad group""#, 16);
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
