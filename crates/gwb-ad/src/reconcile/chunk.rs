//! Large member changes cut into modifies of at most [`Policy::member_chunk`] values.

use super::Policy;
use super::members::NewMember;
use crate::plan::{Change, ChangeKind, Operation};

/// Member values per modify (and in a new group's add): the policy's, at least one.
pub(super) fn size(policy: &Policy) -> usize {
    policy.member_chunk.max(1)
}

/// Splits the members of a new group: up to `chunk` of those already in AD go into its add;
/// the rest, then the groups this plan creates, follow in member modifies.
pub(super) fn split_for_add(to_add: Vec<NewMember>, chunk: usize) -> (Vec<String>, Vec<String>) {
    let (existing, later): (Vec<_>, Vec<_>) = to_add.into_iter().partition(|m| !m.created);
    let mut existing: Vec<String> = existing.into_iter().map(|m| m.dn).collect();
    let rest = existing.split_off(existing.len().min(chunk));
    let after = rest
        .into_iter()
        .chain(later.into_iter().map(|m| m.dn))
        .collect();
    (existing, after)
}

/// The member changes of the group `object_id` at `dn`, by value, in modifies of at most
/// `chunk` values; removals first so a group never overshoots.
pub(super) fn member_modifies(
    object_id: &str,
    dn: &str,
    to_remove: Vec<String>,
    to_add: Vec<String>,
    chunk: usize,
) -> Vec<Operation> {
    let mut values: Vec<(ChangeKind, String)> = to_remove
        .into_iter()
        .map(|dn| (ChangeKind::Delete, dn))
        .chain(to_add.into_iter().map(|dn| (ChangeKind::Add, dn)))
        .collect();
    let mut operations = Vec::new();
    while !values.is_empty() {
        let rest = values.split_off(values.len().min(chunk));
        let mut changes: Vec<Change> = Vec::new();
        for (kind, dn) in values {
            match changes.last_mut() {
                Some(c) if c.kind == kind => c.values.push(dn),
                _ => changes.push(Change {
                    kind,
                    attribute: "member".into(),
                    values: vec![dn],
                }),
            }
        }
        operations.push(Operation::Modify {
            object_id: object_id.to_owned(),
            dn: dn.to_owned(),
            changes,
        });
        values = rest;
    }
    operations
}
