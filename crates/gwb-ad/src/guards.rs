//! Safety guards checked on a Plan before any write: delete and creation thresholds,
//! member-removal thresholds, and an empty source. A tripped guard's message names the rules-file key and
//! the `gwb sync`/`gwb plan` option that override it.

use gwb_model::limits;

use crate::plan::{GroupAction, Plan};

/// Limits a plan must respect; a tripped guard stops the run before any write.
#[derive(Debug, Clone, PartialEq)]
pub struct Guards {
    /// Most groups one run may delete or move to the holding OU (Connect's default: 500).
    pub max_deletes: usize,
    /// Most groups one run may create.
    pub max_creates: usize,
    /// Most groups one run may remove, as a percentage of the owned groups; applies once a run
    /// removes at least [`Guards::percent_floor`] groups.
    pub max_delete_percent: f64,
    /// Removals below this count never trip the percentage guard.
    pub percent_floor: usize,
    /// Most members one group may lose in a run, as a percentage of its current members;
    /// applies to groups with at least [`Guards::member_floor`] members.
    pub max_member_removal_percent: f64,
    /// Groups smaller than this never trip the member-removal guard.
    pub member_floor: usize,
    /// Allow a run whose source delivered no group while AD holds owned groups.
    pub allow_empty_source: bool,
}

impl Default for Guards {
    /// The rules file's `[guards]` defaults ([`gwb_model::limits`]), floors of 10.
    fn default() -> Self {
        Self {
            max_deletes: limits::MAX_DELETES,
            max_creates: limits::MAX_CREATES,
            max_delete_percent: limits::MAX_DELETE_PERCENT,
            percent_floor: 10,
            max_member_removal_percent: limits::MAX_MEMBER_REMOVAL_PERCENT,
            member_floor: 10,
            allow_empty_source: false,
        }
    }
}

impl Guards {
    /// True when checking `plan` needs the number of owned groups: the percentage guard only
    /// looks at plans that remove at least [`Guards::percent_floor`] groups. An incremental
    /// round reads only its own groups, so it counts the owned ones only then.
    pub fn need_owned_count(&self, plan: &Plan) -> bool {
        plan.removals() >= self.percent_floor
    }
}

/// A tripped guard: what it saw, and the `[guards]` key and command-line option that override
/// it (the percentage suggested is the smallest whole one that lets the plan through).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GuardError {
    /// The source delivered nothing while AD has owned groups.
    #[error(
        "the source delivered no groups while AD holds {owned} groups gwb owns; nothing was written. \
         If every group really should go, set [guards] allow_empty_source = true or pass \
         --allow-empty-source"
    )]
    EmptySource {
        /// Owned groups in AD.
        owned: usize,
    },
    /// Too many group removals.
    #[error(
        "the plan removes {removals} groups, over the limit of {limit}; nothing was written. \
         Review the plan (gwb plan), then raise [guards] max_deletes or pass --max-deletes \
         {removals} to proceed"
    )]
    TooManyDeletes {
        /// Planned removals.
        removals: usize,
        /// The limit.
        limit: usize,
    },
    /// Too many groups created.
    #[error(
        "the plan creates {creates} groups, over the limit of {limit}; nothing was written. \
         Review the plan (gwb plan) and the rules' scope, then raise [guards] max_creates or \
         pass --max-creates {creates} to proceed"
    )]
    TooManyCreates {
        /// Planned creations.
        creates: usize,
        /// The limit.
        limit: usize,
    },
    /// Too large a share of the owned groups removed.
    #[error(
        "the plan removes {removals} of {owned} owned groups ({percent:.1} %), over the limit of {limit} %; \
         nothing was written. Review the plan (gwb plan), then raise [guards] max_delete_percent \
         or pass --max-delete-percent {} to proceed",
        .percent.ceil()
    )]
    TooManyDeletesPercent {
        /// Planned removals.
        removals: usize,
        /// Owned groups.
        owned: usize,
        /// The share.
        percent: f64,
        /// The limit.
        limit: f64,
    },
    /// A group would lose too many members.
    #[error(
        "group {dn} would lose {removed} of its {before} members ({percent:.1} %), over the limit \
         of {limit} %; nothing was written. Review the plan (gwb plan), then raise [guards] \
         max_member_removal_percent or pass --max-member-removal-percent {} to proceed",
        .percent.ceil()
    )]
    TooManyMemberRemovals {
        /// The group's DN.
        dn: String,
        /// Members to remove.
        removed: usize,
        /// Members now.
        before: usize,
        /// The share.
        percent: f64,
        /// The limit.
        limit: f64,
    },
}

