//! The frozen contract: a plugin built against `wit/gwb-rules@1.0.0` keeps loading and answering,
//! and components built against another contract version, or importing what gwb does not give,
//! are refused from their type before anything of them is instantiated.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use gwb_model::{
    AttributeEdit, CloudGroup, DesiredGroup, FilterDecision, Member, MemberKind, Naming, Rule,
    StageError, Stages, TargetCapabilities, WritebackConfiguration,
};
use gwb_wasm::{Limits, Plugin, PluginSpec, WasmError};
use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::{ManglingAndAbi, Resolve};

use crate::support::{RUNTIME, load, spec};

/// The released 1.0.0 contract, as plugins are built against it.
fn contract_1_0() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../wit/gwb-rules@1.0.0/rules.wit");
    std::fs::read_to_string(path).unwrap()
}

/// The 1.0.0 contract text with `from` replaced by `to` (which must occur).
fn edited(from: &str, to: &str) -> String {
    let wit = contract_1_0();
    assert!(wit.contains(from), "the 1.0.0 contract contains {from:?}");
    wit.replace(from, to)
}

/// A component of the world `rule-plugin` in `main` (after the packages in `deps`), whose
/// functions all trap: its imports and exports are real, its code is `unreachable`.
fn component(deps: &[&str], main: &str) -> Vec<u8> {
    let mut resolve = Resolve::default();
    for (i, dep) in deps.iter().enumerate() {
        resolve.push_source(&format!("dep{i}.wit"), dep).unwrap();
    }
    let package = resolve.push_source("main.wit", main).unwrap();
    let world = resolve
        .select_world(&[package], Some("rule-plugin"))
        .unwrap();
    let mut module = wit_component::dummy_module(&resolve, world, ManglingAndAbi::Standard32);
    wit_component::embed_component_metadata(&mut module, &resolve, world, StringEncoding::UTF8)
        .unwrap();
    ComponentEncoder::default()
        .module(&module)
        .unwrap()
        .validate(true)
        .encode()
        .unwrap()
}

/// Loads `wasm` from a file named `<name>.wasm`.
fn load_component(name: &str, wasm: &[u8]) -> Result<Plugin, WasmError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.wasm"));
    std::fs::write(&path, wasm).unwrap();
    RUNTIME.load(&PluginSpec {
        name: name.to_owned(),
        path,
        config_json: "{}".into(),
        limits: Limits::default(),
        sha256_pin: None,
    })
}

/// The refusal message for `wasm`, which must be a [`WasmError::NotAPlugin`].
fn refusal(name: &str, wasm: &[u8]) -> String {
    let error = load_component(name, wasm).err().unwrap();
    assert!(matches!(error, WasmError::NotAPlugin { .. }), "{error}");
    error.to_string()
}

/// The refusal of a component of the 1.0.0 contract text relabelled `gwb:rules@<version>`, loaded
/// as `rules-<version>.wasm`.
fn refusal_of_version(version: &str) -> String {
    let wit = edited(
        "package gwb:rules@1.0.0;",
        &format!("package gwb:rules@{version};"),
    );
    refusal(&format!("rules-{version}"), &component(&[], &wit))
}

/// The fix every refusal gives, after "Rebuild it" or "rebuild the plugin": the newest released
/// contract, which this gwb serves.
const AGAINST_SERVED: &str = "against wit/gwb-rules@1.1.0 (world rule-plugin) with your language's \
                           component tooling (the Rust SDK in plugins/sdk, componentize-py, or \
                           componentize-js/jco)";

fn assert_contains(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(message.contains(part), "{part:?} in {message}");
    }
}

