//! The run report: a closing summary for people and a JSON file with every operation and
//! reason for programs (`--report FILE`).

use std::collections::BTreeMap;
use std::fmt::Write;

use anyhow::Context;

use gwb_ad::{
    ApplyReport, ChangeKind, GroupAction, Operation, OperationReport, Outcome as ApplyOutcome, Plan,
};
use gwb_graph::RoundStats;
use serde::Serialize;

use gwb_rules::Rejection;

use gwb_model::printable::{printable, printable_lines};
use gwb_model::shell::{self, Unquotable};
use gwb_wasm::{LOG_BYTES_PER_RUN, LOG_LINES_PER_RUN};

use crate::transform::{NoteKind, RuleNote};

/// Everything one `plan` or `sync` run did, in the shape `--report` writes.
#[derive(Debug, Default, Serialize)]
pub struct RunReport {
    /// `plan` or `sync`.
    pub mode: String,
    /// How Graph was read.
    pub source: SourceReport,
    /// Groups the rules skipped, failed, or wrote with warnings.
    pub rules: Vec<RuleNote>,
    /// Per-group decisions of the reconcile, sorted by object id.
    pub groups: Vec<GroupEntry>,
    /// Objects in the way of a desired group (those groups are skipped).
    pub conflicts: Vec<ConflictEntry>,
    /// The planned operations in order, with their outcome after a sync.
    pub operations: Vec<OperationEntry>,
    /// Groups this run makes mail recipients on-premises, which need `Update-Recipient`.
    pub update_recipient: Vec<RecipientEntry>,
    /// Warnings about the directory itself, e.g. a gwb group AD has nested into a protected
    /// group (each says what to do); they do not stop the run.
    pub directory_warnings: Vec<String>,
    /// The tripped guard's message, when one stopped the run.
    pub guard: Option<String>,
    /// Why the run was aborted, when a plugin fault aborted it.
    pub aborted: Option<String>,
    /// Why a sync did not advance the Graph state (its changes are read again next run).
    pub state_kept: Option<String>,
    /// Groups the next run reads again although they may not change (rule failures, groups
    /// reconcile skipped, groups with a failed operation), and cloud removals it hands over
    /// again (a delete or move AD refused).
    pub read_again_next_run: usize,
    /// Failed removals of groups the cloud no longer lists at all (found by a full round):
    /// there is nothing to read again, so the next full round tries them again.
    pub removals_left_to_full_round: usize,
    /// The counts of the closing summary.
    pub summary: Summary,
    /// The log lines each plugin wrote past its per-run cap, counted instead of written, by
    /// the plugin's name in the rules file; plugins within the cap are not listed.
    pub plugin_log_lines_dropped: BTreeMap<String, u64>,
    /// How often each plugin's instances were replaced by fresh ones between groups (after
    /// `limits.recycle_after_calls` calls, or when their memory ran short), by the plugin's
    /// name in the rules file; plugins never recycled are not listed.
    pub plugin_recycles: BTreeMap<String, u64>,
    /// Where the run's time went.
    pub timings: Timings,
}

/// Wall time of each phase of a run, in seconds; a phase the run did not reach stays 0.
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct Timings {
    /// Connecting to AD and reading its rootDSE and schema.
    pub ad_connect: f64,
    /// Reading the round from Microsoft Graph.
    pub graph_read: f64,
    /// Running the defaults and plugins over the round's groups.
    pub transform: f64,
    /// Reading the groups, members and names concerned from AD, and reconciling.
    pub compare: f64,
    /// Applying the plan and saving the Graph state (sync), or writing the LDIF (plan).
    pub write: f64,
}

/// How Graph was read.
#[derive(Debug, Default, Serialize)]
pub struct SourceReport {
    /// A full round (every group) rather than delta.
    pub full: bool,
    /// Provision on demand (`--group`): only the named groups, read now, the state untouched.
    pub on_demand: bool,
    /// Why the round was full.
    pub full_reason: Option<String>,
    /// HTTP requests, retries, pages, groups, deletes, users, member changes, resyncs.
    pub requests: u64,
    /// Retried requests.
    pub retries: u64,
    /// Pages read.
    pub pages: u64,
    /// Changed (or, on a full round, all) groups.
    pub groups: u64,
    /// Removed groups.
    pub deletes: u64,
    /// Users read.
    pub users: u64,
    /// Member additions and removals seen.
    pub member_changes: u64,
    /// Groups read again by id (asked for by the last run, or a member's anchors changed).
    pub read_again: u64,
    /// Removals handed over again because the last run could not finish them (counted in
    /// `deletes` too).
    pub deletes_again: u64,
    /// Microsoft 365 groups whose `allowExternalSenders` and `hideFromAddressLists` were read.
    pub exchange_settings_read: u64,
    /// Microsoft 365 groups whose settings could not be read; they keep the values read last.
    pub exchange_settings_unread: u64,
    /// Graph's answer to the first settings read that failed.
    pub exchange_settings_error: Option<String>,
}

impl SourceReport {
    /// From a round's facts.
    pub fn new(full: bool, full_reason: Option<String>, stats: &RoundStats) -> Self {
        Self {
            full,
            on_demand: false,
            full_reason,
            requests: stats.requests,
            retries: stats.retries,
            pages: stats.pages,
            groups: stats.groups,
            deletes: stats.deletes,
            users: stats.users,
            member_changes: stats.member_changes,
            read_again: stats.read_again,
            deletes_again: stats.deletes_again,
            exchange_settings_read: stats.exchange_settings_read,
            exchange_settings_unread: stats.exchange_settings_unread,
            exchange_settings_error: None,
        }
    }
}

