//! The member-resolution index: cloud members → AD DNs, built with a few batched searches.

use std::collections::{BTreeMap, BTreeSet};

use gwb_model::{Member, MemberKind, UserAnchor, anchor_for};
use ldap3::{Scope, SearchEntry};

use crate::directory::{first_bytes, text_values};
use crate::discovery::EXTERNAL_ID_ATTRIBUTE;
use crate::escape::{escape_filter_bytes, escape_filter_value, normalize_dn};
use crate::owner::{OWNER_ATTRIBUTE, OwnerMark};
use crate::read::{PROTECTION_ATTRIBUTES, entry_anchor, is_protected};
use crate::sid::{from_base64, sid_from_string, sid_to_string, to_base64};
use crate::{AdError, Directory};

/// Terms per OR filter of a batched lookup.
const TERMS_PER_SEARCH: usize = 100;

/// `sAMAccountType` of a normal user account (computers, which AD also gives objectClass
/// `user`, are 805306369; trust accounts 805306370).
const NORMAL_USER_ACCOUNT: &str = "805306368";

/// What a member user's AD object must be, as an LDAP condition: a normal user account or a
/// contact. [`ObjectKind`] checks the returned attributes again.
const USER_OR_CONTACT: &str = "(|(sAMAccountType=805306368)(objectClass=contact))";

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
    fn of(classes: &[&str], sam_account_type: Option<&str>) -> Self {
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

/// The filters that find the AD objects of these users (users and contacts only) and
/// written-back groups, each an OR of at most [`TERMS_PER_SEARCH`] escaped terms.
fn lookup_filters<'a>(
    users: impl IntoIterator<Item = &'a UserAnchor>,
    group_ids: impl IntoIterator<Item = &'a str>,
    group_sids: impl IntoIterator<Item = &'a str>,
    external_id: bool,
) -> Vec<String> {
    let mut user_terms = BTreeSet::new();
    for user in users {
        let (sid, immutable_id, dn) = user.ad_lookup_keys();
        if let Some(sid) = sid.and_then(sid_from_string) {
            user_terms.insert(format!("(objectSid={})", escape_filter_bytes(&sid)));
        }
        if let Some(bytes) = immutable_id.and_then(from_base64) {
            let v = escape_filter_bytes(&bytes);
            user_terms.insert(format!("(objectGUID={v})"));
            user_terms.insert(format!("(mS-DS-ConsistencyGuid={v})"));
        }
        if let Some(dn) = dn {
            user_terms.insert(format!("(distinguishedName={})", escape_filter_value(dn)));
        }
    }
    let mut group_terms = BTreeSet::new();
    for id in group_ids {
        let anchor = escape_filter_value(&anchor_for(id));
        group_terms.insert(format!("(adminDescription={anchor})"));
        if external_id {
            group_terms.insert(format!("({EXTERNAL_ID_ATTRIBUTE}={anchor})"));
        }
    }
    let sid_terms: BTreeSet<String> = group_sids
        .into_iter()
        .filter_map(sid_from_string)
        .map(|sid| format!("(objectSid={})", escape_filter_bytes(&sid)))
        .collect();
    let or_chunks = |terms: BTreeSet<String>| {
        let terms: Vec<String> = terms.into_iter().collect();
        terms
            .chunks(TERMS_PER_SEARCH)
            .map(|chunk| format!("(|{})", chunk.concat()))
            .collect::<Vec<_>>()
    };
    or_chunks(user_terms)
        .into_iter()
        .map(|or| format!("(&{USER_OR_CONTACT}{or})"))
        .chain(or_chunks(group_terms))
        .chain(
            or_chunks(sid_terms)
                .into_iter()
                .map(|or| format!("(&(objectClass=group){or})")),
        )
        .collect()
}

impl Directory {
    /// Reads one object's identities (objectGUID, objectSid, anchors, ...); `None` if absent.
    pub async fn lookup(
        &mut self,
        dn: &str,
        external_id: bool,
    ) -> Result<Option<AdObject>, AdError> {
        match self.read_entry(dn, &object_attributes(external_id)).await? {
            Some(entry) => ad_object(&entry).map(Some),
            None => Ok(None),
        }
    }

