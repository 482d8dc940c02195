//! What `gwb disable` reports: per group what each mode does to it (the preview), and after a
//! mode the closing summary for people and the `--report FILE` JSON, shaped like a sync's.

use std::fmt::Write;

use gwb_ad::{
    ApplyReport, CurrentGroup, OWNER_ATTRIBUTE, Operation, OwnerMark, disable, written_record,
};
use gwb_model::printable::printable;
use serde::Serialize;

use crate::report::{GROUP_LINES, OperationEntry, write_capped};

/// What `--release` means for Entra Connect, said wherever a release is previewed or done.
pub const RELEASE_WARNING: &str = "released groups no longer carry a Group_ anchor, and Entra \
    Connect's default inbound filter only excludes objects whose adminDescription starts with \
    Group_: released groups inside Connect's AD sync scope may sync up to Entra ID as \
    duplicates. Keep the managed OUs out of Connect's scope, or delete the groups instead";

/// Everything one `gwb disable` run did, in the shape `--report` writes.
#[derive(Debug, Default, Serialize)]
pub struct DisableReport {
    /// `plan`, `delete`, `release` or `keep`.
    pub mode: String,
    /// When this run turned writeback off (an HTTP date); absent for `plan`, a guard stop.
    pub disabled_at: Option<String>,
    /// Every group gwb owns, sorted by object id, with what each mode does to it.
    pub groups: Vec<GroupEntry>,
    /// The mode's operations in order, with their outcome.
    pub operations: Vec<OperationEntry>,
    /// The tripped guard's message, when one stopped the run.
    pub guard: Option<String>,
    /// Warnings, each saying what to do.
    pub warnings: Vec<String>,
    /// The counts of the closing summary.
    pub summary: Summary,
    /// Where the run's time went.
    pub timings: Timings,
}

/// One group gwb owns.
#[derive(Debug, Serialize)]
pub struct GroupEntry {
    /// The cloud object id of its anchor.
    pub object_id: String,
    /// `objectGUID`, base64.
    pub object_guid: String,
    /// Its DN.
    pub dn: String,
    /// AD protects it (`adminCount=1` or `isCriticalSystemObject=TRUE`): no mode changes it.
    pub protected: bool,
    /// What `--delete` does to it.
    pub delete: String,
    /// What `--release` does to it.
    pub release: String,
    /// What `--keep` does to it.
    pub keep: String,
}

/// The counts of the closing summary.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    /// Groups gwb owned when the run read AD.
    pub owned: usize,
    /// Groups deleted.
    pub deleted: usize,
    /// Groups released (gwb's values and anchors removed).
    pub released: usize,
    /// Groups left as they are by `--keep`.
    pub kept: usize,
    /// Protected groups no mode changes.
    pub protected_skipped: usize,
    /// Groups whose operation the directory refused or that were not attempted.
    pub failed: usize,
}

/// Wall time of each phase, in seconds; a phase the run did not reach stays 0.
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct Timings {
    /// Connecting to AD and reading its rootDSE and schema.
    pub ad_connect: f64,
    /// Reading the groups gwb owns.
    pub ad_read: f64,
    /// Applying the mode's operations.
    pub apply: f64,
}

/// What `--delete` does to a protected group, and `--release` too.
const PROTECTED: &str = "kept as it is: AD protects it (adminCount=1 or \
    isCriticalSystemObject=TRUE) and gwb never changes it; it still carries gwb's mark";

impl GroupEntry {
    /// The entry of an owned group, with what each mode does to it.
    pub fn new(group: &CurrentGroup, owner: &OwnerMark) -> Self {
        let (delete, release) = if group.protected {
            (PROTECTED.to_owned(), PROTECTED.to_owned())
        } else {
            ("deleted".to_owned(), release_text(group, owner))
        };
        Self {
            object_id: group.object_id.clone(),
            object_guid: group.object_guid.clone(),
            dn: group.dn.clone(),
            protected: group.protected,
            delete,
            release,
            keep: "left as it is, still gwb's".to_owned(),
        }
    }
}

/// What `--release` removes from an unprotected group.
fn release_text(group: &CurrentGroup, owner: &OwnerMark) -> String {
    let mut parts = Vec::new();
    for change in disable::release_changes(group, owner) {
        if change.attribute == OWNER_ATTRIBUTE {
            let records = change
                .values
                .iter()
                .filter(|v| written_record::is_entry(v))
                .count();
            let marks = change.values.len() - records;
            let what: Vec<String> = [
                (marks > 0).then(|| "gwb's mark".to_owned()),
                (records > 0).then(|| format!("{records} gwb:wrote record value(s)")),
            ]
            .into_iter()
            .flatten()
            .collect();
            parts.push(format!("{} from {OWNER_ATTRIBUTE}", what.join(" and ")));
        } else {
            parts.extend(
                change
                    .values
                    .iter()
                    .map(|v| format!("{} {v}", change.attribute)),
            );
        }
    }
    format!(
        "removes {}; keeps its members and every other attribute",
        parts.join(", ")
    )
}