/// One group's reconcile decision.
#[derive(Debug, Serialize)]
pub struct GroupEntry {
    /// The cloud object id.
    pub object_id: String,
    /// The DN after the plan.
    pub dn: String,
    /// create, update, unchanged, adopt, delete, move-to-holding, keep, skipped.
    pub action: String,
    /// Members to add.
    pub members_added: usize,
    /// Members to remove.
    pub members_removed: usize,
    /// Cloud members not written, each with its reason.
    pub members_skipped: Vec<SkippedMemberEntry>,
    /// Anything worth telling.
    pub problems: Vec<String>,
}

/// A cloud member that is not written to its group.
#[derive(Debug, Serialize)]
pub struct SkippedMemberEntry {
    /// The member's cloud object id.
    pub object_id: String,
    /// Why it is not written (e.g. "cloud-only user (onPremisesSyncEnabled is not true)").
    pub reason: String,
}

/// An object in the way.
#[derive(Debug, Serialize)]
pub struct ConflictEntry {
    /// The cloud object id.
    pub object_id: String,
    /// What gwb wanted.
    pub ours: String,
    /// What is there.
    pub theirs: String,
    /// What clashes and what to do.
    pub reason: String,
}

/// One planned operation.
#[derive(Debug, Serialize)]
pub struct OperationEntry {
    /// A one-line description.
    pub operation: String,
    /// The cloud object id, if any.
    pub object_id: Option<String>,
    /// done, already-done, skipped or failed after a sync; absent in a plan.
    pub outcome: Option<String>,
    /// The server's or apply's words for anything but done.
    pub detail: Option<String>,
}

impl OperationEntry {
    /// A planned operation, not (yet) applied.
    pub fn planned(op: &Operation) -> Self {
        Self {
            operation: op.summary(),
            object_id: op.object_id().map(str::to_owned),
            outcome: None,
            detail: None,
        }
    }

    /// An applied operation with its outcome.
    pub fn applied(op: &OperationReport) -> Self {
        let (outcome, detail) = match &op.outcome {
            ApplyOutcome::Done => ("done", None),
            ApplyOutcome::AlreadyDone(why) => ("already-done", Some(why.clone())),
            ApplyOutcome::Skipped(why) => ("skipped", Some(why.clone())),
            ApplyOutcome::Failed(why) => ("failed", Some(why.clone())),
        };
        Self {
            operation: op.operation.clone(),
            object_id: op.object_id.clone(),
            outcome: Some(outcome.into()),
            detail,
        }
    }

    /// True when the operation was refused or not attempted.
    pub fn failed(&self) -> bool {
        matches!(self.outcome.as_deref(), Some("failed" | "skipped"))
    }

    /// The summary line of a failed or skipped operation: `FAILED <operation>: <why>`.
    pub fn failure_line(&self) -> String {
        format!(
            "{} {}: {}",
            self.outcome.as_deref().unwrap_or_default().to_uppercase(),
            self.operation,
            self.detail.as_deref().unwrap_or_default()
        )
    }
}

/// Writes `report` as pretty JSON to `path` (`--report FILE`).
pub fn write_json(path: &std::path::Path, report: &impl Serialize) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(report)?;
    std::fs::write(path, json + "\n")
        .with_context(|| format!("cannot write the report to {}", path.display()))
}

/// A group the run creates with a `mailNickname` or gives one. On-premises Exchange shows it in
/// the address book only once `Update-Recipient` has stamped its own attributes on it
/// (Microsoft's "Configure Microsoft 365 Groups with on-premises Exchange hybrid"); gwb
/// cannot run Exchange's cmdlets, so it names the group and the line to run.
#[derive(Debug, Serialize)]
pub struct RecipientEntry {
    /// The cloud object id.
    pub object_id: String,
    /// The group's DN.
    pub dn: String,
    /// The group's objectGUID, once AD has given it one (read back after the write; a plan
    /// knows it for groups that exist already).
    pub object_guid: Option<String>,
    /// The Exchange Management Shell line for it: `Update-Recipient -Identity '<objectGUID>'`,
    /// which no group name can change; before the group has an objectGUID, its DN as one
    /// PowerShell literal. `None` when that DN cannot be one (it carries a control or
    /// bidirectional character): the summary says why.
    pub powershell: Option<String>,
}

/// The `Update-Recipient` line for the group Exchange knows by `identity`.
fn update_recipient_line(identity: &str) -> Result<String, Unquotable> {
    Ok(format!(
        "Update-Recipient -Identity {}",
        shell::powershell(identity)?
    ))
}

impl RecipientEntry {
    /// The entry for the group at `dn`, named by its DN until [`RecipientEntry::identify`].
    fn new(object_id: &str, dn: &str) -> Self {
        Self {
            object_id: object_id.to_owned(),
            dn: dn.to_owned(),
            object_guid: None,
            powershell: update_recipient_line(dn).ok(),
        }
    }

    /// Names the group by `object_guid` (text form) from now on.
    pub fn identify(&mut self, object_guid: String) {
        self.powershell = update_recipient_line(&object_guid).ok();
        self.object_guid = Some(object_guid);
    }

    /// The summary's line: the object id and the line to run, or why there is none yet.
    fn summary_line(&self) -> String {
        let line = match &self.powershell {
            Some(line) => Ok(line.clone()),
            None => update_recipient_line(&self.dn),
        };
        match line {
            Ok(line) => format!("{}: {line}", self.object_id),
            Err(why) => format!(
                "{}: no Update-Recipient line: {why}; once gwb sync has written the group, the \
                 line names it by its objectGUID",
                self.object_id
            ),
        }
    }

