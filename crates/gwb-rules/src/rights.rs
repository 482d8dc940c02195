//! Rights-bearing attributes: those a plugin may write, but only when its `[[plugins]]
//! attributes` names them, because a value there gives someone rights, an identity or mail.
//! No grant covers them implicitly: there is no wildcard, and a mapping plugin without an
//! `attributes` key is refused at load ([`crate::PluginEntry::check_mapping_grant`]); `gwb check`
//! warns for every plugin whose list names one.
//!
//! Chosen from a Samba 4.17 DC's `allowedAttributes` of a group (classes `group`, `posixGroup`,
//! `mailRecipient`, `securityPrincipal`, with the Exchange attributes gwb's tests install) and
//! Microsoft's published schema for the Exchange links a Samba DC lacks (`msExchCoManagedByLink`,
//! `publicDelegates`). `msExchDelegateListLink` (a mailbox's automapping list) is not listed: it
//! belongs to mailboxes, and a group cannot hold it. Membership in every spelling is not here
//! but protected outright ([`crate::validate::canonical_name`]).

/// A rights-bearing attribute by its lDAPDisplayName, and what a value there does.
pub const RIGHTS_BEARING: &[(&str, &str)] = &[
    (
        "managedBy",
        "names the group's manager, whom Exchange and Outlook let change the membership",
    ),
    (
        "msExchCoManagedByLink",
        "names further managers, whom Exchange lets change the membership",
    ),
    (
        "publicDelegates",
        "names who may send as the group (on behalf of it)",
    ),
    (
        "gidNumber",
        "is the group's POSIX GID, which SSSD, idmap_ad and nss_ldap honour (0 is root's group)",
    ),
    (
        "msSFU30Name",
        "is the group's POSIX name (e.g. wheel or sudo) for NIS and SSSD",
    ),
    (
        "groupType",
        "turns a distribution group into a security group or back, granting or dropping its \
         members' access",
    ),
    (
        "proxyAddresses",
        "routes mail: an address here receives that address's mail",
    ),
    (
        "mail",
        "routes mail: the group receives mail sent to this address",
    ),
    (
        "targetAddress",
        "routes mail: Exchange forwards the group's mail there",
    ),
    (
        "legacyExchangeDN",
        "routes mail: Exchange delivers mail addressed to this X.500 name to the group",
    ),
    (
        "msExchRequireAuthToSendTo",
        "decides whether senders outside the organization may mail the group",
    ),
];

/// What a value of `attribute` (a canonical name) does, when it is rights-bearing.
pub fn rights_bearing(attribute: &str) -> Option<&'static str> {
    RIGHTS_BEARING
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(attribute))
        .map(|(_, what)| *what)
}

/// The rights-bearing attributes among `attributes`, each as `` `name` (what it does) ``.
pub fn rights_bearing_among(attributes: &[String]) -> Vec<String> {
    attributes
        .iter()
        .filter_map(|a| rights_bearing(a).map(|what| format!("`{a}` ({what})")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rights_bearing_attributes_are_found_in_any_case() {
        assert!(rights_bearing("MANAGEDBY").is_some());
        assert!(rights_bearing("extensionAttribute1").is_none());
        assert_eq!(
            rights_bearing_among(&["info".into(), "gidNumber".into()]),
            vec![
                "`gidNumber` (is the group's POSIX GID, which SSSD, idmap_ad and nss_ldap \
                 honour (0 is root's group))"
                    .to_owned()
            ]
        );
    }
}
