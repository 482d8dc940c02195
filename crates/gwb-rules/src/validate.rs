//! Checks what defaults and plugins propose before anything reaches AD: every violation is a
//! clear error for that group, worded so the plugin author knows what to fix.

use gwb_model::dn::Dn;
use gwb_model::{AttributeEdit, AttributeNames};

mod length;
mod names;

pub use length::{cut_to_schema, within_schema};
pub(crate) use names::spelled;
pub use names::{ALLOWED_OPTIONS, canonical_name};

/// AD's limit on `cn` (rangeUpper of the `cn` attribute).
pub const CN_MAX_CHARS: usize = 64;
/// AD's limit on `sAMAccountName`.
pub const SAM_MAX_CHARS: usize = 256;
/// Past this many characters, pre-Windows 2000 clients cannot use a sAMAccountName.
pub const SAM_LEGACY_CHARS: usize = 20;
/// Characters AD refuses in a sAMAccountName.
pub const SAM_FORBIDDEN: &str = "\"/\\[]:;|=,+*?<>";
/// gwb refuses attribute values larger than this (AD's own limits are lower for most
/// attributes; this stops runaway plugins before anything is sent).
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

/// Checks a `cn` value (unescaped).
pub fn cn(value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        return Err("cn is empty".into());
    }
    let chars = value.chars().count();
    if chars > CN_MAX_CHARS {
        return Err(format!(
            "cn `{}` has {chars} characters; AD allows at most {CN_MAX_CHARS}",
            preview(value)
        ));
    }
    no_control_characters("cn", value)
}

/// Checks a `sAMAccountName`; `Ok(Some(warning))` when it is valid but longer than
/// pre-Windows 2000 clients accept.
pub fn sam_account_name(value: &str) -> Result<Option<String>, String> {
    if value.trim_matches(|c| c == '.' || c == ' ').is_empty() {
        return Err(format!(
            "sAMAccountName `{value}` is empty or only periods and spaces"
        ));
    }
    let chars = value.chars().count();
    if chars > SAM_MAX_CHARS {
        return Err(format!(
            "sAMAccountName `{}` has {chars} characters; AD allows at most {SAM_MAX_CHARS}",
            preview(value)
        ));
    }
    no_control_characters("sAMAccountName", value)?;
    if let Some(bad) = value.chars().find(|c| SAM_FORBIDDEN.contains(*c)) {
        return Err(format!(
            "sAMAccountName `{value}` contains `{bad}`; none of {SAM_FORBIDDEN} is allowed"
        ));
    }
    Ok((chars > SAM_LEGACY_CHARS).then(|| {
        format!(
            "sAMAccountName `{value}` has {chars} characters; clients older than Windows 2000 \
             only see the first {SAM_LEGACY_CHARS}"
        )
    }))
}

/// Checks that `parent` is a DN inside one of the managed OUs; `Ok` holds its canonical form
/// ([`gwb_model::dn::canonical_dn`]), the spelling to send to the DC.
pub fn parent_dn(parent: &str, managed_ous: &[Dn]) -> Result<String, String> {
    let dn = Dn::parse(parent).map_err(|e| format!("target OU: {e}"))?;
    if managed_ous.iter().any(|ou| dn.is_within(ou)) {
        Ok(dn.to_string())
    } else {
        let list: Vec<String> = managed_ous.iter().map(Dn::to_string).collect();
        Err(format!(
            "target OU `{parent}` is outside the managed OUs ({}); add it to \
             `managed_ous` in the rules file or route the group elsewhere",
            list.join("; ")
        ))
    }
}

/// Checks one mapping edit and returns it under its attribute's canonical name: an attribute
/// a plugin may edit ([`canonical_name`], through `schema` when gwb has read it) and sane
/// values.
pub fn edit(edit: AttributeEdit, schema: Option<&AttributeNames>) -> Result<AttributeEdit, String> {
    let name = canonical_name(edit.name(), schema)?;
    for value in edit.values() {
        attribute_value(&name, value)?;
    }
    if name.eq_ignore_ascii_case("groupType") && !matches!(edit, AttributeEdit::Remove { .. }) {
        match edit.values() {
            [one] => group_type(one)?,
            _ => return Err("groupType takes exactly one value".into()),
        }
    }
    Ok(edit.renamed(name))
}

/// Checks an LDAP attribute description (RFC 4512): a name that starts with a letter and
/// holds letters, digits and hyphens, or a numeric OID, optionally followed by `;options`.
pub fn attribute_name(name: &str) -> Result<(), String> {
    let mut parts = name.split(';');
    let base_ok = parts.next().is_some_and(is_attribute_type);
    let options_ok = parts.all(|option| {
        !option.is_empty()
            && option
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
    });
    if base_ok && options_ok {
        Ok(())
    } else {
        Err(not_an_attribute_name(name))
    }
}

/// True for an attribute type (RFC 4512 `oid`): a name that starts with a letter and holds
/// letters, digits and hyphens, or a numeric OID.
fn is_attribute_type(base: &str) -> bool {
    let mut chars = base.chars();
    let descr = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-');
    let numeric_oid = base.starts_with(|c: char| c.is_ascii_digit())
        && base
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    descr || numeric_oid
}

/// The refusal of a name that is no attribute description at all.
fn not_an_attribute_name(name: &str) -> String {
    format!(
        "`{}` is not a valid LDAP attribute name (letters, digits and hyphens, starting with a \
         letter, e.g. extensionAttribute1)",
        preview(name)
    )
}