    /// The recipient entry for `op`, when it writes a `mailNickname`.
    fn for_operation(op: &Operation) -> Option<Self> {
        let is_alias = |name: &str| name.eq_ignore_ascii_case("mailNickname");
        match op {
            Operation::Add {
                object_id,
                dn,
                attributes,
            } if attributes.iter().any(|(name, _)| is_alias(name)) => {
                Some(Self::new(object_id, dn))
            }
            Operation::Modify {
                object_id,
                dn,
                changes,
            } if changes.iter().any(|c| {
                is_alias(&c.attribute) && c.kind != ChangeKind::Delete && !c.values.is_empty()
            }) =>
            {
                Some(Self::new(object_id, dn))
            }
            _ => None,
        }
    }
}

/// The counts of the closing summary.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    /// Groups created.
    pub created: usize,
    /// Groups whose attributes or members change.
    pub updated: usize,
    /// Groups renamed or moved (modrdn).
    pub renamed: usize,
    /// Groups deleted.
    pub deleted: usize,
    /// Groups moved to the holding OU.
    pub moved_to_holding: usize,
    /// Groups taken over from Entra Connect.
    pub adopted: usize,
    /// Groups already as desired.
    pub unchanged: usize,
    /// Groups skipped, by who skipped them (`defaults`, a plugin, `reconcile`).
    pub skipped: BTreeMap<String, usize>,
    /// Conflicts.
    pub conflicts: usize,
    /// Cloud members not written, all reasons together.
    pub members_without_ad_account: usize,
    /// Cloud members not written, by reason.
    pub members_skipped: BTreeMap<String, usize>,
    /// Plugin crashes and limit hits.
    pub plugin_faults: usize,
    /// Groups the rules could not transform (plugin errors, invalid output).
    pub rule_failures: usize,
    /// Operations the directory refused.
    pub apply_failures: usize,
}

impl RunReport {
    /// Fills groups, conflicts, operations and the counts from a plan.
    pub fn add_plan(&mut self, plan: &Plan) {
        for report in plan.groups.values() {
            self.summary.members_without_ad_account += report.members_skipped.len();
            for skipped in &report.members_skipped {
                *self
                    .summary
                    .members_skipped
                    .entry(skipped.reason.to_string())
                    .or_default() += 1;
            }
            match report.action {
                GroupAction::Create => self.summary.created += 1,
                GroupAction::Update => self.summary.updated += 1,
                GroupAction::Unchanged => self.summary.unchanged += 1,
                GroupAction::Adopt => self.summary.adopted += 1,
                GroupAction::Delete => self.summary.deleted += 1,
                GroupAction::MoveToHolding => self.summary.moved_to_holding += 1,
                GroupAction::Keep => {}
                GroupAction::Skipped => {
                    *self.summary.skipped.entry("reconcile".into()).or_default() += 1
                }
            }
            self.groups.push(GroupEntry {
                object_id: report.object_id.clone(),
                dn: report.dn.clone(),
                action: action_name(report.action).into(),
                members_added: report.members_added,
                members_removed: report.members_removed,
                members_skipped: report
                    .members_skipped
                    .iter()
                    .map(|m| SkippedMemberEntry {
                        object_id: m.id.clone(),
                        reason: m.reason.to_string(),
                    })
                    .collect(),
                problems: report.problems.clone(),
            });
        }
        self.summary.renamed = plan
            .operations
            .iter()
            .filter(|op| matches!(op, Operation::ModDn { removal: None, .. }))
            .count();
        self.summary.conflicts = plan.conflicts.len();
        self.conflicts = plan
            .conflicts
            .iter()
            .map(|c| ConflictEntry {
                object_id: c.object_id.clone(),
                ours: c.ours.clone(),
                theirs: c.theirs.clone(),
                reason: c.reason.clone(),
            })
            .collect();
        self.update_recipient = plan
            .operations
            .iter()
            .filter_map(RecipientEntry::for_operation)
            .collect();
        self.operations = plan
            .operations
            .iter()
            .map(OperationEntry::planned)
            .collect();
    }

    /// Counts the rules' notes.
    pub fn add_rule_notes(&mut self, notes: Vec<RuleNote>) {
        for note in &notes {
            match &note.kind {
                NoteKind::Rejected(Rejection::Skipped { by, .. }) => {
                    *self.summary.skipped.entry(by.clone()).or_default() += 1;
                }
                NoteKind::Rejected(Rejection::Failed { fault: true, .. }) => {
                    self.summary.plugin_faults += 1;
                }
                NoteKind::Rejected(Rejection::Failed { fault: false, .. }) => {
                    self.summary.rule_failures += 1;
                }
                NoteKind::Warnings { .. } => {}
            }
        }
        self.rules = notes;
    }

    /// Records the apply outcome of every operation.
    pub fn add_apply(&mut self, applied: &ApplyReport) {
        self.operations = applied
            .operations
            .iter()
            .map(OperationEntry::applied)
            .collect();
        self.summary.apply_failures = applied.failures().count();
        // Only the groups whose write went through need Update-Recipient.
        self.update_recipient.retain(|entry| {
            applied.operations.iter().any(|op| {
                op.object_id.as_deref() == Some(entry.object_id.as_str())
                    && matches!(op.outcome, ApplyOutcome::Done)
            })
        });
    }

