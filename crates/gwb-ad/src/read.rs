//! Reads of the groups gwb owns: paged searches of the managed OUs and ranged `member` reads.

use std::collections::BTreeSet;

use gwb_model::{ANCHOR_PREFIX, Attributes, anchor_for, object_id_from_anchor};
use ldap3::{Scope, SearchEntry};

use crate::directory::{first_bytes, text_values};
use crate::discovery::{EXTERNAL_ID_ATTRIBUTE, guid_text};
use crate::escape::{escape_filter_value, normalize_dn};
use crate::owner::{OWNER_ATTRIBUTE, OwnerMark};
use crate::sid::to_base64;
use crate::written_record::Applied;
use crate::{AdError, Directory};

/// Where a group carries the `Group_<objectId>` anchor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct AnchorSources {
    /// In `adminDescription` (Entra Connect's place).
    pub admin_description: bool,
    /// In `msDS-ExternalDirectoryObjectId` (Cloud Sync's place).
    pub external_id: bool,
}

/// An anchored group as it is in AD now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CurrentGroup {
    /// Its DN, as AD spells it.
    pub dn: String,
    /// `objectGUID`, base64: the identity that survives renames.
    pub object_guid: String,
    /// The cloud object id from the anchor.
    pub object_id: String,
    /// Which attributes carry the anchor.
    pub anchors: AnchorSources,
    /// Its `extensionName` values, where gwb keeps its [`crate::OwnerMark`].
    pub marks: Vec<String>,
    /// `adminCount=1` or `isCriticalSystemObject=TRUE`: gwb never changes it.
    pub protected: bool,
    /// `sAMAccountName`.
    pub sam_account_name: Option<String>,
    /// The other attributes read (the managed ones).
    pub attributes: Attributes,
    /// All `member` DNs (every range read).
    pub members: Vec<String>,
}

/// The cloud object id an entry is anchored to and where it carries that anchor; `None`
/// without a `Group_` anchor. msDS-ExternalDirectoryObjectId wins over adminDescription: Cloud
/// Sync matches on it first, and so does gwb.
pub(crate) fn entry_anchor(entry: &SearchEntry) -> Option<(String, AnchorSources)> {
    let in_attribute = |name: &str| {
        text_values(entry, name)
            .into_iter()
            .find_map(object_id_from_anchor)
    };
    let admin = in_attribute("adminDescription");
    let external = in_attribute(EXTERNAL_ID_ATTRIBUTE);
    let object_id = external.or(admin)?;
    let sources = AnchorSources {
        admin_description: admin == Some(object_id),
        external_id: external.is_some(),
    };
    Some((object_id.to_owned(), sources))
}

/// The attributes that say AD protects an object: gwb never writes a member to it, nor
/// creates, modifies, moves or deletes it.
pub(crate) const PROTECTION_ATTRIBUTES: [&str; 2] = ["adminCount", "isCriticalSystemObject"];

/// True for an entry with `adminCount=1` (an account or group AD's SDProp guards: a member of
/// Domain Admins, Administrators, ... at any depth) or `isCriticalSystemObject=TRUE`.
pub(crate) fn is_protected(entry: &SearchEntry) -> bool {
    let first = |name| text_values(entry, name).first().copied();
    first("adminCount").is_some_and(|v| v.trim() == "1")
        || first("isCriticalSystemObject").is_some_and(|v| v.eq_ignore_ascii_case("TRUE"))
}

/// Attributes never treated as ordinary managed attributes.
const STRUCTURAL: [&str; 6] = [
    "member",
    "cn",
    "name",
    "objectClass",
    "sAMAccountName",
    "distinguishedName",
];

/// True for attribute names that reconcile handles itself (member, naming, class).
pub fn is_structural(name: &str) -> bool {
    STRUCTURAL.iter().any(|s| s.eq_ignore_ascii_case(name))
        || name.to_ascii_lowercase().starts_with("member;")
}

/// `name` when it is an lDAPDisplayName alone, the way AD names the attributes it returns;
/// an error for a numeric OID or a name with options, which would come back under another
/// name and so look absent.
fn plain_name(name: &str) -> Result<&str, AdError> {
    if name.contains(';') || name.starts_with(|c: char| c.is_ascii_digit()) {
        Err(AdError::AttributeName {
            name: name.to_owned(),
        })
    } else {
        Ok(name)
    }
}

/// How many `member` values one ranged read asks for: AD's MaxValRange default.
pub const MEMBER_RANGE: u64 = 1500;

