//! Desired groups vs the groups in AD → a [`Plan`]; pure code, no directory access.

use std::collections::{BTreeMap, BTreeSet};

use gwb_model::{CloudDelete, DesiredGroup, MemberKind, TargetCapabilities, UserAnchor};

use crate::escape::{child_dn, escape_dn_value, first_rdn_value, normalize_dn, parent_of};
use crate::index::{MemberIndex, Resolved};
use crate::plan::{
    Change, ChangeKind, Conflict, GroupAction, GroupReport, Operation, Plan, Removal,
};
use crate::probe::{Occupants, containers_of};
use crate::read::{CurrentGroup, is_structural};

/// `groupType` flag: domain-local.
const DOMAIN_LOCAL: i32 = 0x4;
/// `groupType` flag: universal.
const UNIVERSAL: i32 = 0x8;

/// What happens to an owned group that leaves the cloud or the scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemovalAction {
    /// Delete it from AD.
    Delete,
    /// Move it into this holding OU (DN), keeping its members.
    MoveTo(String),
    /// Leave it as it is.
    Keep,
}

/// Reconcile choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// For a group hard-deleted in the cloud. Default: delete (Cloud Sync).
    pub on_hard_delete: RemovalAction,
    /// For a group soft-deleted in the cloud. Default: keep until the hard delete (Connect v2).
    pub on_soft_delete: RemovalAction,
    /// For an owned group with no desired twin in a full round. Default: delete.
    pub on_no_longer_desired: RemovalAction,
    /// Take over groups written by Entra Connect (anchor only in adminDescription) in place.
    pub adopt: bool,
    /// Create target OUs that do not exist (otherwise those groups are skipped).
    pub create_missing_ous: bool,
    /// Member values per modify operation.
    pub member_chunk: usize,
    /// Attributes gwb manages: when the desired group lacks one that AD has, it is removed.
    pub managed_attributes: Vec<String>,
}

/// The attributes gwb writes by default (DOMAIN.md's mapping plus Exchange's).
pub const DEFAULT_MANAGED_ATTRIBUTES: [&str; 11] = [
    "adminDescription",
    "description",
    "displayName",
    "groupType",
    "mail",
    "mailNickname",
    "msDS-ExternalDirectoryObjectId",
    "msExchRecipientDisplayType",
    "msExchRecipientTypeDetails",
    "msExchRequireAuthToSendTo",
    "proxyAddresses",
];

impl Default for Policy {
    fn default() -> Self {
        Self {
            on_hard_delete: RemovalAction::Delete,
            on_soft_delete: RemovalAction::Keep,
            on_no_longer_desired: RemovalAction::Delete,
            adopt: false,
            create_missing_ous: false,
            member_chunk: 500,
            managed_attributes: DEFAULT_MANAGED_ATTRIBUTES
                .iter()
                .map(|a| (*a).to_owned())
                .collect(),
        }
    }
}

impl Policy {
    /// The attributes [`crate::Directory::read_owned`] must read for these desired groups.
    pub fn read_attributes(&self, desired: &[DesiredGroup]) -> Vec<String> {
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        let all = self.managed_attributes.iter().map(String::as_str).chain(
            desired
                .iter()
                .flat_map(|d| d.attributes.iter().map(|(n, _)| n)),
        );
        for name in all {
            if !is_structural(name) {
                names
                    .entry(name.to_ascii_lowercase())
                    .or_insert_with(|| name.to_owned());
            }
        }
        names.into_values().collect()
    }
}

/// Everything reconcile compares.
#[derive(Debug, Clone, Copy)]
pub struct ReconcileInput<'a> {
    /// The groups the rules want (after filter, naming, mapping).
    pub desired: &'a [DesiredGroup],
    /// The anchored groups in the managed OUs ([`crate::Directory::read_owned`]).
    pub current: &'a [CurrentGroup],
    /// Cloud member → AD object ([`crate::Directory::member_index`]).
    pub index: &'a MemberIndex,
    /// On-premises anchors of the cloud users, by object id.
    pub users: &'a BTreeMap<String, UserAnchor>,
    /// Groups Graph reported as removed.
    pub cloud_deletes: &'a [CloudDelete],
    /// Objects at the desired names and existing OUs ([`crate::Directory::probe`]).
    pub occupants: &'a Occupants,
    /// The target's schema capabilities (which anchor attribute marks ownership).
    pub capabilities: TargetCapabilities,
    /// A full round: owned groups without a desired twin are removed per policy.
    pub full: bool,
    /// Groups of this round the rules skipped (filtered out, not eligible): no longer desired,
    /// even in an incremental round.
    pub rules_skipped: &'a BTreeSet<String>,
    /// Groups of this round the rules failed on (plugin fault, invalid output): left exactly as
    /// they are in AD, even in a full round, until the rules decide them again.
    pub rules_failed: &'a BTreeSet<String>,
}

