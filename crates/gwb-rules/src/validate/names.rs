//! Canonical attribute names: every attribute a plugin edits is named the way the directory
//! names it before anything else is checked, so `2.5.4.31`, `MEMBER` and `member;binary` are
//! all recognised as `member`.

use gwb_model::AttributeNames;

use super::{is_attribute_type, not_an_attribute_name};

/// An attribute no plugin may edit: its lDAPDisplayName, its attributeID (Microsoft's
/// published OID, so a numeric spelling is recognised even without the directory's schema),
/// and why.
struct Protected {
    name: &'static str,
    oid: &'static str,
    why: &'static str,
}

/// Why a membership attribute is protected: members are gwb's alone to write.
const MEMBERSHIP: &str = "it expresses membership, and members come only from the cloud group \
                          (gwb resolves them and writes `member`)";

/// Attributes a mapping plugin may not touch, and no rules file can grant one.
///
/// Membership by any name is among them. The list was taken from the schema, not from memory:
/// a Samba 4.17 DC's (`ldapsearch` under `CN=Schema,CN=Configuration` for `attributeSchema`
/// entries with a `linkID`, intersected with the `allowedAttributes` of a group, whose classes
/// are `group` with the auxiliary classes `posixGroup`, `mailRecipient` and
/// `securityPrincipal`), checked against Microsoft's published schema ([MS-ADA1]/[MS-ADA2]/
/// [MS-ADA3] and learn.microsoft.com/windows/win32/adschema, e.g. `msSFU30PosixMember`:
/// attributeID 1.2.840.113556.1.6.18.1.346, linkID 2030, used in `group`). The forward links a
/// group may hold are `member` (linkID 2), `nonSecurityMember` (50, membership Windows does not
/// use for security, read by other directories), `msSFU30PosixMember` (2030, the POSIX members
/// SSSD and idmap_ad read), `msDS-NonMembers` (2014, Authorization Manager's excluded members),
/// `managedBy` (72, a manager: rights-bearing, see [`crate::rights`], not membership) and
/// `msDS-PrimaryComputer` (2186, not membership); the back links (`memberOf` …) are computed by
/// AD. Membership held as values rather than links: `memberUid` (posixGroup, RFC 2307 user
/// names, read by SSSD/nss_ldap), `msDS-AzLDAPQuery` (an Authorization Manager group's members
/// by LDAP query), `groupMembershipSAM` and `nTGroupMembers` (Windows NT membership). And two
/// membership links of other classes, refused by name too so no spelling reaches AD:
/// `msDS-MembersForAzRole` (2016) and `msDS-MembersOfResourcePropertyList` (2180).
/// `sIDHistory` makes the group carry another principal's SID, so its access: refused as well.
const PROTECTED: &[Protected] = &[
    Protected {
        name: "objectClass",
        oid: "2.5.4.0",
        why: "the object class is always `group`",
    },
    Protected {
        name: "adminDescription",
        oid: "1.2.840.113556.1.2.226",
        why: "it holds gwb's ownership anchor Group_<objectId>",
    },
    Protected {
        name: "msDS-ExternalDirectoryObjectId",
        oid: "1.2.840.113556.1.4.2310",
        why: "it holds gwb's ownership anchor Group_<objectId>",
    },
    Protected {
        name: "extensionName",
        oid: "1.2.840.113556.1.2.227",
        why: "it holds gwb's ownership mark gwb:tenant=<tenant>",
    },
    Protected {
        name: "adminCount",
        oid: "1.2.840.113556.1.4.150",
        why: "AD sets it on privileged objects, which gwb never changes",
    },
    Protected {
        name: "isCriticalSystemObject",
        oid: "1.2.840.113556.1.4.868",
        why: "AD sets it on critical system objects, which gwb never changes",
    },
    Protected {
        name: "member",
        oid: "2.5.4.31",
        why: "members come from the cloud group; gwb resolves and writes them",
    },
    Protected {
        name: "nonSecurityMember",
        oid: "1.2.840.113556.1.4.530",
        why: MEMBERSHIP,
    },
    Protected {
        name: "msSFU30PosixMember",
        oid: "1.2.840.113556.1.6.18.1.346",
        why: MEMBERSHIP,
    },
    Protected {
        name: "memberUid",
        oid: "1.3.6.1.1.1.1.12",
        why: MEMBERSHIP,
    },
    Protected {
        name: "msDS-NonMembers",
        oid: "1.2.840.113556.1.4.1793",
        why: MEMBERSHIP,
    },
    Protected {
        name: "msDS-AzLDAPQuery",
        oid: "1.2.840.113556.1.4.1792",
        why: MEMBERSHIP,
    },
    Protected {
        name: "groupMembershipSAM",
        oid: "1.2.840.113556.1.4.166",
        why: MEMBERSHIP,
    },
    Protected {
        name: "nTGroupMembers",
        oid: "1.2.840.113556.1.4.89",
        why: MEMBERSHIP,
    },
    Protected {
        name: "msDS-MembersForAzRole",
        oid: "1.2.840.113556.1.4.1806",
        why: MEMBERSHIP,
    },
    Protected {
        name: "msDS-MembersOfResourcePropertyList",
        oid: "1.2.840.113556.1.4.2103",
        why: MEMBERSHIP,
    },
    Protected {
        name: "sIDHistory",
        oid: "1.2.840.113556.1.4.609",
        why: "it would give the group another principal's SID and its access",
    },
    Protected {
        name: "memberOf",
        oid: "1.2.840.113556.1.2.102",
        why: "it is computed by AD",
    },
    Protected {
        name: "cn",
        oid: "2.5.4.3",
        why: "set it in the naming stage",
    },
    Protected {
        name: "name",
        oid: "1.2.840.113556.1.4.1",
        why: "set cn in the naming stage",
    },
    Protected {
        name: "distinguishedName",
        oid: "2.5.4.49",
        why: "set cn and the OU in the naming stage",
    },
    Protected {
        name: "sAMAccountName",
        oid: "1.2.840.113556.1.4.221",
        why: "set it in the naming stage",
    },
    Protected {
        name: "objectGUID",
        oid: "1.2.840.113556.1.4.2",
        why: "it is assigned by AD",
    },
    Protected {
        name: "objectSid",
        oid: "1.2.840.113556.1.4.146",
        why: "it is assigned by AD",
    },
    Protected {
        name: "objectCategory",
        oid: "1.2.840.113556.1.4.782",
        why: "it is assigned by AD",
    },
    Protected {
        name: "nTSecurityDescriptor",
        oid: "1.2.840.113556.1.2.281",
        why: "gwb does not manage permissions",
    },
];

