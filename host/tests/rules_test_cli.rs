//! `gwb rules test`, run as the binary a plugin author runs: Microsoft's docs fixtures through
//! rules/contoso.toml (all three example plugins), and misbehaving plugins contained per group.

use std::path::{Path, PathBuf};
use std::process::Output;

use test_support::{
    OnePlugin, bad_and_good_groups, built_plugin, graph_docs_fixtures, one_plugin_rules, rules_test,
};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixture(name: &str) -> PathBuf {
    let path = graph_docs_fixtures().join(name);
    assert!(path.is_file(), "{} is missing", path.display());
    path
}

fn gwb(rules: &Path, groups: &Path, extra: &[&str]) -> Output {
    built_plugin("group_filter");
    rules_test(env!("CARGO_BIN_EXE_gwb"), rules, groups, extra)
}

fn contoso() -> PathBuf {
    repo().join("rules/contoso.toml")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("utf-8")
}

#[test]
fn a_docs_group_becomes_the_exact_ad_object() {
    let out = gwb(&contoso(), &fixture("group-get.json"), &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout(&out),
        "[1] 02bd9fd6-8f93-4758-87c3-1fb73740a315 \"HR Taskforce\"
    write CN=HR Taskforce_1fb73740a315,OU=Cloud Groups,OU=Groups,DC=contoso,DC=com
      sAMAccountName: cg-HRTaskforc-f6662b
      adminDescription: Group_02bd9fd6-8f93-4758-87c3-1fb73740a315
      description: Welcome to the HR Taskforce team.
      displayName: HR Taskforce
      groupType: 8
      member: 0 cloud member(s), resolved to AD objects when syncing
1 item(s): 1 written, 0 skipped, 0 failed, 0 removed, 0 invalid
"
    );
}

