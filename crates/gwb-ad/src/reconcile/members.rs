//! A group's member changes: the desired members resolved to AD DNs (nested groups of this
//! plan at their planned DNs) against the members it has in AD, by normalised DN.

use std::collections::{BTreeMap, BTreeSet};

use gwb_model::{DesiredGroup, MemberKind};

use super::ReconcileInput;
use super::placement::{Placement, Planned};
use crate::escape::normalize_dn;
use crate::member_index::{Resolved, SkipReason};
use crate::plan::{GroupReport, SkippedMember};
use crate::read::CurrentGroup;

/// `groupType` flag: domain-local.
const DOMAIN_LOCAL: i32 = 0x4;
/// `groupType` flag: universal.
const UNIVERSAL: i32 = 0x8;

/// A member DN to add.
pub(super) struct NewMember {
    /// The member's DN.
    pub dn: String,
    /// The member is a group this plan creates: it can be linked only after its add.
    pub created: bool,
}

/// How one group's members change.
pub(super) struct MemberDiff {
    /// Members to add, by normalised DN.
    pub to_add: Vec<NewMember>,
    /// Member DNs to remove, by normalised DN.
    pub to_remove: Vec<String>,
}

/// The member changes of `d`, placed at `place`, whose group in AD is `twin`. Fills the member
/// counts of `report` and notes the members it cannot write.
pub(super) fn diff(
    d: &DesiredGroup,
    place: &Planned,
    twin: Option<&CurrentGroup>,
    input: &ReconcileInput<'_>,
    placement: &Placement<'_>,
    deleted: &BTreeSet<String>,
    report: &mut GroupReport,
) -> MemberDiff {
    let want = wanted(d, place, input, placement, report);
    let have = twin
        .map(|t| present(t, &placement.renames))
        .unwrap_or_default();
    report.members_before = have.len();
    let to_remove: Vec<String> = have
        .iter()
        .filter(|(k, _)| !want.contains_key(*k) && !deleted.contains(*k))
        .map(|(_, dn)| dn.clone())
        .collect();
    let to_add: Vec<NewMember> = want
        .into_iter()
        .filter(|(k, _)| !have.contains_key(k))
        .map(|(_, m)| m)
        .collect();
    report.members_added = to_add.len();
    report.members_removed = to_remove.len();
    MemberDiff { to_add, to_remove }
}

/// The desired members of `d` that have an AD object it can hold, by normalised DN. Notes the
/// others in `report` with their reason ([`crate::MemberIndex::resolve`], and domain-local
/// groups that a universal group cannot hold). The group itself is never its own member.
fn wanted(
    d: &DesiredGroup,
    place: &Planned,
    input: &ReconcileInput<'_>,
    placement: &Placement<'_>,
    report: &mut GroupReport,
) -> BTreeMap<String, NewMember> {
    let universal = place.group_type.is_some_and(|t| t & UNIVERSAL != 0);
    let mut want = BTreeMap::new();
    for m in &d.members {
        if m.kind == MemberKind::Group && m.id == d.object_id {
            continue;
        }
        let nested = (m.kind == MemberKind::Group)
            .then(|| placement.planned.get(&m.id))
            .flatten();
        let resolved = match nested {
            Some(p) => Ok((
                Resolved {
                    dn: p.dn.clone(),
                    group_type: p.group_type,
                },
                p.created,
            )),
            None => input
                .index
                .resolve(m, input.users, input.group_sids, input.owner)
                .map(|r| (r, false)),
        };
        let skip = |reason| SkippedMember {
            id: m.id.clone(),
            reason,
        };
        match resolved {
            Err(reason) => report.members_skipped.push(skip(reason)),
            Ok((r, _)) if universal && r.group_type.is_some_and(|t| t & DOMAIN_LOCAL != 0) => {
                report
                    .members_skipped
                    .push(skip(SkipReason::DomainLocalInUniversal))
            }
            Ok((r, created)) => {
                want.insert(normalize_dn(&r.dn), NewMember { dn: r.dn, created });
            }
        }
    }
    want
}

/// The members `t` has in AD, by normalised DN; members renamed by this plan at their new DN.
fn present(t: &CurrentGroup, renames: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    t.members
        .iter()
        .map(|m| {
            let key = normalize_dn(m);
            match renames.get(&key) {
                Some(new_dn) => (normalize_dn(new_dn), new_dn.clone()),
                None => (key, m.clone()),
            }
        })
        .collect()
}
