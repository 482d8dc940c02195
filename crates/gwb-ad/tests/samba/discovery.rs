//! Discovery: rootDSE facts and the schema capabilities of both DC profiles.

use crate::common::dc;

#[tokio::test]
async fn root_dse_and_schema_capabilities_match_the_profile() {
    let dc = dc();
    let mut dir = dc.connect().await;
    let d = dir.discover().await.unwrap();
    assert_eq!(d.default_naming_context, dc.base_dn);
    assert_eq!(
        d.schema_naming_context,
        format!("CN=Schema,CN=Configuration,{}", dc.base_dn)
    );
    assert!(d.naming_contexts.contains(&dc.base_dn));
    assert!(d.supports_paging());
    assert!(d.supports_permissive_modify());
    assert!(d.domain_functionality.is_some_and(|l| l >= 2));
    assert_eq!(d.capabilities, dc.capabilities(), "profile {}", dc.profile);
    if dc.profile == "exchange" {
        assert_eq!(
            d.schema_attributes,
            vec![
                "mailNickname",
                "msDS-ExternalDirectoryObjectId",
                "msExchRecipientDisplayType",
                "msExchRecipientTypeDetails"
            ]
        );
    } else {
        assert!(d.schema_attributes.is_empty(), "{:?}", d.schema_attributes);
    }
}

#[tokio::test]
async fn the_schema_names_every_attribute_by_its_attribute_id() {
    let dc = dc();
    let mut dir = dc.connect().await;
    let names = dir.discover().await.unwrap().attribute_names;
    // The attributes no plugin may edit, by the attributeIDs Microsoft publishes (and gwb's
    // rules keep a table of).
    let mut protected = vec![
        ("2.5.4.0", "objectClass"),
        ("2.5.4.31", "member"),
        ("1.2.840.113556.1.2.226", "adminDescription"),
        ("1.2.840.113556.1.4.221", "sAMAccountName"),
        ("2.5.4.3", "cn"),
        ("1.2.840.113556.1.4.1", "name"),
        ("2.5.4.49", "distinguishedName"),
        ("1.2.840.113556.1.4.2", "objectGUID"),
        ("1.2.840.113556.1.4.146", "objectSid"),
        ("1.2.840.113556.1.4.782", "objectCategory"),
        ("1.2.840.113556.1.2.281", "nTSecurityDescriptor"),
        ("1.2.840.113556.1.2.102", "memberOf"),
        // Membership by its other names (gwb-rules' validate::names documents the source).
        ("1.2.840.113556.1.4.530", "nonSecurityMember"),
        ("1.2.840.113556.1.6.18.1.346", "msSFU30PosixMember"),
        ("1.3.6.1.1.1.1.12", "memberUid"),
        ("1.2.840.113556.1.4.1793", "msDS-NonMembers"),
        ("1.2.840.113556.1.4.1792", "msDS-AzLDAPQuery"),
        ("1.2.840.113556.1.4.166", "groupMembershipSAM"),
        ("1.2.840.113556.1.4.89", "nTGroupMembers"),
        ("1.2.840.113556.1.4.1806", "msDS-MembersForAzRole"),
        (
            "1.2.840.113556.1.4.2103",
            "msDS-MembersOfResourcePropertyList",
        ),
        ("1.2.840.113556.1.4.609", "sIDHistory"),
    ];
    let external_id = ("1.2.840.113556.1.4.2310", "msDS-ExternalDirectoryObjectId");
    if dc.is_exchange() {
        protected.push(external_id);
    } else {
        assert_eq!(names.by_oid(external_id.0), None, "not in the base schema");
    }
    for (oid, name) in protected {
        assert_eq!(names.by_oid(oid), Some(name), "{oid}");
    }
    assert_eq!(names.by_oid("2.5.4.13"), Some("description"));
    assert_eq!(names.by_name("DESCRIPTION"), Some("description"));
    assert_eq!(names.by_name("grouptype"), Some("groupType"));
    assert_eq!(names.by_name("noSuchAttribute"), None);
}

#[tokio::test]
async fn the_schema_gives_the_length_limits_of_unicode_strings_only() {
    let dc = dc();
    let mut dir = dc.connect().await;
    let names = dir.discover().await.unwrap().attribute_names;
    // rangeUpper of the attributes gwb writes, as Samba's (and Windows') schema holds them.
    for (name, upper) in [
        ("displayName", 256),
        ("description", 1024),
        ("adminDescription", 1024),
        ("mail", 256),
        ("proxyAddresses", 1123),
        ("info", 1024),
        ("cn", 64),
    ] {
        assert_eq!(names.max_length(name), Some(upper), "{name}");
    }
    if dc.is_exchange() {
        assert_eq!(names.max_length("mailNickname"), Some(64));
        assert_eq!(names.max_length("targetAddress"), Some(1123));
    }
    // countryCode's rangeUpper (65535) is an integer's largest value, not a length; groupType
    // and member have none.
    for name in ["countryCode", "groupType", "member"] {
        assert_eq!(names.max_length(name), None, "{name}");
    }
}
