//! DN text: parsing never panics; what parses has a canonical form that is idempotent and
//! names the same DN; any value escaped parses back to itself.
#![no_main]

use gwb_model::dn::{Dn, canonical_dn};
use gwb_model::escape_dn_value;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(dn) = Dn::parse(text) {
        let canonical = dn.to_string();
        let reparsed = Dn::parse(&canonical).expect("the canonical form parses");
        assert_eq!(reparsed, dn, "the canonical form names the same DN");
        assert_eq!(
            canonical_dn(&canonical).expect("parses"),
            canonical,
            "idempotent"
        );
        assert_eq!(dn.key(), reparsed.key());
    }
    if !text.is_empty() {
        let built = format!("CN={},DC=x", escape_dn_value(text));
        let dn = Dn::parse(&built).expect("an escaped value parses");
        assert_eq!(dn.rdns()[0].value(), text);
    }
});
