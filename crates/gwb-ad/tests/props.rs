//! Property tests of gwb-ad's printers: filter values (RFC 4515) parse back through ldap3's
//! filter parser, and plans written as LDIF (RFC 2849) are read back by OpenLDAP's
//! `ldapmodify -n` as the same operations.
//!
//! The filter property runs 256 cases (proptest's default); the LDIF property starts one
//! `ldapmodify` per case, so it runs 32 cases of up to 24 records each. `PROPTEST_CASES`
//! raises both.

use std::process::Command;

use gwb_ad::escape::{child_dn, escape_dn_value, escape_filter_value, first_rdn_value};
use gwb_ad::{Change, ChangeKind, Operation, Plan, Removal};
use ldap3::asn1::{ASNTag, PL, TagClass};
use proptest::prelude::*;
use proptest::test_runner::Config;

/// Characters that matter to filters, LDIF and DNs, mixed with any character at all.
fn nasty_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(vec![
            '(', ')', '*', '\\', '\0', ' ', ':', '<', '\r', '\n', '=', ',', '#', 'é', '日', 'a',
            'Z', '5', '-',
        ]),
        1 => any::<char>(),
    ]
}

/// A value, sometimes starting with what LDIF must not start a plain value with.
fn value() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["", "", " ", ":", "<", "::", "-"]),
        prop::collection::vec(nasty_char(), 0..12),
    )
        .prop_map(|(head, chars)| head.chars().chain(chars).collect())
}

/// A non-empty value (a DN's RDN value).
fn rdn_value() -> impl Strategy<Value = String> {
    value().prop_filter("RDN values are not empty", |v| !v.is_empty())
}

proptest! {
    #[test]
    fn escaped_filter_values_parse_back_to_the_same_value(value in value()) {
        let escaped = escape_filter_value(&value);
        // No unescaped `(`, `)`, `*` or NUL; every `\` starts a two-digit hex escape.
        let bytes = escaped.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => {
                    prop_assert!(
                        bytes.len() > i + 2
                            && bytes[i + 1].is_ascii_hexdigit()
                            && bytes[i + 2].is_ascii_hexdigit(),
                        "a lone backslash in {:?}", escaped
                    );
                    i += 3;
                }
                b'(' | b')' | b'*' | b'\0' => {
                    return Err(TestCaseError::fail(format!("unescaped special in {escaped:?}")));
                }
                _ => i += 1,
            }
        }
        // ldap3's filter parser (the one gwb's searches go through) reads an equality match
        // whose assertion value is the original bytes.
        let filter = format!("(description={escaped})");
        let tag = ldap3::parse_filter(&filter)
            .map_err(|()| TestCaseError::fail(format!("ldap3 refused {filter:?}")))?
            .into_structure();
        prop_assert_eq!(tag.class, TagClass::Context);
        prop_assert_eq!(tag.id, 3, "an equality match, not a substring or presence filter");
        let PL::C(parts) = tag.payload else {
            return Err(TestCaseError::fail("the match has no parts"));
        };
        prop_assert_eq!(&parts[0].payload, &PL::P(b"description".to_vec()));
        prop_assert_eq!(&parts[1].payload, &PL::P(value.into_bytes()));
    }
}

/// Attribute names for generated records.
const NAMES: &[&str] = &[
    "description",
    "displayName",
    "info",
    "member",
    "proxyAddresses",
    "extensionAttribute1",
    "mail",
];

/// A DN under a fixed parent whose leaf value is arbitrary (built as gwb builds group DNs).
fn dn() -> impl Strategy<Value = String> {
    rdn_value().prop_map(|cn| child_dn(&cn, "OU=Cloud,DC=gwb,DC=test"))
}

/// Values for one attribute: at least one.
fn values() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(value(), 1..4)
}

/// One change of a modify: an add has values (as in every plan; `ldapmodify` drops an add
/// without any), a delete or replace may have none.
fn change() -> impl Strategy<Value = Change> {
    (
        prop::sample::select(vec![
            ChangeKind::Add,
            ChangeKind::Delete,
            ChangeKind::Replace,
        ]),
        prop::sample::select(NAMES),
        prop::collection::vec(value(), 0..3),
        value(),
    )
        .prop_map(|(kind, attribute, mut values, one)| {
            if kind == ChangeKind::Add && values.is_empty() {
                values.push(one);
            }
            Change {
                kind,
                attribute: attribute.to_owned(),
                values,
            }
        })
}

