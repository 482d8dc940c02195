use super::*;

/// The parsed pairs of `text`, RDN by RDN.
fn parsed(text: &str) -> Vec<Vec<(String, String)>> {
    Dn::parse(text)
        .unwrap_or_else(|e| panic!("{e}"))
        .rdns()
        .iter()
        .map(|rdn| rdn.avas().to_vec())
        .collect()
}

/// Shorthand for an expected RDN list.
fn rdns(expected: &[&[(&str, &str)]]) -> Vec<Vec<(String, String)>> {
    expected
        .iter()
        .map(|rdn| {
            rdn.iter()
                .map(|(t, v)| ((*t).to_owned(), (*v).to_owned()))
                .collect()
        })
        .collect()
}

#[test]
fn dn_values_escape_specials_per_rfc4514() {
    assert_eq!(escape_dn_value("Sales, EU"), "Sales\\, EU");
    assert_eq!(escape_dn_value("a+b=c"), "a\\+b\\=c");
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
fn parses_and_compares_case_insensitively() {
    let ou = Dn::parse("OU=Groups, DC=Example,DC=com").expect("valid");
    let child = Dn::parse("ou=Finance,ou=groups,dc=example,dc=COM").expect("valid");
    assert!(child.is_within(&ou));
    assert!(ou.is_within(&ou));
    assert!(!ou.is_within(&child));
    assert_eq!(child.depth(), 4);
    assert_eq!(child.parent(), Some(ou.clone()));
    assert_eq!(ou, Dn::parse("ou=GROUPS,dc=example,dc=com").expect("valid"));
    assert_ne!(ou, child);
    assert!(Dn::parse("DC=com").expect("valid").parent().is_none());
}

#[test]
fn unescapes_and_round_trips() {
    let dn = Dn::parse(r"CN=Smith\, John\2B,OU=A\#B,DC=x").expect("valid");
    assert_eq!(dn.rdns()[0].value(), "Smith, John+");
    assert_eq!(dn.rdns()[0].attr_type(), "CN");
    assert_eq!(dn.to_string(), r"CN=Smith\, John\+,OU=A#B,DC=x");
    assert_eq!(
        parsed(r"CN=\ a\,b\+c\#\\\ ,X=y"),
        rdns(&[&[("CN", r" a,b+c#\ ")], &[("X", "y")]])
    );
    let value = " a,b+c;\"<x>\\#= é ";
    let built = format!("CN={},OU=Groups,DC=gwb,DC=test", escape_dn_value(value));
    let dn = Dn::parse(&built).expect("valid");
    assert_eq!(dn.rdns()[0].value(), value);
    assert_eq!(dn.to_string(), built);
}

#[test]
fn keeps_escaped_edge_spaces() {
    let dn = Dn::parse(r"CN=\ padded\ ,DC=x").expect("valid");
    assert_eq!(dn.rdns()[0].value(), " padded ");
    assert_eq!(dn.to_string(), r"CN=\ padded\ ,DC=x");
}

#[test]
fn rejects_malformed() {
    for bad in [
        "",
        "  ",
        "Groups",
        "OU=,DC=x",
        "OU=a,",
        "OU=a,,DC=x",
        "OU=a+,DC=x",
        "OU=a\\",
        "1bad=x",
        "OU=a<b",
        "OU=a>b",
        "OU=a\0b",
        "OU=a\\zz",
        "OU=a\\4",
        "OU=a\\4g",
        "OU=\\C3,DC=x",
        "OU=#0403616263,DC=x",
        "OU= #a,DC=x",
        "OU=\"a,b\",DC=x",
    ] {
        assert!(Dn::parse(bad).is_err(), "{bad:?} should be rejected");
    }
    let err = Dn::parse("Groups").expect_err("no type");
    assert!(
        err.to_string().contains("not a valid distinguished name"),
        "{err}"
    );
    let err = Dn::parse("OU=\"a\",DC=x").expect_err("quoted");
    assert!(err.problem.contains("must be escaped"), "{err}");
}

// The old parsers disagreed on the cases below: gwb-ad's `parse_dn` split only on `,` (a `;`
// or `+` stayed inside the value, so `normalize_dn` escaped it into a different DN) and
// accepted any `\x` as `x`; gwb-rules' `Dn` split on `,`, `;` and `+`. One parser, one key now.

#[test]
fn a_semicolon_separates_rdns_like_a_comma() {
    let expected = rdns(&[&[("CN", "a")], &[("OU", "x")], &[("DC", "y")]]);
    assert_eq!(parsed("CN=a;OU=x;DC=y"), expected);
    assert_eq!(parsed("CN=a ; OU=x,DC=y"), expected);
    assert_eq!(normalize_dn("CN=a;OU=x;DC=y"), "cn=a,ou=x,dc=y");
    assert_eq!(
        normalize_dn("CN=a;OU=x;DC=y"),
        normalize_dn("cn=A,ou=X,dc=Y")
    );
    assert_eq!(
        Dn::parse("CN=a;OU=x").expect("valid").to_string(),
        "CN=a,OU=x"
    );
    // Escaped, it is part of the value (and AD may spell it as a hex pair).
    assert_eq!(
        parsed(r"CN=a\;b,DC=y"),
        rdns(&[&[("CN", "a;b")], &[("DC", "y")]])
    );
    assert_eq!(normalize_dn(r"CN=a\;b,DC=y"), r"cn=a\;b,dc=y");
    assert_eq!(
        normalize_dn(r"CN=a\3Bb,DC=y"),
        normalize_dn(r"CN=a\;b,DC=y")
    );
    assert_ne!(normalize_dn(r"CN=a\;b,DC=y"), normalize_dn("CN=a;b=c,DC=y"));
}

#[test]
fn a_plus_joins_the_pairs_of_one_rdn_in_any_order() {
    assert_eq!(
        parsed("CN=a+UID=b,DC=x"),
        rdns(&[&[("CN", "a"), ("UID", "b")], &[("DC", "x")]])
    );
    assert_eq!(
        parsed("CN = a + UID = b , DC = x"),
        rdns(&[&[("CN", "a"), ("UID", "b")], &[("DC", "x")]])
    );
    assert_eq!(normalize_dn("CN=a+UID=b,DC=x"), "cn=a+uid=b,dc=x");
    assert_eq!(
        normalize_dn("uid=B + cn=A,dc=X"),
        normalize_dn("CN=a+UID=b,DC=x")
    );
    assert_eq!(
        Dn::parse("UID=b+CN=a,DC=x").expect("valid"),
        Dn::parse("CN=a+UID=b,DC=x").expect("valid")
    );
    // An escaped `+` is a single value, a different DN.
    assert_eq!(
        parsed(r"CN=a\+UID=b,DC=x"),
        rdns(&[&[("CN", "a+UID=b")], &[("DC", "x")]])
    );
    assert_ne!(
        normalize_dn(r"CN=a\+UID=b,DC=x"),
        normalize_dn("CN=a+UID=b,DC=x")
    );
    assert_eq!(
        Dn::parse("UID=b+CN=a,DC=x").expect("valid").to_string(),
        "UID=b+CN=a,DC=x",
        "written in the order given"
    );
}

#[test]
fn escaped_separators_stay_in_the_value() {
    assert_eq!(
        parsed(r#"CN=a\,b\;c\+d\=e\/f\<g\>\"h\\,DC=x"#),
        rdns(&[&[("CN", r#"a,b;c+d=e/f<g>"h\"#)], &[("DC", "x")]])
    );
    assert_eq!(
        normalize_dn(r"CN=A\2CB, OU=Groups,DC=Gwb,DC=test"),
        normalize_dn(r"cn=a\,b,ou=groups,dc=gwb,dc=TEST")
    );
    assert_eq!(normalize_dn(r"CN=a\,b,DC=x"), r"cn=a\,b,dc=x");
    assert_ne!(normalize_dn(r"CN=a\,b,DC=x"), normalize_dn("CN=a,b,DC=x"));
}

#[test]
fn hex_pairs_are_utf8_bytes() {
    assert_eq!(parsed(r"CN=a\2Cb,DC=x")[0], rdns(&[&[("CN", "a,b")]])[0]);
    assert_eq!(parsed(r"CN=a\2cb,DC=x")[0], rdns(&[&[("CN", "a,b")]])[0]);
    assert_eq!(
        parsed(r"CN=\C3\A9quipe,DC=x")[0],
        rdns(&[&[("CN", "équipe")]])[0]
    );
    assert_eq!(parsed(r"CN=x\0Ay,DC=x")[0], rdns(&[&[("CN", "x\ny")]])[0]);
    // How Samba spells a `;` and a `=` in a value, and how gwb does.
    assert_eq!(
        normalize_dn(r"OU=a\3Bb\3Dc,DC=gwb,DC=test"),
        normalize_dn(r"ou=A\;B=C,dc=GWB,dc=test")
    );
    assert_eq!(
        normalize_dn(r"CN=\C3\89quipe,DC=x"),
        normalize_dn("cn=équipe,dc=x"),
        "values compare case-insensitively beyond ASCII"
    );
}

#[test]
fn unescaped_spaces_around_values_are_not_part_of_them() {
    let expected = rdns(&[&[("CN", "a b")], &[("DC", "x")]]);
    assert_eq!(parsed("CN=a b  ,DC=x  "), expected);
    assert_eq!(parsed("  CN =  a b,  DC= x"), expected);
    assert_eq!(normalize_dn("CN=a b  ,DC=x  "), "cn=a b,dc=x");
    // Escaped spaces are kept, as `\ ` or as `\20`, and make a different DN.
    let trailing = rdns(&[&[("CN", "a ")], &[("DC", "x")]]);
    assert_eq!(parsed(r"CN=a\ ,DC=x"), trailing);
    assert_eq!(parsed(r"CN=a\20,DC=x"), trailing);
    assert_eq!(parsed(r"CN=a\  ,DC=x"), trailing);
    assert_eq!(
        parsed(r"CN=a \ ,DC=x"),
        rdns(&[&[("CN", "a  ")], &[("DC", "x")]])
    );
    assert_eq!(
        parsed(r"CN=\ a,DC=x"),
        rdns(&[&[("CN", " a")], &[("DC", "x")]])
    );
    assert_eq!(normalize_dn(r"CN=a\20,DC=x"), normalize_dn(r"CN=a\ ,DC=x"));
    assert_eq!(normalize_dn(r"CN=a\ ,DC=x"), r"cn=a\ ,dc=x");
    assert_ne!(normalize_dn(r"CN=a\ ,DC=x"), normalize_dn("CN=a,DC=x"));
}

#[test]
fn a_leading_hash_must_be_escaped() {
    assert_eq!(parsed(r"CN=\#1,DC=x")[0], rdns(&[&[("CN", "#1")]])[0]);
    assert_eq!(parsed(r"CN=a#1,DC=x")[0], rdns(&[&[("CN", "a#1")]])[0]);
    assert_eq!(normalize_dn(r"CN=a\#1,DC=x"), normalize_dn("CN=a#1,DC=x"));
}

#[test]
fn text_that_is_not_a_dn_keys_as_itself() {
    assert_eq!(normalize_dn("Garbage"), "garbage");
    assert_eq!(normalize_dn(""), "");
    assert_ne!(normalize_dn("Garbage"), normalize_dn("CN=Garbage"));
}

#[test]
fn debug_output_lists_the_pairs() {
    // The rules fingerprint hashes managed OUs' debug output: keep it stable.
    let dn = Dn::parse("OU=Cloud+L=x,DC=x").expect("valid");
    assert_eq!(
        format!("{dn:?}"),
        r#"Dn { rdns: [[("OU", "Cloud"), ("L", "x")], [("DC", "x")]] }"#
    );
}

#[test]
fn canonical_form_is_what_the_dc_accepts() {
    let canonical = |text: &str| canonical_dn(text).unwrap_or_else(|e| panic!("{e}"));
    // `;` between RDNs (Samba refuses it), spaces around `=` and separators, lower-case types.
    assert_eq!(
        canonical(" ou = Sub ; OU=Managed , dc=gwb;DC = test "),
        "OU=Sub,OU=Managed,DC=gwb,DC=test"
    );
    // Hex pairs become the shortest escape, or the character itself; value case is kept.
    assert_eq!(
        canonical(r"CN=\53ales\2C EU\3B\2b\c3\a9\3D,OU=G,DC=x"),
        r"CN=Sales\, EU\;\+é\=,OU=G,DC=x"
    );
    assert_eq!(canonical(r"CN=\20a\20,DC=x"), r"CN=\ a\ ,DC=x");
    assert_eq!(canonical(r"CN=\23a\00,DC=x"), r"CN=\#a\00,DC=x");
    assert_eq!(canonical(r"CN=a\/b,DC=x"), "CN=a/b,DC=x");
    // Multi-valued RDNs keep their order; numeric OIDs stay as they are.
    assert_eq!(
        canonical("cn=a + uid=b,2.5.4.11=c"),
        "CN=a+UID=b,2.5.4.11=c"
    );
    // Idempotent, and the same DN as the original.
    for text in [" ou = Sub ; OU=Managed , dc=gwb", r"CN=\53ales\2C EU,DC=x"] {
        let once = canonical(text);
        assert_eq!(canonical(&once), once);
        assert_eq!(
            Dn::parse(&once).expect("valid"),
            Dn::parse(text).expect("valid")
        );
    }
    assert_eq!(
        canonical_dn("OU=a;;DC=x").expect_err("empty RDN").dn,
        "OU=a;;DC=x"
    );
}
