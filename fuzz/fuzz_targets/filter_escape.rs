//! Any value escaped for a filter (RFC 4515) parses back, through ldap3's filter parser, to
//! an equality match on the same bytes.
#![no_main]

use gwb_ad::escape::escape_filter_value;
use ldap3::asn1::{ASNTag, PL};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|value: &str| {
    let escaped = escape_filter_value(value);
    assert!(
        !escaped.contains(['(', ')', '*', '\0']),
        "unescaped special in {escaped:?}"
    );
    let tag = ldap3::parse_filter(format!("(description={escaped})"))
        .expect("the filter parses")
        .into_structure();
    assert_eq!(tag.id, 3, "an equality match");
    let PL::C(parts) = tag.payload else {
        panic!("no parts");
    };
    assert_eq!(parts[1].payload, PL::P(value.as_bytes().to_vec()));
});
