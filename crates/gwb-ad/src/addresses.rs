//! Exchange's rule that an address belongs to one recipient in the forest: how two `mail` or
//! `proxyAddresses` values are compared, which addresses a round would newly write, and the
//! batched filters that find the objects already holding them.
//!
//! Exchange refuses a proxy address another recipient has ("The proxy address … is already
//! being used by the proxy addresses or LegacyExchangeDN of …"): addresses compare without
//! regard to case, the `SMTP:`/`smtp:` prefix case (primary or secondary) included, and a
//! `mail` value is the object's primary SMTP address, so it collides with another object's
//! `SMTP:`/`smtp:` proxy of the same address.

use std::collections::{BTreeMap, BTreeSet};

use gwb_model::{Attributes, DesiredGroup};

use crate::escape::escape_filter_value;
use crate::read::CurrentGroup;

/// The proxy type `mail` values belong to.
const SMTP: &str = "smtp";

/// Addresses per OR filter of a holder search (two terms each for SMTP addresses).
const ADDRESSES_PER_SEARCH: usize = 50;

/// The attributes that hold an object's addresses.
pub const ADDRESS_ATTRIBUTES: [&str; 2] = ["mail", "proxyAddresses"];

/// The key Exchange compares a `proxyAddresses` value by: `type:address`, both lower-cased
/// (`SMTP:CEO@Contoso.com` and `smtp:ceo@contoso.com` are one address). `None` for a value
/// that is no proxy address (no `type:` prefix, or nothing after it).
pub fn proxy_key(value: &str) -> Option<String> {
    let (kind, address) = value.split_once(':')?;
    if kind.is_empty() || address.is_empty() {
        return None;
    }
    Some(format!(
        "{}:{}",
        kind.to_lowercase(),
        address.to_lowercase()
    ))
}

/// The key of a `mail` value: the SMTP proxy of the same address (see [`proxy_key`]); `None`
/// when empty.
pub fn mail_key(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| format!("{SMTP}:{}", value.to_lowercase()))
}

/// Every address key among `attributes`' `mail` and `proxyAddresses` values, each with the
/// attribute and value that hold it (the first, when several spell one address).
pub fn address_keys(attributes: &Attributes) -> BTreeMap<String, (&'static str, String)> {
    let mut keys = BTreeMap::new();
    for attribute in ADDRESS_ATTRIBUTES {
        let key_of = if attribute == "mail" {
            mail_key
        } else {
            proxy_key
        };
        for value in attributes.get(attribute) {
            if let Some(key) = key_of(value) {
                keys.entry(key).or_insert((attribute, value.clone()));
            }
        }
    }
    keys
}

/// The addresses `d` would write that its group in AD (`twin`) does not hold yet, by key,
/// each with the attribute and value `d` writes it as. An address the group already holds is
/// never a conflict: writing it changes nothing.
pub fn new_addresses(
    d: &DesiredGroup,
    twin: Option<&CurrentGroup>,
) -> BTreeMap<String, (&'static str, String)> {
    let held = twin
        .map(|t| address_keys(&t.attributes))
        .unwrap_or_default();
    address_keys(&d.attributes)
        .into_iter()
        .filter(|(key, _)| !held.contains_key(key))
        .collect()
}

/// The address keys a round must look up in the forest: those the `desired` groups would
/// newly write (see [`new_addresses`]), each group compared with its twin among `current`
/// (the first by object id, as reconcile pairs them).
pub fn addresses_to_check(desired: &[DesiredGroup], current: &[CurrentGroup]) -> BTreeSet<String> {
    let mut twins: BTreeMap<&str, &CurrentGroup> = BTreeMap::new();
    for c in current {
        twins.entry(c.object_id.as_str()).or_insert(c);
    }
    desired
        .iter()
        .flat_map(|d| new_addresses(d, twins.get(d.object_id.as_str()).copied()).into_keys())
        .collect()
}