/// Any operation a plan holds, with arbitrary DNs and values.
fn operation() -> impl Strategy<Value = Operation> {
    prop_oneof![
        rdn_value().prop_map(|ou| Operation::CreateOu {
            dn: format!("OU={},OU=Cloud,DC=gwb,DC=test", escape_dn_value(&ou)),
        }),
        (
            dn(),
            prop::sample::subsequence(NAMES, 1..NAMES.len()),
            prop::collection::vec(values(), NAMES.len()),
        )
            .prop_map(|(dn, names, values)| Operation::Add {
                object_id: "1".into(),
                dn,
                attributes: names.iter().map(|n| (*n).to_owned()).zip(values).collect(),
            }),
        (dn(), rdn_value(), prop::option::of(dn())).prop_map(|(dn, cn, new_superior)| {
            Operation::ModDn {
                object_id: "1".into(),
                new_dn: dn.clone(),
                dn,
                new_rdn: format!("CN={}", escape_dn_value(&cn)),
                new_superior,
                removal: None,
            }
        }),
        (dn(), prop::collection::vec(change(), 1..4)).prop_map(|(dn, changes)| {
            Operation::Modify {
                object_id: "1".into(),
                dn,
                changes,
            }
        }),
        dn().prop_map(|dn| Operation::Delete {
            object_id: "1".into(),
            dn,
            removal: Removal::HardDelete,
        }),
    ]
}

/// How `ldapmodify -v` prints a value: ASCII as is up to a NUL (it prints a C string),
/// anything else as its length.
fn shown_value(value: &str) -> String {
    if value.is_ascii() {
        value.split('\0').next().unwrap_or_default().to_owned()
    } else {
        format!("NOT ASCII ({} bytes)", value.len())
    }
}

/// How `ldapmodify -v` prints a DN or RDN: a C string.
fn shown_dn(dn: &str) -> &str {
    dn.split('\0').next().unwrap_or_default()
}

/// What `ldapmodify -n -v` prints for `op`: each modification, then the operation.
fn expected_output(op: &Operation) -> String {
    let mods = |out: &mut String, kind: &str, name: &str, values: &[String]| {
        out.push_str(&format!("{kind} {name}:\n"));
        for v in values {
            out.push_str(&format!("\t{}\n", shown_value(v)));
        }
    };
    let mut out = String::new();
    match op {
        Operation::CreateOu { dn } => {
            mods(
                &mut out,
                "add",
                "objectClass",
                &["organizationalUnit".into()],
            );
            let ou = first_rdn_value(dn).unwrap_or_default();
            mods(&mut out, "add", "ou", &[ou]);
            out.push_str(&format!("!adding new entry \"{}\"\n", shown_dn(dn)));
        }
        Operation::Add { dn, attributes, .. } => {
            for (name, values) in attributes {
                mods(&mut out, "add", name, values);
            }
            out.push_str(&format!("!adding new entry \"{}\"\n", shown_dn(dn)));
        }
        Operation::Modify { dn, changes, .. } => {
            for c in changes {
                let kind = match c.kind {
                    ChangeKind::Add => "add",
                    ChangeKind::Delete => "delete",
                    ChangeKind::Replace => "replace",
                };
                mods(&mut out, kind, &c.attribute, &c.values);
            }
            out.push_str(&format!("!modifying entry \"{}\"\n", shown_dn(dn)));
        }
        // This ldapmodify (OpenLDAP 2.5) does not print newsuperior.
        Operation::ModDn { dn, new_rdn, .. } => out.push_str(&format!(
            "!modifying rdn of entry \"{}\"\n\tnew RDN: \"{}\" (do not keep existing values)\n",
            shown_dn(dn),
            shown_dn(new_rdn)
        )),
        Operation::Delete { dn, .. } => {
            out.push_str(&format!("!deleting entry \"{}\"\n", shown_dn(dn)));
        }
    }
    out.push('\n');
    out
}

/// The case count for a property that starts a process per case: 32 unless
/// `PROPTEST_CASES` says otherwise.
fn process_cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(32)
}

proptest! {
    #![proptest_config(Config::with_cases(process_cases()))]

    #[test]
    fn ldapmodify_reads_the_ldif_back_as_the_same_operations(
        operations in prop::collection::vec(operation(), 1..24)
    ) {
        let plan = Plan { operations, ..Plan::default() };
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let file = dir.path().join("plan.ldif");
        std::fs::write(&file, plan.to_ldif()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        // -n: show what would be done, without connecting; LDAPNOINIT: no ldap.conf.
        let output = Command::new("ldapmodify")
            .args(["-n", "-v", "-f"])
            .arg(&file)
            .env("LDAPNOINIT", "1")
            .output()
            .map_err(|e| TestCaseError::fail(format!(
                "cannot run ldapmodify (scripts/prereqs.sh installs it): {e}"
            )))?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        prop_assert!(output.status.success(), "ldapmodify: {}\n{}", stderr, plan.to_ldif());
        prop_assert_eq!(stderr.trim(), "", "{}", plan.to_ldif());
        let expected: String = plan.operations.iter().map(expected_output).collect();
        prop_assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            expected,
            "{}",
            plan.to_ldif()
        );
    }
}
