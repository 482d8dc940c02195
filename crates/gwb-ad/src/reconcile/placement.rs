//! Where each desired group goes: its DN, its twin in AD (adopting Entra Connect's groups when
//! the policy says so), the objects in the way at its DN, its sAMAccountName or its addresses,
//! and the OUs it needs.

use std::collections::{BTreeMap, BTreeSet};

use gwb_model::{Attributes, DesiredGroup};

use super::addresses::{self, Claims};
use super::{Policy, ReconcileInput};
use crate::discovery::EXTERNAL_ID_ATTRIBUTE;
use crate::escape::{child_dn, normalize_dn, parent_of};
use crate::owner::{OWNER_ATTRIBUTE, Owner};
use crate::plan::{Conflict, GroupAction, GroupReport, Plan};
use crate::probe::containers_of;
use crate::read::CurrentGroup;

/// The planned place of a desired group that goes ahead, for its own operations and for
/// nested references to it.
pub(super) struct Planned {
    /// Its DN after the plan.
    pub dn: String,
    /// Its desired `groupType`.
    pub group_type: Option<i32>,
    /// The plan creates it (it has no twin in AD yet).
    pub created: bool,
}

/// OUs to create, parents first, each once.
#[derive(Default)]
pub(super) struct NewOus {
    /// Their DNs, in creation order.
    pub dns: Vec<String>,
    /// Their normalised DNs.
    seen: BTreeSet<String>,
}

impl NewOus {
    /// Adds `dn` unless it is already there.
    fn add(&mut self, dn: String) {
        if self.seen.insert(normalize_dn(&dn)) {
            self.dns.push(dn);
        }
    }
}

/// Where the desired groups go.
pub(super) struct Placement<'a> {
    /// OUs to create.
    pub ous: NewOus,
    /// The groups that go ahead, by object id.
    pub planned: BTreeMap<String, Planned>,
    /// Normalised current DN → new DN of the twins that are renamed or moved.
    pub renames: BTreeMap<String, String>,
    /// The twins in AD of the groups that go ahead, by object id.
    pub twins: BTreeMap<&'a str, &'a CurrentGroup>,
}

/// Why a desired group is skipped.
enum Skip {
    /// An object that is not ours is in the way.
    Conflict {
        /// The object: DN, objectGUID and anchor.
        theirs: String,
        /// What clashes and what to do.
        reason: String,
    },
    /// Anything else, for the group's report.
    Problem(String),
}

/// Places every desired group: records its report (and any conflict) in `plan` and returns
/// where the groups that go ahead end up.
pub(super) fn place<'a>(
    input: &ReconcileInput<'_>,
    policy: &Policy,
    desired: &[&'a DesiredGroup],
    current: &BTreeMap<&str, &'a CurrentGroup>,
    plan: &mut Plan,
) -> Placement<'a> {
    let mut placement = Placement {
        ous: NewOus::default(),
        planned: BTreeMap::new(),
        renames: BTreeMap::new(),
        twins: BTreeMap::new(),
    };
    let mut claims = Claims::default();
    for d in desired {
        let target = child_dn(&d.cn, &d.parent_dn);
        let twin = current.get(d.object_id.as_str()).copied();
        let mut report = GroupReport::new(&d.object_id, &target, GroupAction::Create);
        match place_one(d, &target, twin, input, policy, &claims, &mut placement.ous) {
            Ok((action, twin)) => {
                claims.claim(d, &target);
                report.action = action;
                if let Some(t) = twin {
                    placement.twins.insert(&d.object_id, t);
                    if normalize_dn(&t.dn) != normalize_dn(&target) {
                        placement
                            .renames
                            .insert(normalize_dn(&t.dn), target.clone());
                    }
                }
                placement.planned.insert(
                    d.object_id.clone(),
                    Planned {
                        dn: target,
                        group_type: group_type(&d.attributes),
                        created: twin.is_none(),
                    },
                );
            }
            Err(skip) => {
                report.action = GroupAction::Skipped;
                match skip {
                    Skip::Conflict { theirs, reason } => plan.conflicts.push(Conflict {
                        object_id: d.object_id.clone(),
                        ours: format!("{target} ({})", d.anchor()),
                        theirs,
                        reason,
                    }),
                    Skip::Problem(problem) => report.problems.push(problem),
                }
                if let Some(c) = twin {
                    report.dn = c.dn.clone();
                }
            }
        }
        plan.groups.insert(d.object_id.clone(), report);
    }
    placement
}

