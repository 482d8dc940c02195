//! The member-resolution index: cloud members → AD DNs, built with a few batched searches
//! ([`lookup`]) from the AD objects they find ([`objects`]).

mod lookup;
mod objects;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use gwb_model::{Member, MemberKind, UserAnchor};

use crate::escape::normalize_dn;
use crate::owner::OwnerMark;
use crate::sid::{from_base64, to_base64};
pub use objects::{AdObject, ObjectKind};
pub(crate) use objects::{ad_object, object_attributes};

/// A cloud member's AD object, found by [`MemberIndex::resolve`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The member's DN.
    pub dn: String,
    /// `groupType` when the member is a group.
    pub group_type: Option<i32>,
}

/// Why a cloud member is not written to AD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// The member user was not among the users read from Graph.
    UserNotRead,
    /// `onPremisesSyncEnabled` is not `true`: whatever anchors the user carries, the cloud set
    /// them.
    CloudOnly,
    /// A synced user with no SID, immutableId or DN.
    NoAnchors,
    /// The SID and the immutableId find different objects.
    AnchorsDisagree,
    /// No AD user or contact has the user's SID, immutableId (or DN).
    NoUserOrContact,
    /// The user's anchors name an object that is neither a user nor a contact.
    NotUserOrContact,
    /// The user's anchors name a protected object (`adminCount=1`, `isCriticalSystemObject`).
    Protected,
    /// No group in AD has the nested group's `Group_` anchor.
    GroupNotFound,
    /// The groups with the nested group's anchor are not gwb's (no mark of this tenant):
    /// Entra Connect's, Cloud Sync's or made by hand.
    GroupNotOwned,
    /// No AD group holds the on-premises SID of the nested group synced from AD.
    SyncedGroupNotFound,
    /// The synced group's on-premises SID names an AD object that is not a group.
    NotAGroup,
    /// A domain-local group cannot be a member of a universal group.
    DomainLocalInUniversal,
    /// Devices, service principals, org contacts, ...: only users and groups are members.
    NotWrittenKind(MemberKind),
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            Self::UserNotRead => "user not read from Graph",
            Self::CloudOnly => "cloud-only user (onPremisesSyncEnabled is not true)",
            Self::NoAnchors => "synced user without SID, immutableId or DN",
            Self::AnchorsDisagree => "SID and immutableId name different AD objects",
            Self::NoUserOrContact => "no AD user or contact has its SID, immutableId or DN",
            Self::NotUserOrContact => "names an AD object that is neither a user nor a contact",
            Self::Protected => {
                "names a protected AD object (adminCount=1 or isCriticalSystemObject=TRUE)"
            }
            Self::GroupNotFound => "no group in AD has its Group_ anchor",
            Self::GroupNotOwned => {
                "the groups with its Group_ anchor are not gwb's (no gwb mark of this tenant)"
            }
            Self::SyncedGroupNotFound => "group synced from AD, but no AD group has its SID",
            Self::NotAGroup => {
                "group synced from AD whose SID names an AD object that is not a group"
            }
            Self::DomainLocalInUniversal => "domain-local group in a universal group",
            Self::NotWrittenKind(MemberKind::Device) => "device (not written as a member)",
            Self::NotWrittenKind(MemberKind::ServicePrincipal) => {
                "service principal (not written as a member)"
            }
            Self::NotWrittenKind(MemberKind::OrgContact) => {
                "organizational contact (not written as a member)"
            }
            Self::NotWrittenKind(_) => "member of another type (not written as a member)",
        };
        f.write_str(text)
    }
}

/// AD objects keyed by every identity a cloud member may point at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberIndex {
    objects: Vec<AdObject>,
    by_sid: BTreeMap<String, usize>,
    by_guid: BTreeMap<String, usize>,
    by_dn: BTreeMap<String, usize>,
    /// Every group carrying a `Group_` anchor, by the object id in it (a forged copy may
    /// carry the same anchor as gwb's group).
    groups_by_object_id: BTreeMap<String, Vec<usize>>,
}

/// Normalises base64 text (an immutableId) so equal bytes give equal keys.
fn guid_key(base64: &str) -> Option<String> {
    from_base64(base64).map(|b| to_base64(&b))
}

