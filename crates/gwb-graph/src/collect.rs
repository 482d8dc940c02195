//! Accumulates delta pages into per-object results: merges a group seen on several pages,
//! keeps member changes in order, and tolerates replayed items.

use std::collections::BTreeMap;

use gwb_model::{CloudGroup, Member, MemberKind, UserAnchor};
use serde_json::Value;

use crate::wire::{self, WireError};

/// What a round said about one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GroupEntry {
    /// Live: its properties and member changes in arrival order (`true` = added).
    Live {
        /// Properties (members empty).
        group: Box<CloudGroup>,
        /// Member changes in order.
        ops: Vec<(Member, bool)>,
    },
    /// Removed: hard (`deleted`) or soft (`changed`).
    Removed {
        /// Gone for good.
        hard: bool,
    },
}

/// The groups of one round, by id.
#[derive(Debug, Default)]
pub(crate) struct GroupCollector {
    /// Entries by group id.
    pub entries: BTreeMap<String, GroupEntry>,
    /// Member changes seen (replays included).
    pub member_changes: u64,
}

impl GroupCollector {
    /// Adds one page's items.
    pub(crate) fn add_page(&mut self, items: &[Value]) -> Result<(), WireError> {
        for item in items {
            let obj = item
                .as_object()
                .ok_or(WireError::NotAnObject { what: "group" })?;
            // A later fragment of a group already seen merges into it (same id, same round).
            if let Some(Value::String(id)) = obj.get("id")
                && !obj.contains_key("@removed")
                && let Some(GroupEntry::Live { group, ops }) = self.entries.get_mut(id)
            {
                let (mut added, mut removed) = (Vec::new(), Vec::new());
                wire::apply_group_object(group, obj, &mut added, &mut removed)?;
                self.member_changes += (added.len() + removed.len()) as u64;
                ops.extend(added.into_iter().map(|m| (m, true)));
                ops.extend(removed.into_iter().map(|m| (m, false)));
                continue;
            }
            match wire::parse_group_item(item)? {
                wire::GroupItem::Group {
                    group,
                    members_added,
                    members_removed,
                } => {
                    self.member_changes += (members_added.len() + members_removed.len()) as u64;
                    let ops = members_added
                        .into_iter()
                        .map(|m| (m, true))
                        .chain(members_removed.into_iter().map(|m| (m, false)))
                        .collect();
                    self.entries.insert(
                        group.id.clone(),
                        GroupEntry::Live {
                            group: Box::new(group),
                            ops,
                        },
                    );
                }
                wire::GroupItem::Removed(delete) => {
                    self.entries
                        .insert(delete.id, GroupEntry::Removed { hard: delete.hard });
                }
            }
        }
        Ok(())
    }
}

/// Applies member changes in order onto a member map (adds and removes are idempotent).
pub(crate) fn apply_ops(members: &mut BTreeMap<String, MemberKind>, ops: &[(Member, bool)]) {
    for (member, added) in ops {
        if *added {
            members.insert(member.id.clone(), member.kind);
        } else {
            members.remove(&member.id);
        }
    }
}

/// Applies one users page as changes over the known anchors (`known` is empty on a full
/// read): present properties overwrite, absent ones keep their known value, removed users map
/// to `None`. Returns the number of items.
pub(crate) fn add_users_page(
    changes: &mut BTreeMap<String, Option<UserAnchor>>,
    known: &BTreeMap<String, UserAnchor>,
    items: &[Value],
) -> Result<u64, WireError> {
    for item in items {
        let obj = item
            .as_object()
            .ok_or(WireError::NotAnObject { what: "user" })?;
        match wire::parse_user_item(item)? {
            wire::UserItem::Removed { id } => {
                changes.insert(id, None);
            }
            wire::UserItem::User(anchor) => {
                let before = match changes.get(&anchor.id) {
                    Some(seen) => seen.clone(),
                    None => known.get(&anchor.id).cloned(),
                };
                let merged = match before {
                    Some(mut before) => {
                        wire::apply_user_object(&mut before, obj)?;
                        before
                    }
                    None => anchor,
                };
                changes.insert(merged.id.clone(), Some(merged));
            }
        }
    }
    Ok(items.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fragments_merge_and_replays_are_harmless() {
        let mut c = GroupCollector::default();
        let page1 = [json!({"id": "g", "displayName": "Big", "members@delta": [{"id": "u1"}]})];
        let page2 = [
            json!({"id": "g", "members@delta": [{"id": "u2"}, {"id": "u1", "@removed": {}}]}),
            json!({"id": "h", "@removed": {"reason": "deleted"}}),
        ];
        c.add_page(&page1).unwrap();
        c.add_page(&page2).unwrap();
        c.add_page(&page2).unwrap();
        let GroupEntry::Live { group, ops } = &c.entries["g"] else {
            panic!("g should be live");
        };
        assert_eq!(group.display_name.as_deref(), Some("Big"));
        let mut members = BTreeMap::new();
        apply_ops(&mut members, ops);
        assert_eq!(members.keys().collect::<Vec<_>>(), ["u2"]);
        assert_eq!(c.entries["h"], GroupEntry::Removed { hard: true });
    }
}
