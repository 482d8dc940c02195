//! Computes the items of a delta round (full, or the changes since a sequence number) in Graph's shape.

use std::collections::{BTreeMap, BTreeSet};

use gwb_model::MemberKind;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::tenant::{ChangeKind, GroupRecord, Target, Tenant};

/// The collection a round reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Resource {
    /// `/groups/delta`.
    Groups,
    /// `/users/delta`.
    Users,
}

impl Resource {
    /// The path segment after the API version (`groups`, `users`).
    pub(crate) fn segment(self) -> &'static str {
        match self {
            Self::Groups => "groups",
            Self::Users => "users",
        }
    }
}

/// The properties a request selected (`$select`); `None` means Graph's defaults (all here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Selection {
    /// Selected property names, `members` included when asked for.
    pub props: Option<BTreeSet<String>>,
}

impl Selection {
    /// Parses `$select=a,b,c`.
    pub(crate) fn parse(select: Option<&str>) -> Self {
        Self {
            props: select.map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect()
            }),
        }
    }

    /// True when a property was selected (or everything was).
    pub(crate) fn wants(&self, prop: &str) -> bool {
        self.props.as_ref().is_none_or(|set| set.contains(prop))
    }

    /// The selected properties of an object, `id` first; selected but unset ones are `null`.
    /// `writebackConfiguration` only exists on beta.
    pub(crate) fn project(
        &self,
        id: &str,
        props: &Map<String, Value>,
        beta: bool,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        out.insert("id".into(), Value::String(id.to_owned()));
        let visible = |key: &str| beta || key != "writebackConfiguration";
        match &self.props {
            None => {
                for (key, value) in props {
                    if visible(key) {
                        out.insert(key.clone(), value.clone());
                    }
                }
            }
            Some(set) => {
                for key in set {
                    if key == "id" || key == "members" || !visible(key) {
                        continue;
                    }
                    out.insert(key.clone(), props.get(key).cloned().unwrap_or(Value::Null));
                }
            }
        }
        out
    }
}

/// Graph's `@odata.type` for a member kind.
pub(crate) fn odata_type(kind: MemberKind) -> &'static str {
    match kind {
        MemberKind::User => "#microsoft.graph.user",
        MemberKind::Group => "#microsoft.graph.group",
        MemberKind::Device => "#microsoft.graph.device",
        MemberKind::OrgContact => "#microsoft.graph.orgContact",
        MemberKind::ServicePrincipal => "#microsoft.graph.servicePrincipal",
        MemberKind::Other => "#microsoft.graph.directoryObject",
    }
}

/// A `members@delta` entry.
fn member_ref(id: &str, kind: MemberKind, removed: bool) -> Value {
    if removed {
        json!({"@odata.type": odata_type(kind), "id": id, "@removed": {"reason": "deleted"}})
    } else {
        json!({"@odata.type": odata_type(kind), "id": id})
    }
}

/// A removed object.
fn removed(id: &str, hard: bool) -> Value {
    let reason = if hard { "deleted" } else { "changed" };
    json!({"id": id, "@removed": {"reason": reason}})
}

/// The items of a groups delta round: every live group (`since = None`) or the groups changed
/// after `since`. A group with more than `members_per_item` member changes is split into
/// several items; the later ones carry only `id` and `members@delta`.
pub(crate) fn group_items(
    tenant: &Tenant,
    since: Option<u64>,
    selection: &Selection,
    members_per_item: usize,
) -> Vec<Value> {
    let mut items = Vec::new();
    let with_members = selection.wants("members");
    let push_group = |items: &mut Vec<Value>, id: &str, record: &GroupRecord, refs: Vec<Value>| {
        let mut first = selection.project(id, &record.props, false);
        let mut chunks = refs.chunks(members_per_item.max(1));
        if let Some(chunk) = chunks.next() {
            first.insert("members@delta".into(), Value::Array(chunk.to_vec()));
        }
        items.push(Value::Object(first));
        for chunk in chunks {
            items.push(json!({"id": id, "members@delta": chunk}));
        }
    };
    let all_members = |record: &GroupRecord| -> Vec<Value> {
        if !with_members {
            return Vec::new();
        }
        record
            .members
            .iter()
            .map(|(id, kind)| member_ref(id, *kind, false))
            .collect()
    };
    let Some(since) = since else {
        for (id, record) in tenant.groups.iter().filter(|(_, g)| !g.soft_deleted) {
            push_group(&mut items, id, record, all_members(record));
        }
        return items;
    };
    for (target, events) in changes_since(tenant, since) {
        let Target::Group(id) = target else { continue };
        match tenant.groups.get(&id) {
            None => items.push(removed(&id, true)),
            Some(record) if record.soft_deleted => items.push(removed(&id, false)),
            Some(record) => {
                let refs = if !live_at_start(&events) {
                    all_members(record)
                } else if with_members {
                    net_member_changes(record, &events)
                } else {
                    Vec::new()
                };
                push_group(&mut items, &id, record, refs);
            }
        }
    }
    items
}

