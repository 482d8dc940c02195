//! Any plan written as LDIF (RFC 2849) is ASCII lines of at most 76 columns that unfold and
//! decode back to the same records: every value, however odd (leading space, colon or `<`,
//! CR/LF, NUL, non-ASCII), survives. (The property test in crates/gwb-ad/tests/props.rs reads
//! the LDIF with OpenLDAP's ldapmodify; this target checks the encoding on many more inputs.)
#![no_main]

use arbitrary::Arbitrary;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use gwb_ad::{Change, ChangeKind, Operation, Plan, Removal};
use libfuzzer_sys::fuzz_target;

/// An operation in a shape `arbitrary` can build.
#[derive(Debug, Arbitrary)]
enum Op {
    CreateOu(String),
    Add(String, Vec<(String, Vec<String>)>),
    ModDn(String, String, Option<String>),
    Modify(String, Vec<(u8, String, Vec<String>)>),
    Delete(String),
}

impl Op {
    fn operation(self) -> Operation {
        let dn = |cn: &str| gwb_ad::escape::child_dn(cn, "OU=G,DC=x");
        match self {
            Op::CreateOu(ou) => Operation::CreateOu {
                dn: format!("OU={},DC=x", gwb_ad::escape::escape_dn_value(&ou)),
            },
            Op::Add(cn, attributes) => Operation::Add {
                object_id: "1".into(),
                dn: dn(&cn),
                attributes,
            },
            Op::ModDn(cn, rdn, new_superior) => Operation::ModDn {
                object_id: "1".into(),
                dn: dn(&cn),
                new_rdn: rdn,
                new_superior,
                new_dn: String::new(),
                removal: None,
            },
            Op::Modify(cn, changes) => Operation::Modify {
                object_id: "1".into(),
                dn: dn(&cn),
                changes: changes
                    .into_iter()
                    .map(|(kind, attribute, values)| Change {
                        kind: [ChangeKind::Add, ChangeKind::Delete, ChangeKind::Replace]
                            [usize::from(kind % 3)],
                        attribute,
                        values,
                    })
                    .collect(),
            },
            Op::Delete(cn) => Operation::Delete {
                object_id: "1".into(),
                dn: dn(&cn),
                removal: Removal::HardDelete,
            },
        }
    }
}

/// The `(name, value)` lines one operation's record must decode to (`-` separators included).
fn expected(op: &Operation) -> Vec<(String, String)> {
    let mut lines = vec![("dn".to_owned(), op.dn().to_owned())];
    let mut push = |name: &str, value: &str| lines.push((name.to_owned(), value.to_owned()));
    match op {
        Operation::CreateOu { dn } => {
            push("changetype", "add");
            push("objectClass", "organizationalUnit");
            if let Some(ou) = gwb_ad::escape::first_rdn_value(dn) {
                push("ou", &ou);
            }
        }
        Operation::Add { attributes, .. } => {
            push("changetype", "add");
            for (name, values) in attributes {
                for v in values {
                    push(name, v);
                }
            }
        }
        Operation::ModDn {
            new_rdn,
            new_superior,
            ..
        } => {
            push("changetype", "modrdn");
            push("newrdn", new_rdn);
            push("deleteoldrdn", "1");
            if let Some(sup) = new_superior {
                push("newsuperior", sup);
            }
        }
        Operation::Modify { changes, .. } => {
            push("changetype", "modify");
            for c in changes {
                let kind = match c.kind {
                    ChangeKind::Add => "add",
                    ChangeKind::Delete => "delete",
                    ChangeKind::Replace => "replace",
                };
                push(kind, &c.attribute);
                for v in &c.values {
                    push(&c.attribute, v);
                }
                push("-", "");
            }
        }
        Operation::Delete { .. } => push("changetype", "delete"),
    }
    lines
}

/// Decodes one unfolded LDIF line: `name: value`, `name:: base64` or `-`.
fn decode(line: &str) -> (String, String) {
    if line == "-" {
        return ("-".into(), String::new());
    }
    let (name, rest) = line.split_once(':').expect("a name and a colon");
    let value = match rest.strip_prefix(": ") {
        Some(b64) => String::from_utf8(STANDARD.decode(b64).expect("base64")).expect("UTF-8"),
        None => {
            let value = rest.strip_prefix(' ').unwrap_or(rest);
            assert!(!value.starts_with([' ', ':', '<']), "unsafe plain value {value:?}");
            value.to_owned()
        }
    };
    (name.to_owned(), value)
}

fuzz_target!(|ops: Vec<Op>| {
    // Attribute names come from gwb's validated set in real plans; a name with a colon,
    // space or line break is no attribute name, so such inputs are out of scope.
    let plan = Plan {
        operations: ops.into_iter().map(Op::operation).collect(),
        ..Plan::default()
    };
    let attribute_ok =
        |name: &str| !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let names_ok = plan.operations.iter().all(|op| match op {
        Operation::Add { attributes, .. } => attributes.iter().all(|(n, _)| attribute_ok(n)),
        Operation::Modify { changes, .. } => changes.iter().all(|c| attribute_ok(&c.attribute)),
        _ => true,
    });
    if !names_ok {
        return;
    }
    let ldif = plan.to_ldif();
    assert!(ldif.is_ascii(), "LDIF is ASCII");
    let mut unfolded: Vec<String> = Vec::new();
    for line in ldif.lines() {
        assert!(line.len() <= 76, "line longer than 76 columns: {line:?}");
        match line.strip_prefix(' ') {
            Some(rest) => unfolded.last_mut().expect("a line to continue").push_str(rest),
            None => unfolded.push(line.to_owned()),
        }
    }
    let mut records = unfolded.split(|l| l.is_empty());
    assert_eq!(records.next(), Some(&["version: 1".to_owned()][..]));
    let decoded: Vec<Vec<(String, String)>> =
        records.map(|r| r.iter().map(|l| decode(l)).collect()).collect();
    let expected: Vec<Vec<(String, String)>> = plan.operations.iter().map(expected).collect();
    assert_eq!(decoded, expected);
});