/// Checks a plan against the guards.
pub fn check(plan: &Plan, guards: &Guards) -> Result<(), GuardError> {
    // Only a full round says "this is everything": an incremental round without changes is
    // empty by nature.
    if plan.full && plan.desired_count == 0 && plan.owned_count > 0 && !guards.allow_empty_source {
        return Err(GuardError::EmptySource {
            owned: plan.owned_count,
        });
    }
    let removals = plan.removals();
    if removals > guards.max_deletes {
        return Err(GuardError::TooManyDeletes {
            removals,
            limit: guards.max_deletes,
        });
    }
    let creates = plan
        .groups
        .values()
        .filter(|report| report.action == GroupAction::Create)
        .count();
    if creates > guards.max_creates {
        return Err(GuardError::TooManyCreates {
            creates,
            limit: guards.max_creates,
        });
    }
    if guards.need_owned_count(plan) && plan.owned_count > 0 {
        let percent = removals as f64 * 100.0 / plan.owned_count as f64;
        if percent > guards.max_delete_percent {
            return Err(GuardError::TooManyDeletesPercent {
                removals,
                owned: plan.owned_count,
                percent,
                limit: guards.max_delete_percent,
            });
        }
    }
    for report in plan.groups.values() {
        if matches!(report.action, GroupAction::Skipped)
            || report.members_before < guards.member_floor
        {
            continue;
        }
        let percent = report.members_removed as f64 * 100.0 / report.members_before as f64;
        if percent > guards.max_member_removal_percent {
            return Err(GuardError::TooManyMemberRemovals {
                dn: report.dn.clone(),
                removed: report.members_removed,
                before: report.members_before,
                percent,
                limit: guards.max_member_removal_percent,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{GroupReport, Operation, Removal};

    fn plan_with(removals: usize, owned: usize, desired: usize) -> Plan {
        Plan {
            operations: (0..removals)
                .map(|i| Operation::Delete {
                    object_id: format!("{i}"),
                    dn: format!("CN={i},DC=x"),
                    removal: Removal::NoLongerDesired,
                })
                .collect(),
            owned_count: owned,
            desired_count: desired,
            full: true,
            ..Plan::default()
        }
    }

    #[test]
    fn the_owned_count_is_needed_from_the_percentage_floor_on() {
        let g = Guards::default();
        assert!(!g.need_owned_count(&plan_with(9, 0, 1)));
        assert!(g.need_owned_count(&plan_with(10, 0, 1)));
    }

    #[test]
    fn delete_thresholds_trip_and_name_the_override() {
        let g = Guards::default();
        assert_eq!(
            check(&plan_with(9, 10, 1), &g),
            Ok(()),
            "below the percentage floor"
        );
        let err = check(&plan_with(10, 40, 1), &g).unwrap_err();
        assert!(matches!(
            err,
            GuardError::TooManyDeletesPercent {
                removals: 10,
                owned: 40,
                ..
            }
        ));
        assert_eq!(
            err.to_string(),
            "the plan removes 10 of 40 owned groups (25.0 %), over the limit of 20 %; nothing was \
             written. Review the plan (gwb plan), then raise [guards] max_delete_percent or pass \
             --max-delete-percent 25 to proceed"
        );
        let suggested = Guards {
            max_delete_percent: 25.0,
            ..g.clone()
        };
        assert_eq!(check(&plan_with(10, 40, 1), &suggested), Ok(()));
        assert_eq!(check(&plan_with(10, 50, 1), &g), Ok(()));
        let err = check(&plan_with(501, 100_000, 1), &g).unwrap_err();
        assert_eq!(
            err,
            GuardError::TooManyDeletes {
                removals: 501,
                limit: 500
            }
        );
        assert_eq!(
            err.to_string(),
            "the plan removes 501 groups, over the limit of 500; nothing was written. Review the \
             plan (gwb plan), then raise [guards] max_deletes or pass --max-deletes 501 to proceed"
        );
        let raised = Guards {
            max_deletes: 501,
            ..g
        };
        assert_eq!(check(&plan_with(501, 100_000, 1), &raised), Ok(()));
    }

    #[test]
    fn the_creation_guard_trips_above_its_limit_and_names_the_override() {
        let plan = |creates: usize| Plan {
            groups: (0..creates)
                .map(|i| {
                    let id = format!("{i}");
                    let report =
                        GroupReport::new(&id, &format!("CN={i},DC=x"), GroupAction::Create);
                    (id, report)
                })
                .collect(),
            desired_count: creates,
            full: true,
            ..Plan::default()
        };
        let g = Guards::default();
        assert_eq!(check(&plan(500), &g), Ok(()), "at the limit");
        let err = check(&plan(501), &g).unwrap_err();
        assert_eq!(
            err,
            GuardError::TooManyCreates {
                creates: 501,
                limit: 500
            }
        );
        assert_eq!(
            err.to_string(),
            "the plan creates 501 groups, over the limit of 500; nothing was written. Review the \
             plan (gwb plan) and the rules' scope, then raise [guards] max_creates or pass \
             --max-creates 501 to proceed"
        );
        let raised = Guards {
            max_creates: 501,
            ..g
        };
        assert_eq!(check(&plan(501), &raised), Ok(()));
    }

    #[test]
    fn an_empty_source_is_refused_unless_allowed() {
        let err = check(&plan_with(0, 3, 0), &Guards::default()).unwrap_err();
        assert_eq!(err, GuardError::EmptySource { owned: 3 });
        assert_eq!(
            err.to_string(),
            "the source delivered no groups while AD holds 3 groups gwb owns; nothing was \
             written. If every group really should go, set [guards] allow_empty_source = true or \
             pass --allow-empty-source"
        );
        let allowed = Guards {
            allow_empty_source: true,
            ..Guards::default()
        };
        assert_eq!(check(&plan_with(0, 3, 0), &allowed), Ok(()));
        assert_eq!(check(&plan_with(0, 0, 0), &Guards::default()), Ok(()));
        let incremental = Plan {
            full: false,
            ..plan_with(0, 3, 0)
        };
        assert_eq!(
            check(&incremental, &Guards::default()),
            Ok(()),
            "an incremental round with no change is not an empty source"
        );
    }

    #[test]
    fn member_removals_per_group_are_limited() {
        let mut plan = plan_with(0, 1, 1);
        let mut report = GroupReport::new("a", "CN=a,DC=x", GroupAction::Update);
        report.members_before = 20;
        report.members_removed = 11;
        plan.groups.insert("a".into(), report.clone());
        let err = check(&plan, &Guards::default()).unwrap_err();
        assert!(matches!(
            err,
            GuardError::TooManyMemberRemovals {
                removed: 11,
                before: 20,
                ..
            }
        ));
        assert_eq!(
            err.to_string(),
            "group CN=a,DC=x would lose 11 of its 20 members (55.0 %), over the limit of 50 %; \
             nothing was written. Review the plan (gwb plan), then raise [guards] \
             max_member_removal_percent or pass --max-member-removal-percent 55 to proceed"
        );
        let suggested = Guards {
            max_member_removal_percent: 55.0,
            ..Guards::default()
        };
        assert_eq!(check(&plan, &suggested), Ok(()));
        report.members_removed = 10;
        plan.groups.insert("a".into(), report.clone());
        assert_eq!(check(&plan, &Guards::default()), Ok(()));
        report.members_before = 9;
        report.members_removed = 9;
        plan.groups.insert("a".into(), report);
        assert_eq!(
            check(&plan, &Guards::default()),
            Ok(()),
            "small groups are below the floor"
        );
    }
}
