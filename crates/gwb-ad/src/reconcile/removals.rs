//! What happens to owned groups without a desired twin: hard- or soft-deleted in the cloud, or
//! no longer desired, each handled per its [`RemovalAction`] (delete, move to the holding OU,
//! keep).

use std::collections::{BTreeMap, BTreeSet};

use super::{Policy, ReconcileInput, RemovalAction, move_group, owned};
use crate::escape::{child_dn, first_rdn_value, normalize_dn, parent_of};
use crate::plan::{GroupAction, GroupReport, Operation, Plan, Removal};
use crate::read::CurrentGroup;

/// The removals of a plan.
pub(super) struct Removals {
    /// The deletes and the moves to the holding OU, by object id.
    pub operations: Vec<Operation>,
    /// Normalised DNs of the groups deleted: links to them are left to AD.
    pub deleted: BTreeSet<String>,
}

/// Decides every owned group that `plan` has no report for yet (so no desired twin), records
/// its report in `plan` and returns the operations.
pub(super) fn plan_removals(
    input: &ReconcileInput<'_>,
    policy: &Policy,
    current: &BTreeMap<&str, &CurrentGroup>,
    plan: &mut Plan,
) -> Removals {
    let deletes: BTreeMap<&str, bool> = input
        .cloud_deletes
        .iter()
        .map(|c| (c.id.as_str(), c.hard))
        .collect();
    let mut removals = Removals {
        operations: Vec::new(),
        deleted: BTreeSet::new(),
    };
    for (id, c) in current {
        // Only gwb's own groups leave: never one it has not marked (Connect's, even when
        // adoption is on, Cloud Sync's, hand-made), and never one AD protects.
        if plan.groups.contains_key(*id) || input.rules_failed.contains(*id) || !owned(c, input) {
            continue;
        }
        let Some((removal, action)) = why_removed(id, &deletes, input, policy) else {
            continue;
        };
        let mut report = GroupReport::new(id, &c.dn, GroupAction::Keep);
        report.members_before = c.members.len();
        if c.protected && *action != RemovalAction::Keep {
            report.problems.push(format!(
                "kept: {} is protected by AD (adminCount=1 or isCriticalSystemObject=TRUE); gwb \
                 never deletes or moves it. Remove it from the privileged group and clear \
                 adminCount, or delete it by hand",
                c.dn
            ));
            plan.groups.insert((*id).to_owned(), report);
            continue;
        }
        match action {
            RemovalAction::Delete => {
                report.action = GroupAction::Delete;
                removals.deleted.insert(normalize_dn(&c.dn));
                removals.operations.push(Operation::Delete {
                    object_id: (*id).to_owned(),
                    dn: c.dn.clone(),
                    removal,
                });
            }
            RemovalAction::MoveTo(holding) => {
                report.action = GroupAction::MoveToHolding;
                if normalize_dn(&parent_of(&c.dn)) != normalize_dn(holding) {
                    let cn = first_rdn_value(&c.dn).unwrap_or_default();
                    report.dn = child_dn(&cn, holding);
                    removals
                        .operations
                        .push(move_group(id, &c.dn, &cn, holding, Some(removal)));
                }
            }
            RemovalAction::Keep => {}
        }
        plan.groups.insert((*id).to_owned(), report);
    }
    removals
}

/// Why the owned group `id` leaves and what the policy does about it; `None` when it stays
/// (no cloud delete, and an incremental round that did not skip it).
fn why_removed<'p>(
    id: &str,
    deletes: &BTreeMap<&str, bool>,
    input: &ReconcileInput<'_>,
    policy: &'p Policy,
) -> Option<(Removal, &'p RemovalAction)> {
    match deletes.get(id) {
        Some(true) => Some((Removal::HardDelete, &policy.on_hard_delete)),
        Some(false) => Some((Removal::SoftDelete, &policy.on_soft_delete)),
        None if input.full || input.rules_skipped.contains(id) => {
            Some((Removal::NoLongerDesired, &policy.on_no_longer_desired))
        }
        None => None,
    }
}