/// A group with every property the 1.0.0 contract can read set.
fn full_group() -> Arc<CloudGroup> {
    Arc::new(CloudGroup {
        id: "0b5c6a3e-1111-4f00-9c1e-000000000001".into(),
        display_name: Some("Finance".into()),
        description: Some("Money".into()),
        mail: Some("finance@contoso.com".into()),
        mail_nickname: Some("finance".into()),
        mail_enabled: Some(true),
        security_enabled: Some(false),
        group_types: vec!["Unified".into(), "DynamicMembership".into()],
        proxy_addresses: vec![
            "SMTP:finance@contoso.com".into(),
            "smtp:fin@contoso.com".into(),
        ],
        visibility: Some("Private".into()),
        on_premises_sync_enabled: Some(false),
        on_premises_security_identifier: Some("S-1-5-21-1-2-3-1104".into()),
        on_premises_sam_account_name: Some("finance".into()),
        security_identifier: Some("S-1-12-1-1-2-3-4".into()),
        created_date_time: Some("2024-01-02T03:04:05Z".into()),
        deleted_date_time: None,
        writeback: Some(WritebackConfiguration {
            is_enabled: Some(true),
            on_premises_group_type: Some("universalDistributionGroup".into()),
        }),
        extension_attributes: BTreeMap::from([
            ("extensionAttribute1".into(), "one".into()),
            ("extensionAttribute3".into(), "three".into()),
        ]),
        directory_extensions: BTreeMap::from([(
            "extension_0123abcd_costCenter".into(),
            "42".into(),
        )]),
        members: vec![
            Member {
                id: "u1".into(),
                kind: MemberKind::User,
            },
            Member {
                id: "sp2".into(),
                kind: MemberKind::ServicePrincipal,
            },
            Member {
                id: "c3".into(),
                kind: MemberKind::OrgContact,
            },
        ],
        ..CloudGroup::default()
    })
}

fn proposal() -> DesiredGroup {
    let mut proposal = DesiredGroup {
        object_id: "0b5c6a3e-1111-4f00-9c1e-000000000001".into(),
        cn: "Finance".into(),
        parent_dn: "OU=Groups,DC=contoso,DC=com".into(),
        sam_account_name: Some("finance".into()),
        ..DesiredGroup::default()
    };
    proposal.attributes.set_one("description", "Money");
    proposal.attributes.set("groupType", vec!["8".into()]);
    proposal
}

#[test]
fn a_plugin_built_against_1_0_0_keeps_loading_and_answering() {
    let plugin = load("contract_1_0", "{}");
    assert_eq!(plugin.info().name, "contract-1-0");
    assert_eq!(plugin.info().version, "1.0.0");
    assert_eq!(
        plugin.info().stages,
        Stages {
            filter: true,
            naming: true,
            mapping: true
        }
    );
    let mut instance = plugin.instantiate().unwrap();
    let group = full_group();
    assert_eq!(instance.filter(&group), Ok(FilterDecision::Write));
    let mut empty = Arc::unwrap_or_clone(full_group());
    empty.members.clear();
    assert_eq!(
        instance.filter(&Arc::new(empty)),
        Ok(FilterDecision::Skip("Finance has no members".into()))
    );
    let mut nameless = Arc::unwrap_or_clone(full_group());
    nameless.display_name = None;
    assert_eq!(
        instance.filter(&Arc::new(nameless)),
        Err(StageError::Rule(
            "group 0b5c6a3e-1111-4f00-9c1e-000000000001 has no displayName".into()
        ))
    );

    let target = TargetCapabilities {
        exchange_schema: true,
        external_directory_object_id: false,
    };
    assert_eq!(
        instance.naming(&group, &mut proposal(), target),
        Ok(Naming {
            cn: Some("Finance (0b5c6a3e-1111-4f00-9c1e-000000000001)".into()),
            parent_dn: Some("OU=Contract,OU=Groups,DC=contoso,DC=com".into()),
            sam_account_name: None,
        })
    );
    let info: Vec<String> = [
        "id=0b5c6a3e-1111-4f00-9c1e-000000000001",
        "display-name=Finance",
        "description=Money",
        "mail=finance@contoso.com",
        "mail-nickname=finance",
        "mail-enabled=true",
        "security-enabled=false",
        "group-types=Unified|DynamicMembership",
        "proxy-addresses=SMTP:finance@contoso.com|smtp:fin@contoso.com",
        "visibility=Private",
        "on-premises-sync-enabled=false",
        "on-premises-security-identifier=S-1-5-21-1-2-3-1104",
        "on-premises-sam-account-name=finance",
        "security-identifier=S-1-12-1-1-2-3-4",
        "created-date-time=2024-01-02T03:04:05Z",
        "deleted-date-time=-",
        "writeback-configuration=true/universalDistributionGroup",
        "extension-attribute(3)=three",
        "extension-attributes=extensionAttribute1=one extensionAttribute3=three",
        "directory-extension=42",
        "directory-extensions=extension_0123abcd_costCenter=42",
        "member-count=3",
        "members(1,1)=sp2:service-principal",
        "members(9,5)=",
        "cn=Finance",
        "parent-dn=OU=Groups,DC=contoso,DC=com",
        "sam-account-name=finance",
        "attribute(DESCRIPTION)=Money",
        "attributes=description=Money groupType=8",
        "target=true/false",
    ]
    .map(String::from)
    .to_vec();
    assert_eq!(
        instance.mapping(&group, &mut proposal(), target),
        Ok(vec![
            AttributeEdit::Replace {
                name: "info".into(),
                values: info
            },
            AttributeEdit::Add {
                name: "proxyAddresses".into(),
                values: vec!["smtp:contract@example.com".into()]
            },
            AttributeEdit::Remove {
                name: "extensionAttribute1".into(),
                values: vec![]
            },
        ])
    );
    assert_eq!(instance.stats().rebuilds, 0);
}

