//! Provision on demand (`gwb sync --group ID`, `gwb plan --group ID`): each named group's way
//! through the run, step by step as Cloud Sync's "provision on demand" tells it: read, scope,
//! rules, match in AD, action, and after a sync the result.
//!
//! The run itself is the ordinary one ([`crate::run`]); these steps only describe it, from
//! the round, the transform, the plan and the apply report.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use gwb_ad::{
    ApplyReport, CurrentGroup, GroupAction, OWNER_ATTRIBUTE, Operation, Outcome, Owner, OwnerMark,
    Plan, SkippedMember,
};
use gwb_model::printable::printable;
use gwb_model::{CloudGroup, DesiredGroup, GroupKind, Stage, anchor_for, escape_dn_value};
use gwb_rules::Rejection;

use crate::plugins::StagePlugins;
use crate::transform::{NoteKind, Transformed};

/// Width of the step names' column.
const STEP_WIDTH: usize = 10;

/// What the rules decided for a group, for the steps after them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Not read by the rules yet (a run that stopped before them).
    Unknown,
    /// Written.
    Written,
    /// Out of scope.
    Skipped,
    /// The rules failed.
    Failed,
}

/// The steps of one group, each a list of lines.
#[derive(Debug, Clone)]
struct GroupSteps {
    verdict: Verdict,
    lines: Vec<(&'static str, String)>,
}

impl GroupSteps {
    fn push(&mut self, step: &'static str, text: impl Into<String>) {
        self.lines.push((step, text.into()));
    }
}

/// The steps of every group read on demand, by object id.
#[derive(Debug, Clone, Default)]
pub struct Steps {
    groups: BTreeMap<String, GroupSteps>,
}

impl Steps {
    /// The read step: each group as Graph gave it.
    pub fn read(groups: &[CloudGroup]) -> Self {
        let groups = groups
            .iter()
            .map(|group| {
                let members = group.members.len();
                let text = format!(
                    "Graph: {}, {}, {members} member{}",
                    printable(&group.label()),
                    kind_text(group.kind()),
                    if members == 1 { "" } else { "s" }
                );
                let steps = GroupSteps {
                    verdict: Verdict::Unknown,
                    lines: vec![("read", text)],
                };
                (group.id.clone(), steps)
            })
            .collect();
        Self { groups }
    }

    /// The scope and rules steps: what the eligibility check, the filter plugins, naming and
    /// mapping made of each group.
    pub fn rules(&mut self, transformed: &Transformed, stages: &StagePlugins) {
        for desired in &transformed.desired {
            if let Some(steps) = self.groups.get_mut(&desired.object_id) {
                steps.verdict = Verdict::Written;
                steps.push("scope", "in scope");
                steps.push(
                    "rules",
                    format!("{}  ({})", printable(&dn_of(desired)), chain_text(stages)),
                );
            }
        }
        for note in &transformed.notes {
            let Some(steps) = self.groups.get_mut(&note.object_id) else {
                continue;
            };
            match &note.kind {
                NoteKind::Warnings { warnings } => {
                    for warning in warnings {
                        steps.push("rules", format!("warning: {}", printable(warning)));
                    }
                }
                NoteKind::Rejected(Rejection::Skipped { by, reason }) => {
                    steps.verdict = Verdict::Skipped;
                    steps.push(
                        "scope",
                        format!("out of scope: {} (by {})", printable(reason), printable(by)),
                    );
                }
                NoteKind::Rejected(Rejection::Failed { stage, message, .. }) => {
                    steps.verdict = Verdict::Failed;
                    if *stage != Some(Stage::Filter) {
                        steps.push("scope", "in scope");
                    }
                    let step = if *stage == Some(Stage::Filter) {
                        "scope"
                    } else {
                        "rules"
                    };
                    steps.push(step, format!("failed: {}", printable(message)));
                }
            }
        }
    }

    /// The match and action steps: what AD holds for each group and what the plan does.
    pub fn reconciled(&mut self, plan: &Plan, current: &[CurrentGroup], owner: &OwnerMark) {
        for (id, steps) in &mut self.groups {
            let found = current
                .iter()
                .find(|c| c.object_id.eq_ignore_ascii_case(id));
            let conflict = plan.conflicts.iter().find(|c| &c.object_id == id);
            let matched = match (conflict, found) {
                (Some(conflict), _) => format!(
                    "conflict: {} stands where {} should be: {}",
                    printable(&conflict.theirs),
                    printable(&conflict.ours),
                    printable(&conflict.reason)
                ),
                (None, Some(group)) => format!(
                    "AD: {} ({}, objectGUID {})",
                    printable(&group.dn),
                    owner_text(&owner.owner_of(&group.marks, group.anchors)),
                    group.object_guid
                ),
                // The AD group of a group the rules failed on is not even read.
                (None, None) if steps.verdict == Verdict::Failed => {
                    "AD: not read (the rules failed, so AD is left as it is)".to_owned()
                }
                (None, None) => format!("AD: no group anchored {}", anchor_for(id)),
            };
            steps.push("match", matched);
            steps.push("action", action_text(plan, id, steps.verdict));
        }
    }

