//! Distinguished names (RFC 4514): the one DN parser gwb has, and the one comparison key.
//!
//! The rules (managed-OU checks), the AD side (indexes, plans, probes) and the tests all parse,
//! compare and key DNs through [`Dn`] and [`normalize_dn`], so one DN means the same thing in
//! every crate. Escaping a single value for a DN is [`escape_dn_value`].
//!
//! # Accepted
//!
//! - RDNs separated by `,`. `;` is accepted as an RDN separator as well: RFC 2253 required
//!   accepting it and RFC 4514 still allows it as an older form, and an unescaped `;` can mean
//!   nothing else (inside a value it must be escaped), so every crate reads it the same way.
//!   It is never written: [`Dn`]'s `Display` and [`Dn::key`] use `,`, and a `;` inside a value
//!   is written `\;`. Samba's DC refuses `;` between RDNs (`Invalid DN syntax`, checked against
//!   the test DC), so no DN reaches the DC as written: the rules file's DNs and a plugin's
//!   parent DN are sent in their [canonical form](#canonical-form).
//! - Multi-valued RDNs: attribute-value pairs joined by `+` (`CN=a+UID=b`). Their order does not
//!   matter when DNs are compared (an RDN is a set).
//! - Escapes: `\` followed by one of `, + ; " \ < > = #`, a space or `/` (AD's list of reserved
//!   characters adds `/`), or a `\XX` hex pair. Hex pairs are UTF-8 bytes: `\C3\A9` is `é`.
//! - Spaces around `=`, `,`, `;` and `+` are ignored, as AD ignores them. Escaped spaces (`\ `,
//!   `\20`) are part of the value, so a value keeps a leading or trailing space only when it
//!   is escaped.
//!
//! # Rejected
//!
//! - Empty text, an empty value, an attribute type that is neither a name (`OU`, `msDS-x`) nor
//!   a numeric OID (`2.5.4.3`).
//! - Unescaped `"`, `<`, `>` or NUL. This rejects RFC 1779's quoted values (`CN="a,b"`), which
//!   RFC 4514 dropped and AD never returns: escape the characters instead (`CN=a\,b`). A quoted
//!   value is refused loudly rather than read as something else.
//! - A value that starts with an unescaped `#`: RFC 4514's BER-encoded form, which no name gwb
//!   handles uses (a literal `#` at the start is written `\#`).
//! - `\` followed by any other character, a lone `\`, hex pairs that are not UTF-8.
//!
//! # Canonical form
//!
//! What gwb sends to the DC ([`Dn`]'s `Display`, [`canonical_dn`]): attribute types
//! upper-cased as AD writes them (`ou` → `OU`, `dc` → `DC`; numeric OIDs as they are), values
//! re-escaped with [`escape_dn_value`] (so `\2C` becomes `\,`, `\41` becomes `A`, `\C3\A9`
//! becomes `é`), no spaces around `=`, `,` or `+`, `,` between RDNs, the pairs of a multi-valued
//! RDN and the case of values as written. Canonicalising is idempotent, and the canonical text
//! parses to the same RDNs as the original.
//!
//! # Comparison
//!
//! AD compares DNs case-insensitively. [`Dn::key`] is the comparison key: attribute types
//! lower-cased (ASCII), values lower-cased (Unicode) and re-escaped with [`escape_dn_value`],
//! the pairs of a multi-valued RDN sorted, RDNs joined by `,`. `==` on [`Dn`] compares keys.
//! Not folded: an OID type and its name (`2.5.4.3=x` and `CN=x` differ), and Unicode
//! normalisation forms (NFC and NFD spellings of `é` differ).

use std::fmt;

/// A parsed distinguished name: its RDNs from the leaf to the root.
///
/// `==` compares the way AD does ([`Dn::key`]); `Display` writes the
/// [canonical form](self#canonical-form), the text gwb sends to the DC.
#[derive(Debug, Clone)]
pub struct Dn {
    rdns: Vec<Rdn>,
}

/// One relative distinguished name: one or more `(attribute type, value)` pairs, the values
/// unescaped, in the order written.
#[derive(Clone)]
pub struct Rdn {
    avas: Vec<(String, String)>,
}

