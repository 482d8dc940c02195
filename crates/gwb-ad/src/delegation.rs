//! The least rights gwb needs in AD, as access control entries on each managed OU: what
//! `gwb delegation` prints (as dsacls commands, PowerShell and SDDL) and `gwb check` verifies.
//!
//! Entra Connect's `Set-ADSyncUnifiedGroupWritebackPermissions` grants `GRGWCCDCSDDT` on group
//! objects: generic write on every attribute of every group below the OU. gwb grants less, and
//! only on its managed OUs (inherited by their sub-OUs), never on a domain root or
//! AdminSDHolder:
//!
//! - on the OU and its sub-OUs: Create Child and Delete Child of class `group` (create and
//!   delete groups; with Create Child at the destination and Delete Child at the source, a
//!   move between managed OUs), and with `[sync] create_missing_ous` Create Child of class
//!   `organizationalUnit`;
//! - on the groups below (inherit-only, inherited object type `group`): Read Property and
//!   Write Property of exactly the attributes gwb writes ([`written_attributes`]): `cn` and
//!   `name` for renames and moves (AD checks Write Property of both), `member`, gwb's mark
//!   `extensionName`, what the defaults write on this schema, and what the plugins' `attributes`
//!   name.
//!
//! Creating a group needs no Write Property: AD checks only Create Child for the attributes
//! an add carries. Delete Child on the parent is enough to delete a group (AD allows a delete
//! with Delete on the object or Delete Child on its parent), so Delete is not granted on the
//! groups themselves.

use gwb_model::TargetCapabilities;
use gwb_model::dn::Dn;
use gwb_model::shell::{self, Unquotable};

use crate::discovery::EXTERNAL_ID_ATTRIBUTE;
use crate::owner::OWNER_ATTRIBUTE;
use crate::reconcile::DEFAULT_MANAGED_ATTRIBUTES;

/// The class of the objects gwb writes.
pub const GROUP_CLASS: &str = "group";
/// The class of the OUs `[sync] create_missing_ous` creates.
pub const OU_CLASS: &str = "organizationalUnit";

/// The attributes the defaults write on every schema (the Exchange ones and the Cloud Sync
/// anchor depend on the schema).
const CORE_ATTRIBUTES: [&str; 4] = [
    "adminDescription",
    "description",
    "displayName",
    "groupType",
];
/// What every run may write besides the mapped attributes: the RDN (`cn`, and `name`, which AD
/// keeps equal to it) on a rename or move, the members, and gwb's mark and record.
const ALWAYS_WRITTEN: [&str; 4] = ["cn", "member", "name", OWNER_ATTRIBUTE];

/// The attributes gwb writes on its groups, sorted without regard to case: [`ALWAYS_WRITTEN`],
/// the defaults' (Cloud Sync's anchor `msDS-ExternalDirectoryObjectId` when the schema has it,
/// the Exchange recipient attributes when the forest has the Exchange schema), `sAMAccountName`
/// when a plugin may set it, and every attribute a plugin's `attributes` names.
pub fn written_attributes(
    capabilities: TargetCapabilities,
    sam_account_name: bool,
    plugin_attributes: &[String],
) -> Vec<String> {
    let defaults = DEFAULT_MANAGED_ATTRIBUTES.iter().filter(|name| {
        if name.eq_ignore_ascii_case(EXTERNAL_ID_ATTRIBUTE) {
            capabilities.external_directory_object_id
        } else {
            CORE_ATTRIBUTES.contains(name) || capabilities.exchange_schema
        }
    });
    let sam = sam_account_name.then_some("sAMAccountName");
    let mut names: Vec<String> = ALWAYS_WRITTEN
        .iter()
        .chain(defaults)
        .copied()
        .chain(sam)
        .map(str::to_owned)
        .chain(plugin_attributes.iter().cloned())
        .collect();
    names.sort_by_key(|n| n.to_ascii_lowercase());
    names.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    names
}

/// A class or attribute of the directory's schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaObject {
    /// Its lDAPDisplayName.
    pub name: String,
    /// Its `schemaIDGUID`, as text (lower case).
    pub guid: String,
    /// An attribute's property set (`attributeSecurityGUID`, as text), when it has one.
    pub property_set: Option<String>,
}

/// The schema objects the rights name, found by lDAPDisplayName without regard to case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaGuids(Vec<SchemaObject>);

impl FromIterator<SchemaObject> for SchemaGuids {
    fn from_iter<I: IntoIterator<Item = SchemaObject>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl SchemaGuids {
    /// The object named `name`.
    pub fn get(&self, name: &str) -> Option<&SchemaObject> {
        self.0.iter().find(|o| o.name.eq_ignore_ascii_case(name))
    }
}

/// A schema object a right needs that the directory's schema lacks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the directory's schema has no `{0}` (no schemaIDGUID to grant it by): remove it from the \
     rules file's [[plugins]] attributes, or extend the schema"
)]
pub struct NotInSchema(pub String);

/// The rights of one ACE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rights {
    /// Create Child and Delete Child of a class.
    CreateDeleteChild,
    /// Create Child of a class.
    CreateChild,
    /// Read Property and Write Property of an attribute.
    ReadWriteProperty,
}

