//! Every spelling of a protected attribute is refused, with and without the schema; other
//! names come out canonical where the schema is known.

use super::*;

/// Why a membership attribute is refused.
const MEMBERSHIP: &str = "it expresses membership, and members come only from the cloud group \
                          (gwb resolves them and writes `member`)";

/// The protected attributes, their attributeIDs as Microsoft publishes them (and a Samba DC's
/// schema holds them), and the refusal's reason.
const EXPECTED: [(&str, &str, &str); 26] = [
    (
        "objectClass",
        "2.5.4.0",
        "the object class is always `group`",
    ),
    (
        "adminDescription",
        "1.2.840.113556.1.2.226",
        "it holds gwb's ownership anchor Group_<objectId>",
    ),
    (
        "msDS-ExternalDirectoryObjectId",
        "1.2.840.113556.1.4.2310",
        "it holds gwb's ownership anchor Group_<objectId>",
    ),
    (
        "extensionName",
        "1.2.840.113556.1.2.227",
        "it holds gwb's ownership mark gwb:tenant=<tenant>",
    ),
    (
        "adminCount",
        "1.2.840.113556.1.4.150",
        "AD sets it on privileged objects, which gwb never changes",
    ),
    (
        "isCriticalSystemObject",
        "1.2.840.113556.1.4.868",
        "AD sets it on critical system objects, which gwb never changes",
    ),
    (
        "member",
        "2.5.4.31",
        "members come from the cloud group; gwb resolves and writes them",
    ),
    ("nonSecurityMember", "1.2.840.113556.1.4.530", MEMBERSHIP),
    (
        "msSFU30PosixMember",
        "1.2.840.113556.1.6.18.1.346",
        MEMBERSHIP,
    ),
    ("memberUid", "1.3.6.1.1.1.1.12", MEMBERSHIP),
    ("msDS-NonMembers", "1.2.840.113556.1.4.1793", MEMBERSHIP),
    ("msDS-AzLDAPQuery", "1.2.840.113556.1.4.1792", MEMBERSHIP),
    ("groupMembershipSAM", "1.2.840.113556.1.4.166", MEMBERSHIP),
    ("nTGroupMembers", "1.2.840.113556.1.4.89", MEMBERSHIP),
    (
        "msDS-MembersForAzRole",
        "1.2.840.113556.1.4.1806",
        MEMBERSHIP,
    ),
    (
        "msDS-MembersOfResourcePropertyList",
        "1.2.840.113556.1.4.2103",
        MEMBERSHIP,
    ),
    (
        "sIDHistory",
        "1.2.840.113556.1.4.609",
        "it would give the group another principal's SID and its access",
    ),
    ("memberOf", "1.2.840.113556.1.2.102", "it is computed by AD"),
    ("cn", "2.5.4.3", "set it in the naming stage"),
    ("name", "1.2.840.113556.1.4.1", "set cn in the naming stage"),
    (
        "distinguishedName",
        "2.5.4.49",
        "set cn and the OU in the naming stage",
    ),
    (
        "sAMAccountName",
        "1.2.840.113556.1.4.221",
        "set it in the naming stage",
    ),
    ("objectGUID", "1.2.840.113556.1.4.2", "it is assigned by AD"),
    (
        "objectSid",
        "1.2.840.113556.1.4.146",
        "it is assigned by AD",
    ),
    (
        "objectCategory",
        "1.2.840.113556.1.4.782",
        "it is assigned by AD",
    ),
    (
        "nTSecurityDescriptor",
        "1.2.840.113556.1.2.281",
        "gwb does not manage permissions",
    ),
];

/// A schema like Samba's base profile: every protected attribute but
/// msDS-ExternalDirectoryObjectId (Windows Server 2016 schema), and a few others.
fn schema() -> AttributeNames {
    EXPECTED
        .iter()
        .filter(|(name, _, _)| *name != "msDS-ExternalDirectoryObjectId")
        .map(|(name, oid, _)| (*oid, *name))
        .chain([
            ("2.5.4.13", "description"),
            ("1.2.840.113556.1.2.81", "info"),
            ("1.2.840.113556.1.4.750", "groupType"),
        ])
        .map(|(oid, name)| (oid.to_owned(), name.to_owned()))
        .collect()
}

#[test]
fn the_table_is_microsofts() {
    let table: Vec<(&str, &str, &str)> = PROTECTED.iter().map(|p| (p.name, p.oid, p.why)).collect();
    assert_eq!(table, EXPECTED);
}

