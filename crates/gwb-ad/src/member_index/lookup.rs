//! Finding members' AD objects with a few batched searches, not one per member.

use std::collections::BTreeSet;

use gwb_model::{UserAnchor, anchor_for};
use ldap3::Scope;

use super::MemberIndex;
use super::objects::{AdObject, ad_object, object_attributes};
use crate::discovery::EXTERNAL_ID_ATTRIBUTE;
use crate::escape::{escape_filter_bytes, escape_filter_value};
use crate::sid::{from_base64, sid_from_string};
use crate::{AdError, Directory};

/// Terms per OR filter of a batched lookup.
const TERMS_PER_SEARCH: usize = 100;

/// What a member user's AD object must be, as an LDAP condition: a normal user account or a
/// contact. [`super::ObjectKind`] checks the returned attributes again.
const USER_OR_CONTACT: &str = "(|(sAMAccountType=805306368)(objectClass=contact))";

/// The filters that find the AD objects of these users (users and contacts only) and
/// written-back groups, each an OR of at most [`TERMS_PER_SEARCH`] escaped terms.
pub(super) fn lookup_filters<'a>(
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
