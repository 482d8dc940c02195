//! The member-resolution index: cloud members → AD DNs, built with a few batched searches.

use std::collections::{BTreeMap, BTreeSet};

use gwb_model::{Member, MemberKind, UserAnchor, anchor_for};
use ldap3::{Scope, SearchEntry};

use crate::directory::{first_bytes, text_values};
use crate::discovery::EXTERNAL_ID_ATTRIBUTE;
use crate::escape::{escape_filter_bytes, escape_filter_value, normalize_dn};
use crate::read::entry_anchor;
use crate::sid::{from_base64, sid_from_string, sid_to_string, to_base64};
use crate::{AdError, Directory};

/// Terms per OR filter of a batched lookup.
const TERMS_PER_SEARCH: usize = 100;

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
    ];
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
    Ok(AdObject {
        dn: entry.dn.clone(),
        object_guid: to_base64(&guid),
        sid: first_bytes(entry, "objectSid").and_then(|b| sid_to_string(&b)),
        consistency_guid: first_bytes(entry, "mS-DS-ConsistencyGuid").map(|b| to_base64(&b)),
        group_type: text_values(entry, "groupType")
            .first()
            .and_then(|v| v.parse().ok()),
        sam_account_name: text_values(entry, "sAMAccountName")
            .first()
            .map(|s| (*s).to_owned()),
        anchors: anchors.unwrap_or_default(),
        anchor,
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

/// AD objects keyed by every identity a cloud member may point at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberIndex {
    objects: Vec<AdObject>,
    by_sid: BTreeMap<String, usize>,
    by_guid: BTreeMap<String, usize>,
    by_dn: BTreeMap<String, usize>,
    groups_by_object_id: BTreeMap<String, usize>,
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
            self.groups_by_object_id.insert(id.clone(), i);
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

    /// The AD object of a cloud member: users by their [`UserAnchor::ad_lookup_keys`] (SID,
    /// then immutableId as objectGUID or ms-DS-ConsistencyGuid, and the DN only for a user with
    /// neither); groups by their `Group_` anchor. `None` when the member has no AD object
    /// (cloud-only users, devices, service principals, ...).
    pub fn resolve(
        &self,
        member: &Member,
        users: &BTreeMap<String, UserAnchor>,
    ) -> Option<Resolved> {
        let i = match member.kind {
            MemberKind::User => {
                let (sid, immutable_id, dn) = users.get(&member.id)?.ad_lookup_keys();
                sid.and_then(|s| self.by_sid.get(&s.to_ascii_uppercase()))
                    .or_else(|| {
                        immutable_id
                            .and_then(guid_key)
                            .and_then(|k| self.by_guid.get(&k))
                    })
                    .or_else(|| dn.and_then(|dn| self.by_dn.get(&normalize_dn(dn))))?
            }
            MemberKind::Group => self.groups_by_object_id.get(&member.id)?,
            _ => return None,
        };
        let object = &self.objects[*i];
        Some(Resolved {
            dn: object.dn.clone(),
            group_type: object.group_type,
        })
    }
}

/// OR-filter terms that find the AD objects of these users and written-back groups.
fn lookup_terms<'a>(
    users: impl IntoIterator<Item = &'a UserAnchor>,
    group_ids: impl IntoIterator<Item = &'a str>,
    external_id: bool,
) -> Vec<String> {
    let mut terms = BTreeSet::new();
    for user in users {
        let (sid, immutable_id, dn) = user.ad_lookup_keys();
        if let Some(sid) = sid.and_then(sid_from_string) {
            terms.insert(format!("(objectSid={})", escape_filter_bytes(&sid)));
        }
        if let Some(bytes) = immutable_id.and_then(from_base64) {
            let v = escape_filter_bytes(&bytes);
            terms.insert(format!("(objectGUID={v})"));
            terms.insert(format!("(mS-DS-ConsistencyGuid={v})"));
        }
        if let Some(dn) = dn {
            terms.insert(format!("(distinguishedName={})", escape_filter_value(dn)));
        }
    }
    for id in group_ids {
        let anchor = escape_filter_value(&anchor_for(id));
        terms.insert(format!("(adminDescription={anchor})"));
        if external_id {
            terms.insert(format!("({EXTERNAL_ID_ATTRIBUTE}={anchor})"));
        }
    }
    terms.into_iter().collect()
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
    /// `base_dn` (one search per 100 identities, not one per member).
    pub async fn member_index<'a>(
        &mut self,
        base_dn: &str,
        users: impl IntoIterator<Item = &'a UserAnchor>,
        group_ids: impl IntoIterator<Item = &'a str>,
        external_id: bool,
    ) -> Result<MemberIndex, AdError> {
        let terms = lookup_terms(users, group_ids, external_id);
        let attrs = object_attributes(external_id);
        let mut index = MemberIndex::new();
        let mut seen = BTreeSet::new();
        for chunk in terms.chunks(TERMS_PER_SEARCH) {
            let filter = format!("(|{})", chunk.concat());
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
            ..Default::default()
        }
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
            ..Default::default()
        });
        let mut users = BTreeMap::new();
        let anchor = |id: &str| UserAnchor {
            id: id.into(),
            ..Default::default()
        };
        users.insert(
            "u1".to_string(),
            UserAnchor {
                on_premises_security_identifier: Some("s-1-5-21-1-2-3-1001".into()),
                ..anchor("u1")
            },
        );
        users.insert(
            "u2".to_string(),
            UserAnchor {
                on_premises_immutable_id: Some(to_base64(&[9; 16])),
                ..anchor("u2")
            },
        );
        users.insert(
            "u3".to_string(),
            UserAnchor {
                on_premises_distinguished_name: Some("cn=ann, ou=u,dc=X".into()),
                ..anchor("u3")
            },
        );
        users.insert("u4".to_string(), anchor("u4"));
        let m = |id: &str, kind| Member {
            id: id.into(),
            kind,
        };
        let dn = |r: Option<Resolved>| r.map(|r| r.dn);
        assert_eq!(
            dn(index.resolve(&m("u1", MemberKind::User), &users)).unwrap(),
            "CN=Ann,OU=U,DC=x"
        );
        assert_eq!(
            dn(index.resolve(&m("u2", MemberKind::User), &users)).unwrap(),
            "CN=Bob,OU=U,DC=x"
        );
        assert_eq!(
            dn(index.resolve(&m("u3", MemberKind::User), &users)).unwrap(),
            "CN=Ann,OU=U,DC=x"
        );
        assert_eq!(index.resolve(&m("u4", MemberKind::User), &users), None);
        assert_eq!(index.resolve(&m("nobody", MemberKind::User), &users), None);
        let team = index.resolve(&m("g1", MemberKind::Group), &users).unwrap();
        assert_eq!(team.group_type, Some(-2147483640));
        assert_eq!(index.resolve(&m("g1", MemberKind::Device), &users), None);
    }

    #[test]
    fn the_dn_finds_only_users_that_have_neither_sid_nor_immutable_id() {
        // Graph still reports the DN a user had before she was deleted in AD; someone else sits
        // there now. With a SID or an immutableId the DN must not find that someone.
        let mut index = MemberIndex::new();
        index.insert(user("CN=Ann,OU=U,DC=x", "S-1-5-21-1-2-3-2002", &[2; 16]));
        let old_dn = || Some("CN=Ann,OU=U,DC=x".to_string());
        let users: BTreeMap<String, UserAnchor> = [
            UserAnchor {
                id: "sid".into(),
                on_premises_security_identifier: Some("S-1-5-21-1-2-3-1001".into()),
                on_premises_distinguished_name: old_dn(),
                ..Default::default()
            },
            UserAnchor {
                id: "guid".into(),
                on_premises_immutable_id: Some(to_base64(&[1; 16])),
                on_premises_distinguished_name: old_dn(),
                ..Default::default()
            },
            UserAnchor {
                id: "dn".into(),
                on_premises_distinguished_name: old_dn(),
                ..Default::default()
            },
        ]
        .into_iter()
        .map(|u| (u.id.clone(), u))
        .collect();
        for (id, anchor) in &users {
            let member = Member {
                id: id.clone(),
                kind: MemberKind::User,
            };
            let dn_is_a_key = anchor.ad_lookup_keys().2.is_some();
            assert_eq!(dn_is_a_key, id == "dn");
            assert_eq!(
                index.resolve(&member, &users).is_some(),
                dn_is_a_key,
                "{id}: resolved by DN exactly when ad_lookup_keys offers it"
            );
            let searched_by_dn = lookup_terms([anchor], std::iter::empty(), false)
                .iter()
                .any(|t| t.starts_with("(distinguishedName="));
            assert_eq!(searched_by_dn, dn_is_a_key, "{id}: searched by DN");
        }
    }

    #[test]
    fn lookup_terms_escape_every_value() {
        let with_ids = UserAnchor {
            id: "u".into(),
            on_premises_security_identifier: Some("S-1-5-21-1".into()),
            on_premises_immutable_id: Some(to_base64(&[0x2a, 0x28])),
            ..Default::default()
        };
        let dn_only = UserAnchor {
            id: "v".into(),
            on_premises_distinguished_name: Some("CN=a*(b),DC=x".into()),
            ..Default::default()
        };
        let terms = lookup_terms([&with_ids, &dn_only], ["id)(x=*"], true);
        assert_eq!(
            terms,
            vec![
                "(adminDescription=Group_id\\29\\28x=\\2a)",
                "(distinguishedName=CN=a\\2a\\28b\\29,DC=x)",
                "(mS-DS-ConsistencyGuid=\\2a\\28)",
                "(msDS-ExternalDirectoryObjectId=Group_id\\29\\28x=\\2a)",
                "(objectGUID=\\2a\\28)",
                "(objectSid=\\01\\02\\00\\00\\00\\00\\00\\05\\15\\00\\00\\00\\01\\00\\00\\00)",
            ]
        );
    }
}