/// The attribute options (RFC 4512: `;binary`, `;lang-en`, `;range=…`) a plugin edit may
/// carry, as `(attribute, option)`. Empty: no attribute gwb writes needs one (AD stores no
/// language tags, `;binary` changes nothing for the string attributes gwb writes, and
/// `;range=` belongs to reads), so every option is refused. An entry here must also be taught
/// to gwb-ad's reads, which ask for names without options.
pub const ALLOWED_OPTIONS: &[(&str, &str)] = &[];

/// The canonical name of an attribute a plugin (or the rules file's `attributes`) names, after
/// checking it may be edited at all.
///
/// In order: the name must be an attribute type (a name or numeric OID) with non-empty
/// options, if any; a numeric OID is mapped to its
/// lDAPDisplayName through `schema` (or, for the protected attributes, gwb's own table), and
/// refused when neither knows it; a name is matched case-insensitively and comes out in the
/// schema's spelling, and is refused when `schema` is known and does not define it; a
/// protected attribute is refused; and so is any option [`ALLOWED_OPTIONS`] does not list.
/// `schema` is `None` where gwb has not read the directory (`gwb rules test`).
pub fn canonical_name(written: &str, schema: Option<&AttributeNames>) -> Result<String, String> {
    let (base, options) = match written.split_once(';') {
        Some((base, options)) => (base, Some(options)),
        None => (written, None),
    };
    if !is_attribute_type(base) || options.is_some_and(|o| o.split(';').any(str::is_empty)) {
        return Err(not_an_attribute_name(written));
    }
    let name = resolve(written, base, schema)?;
    if let Some(protected) = PROTECTED
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(&name))
    {
        return Err(format!(
            "may not change {}: {}",
            spelled(written, &name),
            protected.why
        ));
    }
    match options {
        Some(options) => with_options(written, name, options),
        None => Ok(name),
    }
}

/// `` `name` ``, or `` `name` (written `written`) `` when the plugin spelled it otherwise.
pub(crate) fn spelled(written: &str, name: &str) -> String {
    if written == name {
        format!("`{name}`")
    } else {
        format!("`{name}` (written `{written}`)")
    }
}

/// The lDAPDisplayName of `base` (the part of `written` before any option).
fn resolve(written: &str, base: &str, schema: Option<&AttributeNames>) -> Result<String, String> {
    // A valid attribute type that starts with a digit is a numeric OID.
    let is_oid = base.starts_with(|c: char| c.is_ascii_digit());
    let known = if is_oid {
        schema
            .and_then(|s| s.by_oid(base))
            .or_else(|| PROTECTED.iter().find(|p| p.oid == base).map(|p| p.name))
    } else {
        schema.and_then(|s| s.by_name(base)).or_else(|| {
            PROTECTED
                .iter()
                .find(|p| p.name.eq_ignore_ascii_case(base))
                .map(|p| p.name)
        })
    };
    match (known, is_oid, schema) {
        (Some(name), _, _) => Ok(name.to_owned()),
        (None, false, None) => Ok(base.to_owned()),
        (None, false, Some(_)) => Err(format!(
            "`{written}` is not an attribute of the directory's schema; check the spelling of \
             its lDAPDisplayName"
        )),
        (None, true, Some(_)) => Err(format!(
            "`{written}` is a numeric OID that the directory's schema does not define; name the \
             attribute by its lDAPDisplayName"
        )),
        (None, true, None) => Err(format!(
            "`{written}` is a numeric OID; name the attribute by its lDAPDisplayName (without \
             the directory's schema, as in `gwb rules test`, gwb cannot tell which attribute it \
             is)"
        )),
    }
}

/// `name;options` when [`ALLOWED_OPTIONS`] lists every option for `name`.
fn with_options(written: &str, name: String, options: &str) -> Result<String, String> {
    let allowed: Vec<&str> = ALLOWED_OPTIONS
        .iter()
        .filter(|(attribute, _)| attribute.eq_ignore_ascii_case(&name))
        .map(|(_, option)| *option)
        .collect();
    match options
        .split(';')
        .find(|o| !allowed.iter().any(|a| a.eq_ignore_ascii_case(o)))
    {
        Some(refused) => {
            let allowed = if allowed.is_empty() {
                "none".to_owned()
            } else {
                allowed.join(", ")
            };
            Err(format!(
                "`{written}` carries the attribute option `;{refused}`, which gwb does not \
                 allow on `{name}` (allowed: {allowed}); write the attribute without options: \
                 `{name}`"
            ))
        }
        None => Ok(format!("{name};{options}")),
    }
}

#[cfg(test)]
mod tests;