impl DisableReport {
    /// The `--plan` preview for people: per group what each mode does, then how to go on.
    pub fn render_plan(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "gwb disable --plan: {} group(s) gwb owns in the managed OUs; nothing was written",
            self.summary.owned
        );
        let _ = writeln!(
            out,
            "  preview saved: next run exactly one of `gwb disable --delete`, `--release` or \
             `--keep`; each refuses to run if the groups gwb owns change first"
        );
        let _ = writeln!(out, "  WARNING for --release: {RELEASE_WARNING}");
        for group in &self.groups {
            let _ = writeln!(
                out,
                "\n{} (objectId {}, objectGUID {}){}",
                printable(&group.dn),
                printable(&group.object_id),
                group.object_guid,
                if group.protected { " PROTECTED" } else { "" }
            );
            for (mode, what) in [
                ("--delete: ", &group.delete),
                ("--release:", &group.release),
                ("--keep:   ", &group.keep),
            ] {
                let _ = writeln!(out, "  {mode} {}", printable(what));
            }
        }
        out
    }

    /// Counts the outcome of `applied`, the apply of `operations` (in the same order).
    pub fn add_apply(&mut self, operations: &[Operation], applied: &ApplyReport) {
        self.operations = applied
            .operations
            .iter()
            .map(OperationEntry::applied)
            .collect();
        for (op, entry) in operations.iter().zip(&self.operations) {
            if entry.failed() {
                self.summary.failed += 1;
            } else if matches!(op, Operation::Delete { .. }) {
                self.summary.deleted += 1;
            } else {
                self.summary.released += 1;
            }
        }
    }

    /// The closing summary of a mode for people.
    pub fn render_summary(&self, detail: bool) -> String {
        let mut out = String::new();
        let s = &self.summary;
        let _ = writeln!(
            out,
            "gwb disable --{}: {} group(s) gwb owns in the managed OUs",
            self.mode, s.owned
        );
        if let Some(guard) = &self.guard {
            let _ = writeln!(out, "  STOPPED BY A GUARD: {}", printable(guard));
            let _ = writeln!(out, "  writeback is still on: nothing was written");
        }
        if let Some(at) = &self.disabled_at {
            let _ = writeln!(
                out,
                "  writeback turned off on {at}: `gwb sync` and `gwb plan` refuse to run until \
                 `gwb state reset`; the Graph state was removed"
            );
        }
        let _ = writeln!(
            out,
            "  deleted {}, released {}, kept {}, protected skipped {}, failed {}",
            s.deleted, s.released, s.kept, s.protected_skipped, s.failed
        );
        let t = &self.timings;
        let _ = writeln!(
            out,
            "  time: AD connect {:.2} s, AD read {:.2} s, apply {:.2} s",
            t.ad_connect, t.ad_read, t.apply
        );
        let warnings = self
            .warnings
            .iter()
            .map(|w| format!("WARNING: {w}"))
            .collect();
        let protected = self
            .groups
            .iter()
            .filter(|g| g.protected)
            .map(|g| format!("PROTECTED {}: {PROTECTED}", g.dn))
            .collect();
        let failed = self
            .operations
            .iter()
            .filter(|o| o.failed())
            .map(OperationEntry::failure_line)
            .collect();
        let limit = if detail { usize::MAX } else { GROUP_LINES };
        for (lines, what) in [
            (warnings, "warnings"),
            (protected, "protected groups"),
            (failed, "failed or skipped operations"),
        ] {
            write_capped(&mut out, lines, limit, what);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use gwb_ad::{OperationReport, Outcome, Removal};

    use super::*;

    /// A delete the directory refused counts as failed, not deleted, and gets its line; the
    /// groups after it still count as done.
    #[test]
    fn a_refused_operation_is_counted_and_named() {
        let delete = |id: &str| Operation::Delete {
            object_id: id.into(),
            dn: format!("CN={id},DC=x"),
            removal: Removal::NoLongerDesired,
        };
        let operations = [delete("a"), delete("b"), delete("c")];
        let outcome = |op: &Operation, outcome| OperationReport {
            operation: op.summary(),
            object_id: op.object_id().map(str::to_owned),
            outcome,
        };
        let applied = ApplyReport {
            operations: vec![
                outcome(&operations[0], Outcome::Done),
                outcome(
                    &operations[1],
                    Outcome::Failed("insufficient access".into()),
                ),
                outcome(
                    &operations[2],
                    Outcome::AlreadyDone("the group is already gone".into()),
                ),
            ],
        };
        let mut report = DisableReport {
            mode: "delete".into(),
            summary: Summary {
                owned: 3,
                ..Summary::default()
            },
            ..DisableReport::default()
        };
        report.add_apply(&operations, &applied);
        assert_eq!((report.summary.deleted, report.summary.failed), (2, 1));
        assert_eq!(
            report.render_summary(false),
            "gwb disable --delete: 3 group(s) gwb owns in the managed OUs\n  deleted 2, released \
             0, kept 0, protected skipped 0, failed 1\n  time: AD connect 0.00 s, AD read 0.00 s, \
             apply 0.00 s\n  - FAILED delete CN=b,DC=x: insufficient access\n"
        );
    }
}