impl MemberIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an object under its SID, objectGUID, ms-DS-ConsistencyGuid, DN and group anchor.
    pub fn insert(&mut self, object: AdObject) {
        let i = self.objects.len();
        if let Some(sid) = &object.sid {
            self.by_sid.insert(sid.to_ascii_uppercase(), i);
        }
        self.by_guid.insert(object.object_guid.clone(), i);
        if let Some(cg) = &object.consistency_guid {
            // An explicit consistency GUID is what Connect used as the source anchor.
            self.by_guid.insert(cg.clone(), i);
        }
        self.by_dn.insert(normalize_dn(&object.dn), i);
        if object.group_type.is_some()
            && let Some(id) = &object.anchor
        {
            self.groups_by_object_id
                .entry(id.clone())
                .or_default()
                .push(i);
        }
        self.objects.push(object);
    }

    /// The number of objects indexed.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// The AD object of a cloud member, or why it has none gwb may write.
    ///
    /// Users resolve only when synced, by their [`UserAnchor::ad_lookup_keys`]: the SID (which
    /// only sync writes), else the immutableId as ms-DS-ConsistencyGuid or objectGUID, and the
    /// DN only for a user with neither. A user with a SID resolves only to the object holding
    /// that SID: an immutableId naming another object skips the member. The object must be a
    /// user or contact and not protected. A group synced from AD (its id in `group_sids`)
    /// resolves by that SID, only to a group; any other group by its `Group_` anchor, only to
    /// a group carrying `owner`'s mark. Never to a protected group.
    pub fn resolve(
        &self,
        member: &Member,
        users: &BTreeMap<String, UserAnchor>,
        group_sids: &BTreeMap<String, String>,
        owner: &OwnerMark,
    ) -> Result<Resolved, SkipReason> {
        let object = match member.kind {
            MemberKind::User => self.user_object(users.get(&member.id))?,
            MemberKind::Group => match group_sids.get(&member.id) {
                Some(sid) => self.synced_group_object(sid)?,
                None => self.group_object(&member.id, owner)?,
            },
            kind => return Err(SkipReason::NotWrittenKind(kind)),
        };
        Ok(Resolved {
            dn: object.dn.clone(),
            group_type: object.group_type,
        })
    }

    /// The AD object of a nested group (see [`Self::resolve`]): the one with its anchor and
    /// `owner`'s mark, unless AD protects it.
    fn group_object(&self, object_id: &str, owner: &OwnerMark) -> Result<&AdObject, SkipReason> {
        let anchored: Vec<&AdObject> = self
            .groups_by_object_id
            .get(object_id)
            .into_iter()
            .flatten()
            .map(|i| &self.objects[*i])
            .collect();
        if anchored.is_empty() {
            return Err(SkipReason::GroupNotFound);
        }
        let ours = anchored
            .into_iter()
            .find(|o| owner.is_on(&o.marks))
            .ok_or(SkipReason::GroupNotOwned)?;
        if ours.protected {
            Err(SkipReason::Protected)
        } else {
            Ok(ours)
        }
    }

    /// The AD group holding a synced group's on-premises SID (see [`Self::resolve`]).
    fn synced_group_object(&self, sid: &str) -> Result<&AdObject, SkipReason> {
        let i = self
            .by_sid
            .get(&sid.to_ascii_uppercase())
            .ok_or(SkipReason::SyncedGroupNotFound)?;
        let object = &self.objects[*i];
        if object.group_type.is_none() {
            Err(SkipReason::NotAGroup)
        } else if object.protected {
            Err(SkipReason::Protected)
        } else {
            Ok(object)
        }
    }

    /// The AD object of a member user (see [`Self::resolve`]).
    fn user_object(&self, user: Option<&UserAnchor>) -> Result<&AdObject, SkipReason> {
        let user = user.ok_or(SkipReason::UserNotRead)?;
        if !user.is_synced() {
            return Err(SkipReason::CloudOnly);
        }
        let (sid, immutable_id, dn) = user.ad_lookup_keys();
        let by_sid = sid.and_then(|s| self.by_sid.get(&s.to_ascii_uppercase()));
        let by_immutable_id = immutable_id
            .and_then(guid_key)
            .and_then(|k| self.by_guid.get(&k));
        let found = match (sid, by_sid, by_immutable_id) {
            (_, Some(a), Some(b)) if a != b => return Err(SkipReason::AnchorsDisagree),
            // A SID this domain does not hold (a user synced from another forest, or a tenant
            // whose SIDs AD did not assign) leaves the immutableId, Entra Connect's own join
            // anchor. Both are mastered by sync, so the cloud cannot set either on a synced
            // user; what the immutableId finds must still be an unprotected user or contact.
            (_, Some(i), _) | (_, None, Some(i)) => Some(i),
            (_, None, None) => dn.and_then(|dn| self.by_dn.get(&normalize_dn(dn))),
        };
        let object = match found {
            Some(i) => &self.objects[*i],
            None if sid.is_none() && immutable_id.is_none() && dn.is_none() => {
                return Err(SkipReason::NoAnchors);
            }
            None => return Err(SkipReason::NoUserOrContact),
        };
        if object.kind == ObjectKind::Other {
            Err(SkipReason::NotUserOrContact)
        } else if object.protected {
            Err(SkipReason::Protected)
        } else {
            Ok(object)
        }
    }
}