    /// True when some group failed in the rules or in the directory.
    pub fn has_group_failures(&self) -> bool {
        let s = &self.summary;
        s.plugin_faults + s.rule_failures + s.apply_failures > 0
            || self
                .operations
                .iter()
                .any(|o| o.outcome.as_deref() == Some("skipped"))
    }

    /// The closing summary for people. Skipped groups come as one line per skip reason with
    /// its count; failures, warnings, conflicts and failed operations one line per group, at
    /// most [`GROUP_LINES`] of each kind. `detail` (`-v`) lists every group instead; the
    /// report (`--report`) always has every group.
    pub fn render_summary(&self, detail: bool) -> String {
        let mut out = String::new();
        let s = &self.summary;
        let source = &self.source;
        let round = match (&source.full, &source.full_reason) {
            (true, Some(reason)) => format!("full round ({})", printable(reason)),
            (true, None) => "full round".to_owned(),
            (false, _) if source.on_demand => "provision on demand".to_owned(),
            (false, _) => "incremental round".to_owned(),
        };
        let _ = writeln!(
            out,
            "gwb {}: {round}: {} group(s), {} removal(s), {} user(s) from Graph in {} request(s), {} retried",
            self.mode, source.groups, source.deletes, source.users, source.requests, source.retries
        );
        if let Some(aborted) = &self.aborted {
            let _ = writeln!(out, "  ABORTED: {}", printable_lines(aborted, "    "));
        }
        if let Some(guard) = &self.guard {
            let _ = writeln!(out, "  STOPPED BY A GUARD: {}", printable(guard));
        }
        if source.exchange_settings_unread > 0 {
            let _ = writeln!(
                out,
                "  WARNING: allowExternalSenders/hideFromAddressLists could not be read for {} \
                 group(s): {}; msExchRequireAuthToSendTo and msExchHideFromAddressLists keep \
                 the values gwb read last (Exchange Online masters these two and refuses them \
                 to some app-only tokens; nothing else in the run is affected)",
                source.exchange_settings_unread,
                printable(
                    source
                        .exchange_settings_error
                        .as_deref()
                        .unwrap_or("no answer")
                )
            );
        }
        if let Some(kept) = &self.state_kept {
            let _ = writeln!(out, "  Graph state not advanced: {kept}");
        }
        if self.read_again_next_run > 0 {
            let _ = writeln!(
                out,
                "  {} group(s) that failed or were skipped here are read again next run",
                self.read_again_next_run
            );
        }
        if self.removals_left_to_full_round > 0 {
            let _ = writeln!(
                out,
                "  {} failed removal(s) of groups the cloud no longer lists are tried again by \
                 the next full round (`gwb sync --full`, or full_every_runs/full_every_days)",
                self.removals_left_to_full_round
            );
        }
        let _ = writeln!(
            out,
            "  created {}, updated {}, renamed/moved {}, deleted {}, moved to holding OU {}, adopted {}, unchanged {}",
            s.created, s.updated, s.renamed, s.deleted, s.moved_to_holding, s.adopted, s.unchanged
        );
        let skipped: usize = s.skipped.values().sum();
        let by: Vec<String> = s
            .skipped
            .iter()
            .map(|(who, n)| format!("{n} by {who}"))
            .collect();
        let _ = writeln!(
            out,
            "  skipped {skipped}{}",
            if by.is_empty() {
                String::new()
            } else {
                format!(" ({})", by.join(", "))
            }
        );
        let _ = writeln!(
            out,
            "  conflicts {}, plugin faults {}, rule failures {}, apply failures {}",
            s.conflicts, s.plugin_faults, s.rule_failures, s.apply_failures
        );
        if !self.update_recipient.is_empty() {
            let _ = writeln!(
                out,
                "  {} group(s) new to on-premises Exchange: run Update-Recipient for each \
                 (listed below; every line is in --report) so they show in the address book",
                self.update_recipient.len()
            );
        }
        for (plugin, dropped) in &self.plugin_log_lines_dropped {
            let _ = writeln!(out, "  {}", log_cap_line(plugin, *dropped));
        }
        for (plugin, recycles) in &self.plugin_recycles {
            let _ = writeln!(out, "  {}", recycle_line(plugin, *recycles));
        }
        let groups_missing = self
            .groups
            .iter()
            .filter(|g| !g.members_skipped.is_empty())
            .count();
        let reasons: Vec<String> = s
            .members_skipped
            .iter()
            .map(|(reason, n)| format!("{n} {reason}"))
            .collect();
        let _ = writeln!(
            out,
            "  members skipped: {} in {groups_missing} group(s){}",
            s.members_without_ad_account,
            if reasons.is_empty() {
                String::new()
            } else {
                format!(": {}", reasons.join(", "))
            }
        );
        let t = &self.timings;
        let _ = writeln!(
            out,
            "  time: AD connect {:.2} s, Graph read {:.2} s, transform {:.2} s, AD read and compare {:.2} s, {} {:.2} s",
            t.ad_connect,
            t.graph_read,
            t.transform,
            t.compare,
            if self.mode == "sync" { "apply" } else { "LDIF" },
            t.write
        );
        self.render_group_lines(&mut out, detail);
        out
    }
}