#[test]
fn exchange_schema_adds_mail_attributes_and_json_is_machine_readable() {
    let out = gwb(
        &contoso(),
        &fixture("group-get.json"),
        &[
            "--exchange-schema",
            "--external-directory-object-id",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let item = &report[0];
    assert_eq!(item["result"], "write");
    assert_eq!(item["attributes"]["mail"][0], "HRTaskforce@contoso.com");
    assert_eq!(item["attributes"]["mailNickname"][0], "HRTaskforce");
    assert_eq!(
        item["attributes"]["msDS-ExternalDirectoryObjectId"][0],
        "Group_02bd9fd6-8f93-4758-87c3-1fb73740a315"
    );
    assert_eq!(
        item["attributes"]["proxyAddresses"],
        serde_json::json!(["SMTP:HRTaskforce@contoso.com"]),
        "the SPO: address means nothing to on-premises Exchange"
    );
    assert_eq!(item["attributes"]["msExchRecipientDisplayType"][0], "1");
    assert!(
        item["attributes"].get("targetAddress").is_none(),
        "no address in *.mail.onmicrosoft.com, so no routing: {item}"
    );
    assert!(
        item["warnings"][0]
            .as_str()
            .is_some_and(|w| w.starts_with("not routable to Exchange Online")),
        "{item}"
    );
}

#[test]
fn skips_are_reported_with_their_reason() {
    let out = gwb(&contoso(), &fixture("groups-list.json"), &[]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.contains("[1] 45b7d2e7-b882-4a80-ba97-10b7a63b8fa4 \"Golf Assist\"\n    write CN=Golf Assist_10b7a63b8fa4,OU=Cloud Groups,OU=Groups,DC=contoso,DC=com\n"), "{text}");
    assert!(text.contains("[2] d7797254-3084-44d0-99c9-a3b5ab149538 \"Golf Discussion\"\n    skipped by defaults: an Exchange Online distribution list"), "{text}");
    assert!(
        text.ends_with("2 item(s): 1 written, 1 skipped, 0 failed, 0 removed, 0 invalid\n"),
        "{text}"
    );
}

#[test]
fn items_without_id_are_reported_not_crashed_on() {
    for name in [
        "groups-delta.json",
        "groups-delta-select.json",
        "groups-search.json",
    ] {
        let out = gwb(&contoso(), &fixture(name), &[]);
        assert_eq!(
            out.status.code(),
            Some(4),
            "{name}: exit 4 = finished with per-group failures"
        );
        let text = stdout(&out);
        assert!(
            text.contains("(no id)\n    invalid item: a group item has no `id`"),
            "{name}: {text}"
        );
    }
}

#[test]
fn non_group_items_are_reported_as_such() {
    let out = gwb(&contoso(), &fixture("group-transitive-members.json"), &[]);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(
        stdout(&out),
        "[1] (no id)\n    invalid item: a #microsoft.graph.user item, not a group\n\
         1 item(s): 0 written, 0 skipped, 0 failed, 0 removed, 1 invalid\n"
    );
}

#[test]
fn every_docs_fixture_gets_an_answer_and_non_group_files_a_clear_error() {
    let dir = graph_docs_fixtures();
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("fixtures") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        seen += 1;
        let out = gwb(&contoso(), &path, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{}: {stderr}", path.display());
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with("users") || name == "group-members.json" || name == "group-owners.json"
        {
            assert_eq!(
                out.status.code(),
                Some(1),
                "{name}: a collection of another type"
            );
            assert!(
                stderr.contains("not groups; give a groups response"),
                "{name}: {stderr}"
            );
        } else {
            assert!(matches!(out.status.code(), Some(0 | 4)), "{name}: {stderr}");
            assert!(stdout(&out).contains(" item(s): "), "{name}");
        }
    }
    assert_eq!(seen, 12, "all docs fixtures were tried");
}

/// `gwb rules test` over "Bad group" and "Good group" with one plugin, `bad`: misbehave with
/// the `config` (a TOML inline table's keys) and `limits` (a TOML inline table).
fn rules_test_misbehave(config: &str, limits: &str) -> Output {
    rules_test_granting(config, limits, Some(r#"["description"]"#))
}

/// Like [`rules_test_misbehave`] with the plugin's `[[plugins]] attributes` set to `attributes`
/// (a TOML array), or absent.
fn rules_test_granting(config: &str, limits: &str, attributes: Option<&str>) -> Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let plugin = OnePlugin {
        name: "bad",
        path: &built_plugin("misbehave"),
        limits,
        config,
        attributes,
    };
    let rules = one_plugin_rules(dir.path(), &plugin, None);
    let groups = bad_and_good_groups(dir.path());
    gwb(&rules, &groups, &[])
}

/// A rules file with one misbehaving plugin (misbehaving only for "Bad group") before the
/// contoso router, over two groups: the bad one fails with the right message, the other is
/// written normally by the same warm instance.
fn misbehave(stage: &str, mode: &str, limits: &str) -> String {
    misbehave_exiting(stage, mode, limits, 4)
}

/// Like [`misbehave`] for a mode the run survives with exit `code` (0: nothing failed).
fn misbehave_exiting(stage: &str, mode: &str, limits: &str, code: i32) -> String {
    misbehave_configured(
        &format!(r#"stage = "{stage}", mode = "{mode}", only = "Bad group""#),
        limits,
        code,
    )
}

/// Like [`misbehave_exiting`] with the whole `config` (the keys of a TOML inline table,
/// `only = "Bad group"` among them).
fn misbehave_configured(config: &str, limits: &str, code: i32) -> String {
    let out = rules_test_misbehave(config, limits);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(code), "{text}");
    // misbehave answers `ok <id>` for every other group: as the skip reason (filter), the cn
    // (naming) or the description (mapping).
    let second = text
        .split("[2] ")
        .nth(1)
        .and_then(|rest| rest.split("\n2 item(s)").next())
        .unwrap_or_default();
    assert!(
        second.starts_with("00000000-0000-4000-8000-00000000000c \"Good group\"")
            && second.contains("ok 00000000-0000-4000-8000-00000000000c")
            && !second.contains("failed"),
        "the next group is processed normally by the same instance: {text}"
    );
    text
}

#[test]
fn misbehaving_plugins_fail_only_their_group_with_the_cause_in_words() {
    let cases = [
        (
            "filter",
            "endless-loop",
            "{ time_ms = 20 }",
            "exceeded its 20 ms time budget",
        ),
        (
            "naming",
            "memory-bomb",
            // Time enough that on a loaded machine the memory limit, not the clock, stops it.
            "{ memory_mib = 16, time_ms = 10000 }",
            "exceeded its 16 MiB memory limit",
        ),
        ("mapping", "panic", "{}", "panicked"),
        ("naming", "deep-recursion", "{}", "overflowed its stack"),
        // Blocking calls are stopped at once: the generous budget shows it was not the clock.
        (
            "filter",
            "sleep",
            "{ time_ms = 10000 }",
            "tried to wait 30000000000 ns (subscribe-duration: a sleep, or a poll with a \
             timer); plugins may not block, so the call was stopped at once",
        ),
        (
            "naming",
            "wait-instant",
            "{ time_ms = 10000 }",
            "tried to wait 30000000000 ns (subscribe-instant: ",
        ),
        (
            "mapping",
            "poll-timer",
            "{ time_ms = 10000 }",
            "tried to wait 30000000000 ns (subscribe-duration: ",
        ),
    ];
    for (stage, mode, limits, cause) in cases {
        let text = misbehave(stage, mode, limits);
        let first = text.split("[2]").next().unwrap_or_default();
        assert!(first.contains("failed: plugin bad"), "{mode}: {text}");
        assert!(
            first.contains(&format!("{stage} stage")),
            "{mode}: names the stage: {text}"
        );
        assert!(
            first.contains("\"Bad group\" (00000000-0000-4000-8000-00000000000b)"),
            "{mode}: names the group: {text}"
        );
        assert!(first.contains(cause), "{mode}: says `{cause}`: {text}");
    }
}

#[test]
fn invalid_plugin_output_is_refused_for_that_group() {
    let text = misbehave("mapping", "invalid-attribute", "{}");
    assert!(
        text.contains("plugin `bad` (mapping stage) gave invalid output for group \"Bad group\""),
        "{text}"
    );
    assert!(
        text.contains("is not a valid LDAP attribute name"),
        "{text}"
    );
    let text = misbehave("mapping", "huge-value", "{ memory_mib = 64 }");
    assert!(text.contains("gwb accepts at most 65536"), "{text}");
}

/// The text misbehave's `control-characters` mode answers, as gwb shows it: escaped.
const CONTROL_ESCAPED: &str = r"\u{1b}[2J\u{1b}[31mred\u{7}\r\nFAKE: all groups deleted\u{9b}0m";

/// No escape, bell, carriage return or C1 control reaches the author's terminal.
fn assert_no_control_characters(what: &str, text: &str) {
    assert!(
        !text.contains(['\u{1b}', '\u{7}', '\r', '\u{9b}']),
        "{what}: raw control characters in {text:?}"
    );
}

#[test]
fn control_characters_from_a_plugin_reach_the_output_only_as_escapes() {
    // Filter: the text is the skip reason, shown escaped on its line.
    let text = misbehave_exiting("filter", "control-characters", "{}", 0);
    assert!(
        text.contains(&format!(
            "\"Bad group\"\n    skipped by bad: {CONTROL_ESCAPED}\n[2] "
        )),
        "{text}"
    );
    assert_no_control_characters("filter", &text);
    // Naming and mapping: refused as invalid output, the message naming the character.
    for (stage, problem) in [
        (
            "naming",
            "cn `\\u{1b}[2J\\u{1b}[31mred\\u{7}\\r\\nFAKE: all groups deleted\\u{9b}0m` contains the control character U+001B",
        ),
        (
            "mapping",
            "a value of `description` contains the control character U+001B",
        ),
    ] {
        let text = misbehave(stage, "control-characters", "{}");
        assert!(
            text.contains(&format!(
                "    failed: plugin `bad` ({stage} stage) gave invalid output for group \
                 \"Bad group\" (00000000-0000-4000-8000-00000000000b): {problem}\n"
            )),
            "{stage}: {text}"
        );
        assert_no_control_characters(stage, &text);
    }
}

#[test]
fn a_log_flood_is_capped_and_counted_and_the_run_finishes() {
    let out = rules_test_misbehave(
        r#"stage = "filter", mode = "log-flood", only = "Bad group""#,
        // A million log calls take a while in a debug build; only the cap is under test.
        "{ time_ms = 120000 }",
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("\"Bad group\"\n    skipped by bad: returned from log-flood\n"),
        "{text}"
    );
    assert!(
        text.ends_with(
            "2 item(s): 0 written, 2 skipped, 0 failed, 0 removed, 0 invalid\n\
             plugin bad: 999000 log line(s) over its cap of 1000 lines / 1 MiB per run were \
             counted, not written\n"
        ),
        "{text}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr
            .matches(
                "the plugin reached its log cap of 1000 lines or 1048576 bytes for this run; \
                 its further lines are counted, not written"
            )
            .count(),
        1,
        "{stderr}"
    );
}

#[test]
fn printing_in_configure_reaches_no_output_and_every_group_is_written() {
    let out = rules_test_misbehave(r#"stage = "configure", mode = "print""#, "{}");
    let text = stdout(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{text}{stderr}");
    for cn in ["Bad group_00000000000b", "Good group_00000000000c"] {
        assert!(
            text.contains(&format!("    write CN={cn},OU=Cloud,DC=example,DC=com\n")),
            "{text}"
        );
    }
    assert!(
        text.ends_with("2 item(s): 2 written, 0 skipped, 0 failed, 0 removed, 0 invalid\n"),
        "{text}"
    );
    assert!(
        !text.contains("misbehave std") && !stderr.contains("misbehave std"),
        "a plugin's stdout and stderr go nowhere: {text}{stderr}"
    );
}

#[test]
fn a_sleep_in_configure_fails_the_load_naming_the_plugin_and_the_wait() {
    let out = rules_test_misbehave(
        r#"stage = "configure", mode = "sleep""#,
        "{ time_ms = 10000 }",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stdout(&out), "", "no group is reported on");
    assert!(
        stderr.starts_with("error: ") && stderr.contains(": plugin `bad`: plugin bad: "),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            " failed while calling configure: tried to wait 30000000000 ns (subscribe-duration: \
             a sleep, or a poll with a timer); plugins may not block"
        ),
        "{stderr}"
    );
}

#[test]
fn a_config_error_full_of_control_characters_reaches_the_terminal_only_as_escapes() {
    let out = rules_test_misbehave(r#"stage = "configure", mode = "control-characters""#, "{}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // The line break stays a line break, but the forged line is indented under the error.
    assert!(
        stderr.contains(
            "refused its config: \\u{1b}[2J\\u{1b}[31mred\\u{7}\n  FAKE: all groups deleted\\u{9b}0m"
        ),
        "{stderr}"
    );
    for raw in ['\u{1b}', '\u{7}', '\r', '\u{9b}'] {
        assert!(
            !stderr.contains(raw),
            "{raw:?} reached stderr raw: {stderr:?}"
        );
    }
}

#[test]
fn protected_attributes_are_refused_however_a_plugin_spells_them() {
    for (written, protected) in [
        ("2.5.4.31", "member"),
        ("MEMBER", "member"),
        ("member;range=0-*", "member"),
        ("adminDescription;binary", "adminDescription"),
        ("1.2.840.113556.1.2.226", "adminDescription"),
        (
            "msds-externaldirectoryobjectid",
            "msDS-ExternalDirectoryObjectId",
        ),
    ] {
        let text = misbehave_configured(
            &format!(
                r#"stage = "mapping", mode = "edit-attribute", only = "Bad group", attribute = "{written}""#
            ),
            "{}",
            4,
        );
        let first = text.split("[2]").next().unwrap_or_default();
        assert!(
            first.contains(
                "    failed: plugin `bad` (mapping stage) gave invalid output for group \
                 \"Bad group\" (00000000-0000-4000-8000-00000000000b): may not "
            ) && first.contains(&format!("`{protected}`"))
                && first.contains(&format!("`{written}`")),
            "{written}: {text}"
        );
    }
}

#[test]
fn a_mapping_plugin_without_attributes_is_refused_at_load_naming_it_and_the_key() {
    let out = rules_test_granting(r#"stage = "mapping", mode = "ok""#, "{}", None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stdout(&out), "", "no group is reported on");
    assert!(
        stderr.starts_with("error: ")
            && stderr.contains(
                ": plugin `bad` implements the mapping stage, but its [[plugins]] \
                 entry has no `attributes` key: gwb does not guess which attributes a plugin may \
                 write\n    hint: add attributes = [...] to the entry"
            ),
        "{stderr}"
    );
}

#[test]
fn membership_in_attributes_is_refused_at_load_by_any_name() {
    for name in ["memberUid", "msSFU30PosixMember", "nonSecurityMember"] {
        let listed = format!(r#"["description", "{name}"]"#);
        let out = rules_test_granting(r#"stage = "mapping", mode = "ok""#, "{}", Some(&listed));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert_eq!(stdout(&out), "", "no group is reported on");
        assert!(
            stderr.contains(&format!(
                "plugin `bad`: attributes: may not change `{name}`: it expresses membership, \
                 and members come only from the cloud group"
            )),
            "{name}: {stderr}"
        );
    }
}

#[test]
fn a_plugin_writes_only_what_its_attributes_list() {
    for attribute in ["gidNumber", "managedBy", "proxyAddresses", "mail"] {
        let out = rules_test_granting(
            &format!(
                r#"stage = "mapping", mode = "edit-attribute", only = "Bad group", attribute = "{attribute}""#
            ),
            "{}",
            Some(r#"["description"]"#),
        );
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(4), "{text}");
        let first = text.split("[2]").next().unwrap_or_default();
        assert!(
            first.contains(&format!(
                "    failed: plugin `bad` (mapping stage) overstepped its [[plugins]] privileges \
                 for group \"Bad group\" (00000000-0000-4000-8000-00000000000b): it may not edit \
                 `{attribute}` (its attributes: `description`)"
            )),
            "{attribute}: {text}"
        );
    }
}

/// Writes `groups.json` into `dir` with `count` security groups. Returns its path.
fn many_groups(dir: &Path, count: usize) -> PathBuf {
    let groups: Vec<serde_json::Value> = (0..count)
        .map(|i| {
            serde_json::json!({
                "id": format!("00000000-0000-4000-8000-{i:012x}"),
                "displayName": format!("Group {i}"),
                "securityEnabled": true,
                "mailEnabled": false,
                "groupTypes": [],
            })
        })
        .collect();
    let path = dir.join("groups.json");
    std::fs::write(&path, serde_json::json!({ "value": groups }).to_string())
        .expect("write groups.json");
    path
}

#[test]
fn a_plugins_huge_skip_reasons_and_rule_errors_are_cut_at_4_kib_in_every_line() {
    for (mode, kept, code) in [("huge-text", 'x', 0), ("huge-error", 'e', 4)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let plugin = OnePlugin {
            name: "huge",
            path: &built_plugin("misbehave"),
            // Room for the 10 MiB the plugin builds; the time budget is not under test.
            limits: "{ memory_mib = 64, time_ms = 10000 }",
            config: &format!(r#"stage = "filter", mode = "{mode}""#),
            attributes: Some("[]"),
        };
        let rules = one_plugin_rules(dir.path(), &plugin, None);
        let out = gwb(&rules, &many_groups(dir.path(), 200), &[]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(code), "{mode}");
        let cut = format!(
            "{}… (cut: 10481664 of 10485760 bytes)",
            kept.to_string().repeat(4096)
        );
        assert_eq!(
            text.matches(&cut).count(),
            200,
            "{mode}: every group's text is cut"
        );
        let longest = text.lines().map(str::len).max().unwrap_or_default();
        assert!(longest <= 4300, "{mode}: a line of {longest} bytes");
        assert!(
            text.contains("\n200 item(s): "),
            "{mode}: every group is reported"
        );
    }
}
