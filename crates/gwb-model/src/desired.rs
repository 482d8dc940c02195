//! The AD group that the rules propose for a cloud group, and the answers rule stages give.

use serde::{Deserialize, Serialize};

use crate::{Attributes, Member};

/// The prefix of gwb's ownership anchor: `Group_<objectId>`, as Entra Connect (in
/// `adminDescription`) and Cloud Sync (in `msDS-ExternalDirectoryObjectId`) write it.
pub const ANCHOR_PREFIX: &str = "Group_";

/// The ownership anchor of the cloud group `object_id`: `Group_<objectId>`.
pub fn anchor_for(object_id: &str) -> String {
    format!("{ANCHOR_PREFIX}{object_id}")
}

/// The cloud object id in an ownership anchor (`Group_<id>` → `<id>`), the inverse of
/// [`anchor_for`]; `None` for any other value (another prefix, no id).
///
/// The prefix is matched exactly, as Entra Connect and Cloud Sync write it. AD matches filter
/// values case-insensitively, so a search for `Group_*` may also return a `group_…` value,
/// which this does not take for an anchor.
pub fn object_id_from_anchor(value: &str) -> Option<&str> {
    value
        .strip_prefix(ANCHOR_PREFIX)
        .filter(|id| !id.is_empty())
}

/// The AD group that should exist for one cloud group.
///
/// Names are unescaped: the AD side escapes `cn` and builds the DN (RFC 4514).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredGroup {
    /// The cloud group's object id.
    pub object_id: String,
    /// The value of `cn` (the RDN value), unescaped.
    pub cn: String,
    /// The DN of the OU or container that holds the group.
    pub parent_dn: String,
    /// `sAMAccountName`; `None` lets AD generate one.
    pub sam_account_name: Option<String>,
    /// Every other attribute to write (groupType, description, anchors, mail attributes, ...).
    pub attributes: Attributes,
    /// The cloud members to resolve to AD objects.
    pub members: Vec<Member>,
}

impl DesiredGroup {
    /// The anchor value for this group: `Group_<objectId>`.
    pub fn anchor(&self) -> String {
        anchor_for(&self.object_id)
    }
}

/// What the target directory supports; the defaults and plugins adapt to it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetCapabilities {
    /// The schema has Exchange's attributes (mailNickname, msExchRecipientDisplayType, ...).
    pub exchange_schema: bool,
    /// The schema has `msDS-ExternalDirectoryObjectId`.
    pub external_directory_object_id: bool,
}

/// A filter stage's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FilterDecision {
    /// Write the group back.
    Write,
    /// Skip it, for this reason.
    Skip(String),
}

/// A naming stage's answer; `None` keeps the proposal's value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Naming {
    /// New `cn`, unescaped.
    pub cn: Option<String>,
    /// New parent DN (target OU).
    pub parent_dn: Option<String>,
    /// New `sAMAccountName`.
    pub sam_account_name: Option<String>,
}

/// One change to the proposed attributes by a mapping stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AttributeEdit {
    /// Replace all values (empty removes the attribute).
    Replace {
        /// Attribute name.
        name: String,
        /// New values.
        values: Vec<String>,
    },
    /// Add values (kept once).
    Add {
        /// Attribute name.
        name: String,
        /// Values to add.
        values: Vec<String>,
    },
    /// Remove values (empty removes the attribute).
    Remove {
        /// Attribute name.
        name: String,
        /// Values to remove.
        values: Vec<String>,
    },
}

impl AttributeEdit {
    /// The attribute the edit touches.
    pub fn name(&self) -> &str {
        match self {
            Self::Replace { name, .. } | Self::Add { name, .. } | Self::Remove { name, .. } => name,
        }
    }

    /// The values the edit carries.
    pub fn values(&self) -> &[String] {
        match self {
            Self::Replace { values, .. }
            | Self::Add { values, .. }
            | Self::Remove { values, .. } => values,
        }
    }

    /// The same edit of the attribute spelled `name` (e.g. its canonical name).
    pub fn renamed(self, name: String) -> Self {
        match self {
            Self::Replace { values, .. } => Self::Replace { name, values },
            Self::Add { values, .. } => Self::Add { name, values },
            Self::Remove { values, .. } => Self::Remove { name, values },
        }
    }

    /// Applies the edit to a set of attributes.
    pub fn apply_to(&self, attributes: &mut Attributes) {
        match self {
            Self::Replace { name, values } => attributes.set(name, values.clone()),
            Self::Add { name, values } => attributes.add(name, values.iter().cloned()),
            Self::Remove { name, values } => attributes.remove(name, values),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_round_trip_to_object_ids() {
        let id = "02bd9fd6-8f93-4758-87c3-1fb73740a315";
        let group = DesiredGroup {
            object_id: id.into(),
            ..DesiredGroup::default()
        };
        assert_eq!(group.anchor(), format!("Group_{id}"));
        assert_eq!(object_id_from_anchor(&group.anchor()), Some(id));
        assert_eq!(object_id_from_anchor("Group_abc"), Some("abc"));
        assert_eq!(object_id_from_anchor("Group_"), None);
        assert_eq!(object_id_from_anchor("User_abc"), None);
        assert_eq!(object_id_from_anchor("group_abc"), None);
        assert_eq!(object_id_from_anchor(""), None);
    }
}