impl Rights {
    /// The SDDL (and dsacls) letters.
    pub fn letters(self) -> &'static str {
        match self {
            Self::CreateDeleteChild => "CCDC",
            Self::CreateChild => "CC",
            Self::ReadWriteProperty => "RPWP",
        }
    }

    /// The `ActiveDirectoryRights` names.
    fn powershell(self) -> &'static str {
        match self {
            Self::CreateDeleteChild => "CreateChild, DeleteChild",
            Self::CreateChild => "CreateChild",
            Self::ReadWriteProperty => "ReadProperty, WriteProperty",
        }
    }
}

/// One allow ACE on a managed OU, for the delegated account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ace {
    /// The managed OU whose DACL holds it.
    pub ou: String,
    /// What it allows.
    pub rights: Rights,
    /// The class (child rights) or attribute (property rights) it is about.
    pub object: SchemaObject,
    /// `None`: it applies to the OU and is inherited by everything below (`CI`);
    /// `Some(class)`: it applies only to the objects of that class below the OU (`CIIO`).
    pub inherited_class: Option<SchemaObject>,
}

impl Ace {
    /// The ACE in SDDL, for the account `sid` (`S-1-5-…`), e.g.
    /// `(OA;CIIO;RPWP;<attribute>;<group>;S-1-5-21-…)`.
    pub fn sddl(&self, sid: &str) -> String {
        let (flags, inherited) = match &self.inherited_class {
            None => ("CI", ""),
            Some(class) => ("CIIO", class.guid.as_str()),
        };
        format!(
            "(OA;{flags};{};{};{inherited};{sid})",
            self.rights.letters(),
            self.object.guid
        )
    }

    /// The dsacls command that grants it to `account` (`DOMAIN\name`), for cmd.exe: the OU
    /// and the grant each one double-quoted argument ([`shell::cmd`]); refused when either
    /// carries what cmd.exe expands or cannot quote (`"`, `%`, `!`, `^`, `&`, `|`, `<`, `>`,
    /// control characters).
    pub fn dsacls(&self, account: &str) -> Result<String, Unquotable> {
        let (inherit, object) = match &self.inherited_class {
            None => ("T", self.object.name.clone()),
            Some(class) => ("S", format!("{};{}", self.object.name, class.name)),
        };
        Ok(format!(
            "dsacls {} /I:{inherit} /G {}",
            shell::cmd(&self.ou)?,
            shell::cmd(&format!("{account}:{};{object}", self.rights.letters()))?
        ))
    }

    /// The PowerShell statement that adds it to `$acl` for `$account` (an `ActiveDirectory`
    /// `ActiveDirectoryAccessRule` by schemaIDGUID), commented with the schema names; every
    /// value a single-quoted literal ([`shell::powershell`]).
    pub fn powershell(&self) -> Result<String, Unquotable> {
        let head = format!(
            "$acl.AddAccessRule((New-Object System.DirectoryServices.ActiveDirectoryAccessRule \
             $account, {}, 'Allow', [Guid]{}",
            shell::powershell(self.rights.powershell())?,
            shell::powershell(&self.object.guid)?
        );
        Ok(match &self.inherited_class {
            None => format!("{head}, 'All')) # {}", self.object.name),
            Some(class) => format!(
                "{head}, 'Descendents', [Guid]{})) # {} on {}",
                shell::powershell(&class.guid)?,
                self.object.name,
                class.name
            ),
        })
    }
}

/// The ACEs that give gwb exactly what it needs on `managed_ous`: per OU, Create Child and
/// Delete Child of groups, Create Child of OUs when `create_ous`, then Read and Write Property
/// of each of `attributes` on the groups below, in that order. Every name must be in `schema`.
pub fn required_aces(
    managed_ous: &[Dn],
    attributes: &[String],
    create_ous: bool,
    schema: &SchemaGuids,
) -> Result<Vec<Ace>, NotInSchema> {
    let find = |name: &str| {
        schema
            .get(name)
            .cloned()
            .ok_or(NotInSchema(name.to_owned()))
    };
    let group = find(GROUP_CLASS)?;
    let ou_class = if create_ous {
        Some(find(OU_CLASS)?)
    } else {
        None
    };
    let properties = attributes
        .iter()
        .map(|name| find(name))
        .collect::<Result<Vec<_>, _>>()?;
    let mut aces = Vec::new();
    for ou in managed_ous {
        let ou = ou.to_string();
        let child = |rights, object: &SchemaObject| Ace {
            ou: ou.clone(),
            rights,
            object: object.clone(),
            inherited_class: None,
        };
        aces.push(child(Rights::CreateDeleteChild, &group));
        aces.extend(ou_class.iter().map(|c| child(Rights::CreateChild, c)));
        aces.extend(properties.iter().map(|attribute| Ace {
            ou: ou.clone(),
            rights: Rights::ReadWriteProperty,
            object: attribute.clone(),
            inherited_class: Some(group.clone()),
        }));
    }
    Ok(aces)
}

#[cfg(test)]
mod tests;
