//! Desired groups vs the groups in AD → a [`Plan`]; pure code, no directory access.

use std::collections::{BTreeMap, BTreeSet};

use gwb_model::{AttributeNames, CloudDelete, DesiredGroup, TargetCapabilities, UserAnchor};

use crate::escape::{child_dn, escape_dn_value, normalize_dn, parent_of};
use crate::member_index::MemberIndex;
use crate::owner::{OWNER_ATTRIBUTE, OwnerMark};
use crate::plan::{GroupAction, Operation, Plan, Removal};
use crate::probe::Occupants;
use crate::read::{CurrentGroup, is_structural};
use crate::written_record;

mod addresses;
mod attributes;
mod chunk;
mod members;
mod placement;
mod removals;

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
    /// Attributes read on every group gwb owns, beside those the desired groups set and those
    /// gwb's record names. gwb removes a value from them only if it wrote it (see
    /// [`crate::applied`]).
    pub managed_attributes: Vec<String>,
}

/// The attributes gwb reads on every group it owns by default (docs/domain.md's mapping plus
/// Exchange's).
pub const DEFAULT_MANAGED_ATTRIBUTES: [&str; 13] = [
    "adminDescription",
    "description",
    "displayName",
    "groupType",
    "mail",
    "mailNickname",
    "msDS-ExternalDirectoryObjectId",
    "msExchHideFromAddressLists",
    "msExchRecipientDisplayType",
    "msExchRecipientTypeDetails",
    "msExchRequireAuthToSendTo",
    "proxyAddresses",
    "targetAddress",
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
    /// On-premises SIDs of the nested cloud groups synced from AD, by object id.
    pub group_sids: &'a BTreeMap<String, String>,
    /// Groups Graph reported as removed.
    pub cloud_deletes: &'a [CloudDelete],
    /// Objects at the desired names and existing OUs ([`crate::Directory::probe`]).
    pub occupants: &'a Occupants,
    /// The target's schema capabilities.
    pub capabilities: TargetCapabilities,
    /// The target's attribute types ([`crate::Discovery::attribute_names`]): which attributes
    /// hold several values, merged value by value rather than replaced.
    pub schema: &'a AttributeNames,
    /// gwb's mark for this tenant: the groups carrying it are gwb's.
    pub owner: &'a OwnerMark,
    /// A full round: owned groups without a desired twin are removed per policy.
    pub full: bool,
    /// Groups of this round the rules skipped (filtered out, not eligible): no longer desired,
    /// even in an incremental round.
    pub rules_skipped: &'a BTreeSet<String>,
    /// Groups of this round the rules failed on (plugin fault, invalid output): left exactly as
    /// they are in AD, even in a full round, until the rules decide them again.
    pub rules_failed: &'a BTreeSet<String>,
}

/// Is `c` gwb's own group (it carries this tenant's mark)?
fn owned(c: &CurrentGroup, input: &ReconcileInput<'_>) -> bool {
    input.owner.is_on(&c.marks)
}