    /// The result step of a sync: each operation written for the group and its outcome.
    pub fn applied(&mut self, applied: &ApplyReport) {
        for (id, steps) in &mut self.groups {
            let mut any = false;
            for op in applied
                .operations
                .iter()
                .filter(|op| op.object_id.as_deref() == Some(id.as_str()))
            {
                any = true;
                let outcome = match &op.outcome {
                    Outcome::Done => "done".to_owned(),
                    Outcome::AlreadyDone(why) => format!("already done ({})", printable(why)),
                    Outcome::Skipped(why) => format!("not attempted ({})", printable(why)),
                    Outcome::Failed(why) => format!("FAILED ({})", printable(why)),
                };
                steps.push("result", format!("{outcome}: {}", printable(&op.operation)));
            }
            if !any {
                steps.push("result", "nothing written");
            }
        }
    }

    /// The steps, a block per group (blank line between), each line `step      text`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for steps in self.groups.values() {
            for (step, text) in &steps.lines {
                let _ = writeln!(out, "{step:<STEP_WIDTH$}{text}");
            }
            out.push('\n');
        }
        out
    }
}

/// The group's DN as the rules want it.
fn dn_of(desired: &DesiredGroup) -> String {
    format!("CN={},{}", escape_dn_value(&desired.cn), desired.parent_dn)
}

/// `filter: write; naming: a, b; mapping: none`: the plugins each stage ran.
fn chain_text(stages: &StagePlugins) -> String {
    let list = |names: &[String]| {
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    };
    let filter = if stages.filter.is_empty() {
        "write".to_owned()
    } else {
        format!("write by {}", stages.filter.join(", "))
    };
    format!(
        "filter: {filter}; naming: {}; mapping: {}",
        list(&stages.naming),
        list(&stages.mapping)
    )
}

/// How people call a kind of group.
fn kind_text(kind: GroupKind) -> &'static str {
    match kind {
        GroupKind::Microsoft365 => "Microsoft 365",
        GroupKind::Security => "security",
        GroupKind::MailEnabledSecurity => "mail-enabled security",
        GroupKind::Distribution => "distribution list",
    }
}

/// Whose a matched group is.
fn owner_text(owner: &Owner) -> String {
    match owner {
        Owner::Gwb => "gwb's".to_owned(),
        Owner::OtherTenant(tenant) => format!("gwb's for tenant {}", printable(tenant)),
        Owner::EntraConnect => "Entra Connect's".to_owned(),
        Owner::CloudSync => "Cloud Sync's".to_owned(),
    }
}

/// What the plan does with group `id`.
fn action_text(plan: &Plan, id: &str, verdict: Verdict) -> String {
    let Some(group) = plan.groups.get(id) else {
        return match verdict {
            Verdict::Skipped => "skipped: out of scope, and no group of gwb's in AD to remove",
            Verdict::Failed => "skipped: the rules failed; AD is left as it is",
            Verdict::Written | Verdict::Unknown => "skipped",
        }
        .to_owned();
    };
    let ops: Vec<&Operation> = plan
        .operations
        .iter()
        .filter(|op| op.object_id() == Some(id))
        .collect();
    // Attributes as an admin counts them: each changed once however many value adds and
    // deletes it takes, without the members (counted apart) and gwb's own record of what it
    // wrote (OWNER_ATTRIBUTE), which changes with every value it describes.
    let attribute_changes = ops
        .iter()
        .flat_map(|op| match op {
            Operation::Modify { changes, .. } => changes.as_slice(),
            _ => &[],
        })
        .map(|change| change.attribute.to_ascii_lowercase())
        .filter(|name| name != "member" && !name.eq_ignore_ascii_case(OWNER_ATTRIBUTE))
        .collect::<BTreeSet<String>>()
        .len();
    let moved = ops.iter().find_map(|op| match op {
        Operation::ModDn {
            new_dn,
            removal: None,
            ..
        } => Some(new_dn.as_str()),
        _ => None,
    });
    let changes = format!(
        "{attribute_changes} attribute change{}, +{}/-{} members{}",
        if attribute_changes == 1 { "" } else { "s" },
        group.members_added,
        group.members_removed,
        not_written(&group.members_skipped)
    );
    match group.action {
        GroupAction::Create => format!(
            "create ({} member{}{})",
            group.members_added,
            if group.members_added == 1 { "" } else { "s" },
            not_written(&group.members_skipped)
        ),
        GroupAction::Update => {
            let mut parts = Vec::new();
            if let Some(new_dn) = moved {
                parts.push(format!("rename/move to {}", printable(new_dn)));
            }
            if attribute_changes + group.members_added + group.members_removed > 0 {
                parts.push(format!("update ({changes})"));
            }
            parts.join("; ")
        }
        GroupAction::Unchanged => format!("unchanged{}", not_written(&group.members_skipped)),
        GroupAction::Adopt => format!("adopt Entra Connect's group in place ({changes})"),
        GroupAction::Delete => "delete (no longer in scope)".to_owned(),
        GroupAction::MoveToHolding => {
            format!("move to the holding OU ({})", printable(&group.dn))
        }
        GroupAction::Keep => "keep (the removal policy keeps it in AD)".to_owned(),
        GroupAction::Skipped => format!("skipped: {}", printable(&group.problems.join("; "))),
    }
}