/// The items of a users delta round: every live user, or the users changed after `since`.
pub(crate) fn user_items(tenant: &Tenant, since: Option<u64>, selection: &Selection) -> Vec<Value> {
    let Some(since) = since else {
        return tenant
            .users
            .iter()
            .filter(|(_, u)| !u.soft_deleted)
            .map(|(id, u)| Value::Object(selection.project(id, &u.props, false)))
            .collect();
    };
    changes_since(tenant, since)
        .into_keys()
        .filter_map(|target| match target {
            Target::User(id) => Some(match tenant.users.get(&id) {
                None => removed(&id, true),
                Some(u) if u.soft_deleted => removed(&id, false),
                Some(u) => Value::Object(selection.project(&id, &u.props, false)),
            }),
            Target::Group(_) => None,
        })
        .collect()
}

/// The log entries after `since`, grouped by object (sorted by object, in log order within).
fn changes_since(tenant: &Tenant, since: u64) -> BTreeMap<Target, Vec<&ChangeKind>> {
    let start = tenant.log.partition_point(|c| c.seq <= since);
    let mut by_target: BTreeMap<Target, Vec<&ChangeKind>> = BTreeMap::new();
    for change in &tenant.log[start..] {
        by_target
            .entry(change.target.clone())
            .or_default()
            .push(&change.kind);
    }
    by_target
}

/// Whether the object was live when the window started, from its first lifecycle event.
fn live_at_start(events: &[&ChangeKind]) -> bool {
    events
        .iter()
        .find_map(|e| match e {
            ChangeKind::Created | ChangeKind::Restored => Some(false),
            ChangeKind::SoftDeleted | ChangeKind::HardDeleted => Some(true),
            _ => None,
        })
        .unwrap_or(true)
}

/// The member adds and removals that differ between the window's start and now.
fn net_member_changes(record: &GroupRecord, events: &[&ChangeKind]) -> Vec<Value> {
    // The first event about a member tells whether it was a member at the start.
    let mut touched: BTreeMap<&str, (bool, MemberKind)> = BTreeMap::new();
    for event in events {
        let (id, kind, was) = match event {
            ChangeKind::MemberAdded(id, kind) => (id, *kind, false),
            ChangeKind::MemberRemoved(id, kind) => (id, *kind, true),
            _ => continue,
        };
        touched.entry(id.as_str()).or_insert((was, kind));
    }
    touched
        .into_iter()
        .filter_map(|(id, (was, kind))| {
            let now = record.members.contains_key(id);
            (was != now).then(|| member_ref(id, kind, was))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant() -> Tenant {
        Tenant::from_json(
            &json!({
                "tenantId": "t",
                "users": [{"id": "u1", "userPrincipalName": "a@x"}, {"id": "u2"}, {"id": "u3"}],
                "groups": [{"id": "g1", "displayName": "One", "members": ["u1", "u2", "u3"]}]
            })
            .to_string(),
        )
        .unwrap()
    }

    #[test]
    fn full_round_splits_members_over_items() {
        let t = tenant();
        let sel = Selection::parse(Some("displayName,members"));
        let items = group_items(&t, None, &sel, 2);
        assert_eq!(
            items,
            vec![
                json!({"id": "g1", "displayName": "One", "members@delta": [
                    {"@odata.type": "#microsoft.graph.user", "id": "u1"},
                    {"@odata.type": "#microsoft.graph.user", "id": "u2"}]}),
                json!({"id": "g1", "members@delta": [
                    {"@odata.type": "#microsoft.graph.user", "id": "u3"}]}),
            ]
        );
    }

    #[test]
    fn incremental_round_has_only_net_member_changes_and_removals() {
        let mut t = tenant();
        let since = t.seq();
        t.remove_member("g1", "u1").unwrap();
        t.remove_member("g1", "u2").unwrap();
        t.add_member("g1", "u2").unwrap();
        t.create_group(json!({"id": "g2", "displayName": "Two"}))
            .unwrap();
        t.add_member("g2", "g1").unwrap();
        t.create_group(json!({"id": "g3"})).unwrap();
        t.hard_delete_group("g3").unwrap();
        let sel = Selection::parse(Some("displayName,description,members"));
        let items = group_items(&t, Some(since), &sel, 100);
        assert_eq!(
            items,
            vec![
                json!({"id": "g1", "displayName": "One", "description": null, "members@delta": [
                    {"@odata.type": "#microsoft.graph.user", "id": "u1", "@removed": {"reason": "deleted"}}]}),
                json!({"id": "g2", "displayName": "Two", "description": null, "members@delta": [
                    {"@odata.type": "#microsoft.graph.group", "id": "g1"}]}),
                json!({"id": "g3", "@removed": {"reason": "deleted"}}),
            ]
        );
        t.soft_delete_group("g2").unwrap();
        t.hard_delete_user("u3").unwrap();
        let since2 = since + 7;
        assert_eq!(
            group_items(&t, Some(since2), &sel, 100),
            vec![
                json!({"id": "g1", "displayName": "One", "description": null, "members@delta": [
                    {"@odata.type": "#microsoft.graph.user", "id": "u3", "@removed": {"reason": "deleted"}}]}),
                json!({"id": "g2", "@removed": {"reason": "changed"}}),
            ]
        );
        assert_eq!(
            user_items(
                &t,
                Some(since2),
                &Selection::parse(Some("userPrincipalName"))
            ),
            vec![json!({"id": "u3", "@removed": {"reason": "deleted"}})]
        );
    }
}