impl RunReport {
    /// The lines about single groups and operations, after the counts.
    fn render_group_lines(&self, out: &mut String, detail: bool) {
        let mut skip_reasons: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        let mut rejected = Vec::new();
        let mut warnings = Vec::new();
        for note in &self.rules {
            let name = note.display_name.as_deref().unwrap_or("");
            let line = |what: String| format!("{} \"{name}\": {what}", note.object_id);
            match &note.kind {
                NoteKind::Rejected(Rejection::Skipped { by, reason }) if !detail => {
                    *skip_reasons.entry((by, reason)).or_default() += 1;
                }
                NoteKind::Rejected(Rejection::Skipped { by, reason }) => {
                    rejected.push(line(format!("skipped by {by}: {reason}")));
                }
                NoteKind::Rejected(Rejection::Failed { message, .. }) => {
                    rejected.push(line(format!("FAILED: {message}")));
                }
                NoteKind::Warnings { warnings: w } => {
                    warnings.push(line(format!("warning: {}", w.join("; "))));
                }
            }
        }
        let mut by_count: Vec<_> = skip_reasons.into_iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let skips = by_count
            .into_iter()
            .map(|((by, reason), n)| format!("skipped by {by} ({n} group(s)): {reason}"))
            .collect();
        let conflicts = self
            .conflicts
            .iter()
            .map(|c| {
                format!(
                    "CONFLICT {}: {} vs {}: {}",
                    c.object_id, c.ours, c.theirs, c.reason
                )
            })
            .collect();
        let operations = self
            .operations
            .iter()
            .filter(|o| o.failed())
            .map(OperationEntry::failure_line)
            .collect();
        let directory_warnings = self
            .directory_warnings
            .iter()
            .map(|w| format!("WARNING: {w}"))
            .collect();
        let recipients = self
            .update_recipient
            .iter()
            .map(RecipientEntry::summary_line)
            .collect();
        for (lines, what) in [
            (directory_warnings, "directory warnings"),
            (skips, "skip reasons"),
            (rejected, "failed groups"),
            (warnings, "groups with warnings"),
            (conflicts, "conflicts"),
            (operations, "failed or skipped operations"),
            (recipients, "Update-Recipient lines"),
        ] {
            write_capped(
                out,
                lines,
                if detail { usize::MAX } else { GROUP_LINES },
                what,
            );
        }
    }
}

/// What the summary (and `gwb rules test`) says about a plugin that logged past its per-run
/// cap: how many of its lines were counted instead of written.
pub fn log_cap_line(plugin: &str, dropped: u64) -> String {
    format!(
        "plugin {}: {dropped} log line(s) over its cap of {LOG_LINES_PER_RUN} lines / {} MiB per \
         run were counted, not written",
        printable(plugin),
        LOG_BYTES_PER_RUN >> 20
    )
}

/// The summary's line for a plugin whose instances were recycled.
pub fn recycle_line(plugin: &str, recycles: u64) -> String {
    format!(
        "plugin {}: {recycles} instance(s) replaced by fresh ones (limits.recycle_after_calls \
         reached or memory running short); a count that grows with the groups marks a plugin \
         that leaks memory",
        printable(plugin)
    )
}

/// How many lines of one kind (skip reasons, failed groups, conflicts, …) the summary prints
/// without `-v`; the rest are counted, and the report lists them all.
pub const GROUP_LINES: usize = 20;

/// Writes at most `limit` of `lines` as `  - …` and counts the rest. The lines carry cloud and
/// plugin text, so control characters are shown as escapes and a line break only continues
/// the line, indented.
pub fn write_capped(out: &mut String, lines: Vec<String>, limit: usize, what: &str) {
    let total = lines.len();
    for line in lines.into_iter().take(limit) {
        let _ = writeln!(out, "  - {}", printable_lines(&line, "    "));
    }
    if total > limit {
        let _ = writeln!(
            out,
            "  … {} more {what}: gwb -v lists them all, and --report FILE records every group",
            total - limit
        );
    }
}