/// Checks one attribute value: bounded size, no control characters other than tab and line
/// breaks.
pub fn attribute_value(name: &str, value: &str) -> Result<(), String> {
    if value.len() > MAX_VALUE_BYTES {
        return Err(format!(
            "a value of `{name}` is {} bytes; gwb accepts at most {MAX_VALUE_BYTES}",
            value.len()
        ));
    }
    if let Some(c) = value
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(format!(
            "a value of `{name}` contains the control character U+{:04X}",
            c as u32
        ));
    }
    Ok(())
}

/// Checks a `groupType` value: one scope (global 0x2, domain-local 0x4, universal 0x8),
/// optionally the security flag 0x80000000, nothing else.
pub fn group_type(value: &str) -> Result<(), String> {
    const SCOPES: [i32; 3] = [0x2, 0x4, 0x8];
    const SECURITY: i32 = 0x8000_0000_u32 as i32;
    let bad = || {
        format!(
            "groupType `{value}` is not a valid group type: use 8 (universal distribution), \
             -2147483640 (universal security), 2/4 or -2147483646/-2147483644 (global or \
             domain-local)"
        )
    };
    let v: i32 = value.trim().parse().map_err(|_| bad())?;
    let scope = v & !SECURITY;
    if SCOPES.contains(&scope) {
        Ok(())
    } else {
        Err(bad())
    }
}

fn no_control_characters(what: &str, value: &str) -> Result<(), String> {
    match value.chars().find(|c| c.is_control()) {
        Some(c) => Err(format!(
            "{what} `{}` contains the control character U+{:04X}",
            preview(value).escape_debug(),
            c as u32
        )),
        None => Ok(()),
    }
}

/// The first 80 characters of a value, for messages about huge values.
fn preview(value: &str) -> String {
    match value.char_indices().nth(80) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cn_limits() {
        assert_eq!(cn("Sales"), Ok(()));
        assert!(cn("").is_err());
        assert!(cn(&"x".repeat(64)).is_ok());
        assert!(
            cn(&"x".repeat(65))
                .expect_err("long")
                .contains("65 characters")
        );
        assert!(cn("a\u{7}b").expect_err("bell").contains("U+0007"));
        assert!(cn(&"é".repeat(64)).is_ok(), "characters, not bytes");
    }

    #[test]
    fn sam_rules() {
        assert_eq!(sam_account_name("grp-sales"), Ok(None));
        let warning = sam_account_name(&"s".repeat(21))
            .expect("valid")
            .expect("warning");
        assert!(warning.contains("21 characters"));
        assert!(sam_account_name(&"s".repeat(257)).is_err());
        for c in SAM_FORBIDDEN.chars() {
            let err = sam_account_name(&format!("a{c}b")).expect_err("forbidden");
            assert!(err.contains(&format!("contains `{c}`")), "{err}");
        }
        assert!(sam_account_name("a\tb").is_err());
        assert!(sam_account_name(" . ").is_err());
    }

    #[test]
    fn attribute_names() {
        for ok in [
            "description",
            "extensionAttribute1",
            "msDS-ExternalDirectoryObjectId",
            "1.2.840.113556.1.2.13",
            "displayName;lang-en",
        ] {
            assert_eq!(attribute_name(ok), Ok(()), "{ok}");
        }
        for bad in ["", "bad name!", "1abc", "-x", "x;", "dé", "a=b"] {
            assert!(attribute_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn protected_attributes_and_values() {
        let replace = |name: &str, values: &[&str]| AttributeEdit::Replace {
            name: name.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        };
        let check = |name: &str, values: &[&str]| edit(replace(name, values), None);
        assert_eq!(check("info", &["ok"]), Ok(replace("info", &["ok"])));
        let err = check("ADMINDESCRIPTION", &["x"]).expect_err("anchor");
        assert!(err.contains("ownership anchor"), "{err}");
        assert!(check("objectClass", &["user"]).is_err());
        assert!(check("member", &["CN=x"]).is_err());
        let huge = "h".repeat(MAX_VALUE_BYTES + 1);
        assert!(
            check("info", &[&huge])
                .expect_err("huge")
                .contains("65537 bytes")
        );
        assert!(
            check("info", &["nul\0"])
                .expect_err("nul")
                .contains("U+0000")
        );
        assert_eq!(
            check("info", &["two\nlines"]),
            Ok(replace("info", &["two\nlines"]))
        );
        assert_eq!(
            check("groupType", &["-2147483646"]),
            Ok(replace("groupType", &["-2147483646"]))
        );
        assert!(check("groupType", &["16"]).is_err());
        assert!(check("groupType", &["8", "2"]).is_err());
        assert!(check("groupType", &["banana"]).is_err());
    }

    #[test]
    fn parent_must_be_managed() {
        let managed = vec![Dn::parse("OU=Groups,DC=example,DC=com").expect("dn")];
        assert_eq!(
            parent_dn("OU=Fin,OU=Groups,DC=example,DC=com", &managed),
            Ok("OU=Fin,OU=Groups,DC=example,DC=com".to_owned())
        );
        assert_eq!(
            parent_dn(
                r"ou = Sub\2C EU ; OU=Fin,ou=groups , dc=example,DC=com",
                &managed
            ),
            Ok(r"OU=Sub\, EU,OU=Fin,OU=groups,DC=example,DC=com".to_owned())
        );
        let err = parent_dn("OU=Other,DC=example,DC=com", &managed).expect_err("outside");
        assert!(err.contains("outside the managed OUs"), "{err}");
        assert!(
            parent_dn("Groups", &managed)
                .expect_err("syntax")
                .contains("target OU")
        );
    }
}
