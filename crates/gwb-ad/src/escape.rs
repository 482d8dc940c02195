//! DN value escaping (RFC 4514), filter value escaping (RFC 4515), and the DN helpers gwb-ad
//! builds on [`gwb_model::dn`], the one DN parser.

use gwb_model::dn::Dn;
pub use gwb_model::dn::normalize_dn;
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

/// The parent of a DN (everything after the first RDN) in RFC 4514 form, values re-escaped;
/// empty for a one-RDN DN or text that is not a DN.
pub fn parent_of(dn: &str) -> String {
    Dn::parse(dn)
        .ok()
        .and_then(|dn| dn.parent())
        .map(|parent| parent.to_string())
        .unwrap_or_default()
}

/// The unescaped value of a DN's first RDN (the `cn` of a group's DN).
pub fn first_rdn_value(dn: &str) -> Option<String> {
    Dn::parse(dn).ok().map(|dn| dn.rdns()[0].value().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn child_dns_parse_back_to_their_parts() {
        let dn = child_dn(" a,b+c#\\ ", "OU=Groups,DC=gwb,DC=test");
        assert_eq!(first_rdn_value(&dn).unwrap(), " a,b+c#\\ ");
        assert_eq!(parent_of(&dn), "OU=Groups,DC=gwb,DC=test");
        assert_eq!(parent_of("CN=a\\,b;OU=G , DC=x"), "OU=G,DC=x");
        assert_eq!(parent_of("DC=x"), "");
        assert_eq!(parent_of("garbage"), "");
        assert_eq!(first_rdn_value("garbage"), None);
    }
}
