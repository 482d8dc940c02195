//! Parses distinguished names (RFC 4514) so OUs from plugins and rules files can be checked and
//! compared; building escaped DNs for LDAP is the AD side's job.

use std::fmt;

/// A parsed DN: its RDNs from the leaf to the root, each a list of `(type, value)` pairs with
/// the value unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dn {
    rdns: Vec<Vec<(String, String)>>,
}

/// Why a DN could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{dn}` is not a valid distinguished name: {problem}")]
pub struct DnError {
    /// The text that was given.
    pub dn: String,
    /// What is wrong with it.
    pub problem: String,
}

impl Dn {
    /// Parses `text`. Spaces around `,`, `+` and `=` are tolerated, as AD tolerates them.
    pub fn parse(text: &str) -> Result<Dn, DnError> {
        let fail = |problem: &str| DnError {
            dn: text.to_owned(),
            problem: problem.to_owned(),
        };
        if text.trim().is_empty() {
            return Err(fail("it is empty"));
        }
        let mut rdns = Vec::new();
        let mut rdn = Vec::new();
        let mut chars = text.chars().peekable();
        loop {
            let attr_type: String = chars
                .by_ref()
                .take_while(|c| *c != '=')
                .collect::<String>()
                .trim()
                .to_owned();
            if !is_attribute_type(&attr_type) {
                return Err(fail(&format!(
                    "`{attr_type}` is not an attribute type (expected e.g. OU=Name,DC=example,DC=com)"
                )));
            }
            let (value, separator) = parse_value(&mut chars).map_err(|p| fail(&p))?;
            if value.is_empty() {
                return Err(fail(&format!("the value of `{attr_type}` is empty")));
            }
            rdn.push((attr_type, value));
            match separator {
                Some('+') => {}
                Some(_) => rdns.push(std::mem::take(&mut rdn)),
                None => {
                    rdns.push(rdn);
                    break;
                }
            }
        }
        Ok(Dn { rdns })
    }

    /// True when `self` equals `ancestor` or lies below it (compared case-insensitively, as AD
    /// compares names).
    pub fn is_within(&self, ancestor: &Dn) -> bool {
        let n = ancestor.rdns.len();
        self.rdns.len() >= n
            && self.rdns[self.rdns.len() - n..]
                .iter()
                .zip(&ancestor.rdns)
                .all(|(a, b)| rdn_eq(a, b))
    }

    /// The number of RDNs.
    pub fn depth(&self) -> usize {
        self.rdns.len()
    }
}

impl fmt::Display for Dn {
    /// Writes the DN in RFC 4514 form with values escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, rdn) in self.rdns.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            for (j, (attr, value)) in rdn.iter().enumerate() {
                if j > 0 {
                    f.write_str("+")?;
                }
                write!(f, "{attr}={}", gwb_model::escape_dn_value(value))?;
            }
        }
        Ok(())
    }
}

fn rdn_eq(a: &[(String, String)], b: &[(String, String)]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|((ta, va), (tb, vb))| {
            ta.eq_ignore_ascii_case(tb) && va.to_lowercase() == vb.to_lowercase()
        })
}

/// RFC 4512 `descr` (letter, then letters, digits, hyphens) or a numeric OID.
fn is_attribute_type(text: &str) -> bool {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() => chars.all(|c| c.is_ascii_alphanumeric() || c == '-'),
        Some(c) if c.is_ascii_digit() => text
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit())),
        _ => false,
    }
}

/// Reads one value up to an unescaped `,`, `;` or `+`; returns it unescaped and trimmed, and
/// the separator (None at the end).
fn parse_value(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
) -> Result<(String, Option<char>), String> {
    let mut bytes = Vec::new();
    let mut escaped_len = 0; // length of `bytes` that must survive trimming
    while let Some(c) = chars.next() {
        match c {
            ',' | ';' | '+' => return Ok((finish(bytes, escaped_len)?, Some(c))),
            '\\' => {
                let next = chars.next().ok_or("it ends with a lone backslash")?;
                if next.is_ascii_hexdigit() {
                    let low = chars
                        .next()
                        .filter(char::is_ascii_hexdigit)
                        .ok_or("a `\\` hex escape needs two hex digits")?;
                    let hex = format!("{next}{low}");
                    bytes.push(u8::from_str_radix(&hex, 16).map_err(|e| e.to_string())?);
                } else if "\"+,;<>\\= #".contains(next) {
                    push_char(&mut bytes, next);
                } else {
                    return Err(format!("`\\{next}` is not a valid escape"));
                }
                escaped_len = bytes.len();
            }
            '"' | '<' | '>' => return Err(format!("`{c}` must be escaped as `\\{c}`")),
            // Unescaped spaces before the value are not part of it.
            ' ' if bytes.is_empty() => {}
            _ => push_char(&mut bytes, c),
        }
    }
    Ok((finish(bytes, escaped_len)?, None))
}

fn push_char(bytes: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

fn finish(mut bytes: Vec<u8>, escaped_len: usize) -> Result<String, String> {
    while bytes.len() > escaped_len && bytes.last() == Some(&b' ') {
        bytes.pop();
    }
    String::from_utf8(bytes).map_err(|_| "a hex escape is not valid UTF-8".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_compares_case_insensitively() {
        let ou = Dn::parse("OU=Groups, DC=Example,DC=com").expect("valid");
        let child = Dn::parse("ou=Finance,ou=groups,dc=example,dc=COM").expect("valid");
        assert!(child.is_within(&ou));
        assert!(ou.is_within(&ou));
        assert!(!ou.is_within(&child));
        assert_eq!(child.depth(), 4);
    }

    #[test]
    fn unescapes_and_round_trips() {
        let dn = Dn::parse(r"CN=Smith\, John\2B,OU=A\#B,DC=x").expect("valid");
        assert_eq!(dn.rdns[0][0].1, "Smith, John+");
        assert_eq!(dn.to_string(), r"CN=Smith\, John\+,OU=A#B,DC=x");
        let multi = Dn::parse("CN=a+UID=b,DC=x").expect("valid");
        assert_eq!(multi.rdns[0].len(), 2);
    }

    #[test]
    fn keeps_escaped_edge_spaces() {
        let dn = Dn::parse(r"CN=\ padded\ ,DC=x").expect("valid");
        assert_eq!(dn.rdns[0][0].1, " padded ");
        assert_eq!(dn.to_string(), r"CN=\ padded\ ,DC=x");
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "", "Groups", "OU=,DC=x", "OU=a\\", "1bad=x", "OU=a<b", "OU=a\\zz",
        ] {
            assert!(Dn::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        let err = Dn::parse("Groups").expect_err("no type");
        assert!(
            err.to_string().contains("not a valid distinguished name"),
            "{err}"
        );
    }
}
