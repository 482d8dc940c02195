//! The Plan: ordered LDAP operations plus, per group, what was decided and why.

use std::collections::BTreeMap;

use crate::member_index::SkipReason;

/// How one attribute changes in a modify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    /// Add these values.
    Add,
    /// Delete these values (all values when empty).
    Delete,
    /// Replace all values (remove the attribute when empty).
    Replace,
}

/// One attribute change inside a modify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Add, delete or replace.
    pub kind: ChangeKind,
    /// The attribute.
    pub attribute: String,
    /// The values.
    pub values: Vec<String>,
}

/// Why a group leaves its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Removal {
    /// Hard-deleted in the cloud.
    HardDelete,
    /// Soft-deleted in the cloud (restorable for 30 days).
    SoftDelete,
    /// No desired twin in a full round (out of scope, writeback disabled, filtered out), or
    /// skipped by the rules in an incremental round.
    NoLongerDesired,
}

/// One LDAP operation of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// Create a missing OU.
    CreateOu {
        /// The OU's DN.
        dn: String,
    },
    /// Create a group with all its attributes (and the members that already exist in AD).
    Add {
        /// The cloud group's object id.
        object_id: String,
        /// The new DN.
        dn: String,
        /// Attributes, in output order.
        attributes: Vec<(String, Vec<String>)>,
    },
    /// Rename and/or move a group (modrdn with newSuperior).
    ModDn {
        /// The cloud group's object id.
        object_id: String,
        /// The current DN.
        dn: String,
        /// The new RDN (`CN=...`, escaped).
        new_rdn: String,
        /// The new parent when the OU changes.
        new_superior: Option<String>,
        /// The resulting DN.
        new_dn: String,
        /// Set when the move parks a removed group in the holding OU.
        removal: Option<Removal>,
    },
    /// Change attribute values of a group.
    Modify {
        /// The cloud group's object id.
        object_id: String,
        /// The group's DN (after any rename in the same plan).
        dn: String,
        /// The changes, applied in order.
        changes: Vec<Change>,
    },
    /// Delete a group.
    Delete {
        /// The cloud group's object id.
        object_id: String,
        /// The group's DN.
        dn: String,
        /// Why.
        removal: Removal,
    },
}

impl Operation {
    /// The DN the operation targets.
    pub fn dn(&self) -> &str {
        match self {
            Self::CreateOu { dn }
            | Self::Add { dn, .. }
            | Self::ModDn { dn, .. }
            | Self::Modify { dn, .. }
            | Self::Delete { dn, .. } => dn,
        }
    }

    /// The cloud object id the operation is for (`None` for OUs).
    pub fn object_id(&self) -> Option<&str> {
        match self {
            Self::CreateOu { .. } => None,
            Self::Add { object_id, .. }
            | Self::ModDn { object_id, .. }
            | Self::Modify { object_id, .. }
            | Self::Delete { object_id, .. } => Some(object_id),
        }
    }

    /// A one-line description for reports.
    pub fn summary(&self) -> String {
        match self {
            Self::CreateOu { dn } => format!("create OU {dn}"),
            Self::Add { dn, .. } => format!("add {dn}"),
            Self::ModDn { dn, new_dn, .. } => format!("move {dn} -> {new_dn}"),
            Self::Modify { dn, changes, .. } => {
                let parts: Vec<String> = changes
                    .iter()
                    .map(|c| format!("{:?} {} ({})", c.kind, c.attribute, c.values.len()))
                    .collect();
                format!("modify {dn}: {}", parts.join(", "))
            }
            Self::Delete { dn, .. } => format!("delete {dn}"),
        }
    }
}

/// What reconcile decided for one cloud group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum GroupAction {
    /// It will be created.
    Create,
    /// It exists and will be changed (attributes, members, name or OU).
    Update,
    /// It exists and already matches.
    Unchanged,
    /// It was written by Entra Connect and will be taken over in place (`adopt`).
    Adopt,
    /// It will be deleted.
    Delete,
    /// It will be moved to the holding OU.
    MoveToHolding,
    /// It was removed in the cloud but the policy keeps it in AD.
    Keep,
    /// Nothing will be written for it (see the conflict or problem).
    Skipped,
}

/// Per-group facts for the run report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupReport {
    /// The cloud group's object id.
    pub object_id: String,
    /// The group's DN after the plan (or its current DN when skipped or removed).
    pub dn: String,
    /// The decision.
    pub action: GroupAction,
    /// Member DNs to add.
    pub members_added: usize,
    /// Member DNs to remove.
    pub members_removed: usize,
    /// Members the group has in AD now.
    pub members_before: usize,
    /// Cloud members not written, each with its reason, in the order of the cloud members.
    pub members_skipped: Vec<SkippedMember>,
    /// Why the group was skipped or anything else worth telling.
    pub problems: Vec<String>,
}

impl GroupReport {
    pub(crate) fn new(object_id: &str, dn: &str, action: GroupAction) -> Self {
        Self {
            object_id: object_id.to_owned(),
            dn: dn.to_owned(),
            action,
            members_added: 0,
            members_removed: 0,
            members_before: 0,
            members_skipped: Vec::new(),
            problems: Vec::new(),
        }
    }
}

/// A cloud member that is not written to its group in AD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedMember {
    /// The member's cloud object id.
    pub id: String,
    /// Why it is not written.
    pub reason: SkipReason,
}

/// An object that is not ours stands where a desired group wants to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The cloud group's object id.
    pub object_id: String,
    /// What we wanted: the DN or sAMAccountName and our anchor.
    pub ours: String,
    /// The object in the way: DN, objectGUID and anchor if any.
    pub theirs: String,
    /// What clashes (`DN` or `sAMAccountName`) and what to do.
    pub reason: String,
}

/// The result of reconcile: what to write, in order, and the report of every group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Operations in apply order.
    pub operations: Vec<Operation>,
    /// Per-group decisions, by object id.
    pub groups: BTreeMap<String, GroupReport>,
    /// Conflicts (those groups are skipped).
    pub conflicts: Vec<Conflict>,
    /// How many desired groups the source delivered.
    pub desired_count: usize,
    /// How many groups gwb owned in AD before the run.
    pub owned_count: usize,
    /// True for a full round (deletes of groups without a desired twin were considered).
    pub full: bool,
}

impl Plan {
    /// The groups this plan deletes or moves to the holding OU.
    pub fn removals(&self) -> usize {
        self.operations
            .iter()
            .filter(|op| {
                matches!(
                    op,
                    Operation::Delete { .. }
                        | Operation::ModDn {
                            removal: Some(_),
                            ..
                        }
                )
            })
            .count()
    }

    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }
}