impl fmt::Debug for Rdn {
    /// The pairs as a list, so a [`Dn`] debug-prints as `Dn { rdns: [[("OU", "x")], ...] }`
    /// (the rules fingerprint hashes managed OUs that way).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.avas).finish()
    }
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
    /// Parses RFC 4514 text (see the [module docs](self) for what is accepted).
    pub fn parse(text: &str) -> Result<Dn, DnError> {
        let fail = |problem: String| DnError {
            dn: text.to_owned(),
            problem,
        };
        if text.trim().is_empty() {
            return Err(fail("it is empty".into()));
        }
        let mut rdns = Vec::new();
        let mut avas = Vec::new();
        let mut chars = text.chars();
        loop {
            let attr_type = parse_type(&mut chars).map_err(fail)?;
            let (value, separator) = parse_value(&mut chars).map_err(fail)?;
            if value.is_empty() {
                return Err(fail(format!("the value of `{attr_type}` is empty")));
            }
            avas.push((attr_type, value));
            match separator {
                Some('+') => {}
                Some(_) => rdns.push(Rdn {
                    avas: std::mem::take(&mut avas),
                }),
                None => {
                    rdns.push(Rdn { avas });
                    return Ok(Dn { rdns });
                }
            }
        }
    }

    /// The RDNs, leaf first.
    pub fn rdns(&self) -> &[Rdn] {
        &self.rdns
    }

    /// The number of RDNs.
    pub fn depth(&self) -> usize {
        self.rdns.len()
    }

    /// The DN without its first RDN; `None` for a one-RDN DN.
    pub fn parent(&self) -> Option<Dn> {
        (self.rdns.len() > 1).then(|| Dn {
            rdns: self.rdns[1..].to_vec(),
        })
    }

    /// True when `self` equals `ancestor` or lies below it (compared as [`Dn::key`] compares).
    pub fn is_within(&self, ancestor: &Dn) -> bool {
        let n = ancestor.rdns.len();
        self.rdns.len() >= n
            && self.rdns[self.rdns.len() - n..]
                .iter()
                .zip(&ancestor.rdns)
                .all(|(a, b)| a.key() == b.key())
    }

    /// The comparison key: equal for every spelling of one DN as AD compares them (case,
    /// escaping, spaces, `;` or `,`, order inside multi-valued RDNs), different otherwise.
    pub fn key(&self) -> String {
        self.rdns.iter().map(Rdn::key).collect::<Vec<_>>().join(",")
    }
}

impl PartialEq for Dn {
    /// Same DN as AD compares them ([`Dn::key`]).
    fn eq(&self, other: &Self) -> bool {
        self.depth() == other.depth() && self.is_within(other)
    }
}

impl Eq for Dn {}

impl fmt::Display for Dn {
    /// Writes the [canonical form](self#canonical-form): types upper-cased, values escaped,
    /// `,` between RDNs, `+` between pairs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, rdn) in self.rdns.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            for (j, (attr_type, value)) in rdn.avas.iter().enumerate() {
                if j > 0 {
                    f.write_str("+")?;
                }
                write!(
                    f,
                    "{}={}",
                    attr_type.to_ascii_uppercase(),
                    escape_dn_value(value)
                )?;
            }
        }
        Ok(())
    }
}

impl Rdn {
    /// The `(attribute type, unescaped value)` pairs, in the order written (one for the
    /// single-valued RDNs AD uses).
    pub fn avas(&self) -> &[(String, String)] {
        &self.avas
    }

    /// The attribute type of the first pair (`CN`, `OU`, `DC`, ...), as written.
    pub fn attr_type(&self) -> &str {
        &self.avas[0].0
    }

    /// The unescaped value of the first pair (the `cn` of a group's leaf RDN).
    pub fn value(&self) -> &str {
        &self.avas[0].1
    }

    /// This RDN's part of [`Dn::key`].
    fn key(&self) -> String {
        let mut pairs: Vec<String> = self
            .avas
            .iter()
            .map(|(attr_type, value)| {
                format!(
                    "{}={}",
                    attr_type.to_ascii_lowercase(),
                    escape_dn_value(&value.to_lowercase())
                )
            })
            .collect();
        pairs.sort();
        pairs.join("+")
    }
}