fn group_type(attrs: &gwb_model::Attributes) -> Option<i32> {
    attrs.first("groupType").and_then(|v| v.trim().parse().ok())
}

/// Sorted, case-sensitive value sets compare equal.
fn same_values(a: &[String], b: &[String]) -> bool {
    let a: BTreeSet<&String> = a.iter().collect();
    let b: BTreeSet<&String> = b.iter().collect();
    a == b
}

/// Is `c` gwb's own group (anchor in the attribute gwb writes for this schema)?
fn owned(c: &CurrentGroup, caps: TargetCapabilities) -> bool {
    if caps.external_directory_object_id {
        c.anchors.external_id
    } else {
        c.anchors.admin_description
    }
}

/// The planned place of a desired group, for nested references.
struct Planned {
    dn: String,
    group_type: Option<i32>,
    created: bool,
}

/// Compares desired and current state and returns the ordered operations.
pub fn reconcile(input: &ReconcileInput<'_>, policy: &Policy) -> Plan {
    let caps = input.capabilities;
    let chunk = policy.member_chunk.max(1);
    let mut plan = Plan {
        desired_count: input.desired.len(),
        owned_count: input.current.iter().filter(|c| owned(c, caps)).count(),
        full: input.full,
        ..Plan::default()
    };
    let mut current: BTreeMap<&str, &CurrentGroup> = BTreeMap::new();
    for c in input.current {
        current.entry(c.object_id.as_str()).or_insert(c);
    }
    let mut desired: Vec<&DesiredGroup> = input.desired.iter().collect();
    desired.sort_by(|a, b| a.object_id.cmp(&b.object_id));
    desired.dedup_by(|a, b| a.object_id == b.object_id);

    // Pass 1: decide where each desired group goes, and catch conflicts.
    let mut ous: Vec<String> = Vec::new();
    let mut planned: BTreeMap<String, Planned> = BTreeMap::new();
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    let mut twins: BTreeMap<&str, &CurrentGroup> = BTreeMap::new();
    for d in &desired {
        let target = child_dn(&d.cn, &d.parent_dn);
        let mut twin = current.get(d.object_id.as_str()).copied();
        let mut report = GroupReport::new(&d.object_id, &target, GroupAction::Create);
        let conflict = |theirs: String, reason: String, plan: &mut Plan| {
            plan.conflicts.push(Conflict {
                object_id: d.object_id.clone(),
                ours: format!("{target} ({})", d.anchor()),
                theirs,
                reason,
            });
        };
        if let Some(c) = twin
            && !owned(c, caps)
        {
            if policy.adopt {
                report.action = GroupAction::Adopt;
            } else {
                conflict(
                    format!("{} (objectGUID {}, anchor in adminDescription)", c.dn, c.object_guid),
                    "the group was written by Entra Connect; set Policy::adopt (--adopt) to take it over in place".into(),
                    &mut plan,
                );
                twin = None;
                report.action = GroupAction::Skipped;
            }
        } else if twin.is_some() {
            report.action = GroupAction::Update;
        }
        if report.action != GroupAction::Skipped
            && let Some(occ) = input.occupants.by_dn.get(&normalize_dn(&target))
            && twin.is_none_or(|t| t.object_guid != occ.object_guid)
        {
            let reason = if occ.anchor.as_deref() == Some(d.object_id.as_str()) {
                "an object with this group's anchor sits outside the managed OUs; add its OU to the managed OUs"
            } else {
                "another object already has this DN; rename or move it, or change the naming rule"
            };
            conflict(occ.identity(), format!("DN: {reason}"), &mut plan);
            report.action = GroupAction::Skipped;
        }
        if report.action != GroupAction::Skipped
            && let Some(sam) = &d.sam_account_name
            && let Some(occ) = input.occupants.by_sam.get(&sam.to_lowercase())
            && twin.is_none_or(|t| t.object_guid != occ.object_guid)
        {
            conflict(
                occ.identity(),
                format!("sAMAccountName {sam} is taken by another object; change the naming rule"),
                &mut plan,
            );
            report.action = GroupAction::Skipped;
        }
        let moves =
            twin.is_none_or(|t| normalize_dn(&parent_of(&t.dn)) != normalize_dn(&d.parent_dn));
        if report.action != GroupAction::Skipped && moves {
            let missing: Vec<String> = containers_of(&d.parent_dn)
                .into_iter()
                .filter(|c| !input.occupants.containers.contains(&normalize_dn(c)))
                .collect();
            if !missing.is_empty() {
                if policy.create_missing_ous {
                    for ou in missing.into_iter().rev() {
                        if !ous.iter().any(|o| normalize_dn(o) == normalize_dn(&ou)) {
                            ous.push(ou);
                        }
                    }
                } else {
                    report.problems.push(format!(
                        "target OU {} does not exist; create it or set Policy::create_missing_ous (--create-missing-ous)",
                        d.parent_dn
                    ));
                    report.action = GroupAction::Skipped;
                }
            }
        }
        if report.action != GroupAction::Skipped {
            if let Some(t) = twin {
                twins.insert(&d.object_id, t);
                if normalize_dn(&t.dn) != normalize_dn(&target) {
                    renames.insert(normalize_dn(&t.dn), target.clone());
                }
            }
            planned.insert(
                d.object_id.clone(),
                Planned {
                    dn: target.clone(),
                    group_type: group_type(&d.attributes),
                    created: twin.is_none(),
                },
            );
        } else if let Some(c) = current.get(d.object_id.as_str()) {
            report.dn = c.dn.clone();
        }
        plan.groups.insert(d.object_id.clone(), report);
    }

    // Removals: owned groups without a desired twin. Decided before pass 2 so member links
    // to a group about to be deleted are left to AD (deleting the group drops them).
    let deletes: BTreeMap<&str, bool> = input
        .cloud_deletes
        .iter()
        .map(|c| (c.id.as_str(), c.hard))
        .collect();
    let mut removals = Vec::new();
    let mut deleted: BTreeSet<String> = BTreeSet::new();
    for (id, c) in &current {
        if plan.groups.contains_key(*id)
            || input.rules_failed.contains(*id)
            || !(owned(c, caps) || policy.adopt)
        {
            continue;
        }
        let (removal, action) = match deletes.get(id) {
            Some(true) => (Removal::HardDelete, &policy.on_hard_delete),
            Some(false) => (Removal::SoftDelete, &policy.on_soft_delete),
            None if input.full || input.rules_skipped.contains(*id) => {
                (Removal::NoLongerDesired, &policy.on_no_longer_desired)
            }
            None => continue,
        };
        let mut report = GroupReport::new(id, &c.dn, GroupAction::Keep);
        report.members_before = c.members.len();
        match action {
            RemovalAction::Delete => {
                report.action = GroupAction::Delete;
                deleted.insert(normalize_dn(&c.dn));
                removals.push(Operation::Delete {
                    object_id: (*id).to_owned(),
                    dn: c.dn.clone(),
                    removal,
                });
            }
            RemovalAction::MoveTo(holding) => {
                report.action = GroupAction::MoveToHolding;
                if normalize_dn(&parent_of(&c.dn)) != normalize_dn(holding) {
                    let cn = first_rdn_value(&c.dn).unwrap_or_default();
                    let new_dn = child_dn(&cn, holding);
                    report.dn = new_dn.clone();
                    removals.push(Operation::ModDn {
                        object_id: (*id).to_owned(),
                        dn: c.dn.clone(),
                        new_rdn: format!("CN={}", escape_dn_value(&cn)),
                        new_superior: Some(holding.clone()),
                        new_dn,
                        removal: Some(removal),
                    });
                }
            }
            RemovalAction::Keep => {}
        }
        plan.groups.insert((*id).to_owned(), report);
    }

    // Pass 2: operations for the groups that go ahead.
    let mut renames_ops = Vec::new();
    let mut adds = Vec::new();
    let mut modifies = Vec::new();
    let mut member_ops = Vec::new();
    for d in &desired {
        let Some(place) = planned.get(&d.object_id) else {
            continue;
        };
        let target = place.dn.clone();
        let twin = twins.get(d.object_id.as_str()).copied();
        let Some(report) = plan.groups.get_mut(&d.object_id) else {
            continue;
        };
        let universal = place.group_type.is_some_and(|t| t & UNIVERSAL != 0);

        // Members: desired DNs keyed by normalised DN.
        let mut want: BTreeMap<String, (String, bool)> = BTreeMap::new();
        for m in &d.members {
            if m.kind == MemberKind::Group && m.id == d.object_id {
                continue;
            }
            let nested = (m.kind == MemberKind::Group)
                .then(|| planned.get(&m.id))
                .flatten();
            let resolved = match nested {
                Some(p) => Some((
                    Resolved {
                        dn: p.dn.clone(),
                        group_type: p.group_type,
                    },
                    p.created,
                )),
                None => input.index.resolve(m, input.users).map(|r| (r, false)),
            };
            match resolved {
                None => report.members_without_ad_object.push(m.id.clone()),
                Some((r, _))
                    if universal && r.group_type.is_some_and(|t| t & DOMAIN_LOCAL != 0) =>
                {
                    report.domain_local_in_universal.push(r.dn)
                }
                Some((r, created)) => {
                    want.insert(normalize_dn(&r.dn), (r.dn, created));
                }
            }
        }
        let have: BTreeMap<String, String> = twin
            .map(|t| {
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
            })
            .unwrap_or_default();
        report.members_before = have.len();
        let mut to_add: Vec<(String, bool)> = want
            .iter()
            .filter(|(k, _)| !have.contains_key(*k))
            .map(|(_, v)| v.clone())
            .collect();
        let to_remove: Vec<String> = have
            .iter()
            .filter(|(k, _)| !want.contains_key(*k) && !deleted.contains(*k))
            .map(|(_, v)| v.clone())
            .collect();
        report.members_added = to_add.len();
        report.members_removed = to_remove.len();

        match twin {
            None => {
                // Create with the anchor and the members that already exist, so a re-run
                // after a crash finds the group and only adds what is missing.
                let mut attributes = vec![("objectClass".to_owned(), vec!["group".to_owned()])];
                if let Some(sam) = &d.sam_account_name {
                    attributes.push(("sAMAccountName".to_owned(), vec![sam.clone()]));
                }
                for (name, values) in d.attributes.iter() {
                    if !is_structural(name) {
                        attributes.push((name.to_owned(), values.to_vec()));
                    }
                }
                let (existing, later): (Vec<_>, Vec<_>) =
                    to_add.into_iter().partition(|(_, created)| !created);
                let mut existing: Vec<String> = existing.into_iter().map(|(dn, _)| dn).collect();
                let rest = existing.split_off(existing.len().min(chunk));
                if !existing.is_empty() {
                    attributes.push(("member".to_owned(), existing));
                }
                adds.push(Operation::Add {
                    object_id: d.object_id.clone(),
                    dn: target.clone(),
                    attributes,
                });
                to_add = rest
                    .into_iter()
                    .map(|dn| (dn, false))
                    .chain(later)
                    .collect();
            }
            Some(t) => {
                if normalize_dn(&t.dn) != normalize_dn(&target) {
                    let new_superior = (normalize_dn(&parent_of(&t.dn))
                        != normalize_dn(&d.parent_dn))
                    .then(|| d.parent_dn.clone());
                    renames_ops.push(Operation::ModDn {
                        object_id: d.object_id.clone(),
                        dn: t.dn.clone(),
                        new_rdn: format!("CN={}", escape_dn_value(&d.cn)),
                        new_superior,
                        new_dn: target.clone(),
                        removal: None,
                    });
                }
                let mut changes = Vec::new();
                if let Some(sam) = &d.sam_account_name
                    && !t
                        .sam_account_name
                        .as_deref()
                        .is_some_and(|s| s.eq_ignore_ascii_case(sam))
                {
                    changes.push(Change {
                        kind: ChangeKind::Replace,
                        attribute: "sAMAccountName".into(),
                        values: vec![sam.clone()],
                    });
                }
                for name in policy.read_attributes(std::slice::from_ref(d)) {
                    let want = d.attributes.get(&name);
                    let have = t.attributes.get(&name);
                    if !same_values(want, have) {
                        changes.push(Change {
                            kind: ChangeKind::Replace,
                            attribute: d
                                .attributes
                                .iter()
                                .find(|(n, _)| n.eq_ignore_ascii_case(&name))
                                .map(|(n, _)| n.to_owned())
                                .unwrap_or(name),
                            values: want.to_vec(),
                        });
                    }
                }
                if !changes.is_empty() {
                    modifies.push(Operation::Modify {
                        object_id: d.object_id.clone(),
                        dn: target.clone(),
                        changes,
                    });
                }
            }
        }
        // Membership changes by value, in chunks; removals first so a group never overshoots.
        let mut values: Vec<(ChangeKind, String)> = to_remove
            .into_iter()
            .map(|dn| (ChangeKind::Delete, dn))
            .chain(to_add.into_iter().map(|(dn, _)| (ChangeKind::Add, dn)))
            .collect();
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
            member_ops.push(Operation::Modify {
                object_id: d.object_id.clone(),
                dn: target.clone(),
                changes,
            });
            values = rest;
        }
        let changed = twin.is_none()
            || renames_ops
                .iter()
                .chain(&modifies)
                .chain(&member_ops)
                .any(|op| op.object_id() == Some(d.object_id.as_str()));
        if report.action == GroupAction::Update && !changed {
            report.action = GroupAction::Unchanged;
        }
    }

    plan.operations = ous
        .into_iter()
        .map(|dn| Operation::CreateOu { dn })
        .chain(renames_ops)
        .chain(adds)
        .chain(modifies)
        .chain(member_ops)
        .chain(removals)
        .collect();
    plan
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests;