/// The filters that find every object holding one of `keys` (from [`proxy_key`] or
/// [`mail_key`]): an SMTP address in `proxyAddresses` or `mail`, any other in
/// `proxyAddresses`; each value escaped (RFC 4515), at most [`ADDRESSES_PER_SEARCH`] addresses
/// per filter. AD compares these attributes without regard to case, and the answers are
/// compared again by key.
pub(crate) fn holder_filters(keys: &BTreeSet<String>) -> Vec<String> {
    let terms: Vec<String> = keys
        .iter()
        .map(|key| {
            let proxy = format!("(proxyAddresses={})", escape_filter_value(key));
            match key.split_once(':') {
                Some((SMTP, address)) => format!("{proxy}(mail={})", escape_filter_value(address)),
                _ => proxy,
            }
        })
        .collect();
    terms
        .chunks(ADDRESSES_PER_SEARCH)
        .map(|chunk| format!("(|{})", chunk.concat()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_addresses_compare_without_case_and_prefix_case() {
        assert_eq!(
            proxy_key("SMTP:CEO@Contoso.com"),
            Some("smtp:ceo@contoso.com".into())
        );
        assert_eq!(
            proxy_key("SMTP:ceo@contoso.com"),
            proxy_key("smtp:CEO@contoso.COM")
        );
        assert_eq!(
            proxy_key("X500:/o=Contoso/cn=CEO"),
            Some("x500:/o=contoso/cn=ceo".into())
        );
        // The type is part of the address: an X500 value is no SMTP address.
        assert_ne!(
            proxy_key("X500:ceo@contoso.com"),
            proxy_key("smtp:ceo@contoso.com")
        );
        // Only the first colon separates the type.
        assert_eq!(proxy_key("sip:a:b@x"), Some("sip:a:b@x".into()));
        assert_eq!(proxy_key("Ärger@x"), None);
        assert_eq!(proxy_key("smtp:"), None);
        assert_eq!(proxy_key(":a@x"), None);
        assert_eq!(proxy_key("SMTP:ÄRGER@x"), Some("smtp:ärger@x".into()));
    }

    #[test]
    fn a_mail_value_collides_with_an_smtp_proxy_of_another_object() {
        assert_eq!(
            mail_key("CEO@contoso.com"),
            proxy_key("smtp:ceo@Contoso.com")
        );
        assert_eq!(
            mail_key("ceo@contoso.com"),
            proxy_key("SMTP:ceo@contoso.com")
        );
        assert_ne!(
            mail_key("ceo@contoso.com"),
            proxy_key("X400:ceo@contoso.com")
        );
        assert_eq!(mail_key(""), None);
    }

    fn attrs(mail: &[&str], proxies: &[&str]) -> Attributes {
        let mut a = Attributes::new();
        a.set("mail", mail.iter().map(|v| (*v).to_owned()).collect());
        a.set(
            "proxyAddresses",
            proxies.iter().map(|v| (*v).to_owned()).collect(),
        );
        a
    }

    #[test]
    fn address_keys_name_the_value_that_holds_each_address() {
        let keys = address_keys(&attrs(
            &["Sales@contoso.com"],
            &[
                "SMTP:sales@contoso.com",
                "smtp:SALES@eu.contoso.com",
                "X500:/o=c",
            ],
        ));
        let found: Vec<(&str, &str, &str)> = keys
            .iter()
            .map(|(k, (a, v))| (k.as_str(), *a, v.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![
                ("smtp:sales@contoso.com", "mail", "Sales@contoso.com"),
                (
                    "smtp:sales@eu.contoso.com",
                    "proxyAddresses",
                    "smtp:SALES@eu.contoso.com"
                ),
                ("x500:/o=c", "proxyAddresses", "X500:/o=c"),
            ]
        );
    }

    fn group(id: &str, attributes: Attributes) -> DesiredGroup {
        DesiredGroup {
            object_id: id.into(),
            cn: id.into(),
            parent_dn: "OU=G,DC=x".into(),
            sam_account_name: None,
            attributes,
            members: Vec::new(),
        }
    }

    #[test]
    fn only_addresses_a_group_does_not_hold_yet_are_checked() {
        let desired = vec![
            group(
                "a",
                attrs(&["a@x"], &["SMTP:a@x", "smtp:new@x", "smtp:SHARED@x"]),
            ),
            group("b", attrs(&[], &["smtp:shared@x", "X500:/o=b"])),
        ];
        let twin = CurrentGroup {
            object_id: "a".into(),
            // Held under another case and prefix case: still held.
            attributes: attrs(&["A@X"], &["smtp:A@x"]),
            ..CurrentGroup::default()
        };
        let keys = addresses_to_check(&desired, &[twin]);
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        assert_eq!(keys, ["smtp:new@x", "smtp:shared@x", "x500:/o=b"]);
    }

    #[test]
    fn holder_filters_are_batched_ors_of_escaped_values() {
        let keys: BTreeSet<String> = ["smtp:ceo@contoso.com", "x500:/o=a(b)*", "smtp:a\\b@x"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(
            holder_filters(&keys),
            ["(|(proxyAddresses=smtp:a\\5cb@x)(mail=a\\5cb@x)\
              (proxyAddresses=smtp:ceo@contoso.com)(mail=ceo@contoso.com)\
              (proxyAddresses=x500:/o=a\\28b\\29\\2a))"]
        );
        let many: BTreeSet<String> = (0..120).map(|i| format!("smtp:u{i:03}@x")).collect();
        let filters = holder_filters(&many);
        let per_filter: Vec<usize> = filters
            .iter()
            .map(|f| f.matches("(proxyAddresses=").count())
            .collect();
        assert_eq!(per_filter, [50, 50, 20]);
        assert!(filters[0].starts_with("(|(proxyAddresses=smtp:u000@x)(mail=u000@x)"));
        assert!(holder_filters(&BTreeSet::new()).is_empty());
    }
}
