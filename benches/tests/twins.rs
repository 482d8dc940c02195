//! The native, Lua and WebAssembly variants are the same rules: every group of a varied set
//! comes out of the pipeline identically, and the benchmark group comes out as expected.

use gwb_benches::scenario::{self, DEFAULT_OU};
use gwb_benches::{lua, native, wasm};
use gwb_model::{CloudGroup, Rule};
use gwb_rules::{Outcome, Rejection};

const ID: &str = "6d3b1a58-2f43-4c8e-9b8e-1c2f4a7d9e10";

fn named(name: Option<&str>, configure: impl FnOnce(&mut CloudGroup)) -> CloudGroup {
    let mut group = scenario::group_with(scenario::members(10));
    group.display_name = name.map(str::to_owned);
    configure(&mut group);
    group
}

fn without_extensions(group: &mut CloudGroup) {
    group.extension_attributes.clear();
}

/// Groups that take every route, every skip reason and the odd names.
fn cases() -> Vec<CloudGroup> {
    vec![
        scenario::group_with(scenario::members(10)),
        named(Some("fin-Payroll"), without_extensions),
        named(Some("HR-Benefits"), without_extensions),
        named(Some("Sales EMEA"), without_extensions),
        named(Some("Migration Project 42"), without_extensions),
        named(Some("Misc"), without_extensions),
        named(Some("Misc"), |g| {
            g.extension_attributes
                .insert("extensionAttribute1".into(), "Finance".into());
        }),
        named(Some("RELEASE-TEST"), |_| {}),
        named(Some("Tmp_scratch"), |_| {}),
        named(Some("Empty"), |g| g.members.clear()),
        named(Some("Ünïcödé Team [EU]"), |_| {}),
        named(Some("...dots..."), |_| {}),
        named(None, |_| {}),
        named(Some("Security Admins"), |g| {
            g.group_types.clear();
            g.mail_enabled = Some(false);
            g.security_enabled = Some(true);
            g.writeback = Some(gwb_model::WritebackConfiguration {
                is_enabled: Some(true),
                on_premises_group_type: None,
            });
        }),
    ]
}

fn outcomes(rules: Vec<Box<dyn Rule>>) -> Vec<Outcome> {
    let mut pipeline = scenario::pipeline(rules).expect("the scenario's pipeline builds");
    cases()
        .into_iter()
        .map(|group| pipeline.transform(group).expect("every case transforms"))
        .collect()
}

/// Compares case by case, so a failure names the group.
fn assert_same(variant: &str, got: Vec<Outcome>, want: Vec<Outcome>) {
    assert_eq!(got.len(), want.len());
    for (i, (got, want)) in got.iter().zip(&want).enumerate() {
        assert_eq!(got, want, "{variant}, case {i}");
    }
}

#[test]
fn lua_twins_match_the_native_rules() {
    assert_same(
        "lua",
        outcomes(lua::chain().unwrap()),
        outcomes(native::chain().unwrap()),
    );
}

#[test]
fn wasm_components_match_the_native_rules() {
    let runtime = wasm::runtime(None).unwrap();
    // A missing component fails here with "run scripts/build-plugins.sh first".
    let chain =
        wasm::chain(&runtime, gwb_benches::wasm::Language::Rust).unwrap_or_else(|e| panic!("{e}"));
    assert_same("wasm", outcomes(chain), outcomes(native::chain().unwrap()));
}

#[test]
fn the_benchmark_group_takes_the_last_route_and_every_default() {
    let outcome = &outcomes(native::chain().unwrap())[0];
    let Outcome::Write { desired, warnings } = outcome else {
        panic!("expected a write, got {outcome:?}");
    };
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(desired.cn, "Platform Engineering_1c2f4a7d9e10");
    assert_eq!(
        desired.parent_dn,
        "OU=Engineering,OU=Cloud Groups,DC=contoso,DC=com"
    );
    assert_eq!(
        desired.sam_account_name.as_deref(),
        Some("grp-PlatformE-c3b70f")
    );
    assert_eq!(desired.members, scenario::members(10));
    let attributes: Vec<(&str, Vec<&str>)> = desired
        .attributes
        .iter()
        .map(|(name, values)| (name, values.iter().map(String::as_str).collect()))
        .collect();
    let anchor = format!("Group_{ID}");
    assert_eq!(
        attributes,
        vec![
            ("adminDescription", vec![anchor.as_str()]),
            (
                "description",
                vec!["Builds and runs the internal developer platform."]
            ),
            ("displayName", vec!["Platform Engineering"]),
            ("groupType", vec!["8"]),
            ("mail", vec!["platform-engineering@contoso.com"]),
            ("mailNickname", vec!["platform-engineering"]),
            ("msDS-ExternalDirectoryObjectId", vec![anchor.as_str()]),
            ("msExchRecipientDisplayType", vec!["1"]),
            ("msExchRecipientTypeDetails", vec!["8796093022208"]),
            (
                "proxyAddresses",
                vec![
                    "SMTP:platform-engineering@contoso.com",
                    "smtp:platform-engineering@contoso.onmicrosoft.com",
                    "smtp:platform-engineering@contoso.mail.onmicrosoft.com"
                ]
            ),
            (
                "targetAddress",
                vec!["SMTP:platform-engineering@contoso.mail.onmicrosoft.com"]
            ),
        ]
    );
}

#[test]
fn routes_and_skips_are_what_the_config_says() {
    let all = outcomes(native::chain().unwrap());
    let parent = |i: usize| match &all[i] {
        Outcome::Write { desired, .. } => desired.parent_dn.clone(),
        other => panic!("case {i}: expected a write, got {other:?}"),
    };
    let skip = |i: usize| match &all[i] {
        Outcome::Rejected(Rejection::Skipped { by, reason }) => format!("{by}: {reason}"),
        other => panic!("case {i}: expected a skip, got {other:?}"),
    };
    let ou = |name: &str| format!("OU={name},OU=Cloud Groups,DC=contoso,DC=com");
    assert_eq!(parent(1), ou("Finance"));
    assert_eq!(parent(2), ou("HR"));
    assert_eq!(parent(3), ou("Sales"));
    assert_eq!(parent(4), ou("Projects"));
    assert_eq!(parent(5), DEFAULT_OU);
    assert_eq!(parent(6), DEFAULT_OU);
    assert_eq!(
        skip(7),
        "group-filter: displayName \"RELEASE-TEST\" matches exclude pattern \"*-test\""
    );
    assert_eq!(
        skip(8),
        "group-filter: displayName \"Tmp_scratch\" matches exclude pattern \"re:^[Tt][Mm][Pp][_-]\""
    );
    assert_eq!(
        skip(9),
        "group-filter: the group has 0 direct members, fewer than min_members 1"
    );
}
