//! The AD objects member resolution finds: what each is, read from a search entry.

use crate::AdError;
use crate::directory::{first_bytes, text_values};
use crate::discovery::EXTERNAL_ID_ATTRIBUTE;
use crate::owner::OWNER_ATTRIBUTE;
use crate::read::{PROTECTION_ATTRIBUTES, entry_anchor, is_protected};
use crate::sid::{sid_to_string, to_base64};
use gwb_model::anchor_for;
use ldap3::SearchEntry;

/// `sAMAccountType` of a normal user account (computers, which AD also gives objectClass
/// `user`, are 805306369; trust accounts 805306370).
const NORMAL_USER_ACCOUNT: &str = "805306368";

/// What an AD object is, as member resolution cares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ObjectKind {
    /// A normal user account: objectClass `user`, not `computer`, sAMAccountType 805306368.
    User,
    /// objectClass `contact`.
    Contact,
    /// Anything else (groups, computers, trust accounts, ...), or not read.
    #[default]
    Other,
}

impl ObjectKind {
    /// The kind from an object's `objectClass` values and `sAMAccountType`.
    pub(crate) fn of(classes: &[&str], sam_account_type: Option<&str>) -> Self {
        let has = |c: &str| classes.iter().any(|v| v.eq_ignore_ascii_case(c));
        if has("computer") || has("group") {
            Self::Other
        } else if has("contact") {
            Self::Contact
        } else if has("user") && sam_account_type == Some(NORMAL_USER_ACCOUNT) {
            Self::User
        } else {
            Self::Other
        }
    }
}

/// One AD object (user, group, contact) as the index and the conflict probe see it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdObject {
    /// DN as AD spells it.
    pub dn: String,
    /// `objectGUID`, base64.
    pub object_guid: String,
    /// `objectSid` as `S-1-...` text.
    pub sid: Option<String>,
    /// `mS-DS-ConsistencyGuid`, base64.
    pub consistency_guid: Option<String>,
    /// `groupType` for groups.
    pub group_type: Option<i32>,
    /// `sAMAccountName`.
    pub sam_account_name: Option<String>,
    /// The cloud object id in a `Group_` anchor (msDS-ExternalDirectoryObjectId first).
    pub anchor: Option<String>,
    /// Which attributes hold that anchor.
    pub anchors: crate::read::AnchorSources,
    /// User, contact or other, from `objectClass` and `sAMAccountType`.
    pub kind: ObjectKind,
    /// Its `extensionName` values, where gwb keeps its [`crate::OwnerMark`].
    pub marks: Vec<String>,
    /// `adminCount=1` or `isCriticalSystemObject=TRUE`: never a member gwb writes.
    pub protected: bool,
}

impl AdObject {
    /// A short identity for messages: DN, objectGUID and anchor.
    pub fn identity(&self) -> String {
        let mut out = format!("{} (objectGUID {})", self.dn, self.object_guid);
        if let Some(anchor) = &self.anchor {
            out.push_str(&format!(", anchor {}", anchor_for(anchor)));
        }
        out
    }
}

/// The attributes an [`AdObject`] is read from.
pub(crate) fn object_attributes(external_id: bool) -> Vec<&'static str> {
    let mut attrs = vec![
        "objectGUID",
        "objectSid",
        "mS-DS-ConsistencyGuid",
        "groupType",
        "sAMAccountName",
        "adminDescription",
        "objectClass",
        "sAMAccountType",
        OWNER_ATTRIBUTE,
    ];
    attrs.extend(PROTECTION_ATTRIBUTES);
    if external_id {
        attrs.push(EXTERNAL_ID_ATTRIBUTE);
    }
    attrs
}

/// Parses a search entry into an [`AdObject`].
pub(crate) fn ad_object(entry: &SearchEntry) -> Result<AdObject, AdError> {
    let guid = first_bytes(entry, "objectGUID").ok_or_else(|| AdError::Data {
        dn: entry.dn.clone(),
        reason: "objectGUID was not returned".into(),
    })?;
    let (anchor, anchors) = entry_anchor(entry).unzip();
    let first = |name| text_values(entry, name).first().copied();
    Ok(AdObject {
        dn: entry.dn.clone(),
        object_guid: to_base64(&guid),
        sid: first_bytes(entry, "objectSid").and_then(|b| sid_to_string(&b)),
        consistency_guid: first_bytes(entry, "mS-DS-ConsistencyGuid").map(|b| to_base64(&b)),
        group_type: first("groupType").and_then(|v| v.parse().ok()),
        sam_account_name: first("sAMAccountName").map(str::to_owned),
        anchors: anchors.unwrap_or_default(),
        anchor,
        kind: ObjectKind::of(&text_values(entry, "objectClass"), first("sAMAccountType")),
        marks: text_values(entry, OWNER_ATTRIBUTE)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        protected: is_protected(entry),
    })
}