    /// Builds the member index for these users and group members with batched searches under
    /// `base_dn` (one search per 100 identities, not one per member). Users are looked up
    /// among normal user accounts and contacts only, and only when synced; groups synced from
    /// AD by their SID (`group_sids`), among groups only; other groups by their anchor.
    pub async fn member_index<'a>(
        &mut self,
        base_dn: &str,
        users: impl IntoIterator<Item = &'a UserAnchor>,
        group_ids: impl IntoIterator<Item = &'a str>,
        group_sids: impl IntoIterator<Item = &'a str>,
        external_id: bool,
    ) -> Result<MemberIndex, AdError> {
        let attrs = object_attributes(external_id);
        let mut index = MemberIndex::new();
        let mut seen = BTreeSet::new();
        for filter in lookup_filters(users, group_ids, group_sids, external_id) {
            for entry in self
                .search(base_dn, Scope::Subtree, &filter, &attrs)
                .await?
            {
                let object = ad_object(&entry)?;
                if seen.insert(object.object_guid.clone()) {
                    index.insert(object);
                }
            }
        }
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(dn: &str, sid: &str, guid: &[u8]) -> AdObject {
        AdObject {
            dn: dn.into(),
            object_guid: to_base64(guid),
            sid: Some(sid.into()),
            kind: ObjectKind::User,
            ..Default::default()
        }
    }

    /// A synced user as Graph reports it.
    fn synced(id: &str) -> UserAnchor {
        UserAnchor {
            id: id.into(),
            on_premises_sync_enabled: Some(true),
            ..Default::default()
        }
    }

    fn by_id(anchors: Vec<UserAnchor>) -> BTreeMap<String, UserAnchor> {
        anchors.into_iter().map(|u| (u.id.clone(), u)).collect()
    }

    fn member(id: &str, kind: MemberKind) -> Member {
        Member {
            id: id.into(),
            kind,
        }
    }

    /// No nested group synced from AD.
    fn no_sids() -> BTreeMap<String, String> {
        BTreeMap::new()
    }

    /// The mark of the tenant the tests write for.
    fn owner() -> OwnerMark {
        OwnerMark::for_tenant("contoso")
    }

    fn dn(r: Result<Resolved, SkipReason>) -> Result<String, SkipReason> {
        r.map(|r| r.dn)
    }

    #[test]
    fn users_resolve_by_sid_then_immutable_id_then_dn() {
        let mut index = MemberIndex::new();
        index.insert(user("CN=Ann,OU=U,DC=x", "S-1-5-21-1-2-3-1001", &[1; 16]));
        let mut bob = user("CN=Bob,OU=U,DC=x", "S-1-5-21-1-2-3-1002", &[2; 16]);
        bob.consistency_guid = Some(to_base64(&[9; 16]));
        index.insert(bob);
        index.insert(AdObject {
            dn: "CN=Team,OU=G,DC=x".into(),
            object_guid: to_base64(&[3; 16]),
            group_type: Some(-2147483640),
            anchor: Some("g1".into()),
            marks: vec![owner().value().to_owned()],
            ..Default::default()
        });
        let users = by_id(vec![
            UserAnchor {
                on_premises_security_identifier: Some("s-1-5-21-1-2-3-1001".into()),
                ..synced("u1")
            },
            UserAnchor {
                on_premises_immutable_id: Some(to_base64(&[9; 16])),
                ..synced("u2")
            },
            UserAnchor {
                on_premises_distinguished_name: Some("cn=ann, ou=u,dc=X".into()),
                ..synced("u3")
            },
            synced("u4"),
            UserAnchor {
                on_premises_immutable_id: Some(to_base64(&[7; 16])),
                ..synced("u5")
            },
        ]);
        let user_dn =
            |id| dn(index.resolve(&member(id, MemberKind::User), &users, &no_sids(), &owner()));
        assert_eq!(user_dn("u1"), Ok("CN=Ann,OU=U,DC=x".into()));
        assert_eq!(user_dn("u2"), Ok("CN=Bob,OU=U,DC=x".into()));
        assert_eq!(user_dn("u3"), Ok("CN=Ann,OU=U,DC=x".into()));
        assert_eq!(user_dn("u4"), Err(SkipReason::NoAnchors));
        assert_eq!(user_dn("u5"), Err(SkipReason::NoUserOrContact));
        assert_eq!(user_dn("nobody"), Err(SkipReason::UserNotRead));
        let team = index.resolve(
            &member("g1", MemberKind::Group),
            &users,
            &no_sids(),
            &owner(),
        );
        assert_eq!(team.unwrap().group_type, Some(-2147483640));
        assert_eq!(
            index.resolve(
                &member("g9", MemberKind::Group),
                &users,
                &no_sids(),
                &owner()
            ),
            Err(SkipReason::GroupNotFound)
        );
        assert_eq!(
            index.resolve(
                &member("g1", MemberKind::Device),
                &users,
                &no_sids(),
                &owner()
            ),
            Err(SkipReason::NotWrittenKind(MemberKind::Device))
        );
    }

    #[test]
    fn nested_groups_resolve_only_to_gwbs_unprotected_group() {
        let group = |dn: &str, guid: u8, marks: &[&str], protected| AdObject {
            dn: dn.into(),
            object_guid: to_base64(&[guid; 16]),
            group_type: Some(-2147483640),
            anchor: Some(format!("g{guid}")),
            marks: marks.iter().map(|m| (*m).to_owned()).collect(),
            protected,
            ..Default::default()
        };
        let ours = owner().value().to_owned();
        let mut index = MemberIndex::new();
        index.insert(group("CN=Ours,OU=G,DC=x", 1, &[&ours], false));
        index.insert(group("CN=CloudSync,OU=G,DC=x", 2, &[], false));
        index.insert(group(
            "CN=Other,OU=G,DC=x",
            3,
            &["gwb:tenant=fabrikam"],
            false,
        ));
        index.insert(group("CN=Admins,OU=G,DC=x", 4, &[&ours], true));
        // A hand-made copy of our group's anchor does not shadow ours, whichever comes first.
        let mut forged = group("CN=Forged,OU=G,DC=x", 1, &[], false);
        forged.object_guid = to_base64(&[9; 16]);
        index.insert(forged);
        let users = BTreeMap::new();
        let nested = |id: &str| {
            dn(index.resolve(&member(id, MemberKind::Group), &users, &no_sids(), &owner()))
        };
        assert_eq!(nested("g1"), Ok("CN=Ours,OU=G,DC=x".into()));
        assert_eq!(nested("g2"), Err(SkipReason::GroupNotOwned));
        assert_eq!(nested("g3"), Err(SkipReason::GroupNotOwned));
        assert_eq!(nested("g4"), Err(SkipReason::Protected));
        assert_eq!(nested("g5"), Err(SkipReason::GroupNotFound));
    }

    #[test]
    fn synced_groups_resolve_by_their_sid_only_to_unprotected_groups() {
        let mut index = MemberIndex::new();
        let object = |dn: &str, sid: &str, group_type, protected| AdObject {
            dn: dn.into(),
            object_guid: to_base64(&[sid.len() as u8; 16]),
            sid: Some(sid.into()),
            group_type,
            protected,
            ..Default::default()
        };
        let global = Some(-2147483646);
        index.insert(object(
            "CN=Sales,OU=G,DC=x",
            "S-1-5-21-1-2-3-2001",
            global,
            false,
        ));
        index.insert(object(
            "CN=DA,CN=Users,DC=x",
            "S-1-5-21-1-2-3-512",
            global,
            true,
        ));
        index.insert(object(
            "CN=Ann,OU=U,DC=x",
            "S-1-5-21-1-2-3-1001",
            None,
            false,
        ));
        let sids: BTreeMap<String, String> = [
            ("sales", "s-1-5-21-1-2-3-2001"),
            ("da", "S-1-5-21-1-2-3-512"),
            ("ann", "S-1-5-21-1-2-3-1001"),
            ("gone", "S-1-5-21-1-2-3-9999"),
        ]
        .into_iter()
        .map(|(id, sid)| (id.to_owned(), sid.to_owned()))
        .collect();
        let users = BTreeMap::new();
        let nested =
            |id: &str| dn(index.resolve(&member(id, MemberKind::Group), &users, &sids, &owner()));
        assert_eq!(nested("sales"), Ok("CN=Sales,OU=G,DC=x".into()));
        assert_eq!(nested("da"), Err(SkipReason::Protected));
        assert_eq!(nested("ann"), Err(SkipReason::NotAGroup));
        assert_eq!(nested("gone"), Err(SkipReason::SyncedGroupNotFound));
    }

    #[test]
    fn lookup_filters_find_synced_groups_by_sid_among_groups_only() {
        let filters = lookup_filters(
            std::iter::empty(),
            std::iter::empty(),
            ["S-1-5-21-1-2-3-2001", "not a sid"],
            false,
        );
        assert_eq!(
            filters,
            [concat!(
                "(&(objectClass=group)(|(objectSid=",
                "\\01\\05\\00\\00\\00\\00\\00\\05\\15\\00\\00\\00",
                "\\01\\00\\00\\00\\02\\00\\00\\00\\03\\00\\00\\00\\d1\\07\\00\\00)))"
            )]
        );
    }

    #[test]
    fn only_synced_users_resolve() {
        let mut index = MemberIndex::new();
        index.insert(user("CN=Ann,OU=U,DC=x", "S-1-5-21-1-2-3-1001", &[1; 16]));
        for sync in [None, Some(false)] {
            let forged = UserAnchor {
                id: "c".into(),
                on_premises_security_identifier: Some("S-1-5-21-1-2-3-1001".into()),
                on_premises_immutable_id: Some(to_base64(&[1; 16])),
                on_premises_distinguished_name: Some("CN=Ann,OU=U,DC=x".into()),
                on_premises_sync_enabled: sync,
                ..Default::default()
            };
            let users = by_id(vec![forged.clone()]);
            assert_eq!(
                dn(index.resolve(&member("c", MemberKind::User), &users, &no_sids(), &owner())),
                Err(SkipReason::CloudOnly),
                "{sync:?}"
            );
            assert!(
                lookup_filters([&forged], std::iter::empty(), std::iter::empty(), false).is_empty(),
                "a cloud-only user is not even looked up"
            );
        }
    }

    #[test]
    fn a_sid_and_an_immutable_id_must_name_the_same_object() {
        let mut index = MemberIndex::new();
        index.insert(user("CN=Ann,OU=U,DC=x", "S-1-5-21-1-2-3-1001", &[1; 16]));
        index.insert(user("CN=Bob,OU=U,DC=x", "S-1-5-21-1-2-3-1002", &[2; 16]));
        let with = |id: &str, sid: &str, guid: &[u8]| UserAnchor {
            on_premises_security_identifier: Some(sid.into()),
            on_premises_immutable_id: Some(to_base64(guid)),
            ..synced(id)
        };
        let users = by_id(vec![
            with("same", "S-1-5-21-1-2-3-1001", &[1; 16]),
            with("other", "S-1-5-21-1-2-3-1001", &[2; 16]),
            // A SID this domain does not hold: the immutableId decides.
            with("sid-unknown", "S-1-5-21-1-2-3-1999", &[2; 16]),
            // A custom source anchor is no GUID of ours: the SID decides.
            with("custom-anchor", "S-1-5-21-1-2-3-1002", &[8; 16]),
        ]);
        let user_dn =
            |id| dn(index.resolve(&member(id, MemberKind::User), &users, &no_sids(), &owner()));
        assert_eq!(user_dn("same"), Ok("CN=Ann,OU=U,DC=x".into()));
        assert_eq!(user_dn("other"), Err(SkipReason::AnchorsDisagree));
        assert_eq!(user_dn("sid-unknown"), Ok("CN=Bob,OU=U,DC=x".into()));
        assert_eq!(user_dn("custom-anchor"), Ok("CN=Bob,OU=U,DC=x".into()));
    }

    #[test]
    fn users_resolve_only_to_unprotected_users_and_contacts() {
        let mut index = MemberIndex::new();
        let objects = [
            ("CN=Contact,DC=x", ObjectKind::Contact, false, 1),
            ("CN=Administrator,DC=x", ObjectKind::User, true, 2),
            ("CN=Domain Admins,DC=x", ObjectKind::Other, true, 3),
            ("CN=PC,DC=x", ObjectKind::Other, false, 4),
        ];
        for (dn, kind, protected, guid) in objects {
            index.insert(AdObject {
                dn: dn.into(),
                object_guid: to_base64(&[guid; 16]),
                kind,
                protected,
                ..Default::default()
            });
        }
        let users = by_id(
            (1..=4)
                .map(|g| UserAnchor {
                    on_premises_immutable_id: Some(to_base64(&[g; 16])),
                    ..synced(&format!("u{g}"))
                })
                .collect(),
        );
        let user_dn =
            |id| dn(index.resolve(&member(id, MemberKind::User), &users, &no_sids(), &owner()));
        assert_eq!(user_dn("u1"), Ok("CN=Contact,DC=x".into()));
        assert_eq!(user_dn("u2"), Err(SkipReason::Protected));
        assert_eq!(user_dn("u3"), Err(SkipReason::NotUserOrContact));
        assert_eq!(user_dn("u4"), Err(SkipReason::NotUserOrContact));
    }

    #[test]
    fn object_kinds_follow_object_class_and_sam_account_type() {
        let person = ["top", "person", "organizationalPerson"];
        let with = |class: &'static str| {
            let mut v = person.to_vec();
            v.push(class);
            v
        };
        let user = with("user");
        assert_eq!(ObjectKind::of(&user, Some("805306368")), ObjectKind::User);
        assert_eq!(ObjectKind::of(&user, Some("805306370")), ObjectKind::Other);
        assert_eq!(ObjectKind::of(&user, None), ObjectKind::Other);
        let mut computer = user.clone();
        computer.push("computer");
        assert_eq!(
            ObjectKind::of(&computer, Some("805306368")),
            ObjectKind::Other
        );
        assert_eq!(ObjectKind::of(&with("contact"), None), ObjectKind::Contact);
        assert_eq!(ObjectKind::of(&["top", "group"], None), ObjectKind::Other);
    }

    #[test]
    fn the_dn_finds_only_users_that_have_neither_sid_nor_immutable_id() {
        // Graph still reports the DN a user had before she was deleted in AD; someone else sits
        // there now. With a SID or an immutableId the DN must not find that someone.
        let mut index = MemberIndex::new();
        index.insert(user("CN=Ann,OU=U,DC=x", "S-1-5-21-1-2-3-2002", &[2; 16]));
        let old_dn = || Some("CN=Ann,OU=U,DC=x".to_string());
        let users = by_id(vec![
            UserAnchor {
                on_premises_security_identifier: Some("S-1-5-21-1-2-3-1001".into()),
                on_premises_distinguished_name: old_dn(),
                ..synced("sid")
            },
            UserAnchor {
                on_premises_immutable_id: Some(to_base64(&[1; 16])),
                on_premises_distinguished_name: old_dn(),
                ..synced("guid")
            },
            UserAnchor {
                on_premises_distinguished_name: old_dn(),
                ..synced("dn")
            },
        ]);
        for (id, anchor) in &users {
            let dn_is_a_key = anchor.ad_lookup_keys().2.is_some();
            assert_eq!(dn_is_a_key, id == "dn");
            assert_eq!(
                index
                    .resolve(&member(id, MemberKind::User), &users, &no_sids(), &owner())
                    .is_ok(),
                dn_is_a_key,
                "{id}: resolved by DN exactly when ad_lookup_keys offers it"
            );
            let searched_by_dn =
                lookup_filters([anchor], std::iter::empty(), std::iter::empty(), false)
                    .iter()
                    .any(|t| t.contains("(distinguishedName="));
            assert_eq!(searched_by_dn, dn_is_a_key, "{id}: searched by DN");
        }
    }

    #[test]
    fn lookup_filters_escape_every_value_and_ask_for_users_and_contacts_only() {
        let with_ids = UserAnchor {
            on_premises_security_identifier: Some("S-1-5-21-1".into()),
            on_premises_immutable_id: Some(to_base64(&[0x2a, 0x28])),
            ..synced("u")
        };
        let dn_only = UserAnchor {
            on_premises_distinguished_name: Some("CN=a*(b),DC=x".into()),
            ..synced("v")
        };
        let filters = lookup_filters([&with_ids, &dn_only], ["id)(x=*"], std::iter::empty(), true);
        assert_eq!(
            filters,
            vec![
                "(&(|(sAMAccountType=805306368)(objectClass=contact))(|\
                 (distinguishedName=CN=a\\2a\\28b\\29,DC=x)\
                 (mS-DS-ConsistencyGuid=\\2a\\28)\
                 (objectGUID=\\2a\\28)\
                 (objectSid=\\01\\02\\00\\00\\00\\00\\00\\05\\15\\00\\00\\00\\01\\00\\00\\00)))",
                "(|(adminDescription=Group_id\\29\\28x=\\2a)\
                 (msDS-ExternalDirectoryObjectId=Group_id\\29\\28x=\\2a))",
            ]
        );
    }

    #[test]
    fn lookup_filters_hold_at_most_a_hundred_terms() {
        let users: Vec<UserAnchor> = (0..150)
            .map(|i| UserAnchor {
                on_premises_security_identifier: Some(format!("S-1-5-21-1-{i}")),
                ..synced(&format!("u{i}"))
            })
            .collect();
        let filters = lookup_filters(&users, std::iter::empty(), std::iter::empty(), false);
        let terms: Vec<usize> = filters
            .iter()
            .map(|f| f.matches("(objectSid=").count())
            .collect();
        assert_eq!(terms, vec![100, 50]);
        assert!(
            filters
                .iter()
                .all(|f| f.starts_with("(&(|(sAMAccountType=805306368)"))
        );
    }
}
