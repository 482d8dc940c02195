//! Who in the forest holds an address, on a real DC: found through the Global Catalog Samba
//! serves on 3269 where the schema puts proxyAddresses there as Exchange's does (an object
//! outside the domain's naming context included), else in the domain; compared as Exchange
//! compares addresses, in one search for many addresses.

use std::collections::{BTreeMap, BTreeSet};

use gwb_ad::addresses::{mail_key, proxy_key};
use gwb_ad::escape::first_rdn_value;

use crate::common::dc;

/// The DNs holding each key.
fn dns(holders: &gwb_ad::AddressHolders) -> BTreeMap<&str, Vec<&str>> {
    holders
        .iter()
        .map(|(key, objects)| {
            (
                key.as_str(),
                objects.iter().map(|o| o.dn.as_str()).collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_global_catalog_finds_every_holder_of_an_address_in_the_forest_with_exchange() {
    let dc = dc();
    let mut dir = dc.connect().await;
    let discovery = dir.discover().await.unwrap();
    assert!(
        discovery.global_catalog_ready,
        "Samba's DC serves the Global Catalog (isGlobalCatalogReady: TRUE)"
    );
    let ou = dc.test_ou("addr");
    // Unique per test run: the DC outlives it.
    let tag = first_rdn_value(&ou).unwrap();
    let users = format!("OU=Users,{ou}");
    let ceo = format!("CN=CEO\\, Office,{users}");
    let clerk = format!("CN=Clerk,{users}");
    let list = format!("CN=List,{users}");
    // Outside the domain's naming context: only a forest-wide search finds it.
    let elsewhere = format!(
        "CN=gwb-{tag},CN=Services,{}",
        discovery.configuration_naming_context
    );
    dc.ldapmodify(&format!(
        "dn: {ceo}\nchangetype: add\nobjectClass: contact\nmail: ceo-{tag}@contoso.com\n\
         proxyAddresses: SMTP:ceo-{tag}@contoso.com\nproxyAddresses: X500:/o=gwb/cn={tag}\n\n\
         dn: {clerk}\nchangetype: add\nobjectClass: contact\nmail: Clerk-{tag}@Contoso.com\n\n\
         dn: {list}\nchangetype: add\nobjectClass: group\n\
         proxyAddresses: smtp:list-{tag}@contoso.com\n\n\
         dn: {elsewhere}\nchangetype: add\nobjectClass: contact\n\
         proxyAddresses: smtp:far-{tag}@contoso.com\n\n"
    ));
    let key = |value: String| proxy_key(&value).unwrap();
    let wanted: BTreeSet<String> = [
        // Another case, the other prefix case: the CEO's address all the same.
        key(format!("smtp:CEO-{tag}@contoso.COM")),
        key(format!("x500:/O=gwb/cn={tag}")),
        // An SMTP proxy against another object's `mail`, and a `mail` against a proxy.
        key(format!("SMTP:clerk-{tag}@contoso.com")),
        mail_key(&format!("List-{tag}@contoso.com")).unwrap(),
        key(format!("smtp:far-{tag}@contoso.com")),
        key(format!("smtp:nobody-{tag}@contoso.com")),
        // The same address under another type is another address.
        key(format!("X400:ceo-{tag}@contoso.com")),
    ]
    .into_iter()
    .collect();
    let holders = dir
        .address_holders(
            &discovery,
            &wanted,
            dc.capabilities().external_directory_object_id,
        )
        .await
        .unwrap();
    let expected: BTreeMap<String, Vec<&str>> = [
        (format!("smtp:ceo-{tag}@contoso.com"), vec![ceo.as_str()]),
        (format!("x500:/o=gwb/cn={tag}"), vec![ceo.as_str()]),
        (
            format!("smtp:clerk-{tag}@contoso.com"),
            vec![clerk.as_str()],
        ),
        (format!("smtp:list-{tag}@contoso.com"), vec![list.as_str()]),
    ]
    .into_iter()
    // Exchange's schema puts proxyAddresses into the Global Catalog, which spans the forest;
    // without it the domain is searched.
    .chain(dc.is_exchange().then(|| {
        (
            format!("smtp:far-{tag}@contoso.com"),
            vec![elsewhere.as_str()],
        )
    }))
    .collect();
    let found: BTreeMap<String, Vec<&str>> = dns(&holders)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    assert_eq!(found, expected);
    let holder = &holders[&format!("smtp:ceo-{tag}@contoso.com")][0];
    assert!(!holder.object_guid.is_empty(), "{holder:?}");
    // No address, no search, no connection: nothing found.
    let none = dir
        .address_holders(&discovery, &BTreeSet::new(), false)
        .await
        .unwrap();
    assert!(none.is_empty());
    dc.ldapmodify(&format!("dn: {elsewhere}\nchangetype: delete\n\n"));
}

#[tokio::test]
async fn a_dc_that_is_no_global_catalog_has_its_domain_searched() {
    let dc = dc();
    let mut dir = dc.connect().await;
    let mut discovery = dir.discover().await.unwrap();
    let ou = dc.test_ou("addrdom");
    let tag = first_rdn_value(&ou).unwrap();
    let elsewhere = format!(
        "CN=gwb-{tag},CN=Services,{}",
        discovery.configuration_naming_context
    );
    let near = format!("CN=Near,OU=Users,{ou}");
    dc.ldapmodify(&format!(
        "dn: {near}\nchangetype: add\nobjectClass: contact\nmail: near-{tag}@contoso.com\n\n\
         dn: {elsewhere}\nchangetype: add\nobjectClass: contact\n\
         proxyAddresses: smtp:far-{tag}@contoso.com\n\n"
    ));
    discovery.global_catalog_ready = false;
    let wanted: BTreeSet<String> = [
        mail_key(&format!("near-{tag}@contoso.com")).unwrap(),
        mail_key(&format!("far-{tag}@contoso.com")).unwrap(),
    ]
    .into_iter()
    .collect();
    let holders = dir
        .address_holders(&discovery, &wanted, false)
        .await
        .unwrap();
    let near_key = format!("smtp:near-{tag}@contoso.com");
    let expected: BTreeMap<&str, Vec<&str>> = [(near_key.as_str(), vec![near.as_str()])].into();
    assert_eq!(dns(&holders), expected);
    dc.ldapmodify(&format!("dn: {elsewhere}\nchangetype: delete\n\n"));
}