fn action_name(action: GroupAction) -> &'static str {
    match action {
        GroupAction::Create => "create",
        GroupAction::Update => "update",
        GroupAction::Unchanged => "unchanged",
        GroupAction::Adopt => "adopt",
        GroupAction::Delete => "delete",
        GroupAction::MoveToHolding => "move-to-holding",
        GroupAction::Keep => "keep",
        GroupAction::Skipped => "skipped",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_says_why_the_round_was_full_what_clashed_and_what_is_read_again() {
        let report = RunReport {
            mode: "sync".into(),
            source: SourceReport {
                full: true,
                full_reason: Some("the rules changed since the last run".into()),
                requests: 4,
                groups: 2,
                users: 3,
                ..SourceReport::default()
            },
            conflicts: vec![ConflictEntry {
                object_id: "g1".into(),
                ours: "CN=Team,OU=Cloud,DC=x (Group_g1)".into(),
                theirs: "CN=Team,OU=Cloud,DC=x (objectGUID abc)".into(),
                reason: "DN: another object already has this DN".into(),
            }],
            state_kept: Some(
                "provision on demand (--group) leaves the Graph state as it was".into(),
            ),
            read_again_next_run: 2,
            removals_left_to_full_round: 1,
            summary: Summary {
                created: 1,
                conflicts: 1,
                rule_failures: 1,
                apply_failures: 1,
                ..Summary::default()
            },
            ..RunReport::default()
        };
        assert_eq!(
            report.render_summary(false),
            "gwb sync: full round (the rules changed since the last run): 2 group(s), 0 removal(s), 3 user(s) from Graph in 4 request(s), 0 retried
  Graph state not advanced: provision on demand (--group) leaves the Graph state as it was
  2 group(s) that failed or were skipped here are read again next run
  1 failed removal(s) of groups the cloud no longer lists are tried again by the next full round (`gwb sync --full`, or full_every_runs/full_every_days)
  created 1, updated 0, renamed/moved 0, deleted 0, moved to holding OU 0, adopted 0, unchanged 0
  skipped 0
  conflicts 1, plugin faults 0, rule failures 1, apply failures 1
  members skipped: 0 in 0 group(s)
  time: AD connect 0.00 s, Graph read 0.00 s, transform 0.00 s, AD read and compare 0.00 s, apply 0.00 s
  - CONFLICT g1: CN=Team,OU=Cloud,DC=x (Group_g1) vs CN=Team,OU=Cloud,DC=x (objectGUID abc): DN: another object already has this DN
"
        );
    }

    fn note(id: usize, kind: NoteKind) -> RuleNote {
        RuleNote {
            object_id: format!("g{id}"),
            display_name: Some(format!("Team {id}")),
            kind,
        }
    }

    fn skipped(by: &str, reason: &str) -> NoteKind {
        NoteKind::Rejected(Rejection::Skipped {
            by: by.into(),
            reason: reason.into(),
        })
    }

    /// Thousands of skipped groups are a few lines by reason; failures are listed up to the cap.
    #[test]
    fn the_summary_groups_skips_by_reason_and_caps_per_group_lines() {
        let mut notes: Vec<RuleNote> = (0..3000)
            .map(|i| note(i, skipped("group-filter", "the group has no members")))
            .collect();
        notes.push(note(3000, skipped("defaults", "synced from on-premises")));
        notes.extend((0..25).map(|i| {
            note(
                4000 + i,
                NoteKind::Rejected(Rejection::Failed {
                    by: "ou-router".into(),
                    stage: None,
                    message: "boom".into(),
                    fault: true,
                }),
            )
        }));
        let mut report = RunReport::default();
        report.add_rule_notes(notes);
        let summary = report.render_summary(false);
        let lines: Vec<&str> = summary
            .lines()
            .filter(|l| l.starts_with("  - ") || l.starts_with("  …"))
            .collect();
        assert_eq!(lines.len(), 2 + GROUP_LINES + 1, "{summary}");
        assert_eq!(
            lines[0],
            "  - skipped by group-filter (3000 group(s)): the group has no members"
        );
        assert_eq!(
            lines[1],
            "  - skipped by defaults (1 group(s)): synced from on-premises"
        );
        assert_eq!(lines[2], "  - g4000 \"Team 4000\": FAILED: boom");
        assert_eq!(
            lines[2 + GROUP_LINES],
            "  … 5 more failed groups: gwb -v lists them all, and --report FILE records every group"
        );
        assert!(
            summary.contains("  skipped 3001 (1 by defaults, 3000 by group-filter)"),
            "{summary}"
        );

        let detailed = report.render_summary(true);
        let per_group = detailed.lines().filter(|l| l.starts_with("  - g")).count();
        assert_eq!(per_group, 3001 + 25);
        assert!(!detailed.contains("  …"));
    }

    /// A plugin that logged past its cap gets a line with the count; without one, no line.
    #[test]
    fn the_summary_counts_the_log_lines_a_plugin_wrote_past_its_cap() {
        let mut report = RunReport {
            mode: "plan".into(),
            ..RunReport::default()
        };
        let without = report.render_summary(false);
        report.plugin_log_lines_dropped =
            BTreeMap::from([("chatty".to_owned(), 1), ("misbehave".to_owned(), 999_000)]);
        assert_eq!(
            report.render_summary(false),
            "gwb plan: incremental round: 0 group(s), 0 removal(s), 0 user(s) from Graph in 0 request(s), 0 retried
  created 0, updated 0, renamed/moved 0, deleted 0, moved to holding OU 0, adopted 0, unchanged 0
  skipped 0
  conflicts 0, plugin faults 0, rule failures 0, apply failures 0
  plugin chatty: 1 log line(s) over its cap of 1000 lines / 1 MiB per run were counted, not written
  plugin misbehave: 999000 log line(s) over its cap of 1000 lines / 1 MiB per run were counted, not written
  members skipped: 0 in 0 group(s)
  time: AD connect 0.00 s, Graph read 0.00 s, transform 0.00 s, AD read and compare 0.00 s, LDIF 0.00 s
"
        );
        assert!(!without.contains("log line(s)"), "{without}");
    }

    /// A recycled plugin gets a line with the count, in the summary and the JSON report.
    #[test]
    fn the_summary_and_report_count_each_plugins_recycles() {
        let mut report = RunReport {
            mode: "plan".into(),
            ..RunReport::default()
        };
        assert!(!report.render_summary(false).contains("fresh ones"));
        report.plugin_recycles = BTreeMap::from([("js-router".to_owned(), 41)]);
        let summary = report.render_summary(false);
        assert!(
            summary.contains(
                "\n  plugin js-router: 41 instance(s) replaced by fresh ones \
                 (limits.recycle_after_calls reached or memory running short); a count that \
                 grows with the groups marks a plugin that leaks memory\n"
            ),
            "{summary}"
        );
        let json = serde_json::to_value(&report).expect("serialises");
        assert_eq!(
            json["plugin_recycles"],
            serde_json::json!({"js-router": 41})
        );
    }

    /// Every member not written is counted under its reason, in the summary and per group.
    #[test]
    fn the_summary_counts_skipped_members_by_reason() {
        use gwb_ad::{GroupReport, SkipReason, SkippedMember};
        let group = |id: &str, skipped: &[(&str, SkipReason)]| GroupReport {
            object_id: id.into(),
            dn: format!("CN={id},DC=x"),
            action: GroupAction::Create,
            members_added: 1,
            members_removed: 0,
            members_before: 0,
            members_skipped: skipped
                .iter()
                .map(|(id, reason)| SkippedMember {
                    id: (*id).into(),
                    reason: *reason,
                })
                .collect(),
            problems: Vec::new(),
        };
        let mut plan = Plan::default();
        for g in [
            group(
                "g1",
                &[
                    ("c1", SkipReason::CloudOnly),
                    ("c2", SkipReason::CloudOnly),
                    ("adm", SkipReason::Protected),
                ],
            ),
            group("g2", &[("c1", SkipReason::CloudOnly)]),
            group("g3", &[]),
        ] {
            plan.groups.insert(g.object_id.clone(), g);
        }
        let mut report = RunReport::default();
        report.add_plan(&plan);
        assert_eq!(report.summary.members_without_ad_account, 4);
        let line = report
            .render_summary(false)
            .lines()
            .find(|l| l.starts_with("  members skipped"))
            .map(str::to_owned);
        assert_eq!(
            line.as_deref(),
            Some(
                "  members skipped: 4 in 2 group(s): 3 cloud-only user (onPremisesSyncEnabled is not true), \
                 1 names a protected AD object (adminCount=1 or isCriticalSystemObject=TRUE)"
            )
        );
        let g1: Vec<(&str, &str)> = report.groups[0]
            .members_skipped
            .iter()
            .map(|m| (m.object_id.as_str(), m.reason.as_str()))
            .collect();
        assert_eq!(
            g1,
            vec![
                ("c1", "cloud-only user (onPremisesSyncEnabled is not true)"),
                ("c2", "cloud-only user (onPremisesSyncEnabled is not true)"),
                (
                    "adm",
                    "names a protected AD object (adminCount=1 or isCriticalSystemObject=TRUE)"
                ),
            ]
        );
    }

    /// A warning about the directory (a gwb group nested into a protected group) gets its line.
    #[test]
    fn the_summary_lists_directory_warnings() {
        let report = RunReport {
            mode: "sync".into(),
            directory_warnings: vec!["gwb group `CN=g,DC=x` is nested; fix it".into()],
            ..RunReport::default()
        };
        let summary = report.render_summary(false);
        assert_eq!(
            summary.lines().last(),
            Some("  - WARNING: gwb group `CN=g,DC=x` is nested; fix it"),
            "{summary}"
        );
    }

    /// A hostile displayName or plugin message cannot clear the screen or forge a summary line.
    #[test]
    fn cloud_and_plugin_text_reaches_the_summary_without_control_characters() {
        let mut report = RunReport::default();
        report.add_rule_notes(vec![RuleNote {
            object_id: "g1".into(),
            display_name: Some("\u{1b}[2JTeam".into()),
            kind: NoteKind::Rejected(Rejection::Failed {
                by: "evil".into(),
                stage: None,
                message: "boom\n  created 100, updated 0\u{7}".into(),
                fault: false,
            }),
        }]);
        let summary = report.render_summary(false);
        assert!(
            summary.contains(
                "  - g1 \"\\u{1b}[2JTeam\": FAILED: boom\n      created 100, updated 0\\u{7}\n"
            ),
            "{summary}"
        );
        assert!(!summary.contains('\u{1b}') && !summary.contains('\u{7}'));
    }

    /// Groups made mail recipients get one Update-Recipient line each, quoted so PowerShell
    /// expands nothing in the DN; a create that failed or a group that only loses its alias
    /// gets none.
    #[test]
    fn new_mail_recipients_get_an_update_recipient_line() {
        let alias = |kind| gwb_ad::Change {
            kind,
            attribute: "mailNickname".into(),
            values: vec!["sales".into()],
        };
        let add = |id: &str, dn: &str, nickname: bool| Operation::Add {
            object_id: id.into(),
            dn: dn.into(),
            attributes: std::iter::once(("groupType".to_owned(), vec!["8".to_owned()]))
                .chain(nickname.then(|| ("mailNickname".to_owned(), vec!["x".to_owned()])))
                .collect(),
        };
        let plan = Plan {
            operations: vec![
                add("g1", "CN=O'Brien $(rm -rf) `x`,OU=Cloud,DC=x", true),
                add("g2", "CN=Plain,OU=Cloud,DC=x", false),
                add("g3", "CN=Failed,OU=Cloud,DC=x", true),
                Operation::Modify {
                    object_id: "g4".into(),
                    dn: "CN=Mailed now,OU=Cloud,DC=x".into(),
                    changes: vec![alias(ChangeKind::Replace)],
                },
                Operation::Modify {
                    object_id: "g5".into(),
                    dn: "CN=Unmailed,OU=Cloud,DC=x".into(),
                    changes: vec![alias(ChangeKind::Delete)],
                },
            ],
            ..Plan::default()
        };
        let mut report = RunReport::default();
        report.add_plan(&plan);
        let lines = |report: &RunReport| -> Vec<(String, Option<String>)> {
            report
                .update_recipient
                .iter()
                .map(|r| (r.object_id.clone(), r.powershell.clone()))
                .collect()
        };
        let first = (
            "g1".to_owned(),
            Some("Update-Recipient -Identity 'CN=O''Brien $(rm -rf) `x`,OU=Cloud,DC=x'".to_owned()),
        );
        let fourth = (
            "g4".to_owned(),
            Some("Update-Recipient -Identity 'CN=Mailed now,OU=Cloud,DC=x'".to_owned()),
        );
        let third = (
            "g3".to_owned(),
            Some("Update-Recipient -Identity 'CN=Failed,OU=Cloud,DC=x'".to_owned()),
        );
        assert_eq!(lines(&report), [first.clone(), third, fourth.clone()]);
        let outcome = |id: &str, outcome| gwb_ad::OperationReport {
            operation: String::new(),
            object_id: Some(id.into()),
            outcome,
        };
        report.add_apply(&ApplyReport {
            operations: vec![
                outcome("g1", ApplyOutcome::Done),
                outcome("g2", ApplyOutcome::Done),
                outcome("g3", ApplyOutcome::Failed("busy".into())),
                outcome("g4", ApplyOutcome::Done),
                outcome("g5", ApplyOutcome::Done),
            ],
        });
        assert_eq!(lines(&report), [first, fourth]);
        let summary = report.render_summary(false);
        assert!(
            summary.contains(
                "  2 group(s) new to on-premises Exchange: run Update-Recipient for each"
            ),
            "{summary}"
        );
        assert!(
            summary.contains("  - g4: Update-Recipient -Identity 'CN=Mailed now,OU=Cloud,DC=x'\n"),
            "{summary}"
        );
        // Once AD has given the group its objectGUID, the line names it by that.
        report.update_recipient[1].identify("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0".into());
        assert!(
            report.render_summary(false).contains(
                "  - g4: Update-Recipient -Identity '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0'\n"
            ),
            "{summary}"
        );
    }

    /// The Update-Recipient line of a group with a hostile name, in the summary and in the
    /// report's JSON, lexes under PowerShell's rules as exactly one literal naming the group
    /// (its DN before it exists, its objectGUID after), or there is no line and the summary
    /// says why; the DN stays in the JSON as data.
    #[test]
    fn update_recipient_lines_are_one_powershell_literal_for_hostile_names() {
        use test_support::shell_lex::{HOSTILE_NAMES, PsWord, powershell_words};
        let dn = |name: &str| format!("CN={},OU=Cloud,DC=x", gwb_model::escape_dn_value(name));
        let plan = Plan {
            operations: HOSTILE_NAMES
                .iter()
                .enumerate()
                .map(|(i, name)| Operation::Add {
                    object_id: format!("g{i}"),
                    dn: dn(name),
                    attributes: vec![("mailNickname".to_owned(), vec!["x".to_owned()])],
                })
                .collect(),
            ..Plan::default()
        };
        let mut report = RunReport::default();
        report.add_plan(&plan);
        let expect = |identity: &str| {
            vec![
                PsWord::Bare("Update-Recipient".into()),
                PsWord::Bare("-Identity".into()),
                PsWord::Quoted(identity.into()),
            ]
        };
        // The lines of the summary and the JSON, by object id.
        let printed = |report: &RunReport| {
            let summary = report.render_summary(true);
            let json = serde_json::to_value(report).expect("json");
            (summary, json)
        };
        let (summary, json) = printed(&report);
        let mut lines_seen = 0;
        for (i, name) in HOSTILE_NAMES.iter().enumerate() {
            let dn = dn(name);
            let entry = &json["update_recipient"][i];
            assert_eq!(entry["dn"], dn.as_str());
            let prefix = format!("  - g{i}: ");
            let line = summary
                .lines()
                .find_map(|l| l.strip_prefix(prefix.as_str()))
                .expect("a summary line for every group");
            match entry["powershell"].as_str() {
                Some(json_line) => {
                    assert_eq!(powershell_words(json_line), Ok(expect(&dn)), "{name:?}");
                    assert_eq!(powershell_words(line), Ok(expect(&dn)), "{name:?}");
                    lines_seen += 1;
                }
                None => {
                    assert!(line.starts_with("no Update-Recipient line: `CN="), "{line}");
                    assert!(!line.chars().any(char::is_control), "{line:?}");
                }
            }
        }
        assert_eq!(lines_seen, 10, "{summary}");
        // After the write, every line names the objectGUID AD gave the group.
        for (i, entry) in report.update_recipient.iter_mut().enumerate() {
            entry.identify(format!("00000000-0000-0000-0000-{i:012x}"));
        }
        let (summary, json) = printed(&report);
        for i in 0..HOSTILE_NAMES.len() {
            let guid = format!("00000000-0000-0000-0000-{i:012x}");
            let line = summary
                .lines()
                .find_map(|l| l.strip_prefix(format!("  - g{i}: ").as_str()))
                .expect("line");
            assert_eq!(powershell_words(line), Ok(expect(&guid)));
            let json_line = json["update_recipient"][i]["powershell"]
                .as_str()
                .expect("line");
            assert_eq!(powershell_words(json_line), Ok(expect(&guid)));
            assert_eq!(json["update_recipient"][i]["object_guid"], guid.as_str());
        }
    }

    /// Settings Graph would not give are named with Graph's words, and the summary says the
    /// attributes keep their values.
    #[test]
    fn unread_exchange_settings_are_a_warning_in_the_summary() {
        let report = RunReport {
            mode: "sync".into(),
            source: SourceReport {
                exchange_settings_unread: 3,
                exchange_settings_error: Some("Graph answered HTTP 403 (ErrorAccessDenied)".into()),
                ..SourceReport::default()
            },
            ..RunReport::default()
        };
        let summary = report.render_summary(false);
        assert_eq!(
            summary.lines().nth(1),
            Some(
                "  WARNING: allowExternalSenders/hideFromAddressLists could not be read for 3 \
                 group(s): Graph answered HTTP 403 (ErrorAccessDenied); msExchRequireAuthToSendTo \
                 and msExchHideFromAddressLists keep the values gwb read last (Exchange Online \
                 masters these two and refuses them to some app-only tokens; nothing else in the \
                 run is affected)"
            ),
            "{summary}"
        );
    }
}
