use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::*;

/// Every released contract folder under `wit/`, with the SHA-256 of each of its files. A released
/// folder never changes: plugins built against it must keep loading. Pin a new version's files
/// here when it is released (see `wit/README.md`).
const RELEASED: &[(&str, &[(&str, &str)])] = &[
    (
        "gwb-rules@1.0.0",
        &[(
            "rules.wit",
            "d5805055f585b1ef421f3faa561d16183d40e8fb9f48432216fe7742f297001f",
        )],
    ),
    (
        "gwb-rules@1.1.0",
        &[(
            "rules.wit",
            "2ebceb870442c9fcb9f8043e5bea056ce158bf0454ecd06ddf8a4087e845c247",
        )],
    ),
];

fn wit_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../wit")
}

/// The files under `dir`, relative to it, sorted.
fn files(dir: &Path, prefix: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = format!("{prefix}{}", entry.file_name().to_str().unwrap());
        if entry.file_type().unwrap().is_dir() {
            found.extend(files(&entry.path(), &format!("{name}/")));
        } else {
            found.push(name);
        }
    }
    found.sort();
    found
}

#[test]
fn released_contracts_are_byte_for_byte_as_released() {
    let how = "a released contract never changes, or plugins built against it would stop \
               loading; restore it (git checkout -- wit/) and put the change in a new version \
               folder: wit/gwb-rules@1.<next>.0 for additions marked @since, a new major for \
               anything else (see wit/README.md)";
    for (folder, pinned) in RELEASED {
        let dir = wit_dir().join(folder);
        let mut expected: Vec<String> = pinned.iter().map(|(f, _)| (*f).to_owned()).collect();
        expected.sort();
        assert_eq!(
            files(&dir, ""),
            expected,
            "wit/{folder} gained or lost files: {how}"
        );
        for (file, sha256) in *pinned {
            let actual = hex::encode(Sha256::digest(std::fs::read(dir.join(file)).unwrap()));
            assert_eq!(
                actual, *sha256,
                "wit/{folder}/{file} changed (SHA-256 {actual}, released as {sha256}): {how}"
            );
        }
    }
}

#[test]
fn every_contract_folder_is_released_and_names_its_package() {
    let mut folders: Vec<String> = Vec::new();
    for entry in std::fs::read_dir(wit_dir()).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            folders.push(entry.file_name().into_string().unwrap());
        }
    }
    folders.sort();
    let mut released: Vec<String> = RELEASED.iter().map(|(f, _)| (*f).to_owned()).collect();
    released.sort();
    assert_eq!(
        folders,
        released,
        "every folder in wit/ is a released contract pinned in RELEASED ({}); pin a new \
         version's files there when releasing it",
        file!()
    );
    for folder in &folders {
        let version = folder.strip_prefix("gwb-rules@").unwrap();
        let wit = std::fs::read_to_string(wit_dir().join(folder).join("rules.wit")).unwrap();
        assert!(
            wit.contains(&format!("\npackage {PACKAGE}@{version};\n")),
            "wit/{folder}/rules.wit declares another package than {PACKAGE}@{version}"
        );
    }
}

#[test]
fn the_host_serves_the_newest_released_contract_and_binds_to_its_folder() {
    let newest = RELEASED
        .iter()
        .map(|(folder, _)| Version::parse(folder.strip_prefix("gwb-rules@").unwrap()).unwrap())
        .filter(|v| v.major == SERVED.major)
        .max()
        .unwrap();
    assert_eq!(newest, SERVED);
    let bindings = include_str!("../bindings.rs");
    assert!(
        bindings.contains(&format!("path: \"../../wit/gwb-rules@{SERVED}\",")),
        "bindings.rs must load wit/gwb-rules@{SERVED}"
    );
}

fn shape(exports: &[&str], imports: &[&str]) -> Shape {
    Shape {
        imports: imports.iter().map(|s| (*s).to_owned()).collect(),
        exports: exports.iter().map(|s| (*s).to_owned()).collect(),
    }
}

