//! Property tests of the DN parser and printer (RFC 4514): escaping round trips, and the
//! canonical form gwb sends to the DC is idempotent and names the same DN.
//!
//! 256 cases per property (proptest's default); `PROPTEST_CASES=10000` raises it.

use gwb_model::dn::{Dn, canonical_dn};
use gwb_model::escape_dn_value;
use proptest::prelude::*;

/// Characters that matter to DN syntax, mixed with any character at all.
fn dn_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(vec![
            ',', ';', '+', '=', '"', '\\', '<', '>', '#', ' ', '/', '\0', '\n', '\r', '\t', 'é',
            '日', 'A', 'z', '0', 'f',
        ]),
        1 => any::<char>(),
    ]
}

/// A non-empty RDN value (DN values cannot be empty).
fn value() -> impl Strategy<Value = String> {
    prop::collection::vec(dn_char(), 1..16).prop_map(|chars| chars.into_iter().collect())
}

/// An attribute type, in the spellings a rules file or plugin may use.
fn attr_type() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "CN", "cn", "Cn", "OU", "ou", "DC", "dc", "O", "L", "uid", "msDS-x", "2.5.4.3",
    ])
    .prop_map(str::to_owned)
}

/// How one value is written: each character escaped as `escape_dn_value` would (or kept),
/// or as `\XX` hex pairs of its UTF-8 bytes in either case.
fn spelled_value(value: &str, styles: &[u8]) -> String {
    let mut out = String::new();
    for (c, style) in value.chars().zip(styles.iter().cycle()) {
        match style % 3 {
            0 => out.push_str(&escape_dn_value(&c.to_string())),
            1 => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\{b:02X}"));
                }
            }
            _ => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\{b:02x}"));
                }
            }
        }
    }
    out
}

/// One DN as structured pairs, and a legal but odd spelling of it: `;` or `,` with spaces
/// between RDNs, spaces around `=` and `+`, hex pairs.
fn odd_dn() -> impl Strategy<Value = (Vec<Vec<(String, String)>>, String)> {
    let ava = (
        attr_type(),
        value(),
        prop::collection::vec(any::<u8>(), 1..8),
    );
    let rdn = prop::collection::vec(ava, 1..3);
    let separators = prop::sample::select(vec![",", ";", " , ", " ; ", ",  "]);
    (
        prop::collection::vec(rdn, 1..5),
        prop::collection::vec(separators, 5),
        any::<bool>(),
    )
        .prop_map(|(rdns, separators, spaced)| {
            let eq = if spaced { " = " } else { "=" };
            let plus = if spaced { " + " } else { "+" };
            let text = rdns
                .iter()
                .map(|rdn| {
                    rdn.iter()
                        .map(|(t, v, styles)| format!("{t}{eq}{}", spelled_value(v, styles)))
                        .collect::<Vec<_>>()
                        .join(plus)
                })
                .zip(separators.iter().cycle())
                .fold(String::new(), |mut out, (rdn, sep)| {
                    if !out.is_empty() {
                        out.push_str(sep);
                    }
                    out.push_str(&rdn);
                    out
                });
            let pairs = rdns
                .into_iter()
                .map(|rdn| rdn.into_iter().map(|(t, v, _)| (t, v)).collect())
                .collect();
            (pairs, text)
        })
}

/// The pairs of a parsed DN, RDN by RDN.
fn pairs(dn: &Dn) -> Vec<Vec<(String, String)>> {
    dn.rdns().iter().map(|rdn| rdn.avas().to_vec()).collect()
}

/// The same pairs with the attribute types upper-cased, as the canonical form writes them.
fn upper_types(pairs: &[Vec<(String, String)>]) -> Vec<Vec<(String, String)>> {
    pairs
        .iter()
        .map(|rdn| {
            rdn.iter()
                .map(|(t, v)| (t.to_ascii_uppercase(), v.clone()))
                .collect()
        })
        .collect()
}

proptest! {
    #[test]
    fn escaped_values_parse_back_to_themselves(value in value(), attr in attr_type()) {
        let text = format!("{attr}={},OU=Groups,DC=gwb,DC=test", escape_dn_value(&value));
        let dn = Dn::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(dn.rdns()[0].value(), value.as_str());
        prop_assert_eq!(dn.rdns()[0].attr_type(), attr.as_str());
        prop_assert_eq!(dn.depth(), 4);
    }

    #[test]
    fn odd_spellings_parse_to_their_pairs_and_canonicalise_stably((expected, text) in odd_dn()) {
        let dn = Dn::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&pairs(&dn), &expected, "{}", text);
        let canonical = canonical_dn(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        // Idempotent.
        prop_assert_eq!(
            canonical_dn(&canonical).map_err(|e| TestCaseError::fail(e.to_string()))?,
            canonical.clone()
        );
        // The same DN: the same pairs (types upper-cased), equal as AD compares.
        let reparsed = Dn::parse(&canonical).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(pairs(&reparsed), upper_types(&expected));
        prop_assert_eq!(&reparsed, &dn);
        // Exactly the text built from the pairs: types upper-cased, values escaped, `,` and
        // `+` with no spaces (nothing Samba refuses).
        let built = expected
            .iter()
            .map(|rdn| {
                rdn.iter()
                    .map(|(t, v)| format!("{}={}", t.to_ascii_uppercase(), escape_dn_value(v)))
                    .collect::<Vec<_>>()
                    .join("+")
            })
            .collect::<Vec<_>>()
            .join(",");
        prop_assert_eq!(canonical, built);
    }

    #[test]
    fn any_text_that_parses_canonicalises_stably(text in "[a-zA-Z0-9=,;+ #\"<>\\\\.é-]{0,40}") {
        if let Ok(dn) = Dn::parse(&text) {
            let canonical = dn.to_string();
            let reparsed = Dn::parse(&canonical).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(reparsed.to_string(), canonical.clone());
            prop_assert_eq!(pairs(&reparsed), upper_types(&pairs(&dn)));
            prop_assert_eq!(&reparsed, &dn);
        }
    }
}
