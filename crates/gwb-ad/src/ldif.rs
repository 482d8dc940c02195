//! The Plan as RFC 2849 LDIF change records, for dry runs and `ldapmodify`.

use crate::plan::{ChangeKind, Operation, Plan};
use crate::sid::to_base64;

/// Longest line before folding (RFC 2849 recommends 76 columns).
const LINE_WIDTH: usize = 76;

/// True when the value can be written as an RFC 2849 SAFE-STRING (no base64 needed) that
/// parsers read back unchanged: printable ASCII only, not starting with space, `:` or `<`,
/// and (as the RFC recommends) not ending with a space. The RFC also allows other control
/// characters than NUL/CR/LF, but OpenLDAP's parser drops whitespace such as a tab or a
/// vertical tab after the `:`, so any control character means base64
/// (`tests/props.rs` reads the LDIF back with `ldapmodify`).
fn is_safe(value: &str) -> bool {
    let bytes = value.as_bytes();
    if let Some(first) = bytes.first()
        && matches!(first, b' ' | b':' | b'<')
    {
        return false;
    }
    if bytes.last() == Some(&b' ') {
        return false;
    }
    bytes.iter().all(|b| matches!(b, b' '..=b'~'))
}

/// Appends `name: value` (or `name:: base64`) folded at [`LINE_WIDTH`] columns.
fn line(out: &mut String, name: &str, value: &str) {
    let text = if is_safe(value) {
        format!("{name}: {value}")
    } else {
        format!("{name}:: {}", to_base64(value.as_bytes()))
    };
    // Fold on char boundaries; the text is ASCII except inside safe values, which are ASCII.
    let mut rest = text.as_str();
    let mut first = true;
    while !rest.is_empty() {
        let width = if first { LINE_WIDTH } else { LINE_WIDTH - 1 };
        let mut cut = rest.len().min(width);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        if !first {
            out.push(' ');
        }
        out.push_str(&rest[..cut]);
        out.push('\n');
        rest = &rest[cut..];
        first = false;
    }
}

/// Renders one operation as an LDIF change record (without the separating blank line).
pub fn operation_to_ldif(op: &Operation) -> String {
    let mut out = String::new();
    line(&mut out, "dn", op.dn());
    match op {
        Operation::CreateOu { dn } => {
            line(&mut out, "changetype", "add");
            line(&mut out, "objectClass", "organizationalUnit");
            if let Some(ou) = crate::escape::first_rdn_value(dn) {
                line(&mut out, "ou", &ou);
            }
        }
        Operation::Add { attributes, .. } => {
            line(&mut out, "changetype", "add");
            for (name, values) in attributes {
                for v in values {
                    line(&mut out, name, v);
                }
            }
        }
        Operation::ModDn {
            new_rdn,
            new_superior,
            ..
        } => {
            line(&mut out, "changetype", "modrdn");
            line(&mut out, "newrdn", new_rdn);
            line(&mut out, "deleteoldrdn", "1");
            if let Some(sup) = new_superior {
                line(&mut out, "newsuperior", sup);
            }
        }
        Operation::Modify { changes, .. } => {
            line(&mut out, "changetype", "modify");
            for c in changes {
                let kind = match c.kind {
                    ChangeKind::Add => "add",
                    ChangeKind::Delete => "delete",
                    ChangeKind::Replace => "replace",
                };
                line(&mut out, kind, &c.attribute);
                for v in &c.values {
                    line(&mut out, &c.attribute, v);
                }
                out.push_str("-\n");
            }
        }
        Operation::Delete { .. } => line(&mut out, "changetype", "delete"),
    }
    out
}