/// Compares desired and current state and returns the ordered operations.
///
/// First `placement` decides where each desired group goes (or why it is skipped), then
/// `removals` decides what happens to owned groups without a desired twin, and last each
/// placed group gets its operations: an add, or a rename and an `attributes` modify, then its
/// `members` changes in `chunk`s.
pub fn reconcile(input: &ReconcileInput<'_>, policy: &Policy) -> Plan {
    let mut plan = Plan {
        desired_count: input.desired.len(),
        owned_count: input.current.iter().filter(|c| owned(c, input)).count(),
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

    let placement = placement::place(input, policy, &desired, &current, &mut plan);
    // Decided before the member changes, so member links to a group about to be deleted are
    // left to AD (deleting the group drops them).
    let removals = removals::plan_removals(input, policy, &current, &mut plan);

    let mut phases = Phases::default();
    for d in &desired {
        let Some(place) = placement.planned.get(&d.object_id) else {
            continue;
        };
        let Some(report) = plan.groups.get_mut(&d.object_id) else {
            continue;
        };
        let twin = placement.twins.get(d.object_id.as_str()).copied();
        let members = members::diff(d, place, twin, input, &placement, &removals.deleted, report);
        let operations = match twin {
            None => create(d, &place.dn, members, policy, input.owner),
            Some(t) => update(d, &place.dn, t, members, policy, input),
        };
        if report.action == GroupAction::Update && operations.is_empty() {
            report.action = GroupAction::Unchanged;
        }
        phases.push(operations);
    }

    plan.operations = placement
        .ous
        .dns
        .into_iter()
        .map(|dn| Operation::CreateOu { dn })
        .chain(phases.renames)
        .chain(phases.adds)
        .chain(phases.modifies)
        .chain(phases.members)
        .chain(removals.operations)
        .collect();
    plan
}

/// One desired group's operations, by the part of the plan each goes in. Built whole for one
/// group, so whether the group changes is known without searching the plan.
#[derive(Default)]
struct GroupOperations {
    /// The modrdn that renames or moves it.
    rename: Option<Operation>,
    /// The add that creates it.
    add: Option<Operation>,
    /// The modify of its attributes.
    modify: Option<Operation>,
    /// The modifies of its members.
    members: Vec<Operation>,
}

impl GroupOperations {
    /// True when the group needs no write.
    fn is_empty(&self) -> bool {
        self.rename.is_none()
            && self.add.is_none()
            && self.modify.is_none()
            && self.members.is_empty()
    }
}

/// The operations of all placed groups, by phase, in the order the plan applies them: renames
/// before the modifies that use the new DNs, member changes after every add so that new nested
/// groups exist when they are linked.
#[derive(Default)]
struct Phases {
    /// Renames and moves.
    renames: Vec<Operation>,
    /// New groups.
    adds: Vec<Operation>,
    /// Attribute changes.
    modifies: Vec<Operation>,
    /// Member changes.
    members: Vec<Operation>,
}

impl Phases {
    /// Adds one group's operations to their phases.
    fn push(&mut self, group: GroupOperations) {
        self.renames.extend(group.rename);
        self.adds.extend(group.add);
        self.modifies.extend(group.modify);
        self.members.extend(group.members);
    }
}

/// The operations that create `d` at `dn`. The add carries the anchor, gwb's mark, the record
/// of every value it writes and the members that already exist, so a re-run after a crash
/// finds the group and only adds what is missing.
fn create(
    d: &DesiredGroup,
    dn: &str,
    members: members::MemberDiff,
    policy: &Policy,
    owner: &OwnerMark,
) -> GroupOperations {
    let chunk = chunk::size(policy);
    let (existing, later) = chunk::split_for_add(members.to_add, chunk);
    let mut attributes = attributes::new_group(d);
    let mut marks = vec![owner.value().to_owned()];
    marks.extend(written_record::entries_for(attributes::written(d)));
    attributes.push((OWNER_ATTRIBUTE.to_owned(), marks));
    if !existing.is_empty() {
        attributes.push(("member".to_owned(), existing));
    }
    GroupOperations {
        add: Some(Operation::Add {
            object_id: d.object_id.clone(),
            dn: dn.to_owned(),
            attributes,
        }),
        members: chunk::member_modifies(&d.object_id, dn, members.to_remove, later, chunk),
        ..GroupOperations::default()
    }
}

/// The operations that bring `t`, `d`'s group in AD, to `d` at `dn`; a group gwb adopts
/// gains gwb's mark (added beside any values it has).
fn update(
    d: &DesiredGroup,
    dn: &str,
    t: &CurrentGroup,
    members: members::MemberDiff,
    policy: &Policy,
    input: &ReconcileInput<'_>,
) -> GroupOperations {
    let changes = attributes::changes(d, t, policy, input.schema, input.owner);
    let to_add = members.to_add.into_iter().map(|m| m.dn).collect();
    GroupOperations {
        rename: (normalize_dn(&t.dn) != normalize_dn(dn))
            .then(|| move_group(&d.object_id, &t.dn, &d.cn, &d.parent_dn, None)),
        modify: (!changes.is_empty()).then(|| Operation::Modify {
            object_id: d.object_id.clone(),
            dn: dn.to_owned(),
            changes,
        }),
        members: chunk::member_modifies(
            &d.object_id,
            dn,
            members.to_remove,
            to_add,
            chunk::size(policy),
        ),
        ..GroupOperations::default()
    }
}

/// The modrdn that gives the group at `dn` the name `cn` under `parent` (`newSuperior` only
/// when the parent changes); `removal` when it parks a removed group in the holding OU.
fn move_group(
    object_id: &str,
    dn: &str,
    cn: &str,
    parent: &str,
    removal: Option<Removal>,
) -> Operation {
    let new_superior =
        (normalize_dn(&parent_of(dn)) != normalize_dn(parent)).then(|| parent.to_owned());
    Operation::ModDn {
        object_id: object_id.to_owned(),
        dn: dn.to_owned(),
        new_rdn: format!("CN={}", escape_dn_value(cn)),
        new_superior,
        new_dn: child_dn(cn, parent),
        removal,
    }
}

#[cfg(test)]
mod tests;
