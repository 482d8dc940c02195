//! `[[plugins]]` privileges: an absent `attributes` grants none (and a mapping plugin without
//! it is refused at load), other absent keys restrict nothing; present ones are validated where
//! they are written.

use super::*;
use crate::privileges::UNRESTRICTED;

const HEAD: &str = "[defaults]\nou = \"OU=Cloud,DC=example,DC=com\"\n\
                    managed_ous = [\"OU=Teams,DC=example,DC=com\"]\n\
                    [[plugins]]\nname = \"router\"\npath = \"router.wasm\"\n";

fn plugin_with(keys: &str) -> Result<RulesFile, ConfigError> {
    let dir = tempfile::tempdir().expect("tempdir");
    write_plugin(dir.path());
    parse_in(dir.path(), &format!("{HEAD}{keys}"))
}

#[test]
fn an_absent_attributes_key_grants_no_attribute_and_the_rest_restrict_nothing() {
    let rules = plugin_with("").expect("valid");
    assert_eq!(
        rules.plugins[0].privileges,
        Privileges {
            attributes: Some(vec![]),
            ..UNRESTRICTED.clone()
        }
    );
    assert!(!rules.plugins[0].lists_attributes);
    assert!(
        plugin_with(
            "attributes = []
"
        )
        .expect("valid")
        .plugins[0]
            .lists_attributes,
        "an empty list is a list"
    );
}

#[test]
fn a_mapping_plugin_without_an_attributes_key_is_refused_naming_it_and_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_plugin(dir.path());
    let rules = parse_in(dir.path(), HEAD).expect("valid");
    let entry = &rules.plugins[0];
    assert!(
        entry.check_mapping_grant(false).is_ok(),
        "no mapping stage: nothing to grant"
    );
    let err = entry
        .check_mapping_grant(true)
        .expect_err("mapping without attributes")
        .to_string()
        .replace(&dir.path().display().to_string(), "DIR");
    assert_eq!(
        err,
        format!(
            "DIR/org.toml:4: plugin `router` implements the mapping stage, but its [[plugins]] \
             entry has no `attributes` key: gwb does not guess which attributes a plugin may \
             write\n  hint: {MAPPING_GRANT_HINT}"
        )
    );
    let listed = parse_in(dir.path(), &format!("{HEAD}attributes = []\n")).expect("valid");
    assert!(listed.plugins[0].check_mapping_grant(true).is_ok());
}

#[test]
fn membership_by_any_name_is_refused_in_attributes() {
    for name in [
        "memberUid",
        "msSFU30PosixMember",
        "nonSecurityMember",
        "msDS-NonMembers",
        "msds-azldapquery",
        "1.3.6.1.1.1.1.12",
    ] {
        let err = error_with(&format!("attributes = [\"info\", \"{name}\"]\n"));
        assert!(
            err.starts_with("DIR/org.toml:7: plugin `router`: attributes: may not change `")
                && err.contains("it expresses membership"),
            "{name}: {err}"
        );
    }
}

#[test]
fn privileges_are_read() {
    let rules = plugin_with(
        "attributes = [\"extensionAttribute1\", \"DESCRIPTION\"]\n\
         ous = [\"OU=Fin,OU=Cloud,DC=example,DC=com\", \"OU=Teams,DC=example,DC=com\"]\n\
         may_set_cn = false\nmay_set_sam_account_name = false\n",
    )
    .expect("valid");
    let dn = |text: &str| Dn::parse(text).expect("dn");
    assert_eq!(
        rules.plugins[0].privileges,
        Privileges {
            attributes: Some(vec!["extensionAttribute1".into(), "DESCRIPTION".into()]),
            ous: Some(vec![
                dn("OU=Fin,OU=Cloud,DC=example,DC=com"),
                dn("OU=Teams,DC=example,DC=com")
            ]),
            may_set_cn: false,
            may_set_sam_account_name: false,
        }
    );
    let rules = plugin_with("attributes = []\nous = []\n").expect("valid");
    assert_eq!(
        rules.plugins[0].privileges,
        Privileges {
            attributes: Some(vec![]),
            ous: Some(vec![]),
            ..UNRESTRICTED.clone()
        }
    );
}

fn error_with(keys: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    write_plugin(dir.path());
    let err = parse_in(dir.path(), &format!("{HEAD}{keys}"))
        .expect_err("must be rejected")
        .to_string();
    err.replace(&dir.path().display().to_string(), "DIR")
}

#[test]
fn an_ou_outside_the_managed_ous_is_refused_where_it_is_written() {
    assert_eq!(
        error_with(
            "ous = [\n  \"OU=Fin,OU=Cloud,DC=example,DC=com\",\n  \"OU=X,DC=other,DC=com\",\n]\n"
        ),
        format!(
            "DIR/org.toml:9: plugin `router`: ous: `OU=X,DC=other,DC=com` is outside the managed \
             OUs; a plugin may only route inside managed_ous\n  hint: {OUS_HINT}"
        )
    );
    let err = error_with("ous = [\"Finance\"]\n");
    assert!(
        err.starts_with("DIR/org.toml:7: plugin `router`: ous: "),
        "{err}"
    );
    assert!(err.ends_with(&format!("hint: {OUS_HINT}")), "{err}");
}

#[test]
fn attributes_are_canonicalised_as_plugin_edits_are() {
    for (written, problem) in [
        (
            "2.5.4.13",
            "`2.5.4.13` is a numeric OID; name the attribute by its lDAPDisplayName (without the \
             directory's schema, as in `gwb rules test`, gwb cannot tell which attribute it is)",
        ),
        (
            "description;lang-en",
            "`description;lang-en` carries the attribute option `;lang-en`, which gwb does not \
             allow on `description` (allowed: none); write the attribute without options: \
             `description`",
        ),
        (
            "2.5.4.31",
            "may not change `member` (written `2.5.4.31`): members come from the cloud group; \
             gwb resolves and writes them",
        ),
        (
            "adminDescription",
            "may not change `adminDescription`: it holds gwb's ownership anchor Group_<objectId>",
        ),
    ] {
        assert_eq!(
            error_with(&format!("attributes = [\"info\", \"{written}\"]\n")),
            format!(
                "DIR/org.toml:7: plugin `router`: attributes: {problem}\n  hint: \
                 {ATTRIBUTES_HINT}"
            )
        );
    }
}

#[test]
fn unknown_plugin_keys_stay_errors_with_their_line() {
    let err = error_with("may_set_cn = true\nmay_set_sam = true\n");
    assert!(
        err.starts_with("DIR/org.toml:8: unknown field `may_set_sam`"),
        "{err}"
    );
    let err = error_with("may_set_cn = \"yes\"\n");
    assert!(err.starts_with("DIR/org.toml:7: "), "{err}");
}