/// What a Rust SDK plugin imports and exports.
const RUST_IMPORTS: [&str; 5] = [
    "wasi:cli/environment@0.2.6",
    "wasi:io/streams@0.2.6",
    "wasi:random/random@0.2.12",
    "gwb:rules/types@1.0.0",
    "gwb:rules/log@1.0.0",
];

#[test]
fn a_plugin_of_the_served_contract_passes() {
    assert_eq!(
        shape(&["gwb:rules/plugin@1.0.0"], &RUST_IMPORTS).check(),
        Ok(())
    );
    // Extra exports (a JS runtime's own, another major beside this one) do no harm.
    assert_eq!(
        shape(
            &[
                "wasi:cli/run@0.2.0",
                "gwb:rules/plugin@2.0.0",
                "gwb:rules/plugin@1.0.0"
            ],
            &[]
        )
        .check(),
        Ok(())
    );
}

#[test]
fn each_refusal_names_the_fault_the_components_names_what_gwb_runs_and_a_fix() {
    let refusal = |exports: &[&str], imports: &[&str]| shape(exports, imports).check().unwrap_err();
    let runs = "This gwb runs components that export gwb:rules/plugin of gwb:rules 1.x up to \
                1.1.0 and import only gwb:rules/log, gwb:rules/types, and WASI 0.2 (wasi:cli, \
                wasi:clocks, wasi:filesystem, wasi:io, wasi:random, wasi:sockets; all locked \
                down).";
    let rebuild = "Rebuild it against wit/gwb-rules@1.1.0 (world rule-plugin) with your \
                   language's component tooling (the Rust SDK in plugins/sdk, componentize-py, \
                   or componentize-js/jco)";

    assert_eq!(
        refusal(&["gwb:rules/plugin@2.0.0"], &["gwb:rules/log@2.0.0"]),
        format!(
            "it was built against gwb:rules@2.0.0 (gwb:rules/plugin@2.0.0), a contract version \
             this gwb does not run. It exports gwb:rules/plugin@2.0.0; it imports \
             gwb:rules/log@2.0.0. {runs} {rebuild}."
        )
    );
    assert_eq!(
        refusal(&["gwb:rules/plugin@1.9.0"], &["gwb:rules/log@1.9.0"]),
        format!(
            "it was built against gwb:rules@1.9.0 (gwb:rules/plugin@1.9.0), a newer contract \
             than the gwb:rules@1.1.0 this gwb serves. It exports gwb:rules/plugin@1.9.0; it \
             imports gwb:rules/log@1.9.0. {runs} Use a gwb that serves gwb:rules@1.9.0, or \
             rebuild the plugin against wit/gwb-rules@1.1.0 (world rule-plugin) with your \
             language's component tooling (the Rust SDK in plugins/sdk, componentize-py, or \
             componentize-js/jco)."
        )
    );
    assert_eq!(
        refusal(&[], &["wasi:cli/environment@0.2.6"]),
        format!(
            "it exports no gwb:rules/plugin interface. It exports nothing; it imports \
             wasi:cli/environment@0.2.6. {runs} {rebuild}; a plain WebAssembly module or \
             another world is not a plugin."
        )
    );
    assert_eq!(
        refusal(
            &["gwb:rules/plugin@1.0.0"],
            &[
                "wasi:io/streams@0.2.6",
                "wasi:http/types@0.2.6",
                "wasi:http/outgoing-handler@0.2.6"
            ]
        ),
        format!(
            "it imports wasi:http/types@0.2.6, wasi:http/outgoing-handler@0.2.6, which gwb does \
             not give plugins. It exports gwb:rules/plugin@1.0.0; it imports \
             wasi:io/streams@0.2.6, wasi:http/types@0.2.6, wasi:http/outgoing-handler@0.2.6. \
             {runs} {rebuild}, leaving out what needs those imports (with componentize-js: -d \
             http fetch-event)."
        )
    );
}