#[test]
fn the_1_0_0_plugin_refusing_its_config_is_still_a_config_error() {
    let error = RUNTIME
        .load(&spec("contract_1_0", r#"{"x": 1}"#))
        .err()
        .unwrap();
    assert!(matches!(error, WasmError::Configure { .. }), "{error}");
    assert_contains(
        &error.to_string(),
        &["refused its config: contract-1-0 takes no config, got {\"x\": 1}"],
    );
}

#[test]
fn a_component_of_the_1_0_0_world_passes_the_check_and_is_instantiated() {
    // The control for the refusals below: the same kind of component, built against 1.0.0, is
    // linked and instantiated, and its trapping `describe` is what fails.
    let error = load_component("dummy-1-0", &component(&[], &contract_1_0()))
        .err()
        .unwrap();
    assert!(
        matches!(
            error,
            WasmError::Start {
                step: "calling describe",
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn a_plugin_built_against_another_major_is_refused_before_instantiation() {
    let message = refusal_of_version("2.0.0");
    assert_contains(
        &message,
        &[
            "plugin rules-2.0.0: ",
            "rules-2.0.0.wasm is not a gwb rule plugin this gwb can run: it was built against \
             gwb:rules@2.0.0 (gwb:rules/plugin@2.0.0), a contract version this gwb does not run",
            "It exports gwb:rules/plugin@2.0.0; it imports gwb:rules/log@2.0.0, \
             gwb:rules/types@2.0.0.",
            "This gwb runs components that export gwb:rules/plugin of gwb:rules 1.x up to 1.1.0",
            &format!("Rebuild it {AGAINST_SERVED}."),
        ],
    );
}

#[test]
fn a_plugin_built_against_a_newer_minor_is_refused_before_instantiation() {
    // Structurally the 1.0.0 contract: wasmtime's semver matching would link it and call it
    // (the control above), so only the version check stops it.
    let message = refusal_of_version("1.9.0");
    assert_contains(
        &message,
        &[
            "it was built against gwb:rules@1.9.0 (gwb:rules/plugin@1.9.0), a newer contract \
             than the gwb:rules@1.1.0 this gwb serves",
            "It exports gwb:rules/plugin@1.9.0; it imports gwb:rules/log@1.9.0, \
             gwb:rules/types@1.9.0.",
            &format!(
                "Use a gwb that serves gwb:rules@1.9.0, or rebuild the plugin {AGAINST_SERVED}."
            ),
        ],
    );
}

#[test]
fn a_plugin_importing_wasi_http_is_refused_naming_the_import() {
    let http = "package wasi:http@0.2.0;\ninterface outgoing-handler { handle: func(); }\n";
    let wasm = component(
        &[http],
        &edited(
            "    import log;\n",
            "    import log;\n    import wasi:http/outgoing-handler@0.2.0;\n",
        ),
    );
    let message = refusal("fetcher", &wasm);
    assert_contains(
        &message,
        &[
            "it imports wasi:http/outgoing-handler@0.2.0, which gwb does not give plugins",
            "It exports gwb:rules/plugin@1.0.0;",
            "(with componentize-js: -d http fetch-event).",
            &format!("Rebuild it {AGAINST_SERVED}, leaving out what needs those imports"),
        ],
    );
}

#[test]
fn a_component_exporting_another_world_is_refused() {
    let wit = "package acme:tools@1.0.0;\ninterface math { add: func(a: s32, b: s32) -> s32; }\n\
               world rule-plugin { export math; }\n";
    let message = refusal("math", &component(&[], wit));
    assert_contains(
        &message,
        &[
            "it exports no gwb:rules/plugin interface. It exports acme:tools/math@1.0.0; it \
             imports nothing.",
        ],
    );
}