#[test]
fn every_spelling_of_a_protected_attribute_is_refused_with_and_without_the_schema() {
    let schema = schema();
    for (name, oid, why) in EXPECTED {
        let spellings = [
            name.to_owned(),
            oid.to_owned(),
            name.to_ascii_uppercase(),
            name.to_ascii_lowercase(),
            format!("{name};binary"),
            format!("{oid};range=0-10"),
        ];
        for written in spellings {
            let expected = if written == name {
                format!("may not change `{name}`: {why}")
            } else {
                format!("may not change `{name}` (written `{written}`): {why}")
            };
            for known in [Some(&schema), None] {
                assert_eq!(
                    canonical_name(&written, known),
                    Err(expected.clone()),
                    "{written}, schema known: {}",
                    known.is_some()
                );
            }
        }
    }
}

#[test]
fn the_cases_the_issue_names_are_refused_with_exact_messages() {
    let schema = schema();
    for (written, expected) in [
        (
            "2.5.4.31",
            "may not change `member` (written `2.5.4.31`): members come from the cloud group; \
             gwb resolves and writes them",
        ),
        (
            "1.2.840.113556.1.2.226",
            "may not change `adminDescription` (written `1.2.840.113556.1.2.226`): it holds \
             gwb's ownership anchor Group_<objectId>",
        ),
        (
            "adminDescription;binary",
            "may not change `adminDescription` (written `adminDescription;binary`): it holds \
             gwb's ownership anchor Group_<objectId>",
        ),
        (
            "member;range=0-10",
            "may not change `member` (written `member;range=0-10`): members come from the \
             cloud group; gwb resolves and writes them",
        ),
        (
            "MEMBER",
            "may not change `member` (written `MEMBER`): members come from the cloud group; \
             gwb resolves and writes them",
        ),
        (
            "objectclass",
            "may not change `objectClass` (written `objectclass`): the object class is always \
             `group`",
        ),
        (
            "1.2.840.113556.1.4.221",
            "may not change `sAMAccountName` (written `1.2.840.113556.1.4.221`): set it in the \
             naming stage",
        ),
    ] {
        assert_eq!(canonical_name(written, Some(&schema)), Err(expected.into()));
        assert_eq!(canonical_name(written, None), Err(expected.into()));
    }
}

#[test]
fn an_unprotected_oid_is_canonical_with_the_schema_and_refused_without() {
    assert_eq!(
        canonical_name("2.5.4.13", Some(&schema())),
        Ok("description".into())
    );
    assert_eq!(
        canonical_name("2.5.4.13", None),
        Err(
            "`2.5.4.13` is a numeric OID; name the attribute by its lDAPDisplayName (without \
             the directory's schema, as in `gwb rules test`, gwb cannot tell which attribute it \
             is)"
            .into()
        )
    );
    assert_eq!(
        canonical_name("1.2.3.4", Some(&schema())),
        Err(
            "`1.2.3.4` is a numeric OID that the directory's schema does not define; name the \
             attribute by its lDAPDisplayName"
                .into()
        )
    );
}

#[test]
fn names_come_out_in_the_schemas_spelling() {
    let schema = schema();
    assert_eq!(
        canonical_name("DESCRIPTION", Some(&schema)),
        Ok("description".into())
    );
    assert_eq!(
        canonical_name("grouptype", Some(&schema)),
        Ok("groupType".into())
    );
    // Without the schema the name stays as written; AD matches names case-insensitively.
    assert_eq!(
        canonical_name("DESCRIPTION", None),
        Ok("DESCRIPTION".into())
    );
    assert_eq!(
        canonical_name("extensionAttribute1", None),
        Ok("extensionAttribute1".into())
    );
    assert_eq!(
        canonical_name("extensionAttribute1", Some(&schema)),
        Err(
            "`extensionAttribute1` is not an attribute of the directory's schema; check the \
             spelling of its lDAPDisplayName"
                .into()
        )
    );
}

#[test]
fn options_are_refused_unless_allowed() {
    let schema = schema();
    for (written, known) in [
        ("description;lang-en", None),
        ("DESCRIPTION;binary", Some(&schema)),
        ("2.5.4.13;binary", Some(&schema)),
    ] {
        let option = written.split_once(';').map(|(_, o)| o).unwrap_or_default();
        assert_eq!(
            canonical_name(written, known),
            Err(format!(
                "`{written}` carries the attribute option `;{option}`, which gwb does not allow \
                 on `description` (allowed: none); write the attribute without options: \
                 `description`"
            ))
        );
    }
    assert!(canonical_name("bad name!", None).is_err());
}