/// Decides one group bound for `target`: its action and the twin it updates, or why it is
/// skipped (an address another object holds, or one the groups placed before it `claims`,
/// included). Adds the missing OUs it needs to `ous` when the policy creates them.
fn place_one<'a>(
    d: &DesiredGroup,
    target: &str,
    twin: Option<&'a CurrentGroup>,
    input: &ReconcileInput<'_>,
    policy: &Policy,
    claims: &Claims,
    ous: &mut NewOus,
) -> Result<(GroupAction, Option<&'a CurrentGroup>), Skip> {
    let action = match twin {
        None => GroupAction::Create,
        Some(c) => twin_action(c, input, policy)?,
    };
    // An object in the way is a conflict unless it is the twin itself.
    let not_twin = |guid: &str| twin.is_none_or(|t| t.object_guid != guid);
    if let Some(occ) = input.occupants.by_dn.get(&normalize_dn(target))
        && not_twin(&occ.object_guid)
    {
        let reason = if occ.anchor.as_deref() == Some(d.object_id.as_str()) {
            "an object with this group's anchor sits outside the managed OUs; add its OU to the managed OUs"
        } else {
            "another object already has this DN; rename or move it, or change the naming rule"
        };
        return Err(Skip::Conflict {
            theirs: occ.identity(),
            reason: format!("DN: {reason}"),
        });
    }
    if let Some(sam) = &d.sam_account_name
        && let Some(occ) = input.occupants.by_sam.get(&sam.to_lowercase())
        && not_twin(&occ.object_guid)
    {
        return Err(Skip::Conflict {
            theirs: occ.identity(),
            reason: format!(
                "sAMAccountName {sam} is taken by another object; change the naming rule"
            ),
        });
    }
    if let Some((theirs, reason)) = addresses::conflict(d, twin, input, claims) {
        return Err(Skip::Conflict { theirs, reason });
    }
    let moves = twin.is_none_or(|t| normalize_dn(&parent_of(&t.dn)) != normalize_dn(&d.parent_dn));
    if moves {
        let missing = missing_ous(&d.parent_dn, input);
        if !missing.is_empty() {
            if !policy.create_missing_ous {
                return Err(Skip::Problem(format!(
                    "target OU {} does not exist; create it, or set [sync] create_missing_ous = true in the rules file",
                    d.parent_dn
                )));
            }
            for ou in missing.into_iter().rev() {
                ous.add(ou);
            }
        }
    }
    Ok((action, twin))
}

/// What gwb may do with `c`, the group in AD carrying a desired group's anchor: update its
/// own, adopt Entra Connect's when the policy says so; a protected group, another tenant's,
/// Cloud Sync's or Connect's (not adopted) is skipped, saying how to hand it over.
fn twin_action(
    c: &CurrentGroup,
    input: &ReconcileInput<'_>,
    policy: &Policy,
) -> Result<GroupAction, Skip> {
    if c.protected {
        return Err(Skip::Problem(format!(
            "{} is protected by AD (adminCount=1 or isCriticalSystemObject=TRUE: it is, or was, \
             nested in a privileged group such as Domain Admins); gwb never changes it. Remove \
             it from the privileged group and clear adminCount, and gwb manages it again",
            c.dn
        )));
    }
    let theirs = |anchor: &str| {
        format!(
            "{} (objectGUID {}, anchor in {anchor})",
            c.dn, c.object_guid
        )
    };
    let mark = input.owner.value();
    match input.owner.owner_of(&c.marks, c.anchors) {
        Owner::Gwb => Ok(GroupAction::Update),
        Owner::EntraConnect if policy.adopt => Ok(GroupAction::Adopt),
        Owner::EntraConnect => Err(Skip::Conflict {
            theirs: theirs("adminDescription"),
            reason: "the group was written by Entra Connect; set [sync] adopt_connect_groups = true in the rules file to take it over in place".into(),
        }),
        Owner::CloudSync => Err(Skip::Conflict {
            theirs: theirs(EXTERNAL_ID_ATTRIBUTE),
            reason: format!(
                "the group carries the anchor without gwb's mark: Cloud Sync or a person wrote it, and gwb never takes it over by itself. To hand it to gwb, stop writing it back with Cloud Sync, then add {OWNER_ATTRIBUTE}: {mark} to it"
            ),
        }),
        Owner::OtherTenant(tenant) => Err(Skip::Conflict {
            theirs: theirs(&format!("{OWNER_ATTRIBUTE} gwb:tenant={tenant}")),
            reason: format!(
                "the group is written by gwb for another tenant ({tenant}); give each tenant its own managed OUs (if it is this tenant under another spelling of [graph] tenant_id, set {OWNER_ATTRIBUTE} to {mark} on its groups)"
            ),
        }),
    }
}

/// The containers from `parent_dn` up that do not exist, deepest first.
fn missing_ous(parent_dn: &str, input: &ReconcileInput<'_>) -> Vec<String> {
    containers_of(parent_dn)
        .into_iter()
        .filter(|c| !input.occupants.containers.contains(&normalize_dn(c)))
        .collect()
}

/// The `groupType` of a desired group.
fn group_type(attrs: &Attributes) -> Option<i32> {
    attrs.first("groupType").and_then(|v| v.trim().parse().ok())
}