/// Escapes a string for use as an attribute value inside a DN (RFC 4514 section 2.4).
///
/// Escapes `"`, `+`, `,`, `;`, `<`, `>`, `\`, `=`, a leading `#` or space, a trailing space,
/// and NUL (as `\00`). RFC 4514 allows a bare `=` in a value, but Samba's DC refuses one (and AD
/// lists it among the characters to escape), so it is always written `\=`. Other characters,
/// including non-ASCII, are kept as UTF-8. The one place gwb escapes DN values: the AD side
/// builds DNs with it, [`Dn`] prints and keys DNs with it.
pub fn escape_dn_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 4);
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        match c {
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' | '=' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            '\0' => out.push_str("\\00"),
            _ => out.push(c),
        }
    }
    out
}

/// The [canonical form](self#canonical-form) of DN text: the spelling gwb sends to the DC.
pub fn canonical_dn(text: &str) -> Result<String, DnError> {
    Dn::parse(text).map(|dn| dn.to_string())
}

/// The comparison key of DN text ([`Dn::key`]); text that is not a DN is lower-cased as is, so
/// it still equals only itself (in any case).
pub fn normalize_dn(text: &str) -> String {
    match Dn::parse(text) {
        Ok(dn) => dn.key(),
        Err(_) => text.to_lowercase(),
    }
}

/// Reads an attribute type up to its `=`, trimmed; it must be an RFC 4512 `descr` (a letter,
/// then letters, digits and hyphens) or a numeric OID.
fn parse_type(chars: &mut std::str::Chars<'_>) -> Result<String, String> {
    let mut attr_type = String::new();
    let mut has_equals = false;
    for c in chars.by_ref() {
        if c == '=' {
            has_equals = true;
            break;
        }
        attr_type.push(c);
    }
    let attr_type = attr_type.trim();
    let mut rest = attr_type.chars();
    let valid = match rest.next() {
        Some(c) if c.is_ascii_alphabetic() => rest.all(|c| c.is_ascii_alphanumeric() || c == '-'),
        Some(c) if c.is_ascii_digit() => attr_type
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit())),
        _ => false,
    };
    if !has_equals || !valid {
        return Err(format!(
            "`{attr_type}` is not an attribute type (expected e.g. OU=Name,DC=example,DC=com)"
        ));
    }
    Ok(attr_type.to_owned())
}

/// Reads one value up to an unescaped `,`, `;` or `+`; returns it unescaped, without the
/// unescaped spaces around it, and the separator (`None` at the end of the text).
fn parse_value(chars: &mut std::str::Chars<'_>) -> Result<(String, Option<char>), String> {
    let mut bytes = Vec::new();
    // How much of `bytes` must survive trimming: everything up to the last escaped byte.
    let mut kept = 0;
    let mut separator = None;
    while let Some(c) = chars.next() {
        match c {
            ',' | ';' | '+' => {
                separator = Some(c);
                break;
            }
            '\\' => {
                let next = chars.next().ok_or("it ends with a lone backslash")?;
                if let Some(high) = next.to_digit(16) {
                    let low = chars
                        .next()
                        .and_then(|c| c.to_digit(16))
                        .ok_or("a `\\` hex escape needs two hex digits")?;
                    // Two hex digits: at most 0xff.
                    bytes.push((high * 16 + low) as u8);
                } else if ",+;\"\\<>=# /".contains(next) {
                    push_char(&mut bytes, next);
                } else {
                    return Err(format!("`\\{next}` is not a valid escape"));
                }
                kept = bytes.len();
            }
            '"' | '<' | '>' => return Err(format!("`{c}` must be escaped as `\\{c}`")),
            '\0' => return Err("a NUL must be escaped as `\\00`".into()),
            '#' if bytes.is_empty() => {
                return Err(
                    "a value starting with `#` is a BER hex string, which gwb does not read; \
                     write a literal `#` as `\\#`"
                        .into(),
                );
            }
            // Unescaped spaces before the value are not part of it.
            ' ' if bytes.is_empty() => {}
            _ => push_char(&mut bytes, c),
        }
    }
    while bytes.len() > kept && bytes.last() == Some(&b' ') {
        bytes.pop();
    }
    let value = String::from_utf8(bytes).map_err(|_| "a hex escape is not valid UTF-8")?;
    Ok((value, separator))
}

fn push_char(bytes: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

#[cfg(test)]
mod tests;