#[test]
fn versions_and_imports_outside_the_contract_are_refused() {
    let problem = |exports: &[&str], imports: &[&str]| shape(exports, imports).check().err();
    let plugin = ["gwb:rules/plugin@1.0.0"];
    // Unversioned, pre-release, patch-newer and older-major contracts.
    for export in [
        "gwb:rules/plugin",
        "gwb:rules/plugin@1.0.0-draft",
        "gwb:rules/plugin@1.1.1",
        "gwb:rules/plugin@0.9.0",
    ] {
        let message = problem(&[export], &[]).unwrap();
        assert!(message.contains(export), "{export}: {message}");
    }
    // A served export but an import of a newer contract.
    assert!(
        problem(&plugin, &["gwb:rules/types@1.2.0"])
            .unwrap()
            .starts_with("it was built against gwb:rules@1.2.0 (gwb:rules/types@1.2.0)")
    );
    // Imports outside the contract and WASI 0.2: another gwb:rules interface, WASI 0.3 or
    // without a version, wasi:http, a plain function.
    for import in [
        "gwb:rules/plugin@1.0.0",
        "wasi:clocks/monotonic-clock@0.3.0",
        "wasi:clocks/monotonic-clock",
        "wasi:cli/environment@0.2.0-rc-2023-11-10",
        "wasi:http/types@0.2.0",
        "env",
    ] {
        assert_eq!(
            problem(&plugin, &[import])
                .unwrap()
                .split_once(". ")
                .unwrap()
                .0,
            format!("it imports {import}, which gwb does not give plugins"),
        );
    }
    // No gwb export at all, only other interfaces.
    assert!(
        problem(&["wasi:http/incoming-handler@0.2.0"], &[])
            .unwrap()
            .starts_with("it exports no gwb:rules/plugin interface")
    );
}

/// Whether the world `rule-plugin` of `new` can serve every plugin of `prev`'s: it may import
/// more and export less, and keeps every other item as it was (wit-component's semver check).
fn upgrade(prev: &str, new: &str) -> Result<(), String> {
    let mut resolve = wit_parser::Resolve::default();
    let prev = resolve.push_source("prev.wit", prev).unwrap();
    let new = resolve.push_source("new.wit", new).unwrap();
    let prev = resolve.select_world(&[prev], Some("rule-plugin")).unwrap();
    let new = resolve.select_world(&[new], Some("rule-plugin")).unwrap();
    wit_component::semver_check(resolve, prev, new).map_err(|e| format!("{e:#}"))
}

#[test]
fn each_released_minor_only_adds_to_the_minor_before() {
    let mut versions: Vec<Version> = RELEASED
        .iter()
        .map(|(folder, _)| Version::parse(folder.strip_prefix("gwb-rules@").unwrap()).unwrap())
        .collect();
    versions.sort();
    let text = |v: &Version| {
        std::fs::read_to_string(wit_dir().join(format!("gwb-rules@{v}/rules.wit"))).unwrap()
    };
    for pair in versions.windows(2) {
        let [prev, new] = pair else { unreachable!() };
        if prev.major == new.major {
            assert_eq!(
                upgrade(&text(prev), &text(new)),
                Ok(()),
                "gwb:rules@{new} must only add to {prev} (see wit/README.md)"
            );
        }
    }
}

#[test]
fn the_minor_check_passes_an_addition_and_refuses_a_change_or_a_new_plugin_export() {
    let v1_0 = std::fs::read_to_string(wit_dir().join("gwb-rules@1.0.0/rules.wit")).unwrap();
    let v1_1 = |from: &str, to: &str| {
        assert!(v1_0.contains(from), "{from}");
        v1_0.replace("package gwb:rules@1.0.0;", "package gwb:rules@1.1.0;")
            .replace(from, to)
    };
    let describe = "    describe: func() -> plugin-info;\n";
    let added = v1_1(
        "        member-count: func() -> u32;\n",
        "        member-count: func() -> u32;\n        @since(version = 1.1.0)\n        \
         owner-count: func() -> u32;\n",
    );
    assert_eq!(upgrade(&v1_0, &added), Ok(()));
    let new_export = v1_1(
        describe,
        &format!("{describe}    @since(version = 1.1.0)\n    health: func() -> bool;\n"),
    );
    assert!(upgrade(&v1_0, &new_export).is_err());
    let changed = v1_1(
        "log: func(level: level, message: string);",
        "log: func(level: level, message: string, code: u32);",
    );
    assert!(upgrade(&v1_0, &changed).is_err());
}
