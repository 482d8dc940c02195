//! Managed OUs that are AD's own places (a domain root, a well-known container or anything
//! inside one) are refused at load, at the key that names them.

use super::*;

/// The error for a rules file whose `[defaults]` table is `defaults`.
fn refused(defaults: &str) -> String {
    error_of(&format!("[defaults]\n{defaults}"))
}

#[test]
fn a_domain_root_is_refused_as_ou_and_in_managed_ous() {
    assert_eq!(
        refused("ou = \"DC=gwb,DC=test\"\n"),
        "DIR/org.toml:2: ou: `DC=gwb,DC=test` is a domain root (a naming context head), where \
         AD keeps its own objects; gwb creates, changes and deletes groups in its managed OUs \
         and must never manage those\n  \
         hint: create an OU for gwb, e.g. \"OU=Cloud Groups,DC=gwb,DC=test\", and make it \
         [defaults] ou"
    );
    assert_eq!(
        refused(
            "ou = \"OU=Cloud,DC=gwb,DC=test\"\n\
             managed_ous = [\"OU=Cloud,DC=gwb,DC=test\",\n  \"dc=child,dc=gwb,dc=test\"]\n"
        ),
        // Named in its canonical spelling.
        "DIR/org.toml:4: managed_ous: `DC=child,DC=gwb,DC=test` is a domain root (a naming \
         context head), where AD keeps its own objects; gwb creates, changes and deletes groups \
         in its managed OUs and must never manage those\n  \
         hint: create an OU for gwb, e.g. \"OU=Cloud Groups,DC=child,DC=gwb,DC=test\", and list \
         it in managed_ous instead"
    );
}

#[test]
fn well_known_containers_and_their_insides_are_refused() {
    let message = |key: &str, dn: &str, place: &str| {
        format!(
            "{key}: `{dn}` is {place}, where AD keeps its own objects; gwb creates, changes and \
             deletes groups in its managed OUs and must never manage those"
        )
    };
    for (dn, place) in [
        ("CN=Users,DC=gwb,DC=test", "the well-known Users container"),
        (
            "cn=computers,dc=gwb,dc=test",
            "the well-known Computers container",
        ),
        (
            "CN=Builtin,DC=gwb,DC=test",
            "the well-known Builtin container",
        ),
        (
            "OU=Domain Controllers,DC=gwb,DC=test",
            "the well-known Domain Controllers container",
        ),
        (
            "CN=System,DC=gwb,DC=test",
            "the well-known System container",
        ),
        ("CN=Keys,DC=example,DC=com", "the well-known Keys container"),
        (
            "CN=Policies,CN=System,DC=gwb,DC=test",
            "inside the well-known System container CN=System,DC=gwb,DC=test",
        ),
    ] {
        let err = refused(&format!(
            "ou = \"OU=Cloud,DC=gwb,DC=test\"\nmanaged_ous = [\"{dn}\"]\n"
        ));
        // Named in its canonical spelling.
        let shown = &gwb_model::dn::canonical_dn(dn).expect("dn");
        assert!(
            err.starts_with(&format!(
                "DIR/org.toml:3: {}\n",
                message("managed_ous", shown, place)
            )),
            "{err}"
        );
        let err = refused(&format!("ou = \"{dn}\"\n"));
        assert!(
            err.starts_with(&format!(
                "DIR/org.toml:2: {}\n",
                message("ou", shown, place)
            )),
            "{err}"
        );
    }
}

#[test]
fn ordinary_ous_and_look_alikes_are_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = parse_in(
        dir.path(),
        "[defaults]\nou = \"OU=Users,DC=gwb,DC=test\"\n\
         managed_ous = [\"OU=Cloud Groups,DC=gwb,DC=test\", \"CN=Users,OU=Corp,DC=gwb,DC=test\", \
         \"OU=Groups,OU=System,DC=gwb,DC=test\"]\n",
    )
    .expect("ordinary OUs");
    assert_eq!(rules.managed_ous.len(), 4);
}