/// The attribute request for the `member` values from `low` on, [`MEMBER_RANGE`] at a time.
pub(crate) fn range_request(low: u64) -> String {
    format!("member;range={low}-{}", low + MEMBER_RANGE - 1)
}

/// The `member;range=low-high` key of an entry and its bounds (`None` high = `*`, the end).
fn member_range(entry: &SearchEntry) -> Option<(String, u64, Option<u64>)> {
    entry.attrs.keys().find_map(|key| {
        let lower = key.to_ascii_lowercase();
        let range = lower.strip_prefix("member;range=")?;
        let (low, high) = range.split_once('-')?;
        let low = low.parse().ok()?;
        let high = if high == "*" {
            None
        } else {
            Some(high.parse().ok()?)
        };
        Some((key.clone(), low, high))
    })
}

/// Anchors per search when reading owned groups by object id (two filter terms each).
const IDS_PER_SEARCH: usize = 50;

/// The filter term matching a `Group_<id>` anchor value (or, with `*`, any anchor) in the
/// anchor attributes this schema has.
fn anchor_term(value: &str, external_id: bool) -> String {
    if external_id {
        format!("(adminDescription={value})({EXTERNAL_ID_ATTRIBUTE}={value})")
    } else {
        format!("(adminDescription={value})")
    }
}

/// Groups carrying any `Group_` anchor.
fn any_anchor_filter(external_id: bool) -> String {
    let any = format!("{}*", escape_filter_value(ANCHOR_PREFIX));
    group_filter(&anchor_term(&any, external_id))
}

/// `(&(objectClass=group)(|terms))`.
fn group_filter(terms: &str) -> String {
    format!("(&(objectClass=group)(|{terms}))")
}

impl Directory {
    /// Reads every group under `managed_ous` that carries a `Group_` anchor, with `attributes`
    /// (plus identity attributes) and all members.
    ///
    /// `external_id` says whether the schema has `msDS-ExternalDirectoryObjectId` (see
    /// [`Directory::discover`]). Searches are paged (≤ 1,000 entries a page); `member` is read
    /// in ranges, so groups with more than 1,500 members come back whole.
    pub async fn read_owned(
        &mut self,
        managed_ous: &[String],
        attributes: &[String],
        external_id: bool,
    ) -> Result<Vec<CurrentGroup>, AdError> {
        let filters = [any_anchor_filter(external_id)];
        self.read_matching(managed_ous, &filters, attributes, external_id)
            .await
    }

    /// Like [`Directory::read_owned`], but only the groups anchored to these cloud object ids
    /// (an incremental round reads just the groups that changed), in batched searches.
    pub async fn read_owned_ids(
        &mut self,
        managed_ous: &[String],
        object_ids: &BTreeSet<String>,
        attributes: &[String],
        external_id: bool,
    ) -> Result<Vec<CurrentGroup>, AdError> {
        let terms: Vec<String> = object_ids
            .iter()
            .map(|id| {
                let anchor = escape_filter_value(&anchor_for(id));
                anchor_term(&anchor, external_id)
            })
            .collect();
        let filters: Vec<String> = terms
            .chunks(IDS_PER_SEARCH)
            .map(|chunk| group_filter(&chunk.concat()))
            .collect();
        self.read_matching(managed_ous, &filters, attributes, external_id)
            .await
    }

    /// The objectGUID (`xxxxxxxx-xxxx-…`, lower case) of the object at `dn` when it carries
    /// the `Group_` anchor of `object_id`; `None` when nothing is there or another object is.
    /// An `Update-Recipient` line names a group by it, which no group name can change.
    pub async fn anchored_guid(
        &mut self,
        dn: &str,
        object_id: &str,
    ) -> Result<Option<String>, AdError> {
        let entry = self
            .read_entry(
                dn,
                &["objectGUID", "adminDescription", EXTERNAL_ID_ATTRIBUTE],
            )
            .await?;
        Ok(entry
            .filter(|e| entry_anchor(e).is_some_and(|(id, _)| id == object_id))
            .and_then(|e| first_bytes(&e, "objectGUID"))
            .and_then(|bytes| guid_text(&bytes)))
    }