/// `, n members not written (first reason)` when cloud members are not written.
fn not_written(skipped: &[SkippedMember]) -> String {
    match skipped.first() {
        None => String::new(),
        Some(first) => format!(
            ", {} member{} not written (first: {}, {})",
            skipped.len(),
            if skipped.len() == 1 { "" } else { "s" },
            printable(&first.id),
            first.reason
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::RuleNote;
    use gwb_ad::{Change, ChangeKind, Conflict, GroupReport};
    use gwb_model::{Member, MemberKind};

    const A: &str = "0000000a-0000-4000-8000-000000000001";
    const B: &str = "0000000b-0000-4000-8000-000000000002";
    const C: &str = "0000000c-0000-4000-8000-000000000003";
    const D: &str = "0000000d-0000-4000-8000-000000000004";
    const OU: &str = "OU=Cloud,DC=gwb,DC=test";

    fn cloud(id: &str, name: &str, unified: bool, members: usize) -> CloudGroup {
        CloudGroup {
            id: id.into(),
            display_name: Some(name.into()),
            security_enabled: Some(!unified),
            mail_enabled: Some(unified),
            group_types: if unified {
                vec!["Unified".into()]
            } else {
                vec![]
            },
            members: (0..members)
                .map(|i| Member {
                    id: format!("u{i}"),
                    kind: MemberKind::User,
                })
                .collect(),
            ..CloudGroup::default()
        }
    }

    fn report(
        id: &str,
        dn: &str,
        action: GroupAction,
        added: usize,
        removed: usize,
    ) -> GroupReport {
        GroupReport {
            object_id: id.into(),
            dn: dn.into(),
            action,
            members_added: added,
            members_removed: removed,
            members_before: 0,
            members_skipped: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// Four groups: A renamed and updated, B out of scope, C failed in a plugin's naming, D
    /// in a conflict; one line per step, in order, a block per group.
    #[test]
    fn each_group_tells_every_step_it_reached() {
        let mut steps = Steps::read(&[
            cloud(A, "Sales \u{1b}[31mEU", true, 12),
            cloud(B, "Old", false, 1),
            cloud(C, "Broken", false, 0),
            cloud(D, "Taken", false, 2),
        ]);
        let desired = |id: &str, cn: &str| DesiredGroup {
            object_id: id.into(),
            cn: cn.into(),
            parent_dn: OU.into(),
            sam_account_name: None,
            attributes: Default::default(),
            members: Vec::new(),
        };
        let transformed = Transformed {
            desired: vec![desired(A, "Sales, EU"), desired(D, "Taken")],
            notes: vec![
                RuleNote {
                    object_id: A.into(),
                    display_name: None,
                    kind: NoteKind::Warnings {
                        warnings: vec!["sAMAccountName cut to 20 characters".into()],
                    },
                },
                RuleNote {
                    object_id: B.into(),
                    display_name: None,
                    kind: NoteKind::Rejected(Rejection::Skipped {
                        by: "scope".into(),
                        reason: "not in the sales department".into(),
                    }),
                },
                RuleNote {
                    object_id: C.into(),
                    display_name: None,
                    kind: NoteKind::Rejected(Rejection::Failed {
                        by: "router".into(),
                        stage: Some(Stage::Naming),
                        message: "plugin `router` (naming stage) returned an error".into(),
                        fault: false,
                    }),
                },
            ],
        };
        steps.rules(
            &transformed,
            &StagePlugins {
                filter: vec!["scope".into()],
                naming: vec!["router".into()],
                mapping: Vec::new(),
            },
        );
        let old = format!("CN=Sales_000000000001,{OU}");
        let new = format!("CN=Sales\\, EU,{OU}");
        let plan = Plan {
            operations: vec![
                Operation::ModDn {
                    object_id: A.into(),
                    dn: old.clone(),
                    new_rdn: "CN=Sales\\, EU".into(),
                    new_superior: None,
                    new_dn: new.clone(),
                    removal: None,
                },
                Operation::Modify {
                    object_id: A.into(),
                    dn: new.clone(),
                    changes: vec![
                        Change {
                            kind: ChangeKind::Delete,
                            attribute: "displayName".into(),
                            values: vec!["Sales".into()],
                        },
                        Change {
                            kind: ChangeKind::Add,
                            attribute: "displayName".into(),
                            values: vec!["Sales EU".into()],
                        },
                        Change {
                            kind: ChangeKind::Add,
                            attribute: "extensionName".into(),
                            values: vec!["gwb:wrote=displayname=00".into()],
                        },
                        Change {
                            kind: ChangeKind::Add,
                            attribute: "member".into(),
                            values: vec!["CN=u".into()],
                        },
                    ],
                },
            ],
            groups: [
                (A.to_owned(), report(A, &new, GroupAction::Update, 1, 0)),
                (D.to_owned(), {
                    let mut d = report(D, "", GroupAction::Skipped, 0, 0);
                    d.problems.push("conflict".into());
                    d
                }),
            ]
            .into(),
            conflicts: vec![Conflict {
                object_id: D.into(),
                ours: format!("CN=Taken,{OU} (Group_{D})"),
                theirs: format!("CN=Taken,{OU} (objectGUID x, no anchor)"),
                reason: "DN taken; rename theirs".into(),
            }],
            ..Plan::default()
        };
        let current = vec![CurrentGroup {
            dn: old.clone(),
            object_guid: "q83vEjRWeJA=".into(),
            object_id: A.into(),
            marks: vec!["gwb:tenant=t1".into()],
            ..CurrentGroup::default()
        }];
        steps.reconciled(&plan, &current, &OwnerMark::for_tenant("T1"));
        assert_eq!(
            steps.render(),
            format!(
                "read      Graph: \"Sales \\u{{1b}}[31mEU\" ({A}), Microsoft 365, 12 members\n\
                 scope     in scope\n\
                 rules     CN=Sales\\, EU,{OU}  (filter: write by scope; naming: router; mapping: none)\n\
                 rules     warning: sAMAccountName cut to 20 characters\n\
                 match     AD: {old} (gwb's, objectGUID q83vEjRWeJA=)\n\
                 action    rename/move to {new}; update (1 attribute change, +1/-0 members)\n\
                 \n\
                 read      Graph: \"Old\" ({B}), security, 1 member\n\
                 scope     out of scope: not in the sales department (by scope)\n\
                 match     AD: no group anchored Group_{B}\n\
                 action    skipped: out of scope, and no group of gwb's in AD to remove\n\
                 \n\
                 read      Graph: \"Broken\" ({C}), security, 0 members\n\
                 scope     in scope\n\
                 rules     failed: plugin `router` (naming stage) returned an error\n\
                 match     AD: not read (the rules failed, so AD is left as it is)\n\
                 action    skipped: the rules failed; AD is left as it is\n\
                 \n\
                 read      Graph: \"Taken\" ({D}), security, 2 members\n\
                 scope     in scope\n\
                 rules     CN=Taken,{OU}  (filter: write by scope; naming: router; mapping: none)\n\
                 match     conflict: CN=Taken,{OU} (objectGUID x, no anchor) stands where \
                 CN=Taken,{OU} (Group_{D}) should be: DN taken; rename theirs\n\
                 action    skipped: conflict\n\
                 \n"
            )
        );
    }

    #[test]
    fn a_sync_adds_each_operations_outcome() {
        let mut steps = Steps::read(&[cloud(A, "A", false, 1), cloud(B, "B", false, 1)]);
        steps.applied(&ApplyReport {
            operations: vec![gwb_ad::OperationReport {
                operation: "add CN=A,OU=x".into(),
                object_id: Some(A.into()),
                outcome: Outcome::Failed("insufficient access".into()),
            }],
        });
        let text = steps.render();
        assert!(
            text.contains("result    FAILED (insufficient access): add CN=A,OU=x\n"),
            "{text}"
        );
        assert!(text.contains("result    nothing written\n"), "{text}");
    }
}
