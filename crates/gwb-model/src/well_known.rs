//! AD's own places, which gwb must never manage: the domain root and the well-known containers
//! every domain has directly under it (Users, Computers, Builtin, System, ...).
//!
//! gwb creates, changes and deletes groups inside its managed OUs, so a managed OU that is (or
//! lies inside) one of these would hand AD's own accounts and groups to cloud rules. The rules
//! file refuses them by name ([`system_place`], from the DN alone); at run time gwb-ad adds what
//! only the directory knows: its naming contexts and the containers its `wellKnownObjects`
//! point to (they can be redirected, `redirusr` / `redircmp`).

use std::fmt;

use crate::dn::Dn;

/// A container AD (or Microsoft software) keeps directly under a domain root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WellKnownContainer {
    /// The RDN's attribute type: `CN`, or `OU` for Domain Controllers.
    pub rdn_type: &'static str,
    /// The RDN's value, e.g. `Users`.
    pub name: &'static str,
    /// The GUID that names it in the domain head's `wellKnownObjects` or
    /// `otherWellKnownObjects` (upper-case hex, as AD writes it), when it has one.
    pub guid: Option<&'static str>,
}

const fn container(
    rdn_type: &'static str,
    name: &'static str,
    guid: Option<&'static str>,
) -> WellKnownContainer {
    WellKnownContainer {
        rdn_type,
        name,
        guid,
    }
}

/// The well-known containers of a domain, with the `GUID_*_CONTAINER` values of `ntdsapi.h`
/// that name them in `wellKnownObjects` (`Managed Service Accounts` and `Keys` are in
/// `otherWellKnownObjects`). Builtin, TPM Devices and Microsoft Exchange System Objects have no
/// such GUID and are known by name only; the `wellKnownObjects` entries that are not directly
/// under the root (`CN=Microsoft,CN=Program Data`) are not listed.
pub const WELL_KNOWN_CONTAINERS: [WellKnownContainer; 15] = [
    container("CN", "Users", Some("A9D1CA15768811D1ADED00C04FD8D5CD")),
    container("CN", "Computers", Some("AA312825768811D1ADED00C04FD8D5CD")),
    container("CN", "Builtin", None),
    container(
        "OU",
        "Domain Controllers",
        Some("A361B2FFFFD211D1AA4B00C04FD7D83A"),
    ),
    container("CN", "System", Some("AB1D30F3768811D1ADED00C04FD8D5CD")),
    container(
        "CN",
        "Program Data",
        Some("09460C08AE1E4A4EA0F64AEE7DAA1E5A"),
    ),
    container(
        "CN",
        "ForeignSecurityPrincipals",
        Some("22B70C67D56E4EFB91E9300FCA3DC1AA"),
    ),
    container(
        "CN",
        "LostAndFound",
        Some("AB8153B7768811D1ADED00C04FD8D5CD"),
    ),
    container(
        "CN",
        "Infrastructure",
        Some("2FBAC1870ADE11D297C400C04FD8D5CD"),
    ),
    container(
        "CN",
        "Deleted Objects",
        Some("18E2EA80684F11D2B9AA00C04F79F805"),
    ),
    container(
        "CN",
        "NTDS Quotas",
        Some("6227F0AF1FC2410D8E3BB10615BB5B0F"),
    ),
    container(
        "CN",
        "Managed Service Accounts",
        Some("1EB93889E40C45DF9F0C64D23BBB6237"),
    ),
    container("CN", "Keys", Some("683A24E2E8164BD3AF86AC3C2CF3F981")),
    container("CN", "TPM Devices", None),
    container("CN", "Microsoft Exchange System Objects", None),
];

impl WellKnownContainer {
    /// The container whose `wellKnownObjects` GUID this is (hex in any case).
    pub fn by_guid(guid: &str) -> Option<&'static WellKnownContainer> {
        WELL_KNOWN_CONTAINERS
            .iter()
            .find(|c| c.guid.is_some_and(|g| g.eq_ignore_ascii_case(guid)))
    }

    /// True when `rdn` is this container's RDN (`CN=Users`, compared as AD compares).
    fn is(&self, rdn: &crate::dn::Rdn) -> bool {
        rdn.avas().len() == 1
            && rdn.attr_type().eq_ignore_ascii_case(self.rdn_type)
            && rdn.value().to_lowercase() == self.name.to_lowercase()
    }
}

/// Where a DN lies among AD's own places, judged from the DN alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SystemPlace {
    /// Only `DC=` RDNs: a domain root, the head of a naming context.
    DomainRoot,
    /// The well-known container directly under the DN's `DC=` root, or something inside it.
    WellKnown {
        /// The container's name, e.g. `Users`.
        name: &'static str,
        /// The container's DN.
        container: Dn,
        /// True when the DN lies below the container rather than being it.
        inside: bool,
    },
}