    /// How many groups under `managed_ous` are gwb's (a `Group_` anchor and `owner`'s mark):
    /// a search that returns DNs only, for the delete guard of an incremental round.
    pub async fn count_owned(
        &mut self,
        managed_ous: &[String],
        external_id: bool,
        owner: &OwnerMark,
    ) -> Result<usize, AdError> {
        let mark = escape_filter_value(owner.value());
        let filter = format!(
            "(&{}({OWNER_ATTRIBUTE}={mark}))",
            any_anchor_filter(external_id)
        );
        let mut dns = BTreeSet::new();
        for ou in managed_ous {
            for entry in self.search(ou, Scope::Subtree, &filter, &["1.1"]).await? {
                dns.insert(normalize_dn(&entry.dn));
            }
        }
        Ok(dns.len())
    }

    /// The anchored groups under `managed_ous` matching any of `filters`, sorted by object id,
    /// each once even when managed OUs nest.
    async fn read_matching(
        &mut self,
        managed_ous: &[String],
        filters: &[String],
        attributes: &[String],
        external_id: bool,
    ) -> Result<Vec<CurrentGroup>, AdError> {
        let mut attrs: Vec<&str> = vec![
            "objectGUID",
            "sAMAccountName",
            "adminDescription",
            OWNER_ATTRIBUTE,
        ];
        attrs.extend(PROTECTION_ATTRIBUTES);
        let first_range = range_request(0);
        attrs.push(&first_range);
        if external_id {
            attrs.push(EXTERNAL_ID_ATTRIBUTE);
        }
        for a in attributes {
            if !is_structural(a) && !attrs.iter().any(|x| x.eq_ignore_ascii_case(a)) {
                attrs.push(plain_name(a)?);
            }
        }
        let mut groups = Vec::new();
        for ou in managed_ous {
            for filter in filters {
                for entry in self.search(ou, Scope::Subtree, filter, &attrs).await? {
                    if let Some(group) = self.current_group(entry, &attrs).await? {
                        groups.push(group);
                    }
                }
            }
        }
        groups.sort_by(|a, b| a.object_id.cmp(&b.object_id).then(a.dn.cmp(&b.dn)));
        groups.dedup_by(|a, b| a.object_guid == b.object_guid);
        Ok(groups)
    }

    async fn current_group(
        &mut self,
        entry: SearchEntry,
        attrs: &[&str],
    ) -> Result<Option<CurrentGroup>, AdError> {
        let Some((object_id, anchors)) = entry_anchor(&entry) else {
            return Ok(None);
        };
        let guid = first_bytes(&entry, "objectGUID").ok_or_else(|| AdError::Data {
            dn: entry.dn.clone(),
            reason: "objectGUID was not returned".into(),
        })?;
        let mut attributes = Attributes::new();
        let identity = ["objectGUID", OWNER_ATTRIBUTE]
            .into_iter()
            .chain(PROTECTION_ATTRIBUTES);
        for name in attrs {
            if is_structural(name) || identity.clone().any(|i| i.eq_ignore_ascii_case(name)) {
                continue;
            }
            let values: Vec<String> = text_values(&entry, name)
                .into_iter()
                .map(str::to_owned)
                .collect();
            attributes.set(name, values);
        }
        let marks: Vec<String> = text_values(&entry, OWNER_ATTRIBUTE)
            .into_iter()
            .map(str::to_owned)
            .collect();
        self.read_recorded(&entry.dn, &marks, attrs, &mut attributes)
            .await?;
        let members = self.all_members(&entry).await?;
        Ok(Some(CurrentGroup {
            anchors,
            marks,
            protected: is_protected(&entry),
            sam_account_name: text_values(&entry, "sAMAccountName")
                .first()
                .map(|s| (*s).to_owned()),
            object_guid: to_base64(&guid),
            object_id,
            dn: entry.dn.clone(),
            attributes,
            members,
        }))
    }

    /// Reads the attributes gwb's record on the group at `dn` names but the search did not ask
    /// for (`asked`): values gwb wrote that no desired group sets any more, which only a read
    /// shows are still there to remove. A record entry that names no plain attribute is
    /// ignored.
    async fn read_recorded(
        &mut self,
        dn: &str,
        marks: &[String],
        asked: &[&str],
        attributes: &mut Attributes,
    ) -> Result<(), AdError> {
        let applied = Applied::from_marks(marks);
        let missing: Vec<&str> = applied
            .attributes()
            .iter()
            .map(String::as_str)
            .filter(|a| plain_name(a).is_ok() && !is_structural(a))
            .filter(|a| !asked.iter().any(|x| x.eq_ignore_ascii_case(a)))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let Some(entry) = self.read_entry(dn, &missing).await? else {
            return Ok(());
        };
        for name in missing {
            let values = text_values(&entry, name)
                .into_iter()
                .map(str::to_owned)
                .collect();
            attributes.set(name, values);
        }
        Ok(())
    }