impl Plan {
    /// The whole plan as an LDIF file (`version: 1`, records separated by blank lines).
    pub fn to_ldif(&self) -> String {
        let mut out = String::from("version: 1\n");
        for op in &self.operations {
            out.push('\n');
            out.push_str(&operation_to_ldif(op));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Change, Removal};

    #[test]
    fn unsafe_values_are_base64_and_long_lines_fold() {
        let op = Operation::Add {
            object_id: "1".into(),
            dn: "CN=Équipe,OU=G,DC=x".into(),
            attributes: vec![
                ("objectClass".into(), vec!["group".into()]),
                (
                    "description".into(),
                    vec![
                        " lead".into(),
                        ":colon".into(),
                        "<lt".into(),
                        "trail ".into(),
                        "a\nb".into(),
                    ],
                ),
                ("displayName".into(), vec!["x".repeat(80)]),
            ],
        };
        let expected = format!(
            "dn:: Q049w4lxdWlwZSxPVT1HLERDPXg=\nchangetype: add\nobjectClass: group\n\
             description:: IGxlYWQ=\ndescription:: OmNvbG9u\ndescription:: PGx0\n\
             description:: dHJhaWwg\ndescription:: YQpi\n\
             displayName: {}\n {}\n",
            "x".repeat(76 - 13),
            "x".repeat(80 - 63)
        );
        assert_eq!(operation_to_ldif(&op), expected);
    }

    #[test]
    fn control_characters_are_base64() {
        // OpenLDAP's ldapmodify drops a leading tab or vertical tab of a plain value.
        let op = Operation::Add {
            object_id: "1".into(),
            dn: "CN=a,OU=G,DC=x".into(),
            attributes: vec![(
                "info".into(),
                vec![
                    "\tlead".into(),
                    "\u{b}".into(),
                    "a\tb".into(),
                    "del\u{7f}".into(),
                ],
            )],
        };
        assert_eq!(
            operation_to_ldif(&op),
            "dn: CN=a,OU=G,DC=x\nchangetype: add\ninfo:: CWxlYWQ=\ninfo:: Cw==\ninfo:: YQli\n\
             info:: ZGVsfw==\n"
        );
    }

    #[test]
    fn modify_modrdn_and_delete_records_are_exact() {
        let plan = Plan {
            operations: vec![
                Operation::ModDn {
                    object_id: "1".into(),
                    dn: "CN=a,OU=G,DC=x".into(),
                    new_rdn: "CN=b\\, c".into(),
                    new_superior: Some("OU=H,DC=x".into()),
                    new_dn: "CN=b\\, c,OU=H,DC=x".into(),
                    removal: None,
                },
                Operation::Modify {
                    object_id: "1".into(),
                    dn: "CN=b\\, c,OU=H,DC=x".into(),
                    changes: vec![
                        Change {
                            kind: ChangeKind::Delete,
                            attribute: "member".into(),
                            values: vec!["CN=u1,DC=x".into()],
                        },
                        Change {
                            kind: ChangeKind::Add,
                            attribute: "member".into(),
                            values: vec!["CN=u2,DC=x".into(), "CN=u3,DC=x".into()],
                        },
                        Change {
                            kind: ChangeKind::Replace,
                            attribute: "description".into(),
                            values: vec![],
                        },
                    ],
                },
                Operation::Delete {
                    object_id: "2".into(),
                    dn: "CN=z,OU=G,DC=x".into(),
                    removal: Removal::HardDelete,
                },
            ],
            ..Plan::default()
        };
        assert_eq!(
            plan.to_ldif(),
            "version: 1\n\
             \ndn: CN=a,OU=G,DC=x\nchangetype: modrdn\nnewrdn: CN=b\\, c\ndeleteoldrdn: 1\nnewsuperior: OU=H,DC=x\n\
             \ndn: CN=b\\, c,OU=H,DC=x\nchangetype: modify\ndelete: member\nmember: CN=u1,DC=x\n-\n\
             add: member\nmember: CN=u2,DC=x\nmember: CN=u3,DC=x\n-\nreplace: description\n-\n\
             \ndn: CN=z,OU=G,DC=x\nchangetype: delete\n"
        );
    }
}