impl fmt::Display for SystemPlace {
    /// `a domain root (a naming context head)` or `the well-known Users container` /
    /// `inside the well-known System container CN=System,DC=…`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DomainRoot => f.write_str("a domain root (a naming context head)"),
            Self::WellKnown {
                name,
                inside: false,
                ..
            } => write!(f, "the well-known {name} container"),
            Self::WellKnown {
                name,
                container,
                inside: true,
            } => write!(f, "inside the well-known {name} container {container}"),
        }
    }
}

/// The `DC=` root at the end of `dn` (its trailing `DC=` RDNs), if it has one.
pub fn domain_root(dn: &Dn) -> Option<Dn> {
    let rdns = dn.rdns();
    let kept = rdns
        .iter()
        .rev()
        .take_while(|r| r.avas().len() == 1 && r.attr_type().eq_ignore_ascii_case("DC"))
        .count();
    (kept > 0).then(|| suffix(dn, kept))
}

/// The last `n` RDNs of `dn` (`n` ≥ 1, at most its depth).
fn suffix(dn: &Dn, n: usize) -> Dn {
    let mut out = dn.clone();
    while out.depth() > n
        && let Some(parent) = out.parent()
    {
        out = parent;
    }
    out
}

/// Where `dn` lies among AD's own places, from the DN alone: a domain root (only `DC=` RDNs),
/// or a well-known container directly under its `DC=` root (`CN=Users,DC=example,DC=com`) or
/// anything inside one (`CN=Policies,CN=System,DC=example,DC=com`); `None` otherwise.
pub fn system_place(dn: &Dn) -> Option<SystemPlace> {
    let root = domain_root(dn)?;
    if root.depth() == dn.depth() {
        return Some(SystemPlace::DomainRoot);
    }
    let top = &dn.rdns()[dn.depth() - root.depth() - 1];
    let known = WELL_KNOWN_CONTAINERS.iter().find(|c| c.is(top))?;
    Some(SystemPlace::WellKnown {
        name: known.name,
        container: suffix(dn, root.depth() + 1),
        inside: dn.depth() > root.depth() + 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(text: &str) -> Option<String> {
        system_place(&Dn::parse(text).expect("dn")).map(|p| p.to_string())
    }

    #[test]
    fn domain_roots_and_well_known_containers_are_found_by_name() {
        assert_eq!(
            place("DC=gwb,DC=test").as_deref(),
            Some("a domain root (a naming context head)")
        );
        assert_eq!(
            place("dc=child , DC=gwb,DC=test").as_deref(),
            Some("a domain root (a naming context head)")
        );
        assert_eq!(
            place("cn=users,DC=gwb,DC=test").as_deref(),
            Some("the well-known Users container")
        );
        assert_eq!(
            place("OU=Domain Controllers,DC=gwb,DC=test").as_deref(),
            Some("the well-known Domain Controllers container")
        );
        assert_eq!(
            place("CN=Policies,CN=System,DC=gwb,DC=test").as_deref(),
            Some("inside the well-known System container CN=System,DC=gwb,DC=test")
        );
        for name in [
            "Computers",
            "Builtin",
            "Program Data",
            "ForeignSecurityPrincipals",
            "LostAndFound",
            "Infrastructure",
            "Deleted Objects",
            "NTDS Quotas",
            "Managed Service Accounts",
            "Keys",
            "TPM Devices",
            "Microsoft Exchange System Objects",
        ] {
            assert_eq!(
                place(&format!("CN={name},DC=example,DC=com")),
                Some(format!("the well-known {name} container"))
            );
        }
    }

    #[test]
    fn ordinary_ous_and_look_alikes_are_not_system_places() {
        for text in [
            "OU=Cloud Groups,DC=gwb,DC=test",
            "OU=Users,DC=gwb,DC=test",
            "CN=Domain Controllers,DC=gwb,DC=test",
            "OU=Groups,OU=System,DC=gwb,DC=test",
            "CN=Users,OU=Corp,DC=gwb,DC=test",
            "CN=Microsoft,DC=gwb,DC=test",
            "CN=Users+OU=x,DC=gwb,DC=test",
            "OU=x,O=Example",
        ] {
            assert_eq!(place(text), None, "{text}");
        }
    }

    #[test]
    fn guids_name_their_containers() {
        let users = WellKnownContainer::by_guid("a9d1ca15768811d1aded00c04fd8d5cd");
        assert_eq!(users.map(|c| c.name), Some("Users"));
        assert_eq!(
            WellKnownContainer::by_guid("1EB93889E40C45DF9F0C64D23BBB6237").map(|c| c.name),
            Some("Managed Service Accounts")
        );
        assert_eq!(WellKnownContainer::by_guid("00"), None);
    }
}