    /// All `member` values of an entry, reading further ranges while AD says there are more.
    pub(crate) async fn all_members(
        &mut self,
        entry: &SearchEntry,
    ) -> Result<Vec<String>, AdError> {
        let Some((key, _, mut high)) = member_range(entry) else {
            // No ranged answer: either no members or a server that ignores ranges.
            return Ok(text_values(entry, "member")
                .into_iter()
                .map(str::to_owned)
                .collect());
        };
        let mut members: Vec<String> = entry.attrs.get(&key).cloned().unwrap_or_default();
        while let Some(end) = high {
            let request = range_request(end + 1);
            let next = self
                .read_entry(&entry.dn, &[request.as_str()])
                .await?
                .ok_or_else(|| AdError::Data {
                    dn: entry.dn.clone(),
                    reason: "the group disappeared while its members were read".into(),
                })?;
            let Some((key, low, next_high)) = member_range(&next) else {
                break;
            };
            if low != end + 1 {
                return Err(AdError::Data {
                    dn: entry.dn.clone(),
                    reason: format!("asked for member range {} but got {key}", end + 1),
                });
            }
            members.extend(next.attrs.get(&key).cloned().unwrap_or_default());
            high = next_high;
        }
        Ok(members)
    }
}

#[cfg(test)]
#[expect(
    clippy::disallowed_types,
    reason = "ldap3's SearchEntry holds its attributes in HashMaps; the tests only build entries"
)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn the_external_id_anchor_wins_over_admin_description() {
        let entry = |values: &[(&str, &str)]| SearchEntry {
            dn: "CN=g".into(),
            attrs: values
                .iter()
                .map(|(k, v)| ((*k).to_string(), vec![(*v).to_string()]))
                .collect(),
            bin_attrs: HashMap::new(),
        };
        let sources = |admin_description, external_id| AnchorSources {
            admin_description,
            external_id,
        };
        let both = entry(&[
            ("adminDescription", "Group_a"),
            (EXTERNAL_ID_ATTRIBUTE, "Group_a"),
        ]);
        assert_eq!(entry_anchor(&both), Some(("a".into(), sources(true, true))));
        let differ = entry(&[
            ("adminDescription", "Group_a"),
            (EXTERNAL_ID_ATTRIBUTE, "Group_b"),
        ]);
        assert_eq!(
            entry_anchor(&differ),
            Some(("b".into(), sources(false, true)))
        );
        let admin = entry(&[("ADMINDESCRIPTION", "Group_a")]);
        assert_eq!(
            entry_anchor(&admin),
            Some(("a".into(), sources(true, false)))
        );
        assert_eq!(entry_anchor(&entry(&[("adminDescription", "notes")])), None);
        assert_eq!(entry_anchor(&entry(&[])), None);
    }

    #[test]
    fn member_ranges_parse() {
        let mut attrs = HashMap::new();
        attrs.insert("member;range=0-1499".to_string(), vec!["CN=a".to_string()]);
        let entry = SearchEntry {
            dn: "CN=g".into(),
            attrs,
            bin_attrs: HashMap::new(),
        };
        assert_eq!(
            member_range(&entry),
            Some(("member;range=0-1499".to_string(), 0, Some(1499)))
        );
        let mut attrs = HashMap::new();
        attrs.insert("member;range=1500-*".to_string(), vec![]);
        let entry = SearchEntry {
            dn: "CN=g".into(),
            attrs,
            bin_attrs: HashMap::new(),
        };
        assert_eq!(member_range(&entry).unwrap().2, None);
        assert!(is_structural("Member;range=0-*"));
        assert!(is_structural("member;binary"));
        assert!(is_structural("sAMAccountName"));
        assert!(!is_structural("description"));
    }

    #[test]
    fn reads_ask_for_attributes_by_name_only() {
        assert_eq!(plain_name("description").ok(), Some("description"));
        assert_eq!(
            plain_name("extensionAttribute1").ok(),
            Some("extensionAttribute1")
        );
        for refused in ["2.5.4.13", "description;lang-en", "adminDescription;binary"] {
            assert_eq!(
                plain_name(refused).map_err(|e| e.to_string()),
                Err(format!(
                    "will not read `{refused}`: attributes are read by lDAPDisplayName, \
                     without options (the rule pipeline names every attribute so)"
                ))
            );
        }
    }
}
