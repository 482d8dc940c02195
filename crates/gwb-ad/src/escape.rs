//! DN value escaping (RFC 4514), filter value escaping (RFC 4515) and DN normalisation.

pub use gwb_model::escape_dn_value;

/// Escapes a string for use as an assertion value in a search filter (RFC 4515 section 3):
/// `*`, `(`, `)`, `\` and NUL become `\2a`, `\28`, `\29`, `\5c`, `\00`.
pub fn escape_filter_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 4);
    for c in value.chars() {
        match c {
            '*' => out.push_str("\\2a"),
            '(' => out.push_str("\\28"),
            ')' => out.push_str("\\29"),
            '\\' => out.push_str("\\5c"),
            '\0' => out.push_str("\\00"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes raw bytes (a GUID, a binary SID) as a filter assertion value: `\xx` for every byte.
pub fn escape_filter_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}

/// The DN of the entry `cn=<value>` under `parent`: `CN=<escaped value>,<parent>`.
pub fn child_dn(cn: &str, parent: &str) -> String {
    format!("CN={},{parent}", escape_dn_value(cn))
}

/// Splits a DN into its RDNs as `(attribute type, unescaped value)` pairs.
///
/// Multi-valued RDNs (`a=1+b=2`) are kept as one pair whose value holds the raw rest; AD does
/// not use them for groups. Returns `None` for text that is not a DN.
pub fn parse_dn(dn: &str) -> Option<Vec<(String, String)>> {
    let mut rdns = Vec::new();
    if dn.trim().is_empty() {
        return Some(rdns);
    }
    let mut chars = dn.chars().peekable();
    loop {
        let mut attr = String::new();
        let mut has_equals = false;
        for c in chars.by_ref() {
            if c == '=' {
                has_equals = true;
                break;
            }
            attr.push(c);
        }
        let attr = attr.trim().to_owned();
        if attr.is_empty() || !has_equals {
            return None;
        }
        let mut value: Vec<u8> = Vec::new();
        let mut trailing_unescaped_spaces = 0usize;
        let mut ended = false;
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    let a = chars.next()?;
                    if a.is_ascii_hexdigit() && chars.peek().is_some_and(char::is_ascii_hexdigit) {
                        let b = chars.next()?;
                        let hex = format!("{a}{b}");
                        value.push(u8::from_str_radix(&hex, 16).ok()?);
                    } else {
                        let mut buf = [0u8; 4];
                        value.extend_from_slice(a.encode_utf8(&mut buf).as_bytes());
                    }
                    trailing_unescaped_spaces = 0;
                }
                ',' => {
                    ended = true;
                    break;
                }
                ' ' if value.is_empty() => {}
                _ => {
                    let mut buf = [0u8; 4];
                    value.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    trailing_unescaped_spaces = if c == ' ' {
                        trailing_unescaped_spaces + 1
                    } else {
                        0
                    };
                }
            }
        }
        value.truncate(value.len() - trailing_unescaped_spaces);
        rdns.push((attr, String::from_utf8(value).ok()?));
        if !ended {
            break;
        }
    }
    Some(rdns)
}

/// A comparison key for a DN: attribute types and values lower-cased, values re-escaped the
/// same way, so two spellings of one DN (`CN=a\,b,OU=x` and `cn=A\2CB, ou=X`) compare equal.
/// Text that does not parse as a DN is lower-cased as is.
pub fn normalize_dn(dn: &str) -> String {
    match parse_dn(dn) {
        Some(rdns) => rdns
            .iter()
            .map(|(attr, value)| {
                format!(
                    "{}={}",
                    attr.to_lowercase(),
                    escape_dn_value(&value.to_lowercase())
                )
            })
            .collect::<Vec<_>>()
            .join(","),
        None => dn.to_lowercase(),
    }
}

/// The parent of a DN (everything after the first RDN), normalised; empty for a one-RDN DN.
pub fn parent_of(dn: &str) -> String {
    match parse_dn(dn) {
        Some(rdns) if rdns.len() > 1 => rdns[1..]
            .iter()
            .map(|(attr, value)| format!("{attr}={}", escape_dn_value(value)))
            .collect::<Vec<_>>()
            .join(","),
        _ => String::new(),
    }
}

/// The unescaped value of a DN's first RDN (the `cn` of a group's DN).
pub fn first_rdn_value(dn: &str) -> Option<String> {
    parse_dn(dn)?.into_iter().next().map(|(_, value)| value)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn dn_values_escape_specials_per_rfc4514() {
        assert_eq!(escape_dn_value("Sales, EU"), "Sales\\, EU");
        assert_eq!(escape_dn_value("a+b=c"), "a\\+b=c");
        assert_eq!(escape_dn_value("\"q\";<x>\\"), "\\\"q\\\"\\;\\<x\\>\\\\");
        assert_eq!(escape_dn_value("#1 team"), "\\#1 team");
        assert_eq!(escape_dn_value("a#b"), "a#b");
        assert_eq!(escape_dn_value(" lead"), "\\ lead");
        assert_eq!(escape_dn_value("trail "), "trail\\ ");
        assert_eq!(escape_dn_value(" "), "\\ ");
        assert_eq!(escape_dn_value("nul\0"), "nul\\00");
        assert_eq!(escape_dn_value("Équipe 日本"), "Équipe 日本");
        assert_eq!(escape_dn_value(""), "");
    }

    #[test]
    fn filter_values_escape_specials_per_rfc4515() {
        assert_eq!(
            escape_filter_value("a*b(c)d\\e\0"),
            "a\\2ab\\28c\\29d\\5ce\\00"
        );
        assert_eq!(escape_filter_value("Group_1234"), "Group_1234");
        assert_eq!(escape_filter_value("ü"), "ü");
        assert_eq!(escape_filter_bytes(&[0x00, 0xab, 0x2a]), "\\00\\ab\\2a");
    }

    #[test]
    fn parse_dn_round_trips_escaped_values() {
        let dn = format!("{},OU=Groups,DC=gwb,DC=test", child_dn(" a,b+c#\\ ", "X=y"));
        let rdns = parse_dn(&dn).unwrap();
        assert_eq!(rdns[0], ("CN".to_string(), " a,b+c#\\ ".to_string()));
        assert_eq!(rdns[1], ("X".to_string(), "y".to_string()));
        assert_eq!(rdns.len(), 5);
        assert_eq!(
            parse_dn("CN=a\\2Cb,DC=x").unwrap()[0].1,
            "a,b",
            "hex pairs decode"
        );
        assert_eq!(parse_dn("CN=\\C3\\A9,DC=x").unwrap()[0].1, "é");
        assert_eq!(parse_dn("").unwrap(), vec![]);
        assert!(parse_dn("garbage").is_none());
    }

    #[test]
    fn normalized_dns_compare_equal_across_spellings() {
        assert_eq!(
            normalize_dn("CN=A\\2CB, OU=Groups,DC=Gwb,DC=test"),
            normalize_dn("cn=a\\,b,ou=groups,dc=gwb,dc=TEST")
        );
        assert_ne!(normalize_dn("CN=a,DC=x"), normalize_dn("CN=b,DC=x"));
        assert_eq!(parent_of("CN=a\\,b,OU=G,DC=x"), "OU=G,DC=x");
        assert_eq!(first_rdn_value("CN=a\\,b,OU=G,DC=x").unwrap(), "a,b");
    }
}
