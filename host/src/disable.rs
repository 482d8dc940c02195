//! `gwb disable`: turning writeback off, with a mandatory preview.
//!
//! `--plan` reads every group gwb owns and shows what `--delete` (remove them, through the
//! delete guards, as Entra Connect does when its writeback is disabled), `--release` (remove
//! gwb's mark, record and anchors so they stay as ordinary AD groups) and `--keep` (leave AD as
//! it is) would do to each, with the LDIF of the two that write, and saves that preview. Each
//! mode runs only when the groups gwb owns are still those of the preview, then records that
//! writeback is off (before its first write, so a crash cannot let a scheduled sync resume) and
//! removes the Graph state. No Graph access at all: disable works when the tenant or the app is
//! gone; the rules file's `[graph]` table is read for the tenant id and the state directory only.

mod preview;
mod summary;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use gwb_ad::{OwnerMark, Plan, disable, guards};
use gwb_model::clock::Clock;
use gwb_rules::RulesFile;
use gwb_rules::config::GuardsSection;

use crate::exit::Exit;
use crate::lock::RunLock;
use crate::settings::{self, ad_section, graph_section};
use crate::writeback_off::{Disabled, http_date, unix_seconds};

pub use preview::{PREVIEW_FILE, Preview};
pub use summary::{DisableReport, RELEASE_WARNING};

/// What `gwb disable` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Show what each mode does to every group gwb owns, and save the preview.
    Plan,
    /// Delete every group gwb owns.
    Delete,
    /// Remove gwb's mark, record and anchors from every group gwb owns.
    Release,
    /// Leave AD as it is.
    Keep,
}

impl Mode {
    /// The mode's option name without dashes.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Plan => "plan",
            Mode::Delete => "delete",
            Mode::Release => "release",
            Mode::Keep => "keep",
        }
    }
}

/// Options of `gwb disable`.
#[derive(Debug, Clone)]
pub struct DisableOptions {
    /// The mode.
    pub mode: Mode,
    /// The guards, after command-line overrides (`--delete` goes through the delete guards).
    pub guards: GuardsSection,
    /// Where to write the JSON report.
    pub report: Option<PathBuf>,
    /// `--plan`: where to write the LDIF of `--delete` (stdout when absent).
    pub delete_ldif: Option<PathBuf>,
    /// `--plan`: where to write the LDIF of `--release` (stdout when absent).
    pub release_ldif: Option<PathBuf>,
    /// List every protected group and failed operation, not the first 20 of each.
    pub detail: bool,
}

/// How a `gwb disable` run ended: its exit and what it prints on stdout.
#[derive(Debug)]
pub struct Finished {
    /// The exit code.
    pub exit: Exit,
    /// The preview or the closing summary.
    pub stdout: String,
}

/// Runs `gwb disable` with the wall clock `clock` (the preview's and the record's time).
pub async fn run(
    rules: &RulesFile,
    options: &DisableOptions,
    clock: Clock,
) -> anyhow::Result<Finished> {
    let graph = graph_section(rules)?;
    let ad = ad_section(rules)?;
    let state_dir = &graph.state_dir;
    // It writes the preview or AD and the state: never beside a sync.
    let _lock = RunLock::acquire(state_dir)?;
    let mode = options.mode;
    // Before AD: without a preview there is nothing to compare with.
    let preview = match mode {
        Mode::Plan => None,
        _ => Some(saved_preview(state_dir, mode)?),
    };
    let mut report = DisableReport {
        mode: mode.name().into(),
        ..DisableReport::default()
    };

    let started = Instant::now();
    let (mut directory, discovery) = crate::run::open_directory(rules, ad).await?;
    report.timings.ad_connect = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let owner = OwnerMark::for_tenant(&graph.tenant_id);
    let owned = read_owned_groups(rules, &mut directory, &discovery, &owner).await?;
    report.timings.ad_read = started.elapsed().as_secs_f64();
    report.summary.owned = owned.len();
    report.summary.protected_skipped = owned.iter().filter(|g| g.protected).count();
    report.groups = owned
        .iter()
        .map(|g| summary::GroupEntry::new(g, &owner))
        .collect();
    let now = unix_seconds(clock());
    let seen = Preview::of(&owned, &owner, now);

    let Some(preview) = preview else {
        return show_plan(report, &owned, &owner, &seen, options, state_dir);
    };

    refuse_stale(&preview, &seen, state_dir, mode, options.detail)?;

    let plan = match mode {
        Mode::Delete => disable::delete_plan(&owned),
        Mode::Release => {
            report.warnings.push(RELEASE_WARNING.to_owned());
            disable::release_plan(&owned, &owner)
        }
        Mode::Keep | Mode::Plan => {
            report.summary.kept = owned.len() - report.summary.protected_skipped;
            Plan::default()
        }
    };
    if let Err(tripped) = guards::check(&plan, &settings::guards(&options.guards)) {
        report.guard = Some(guard_message(&tripped));
        let stdout = report.render_summary(options.detail);
        return finish(report, options, Exit::GuardStopped, stdout);
    }

    // Off before the first write: a crash from here on leaves sync refusing, never resuming.
    turn_off(graph, mode, now)?;
    report.disabled_at = Some(http_date(now));

    let started = Instant::now();
    if !plan.is_empty() {
        let applied = directory
            .apply(&plan)
            .await
            .context("applying the disable failed; writeback stays off")?;
        report.add_apply(&plan.operations, &applied);
    }
    report.timings.apply = started.elapsed().as_secs_f64();
    let exit = if report.summary.failed > 0 {
        Exit::GroupFailures
    } else {
        Exit::Success
    };
    let stdout = report.render_summary(options.detail);
    finish(report, options, exit, stdout)
}

/// The preview `gwb disable --plan` saved, which every other mode needs.
fn saved_preview(state_dir: &std::path::Path, mode: Mode) -> anyhow::Result<Preview> {
    Preview::load(state_dir)?.ok_or_else(|| {
        anyhow::anyhow!(
            "there is no preview of `gwb disable` in {}; nothing was done. Run `gwb \
             disable --plan` first, read what it says each mode does to every group gwb \
             owns, then run `gwb disable --{}` again",
            state_dir.display(),
            mode.name()
        )
    })
}

/// Every group gwb owns in the managed OUs (its mark), with what each mode needs to read.
async fn read_owned_groups(
    rules: &RulesFile,
    directory: &mut gwb_ad::Directory,
    discovery: &gwb_ad::Discovery,
    owner: &OwnerMark,
) -> anyhow::Result<Vec<gwb_ad::CurrentGroup>> {
    let managed: Vec<String> = rules.managed_ous.iter().map(ToString::to_string).collect();
    let read = settings::policy(rules).read_attributes(&[]);
    let current = directory
        .read_owned(
            &managed,
            &read,
            discovery.capabilities.external_directory_object_id,
        )
        .await
        .context("reading the groups gwb owns failed; nothing was written")?;
    Ok(disable::owned_groups(current, owner))
}

/// Turns writeback off before the first write: records `mode` and `now`, and removes the Graph
/// delta state and the used preview, so a crash from here on leaves sync refusing.
fn turn_off(graph: &gwb_rules::config::GraphSection, mode: Mode, now: u64) -> anyhow::Result<()> {
    let state_dir = &graph.state_dir;
    Disabled {
        mode: mode.name().into(),
        at_unix: now,
    }
    .save(state_dir)?;
    let state = settings::state_path(graph);
    gwb_graph::remove_state(&state)
        .with_context(|| format!("cannot remove the Graph state {}", state.display()))?;
    Preview::remove(state_dir)?;
    Ok(())
}

/// `--plan`: the preview for people with the LDIF of `--delete` and `--release`, and the
/// preview record `seen` saved for the modes; nothing is written to AD.
fn show_plan(
    report: DisableReport,
    owned: &[gwb_ad::CurrentGroup],
    owner: &OwnerMark,
    seen: &Preview,
    options: &DisableOptions,
    state_dir: &std::path::Path,
) -> anyhow::Result<Finished> {
    let mut stdout = report.render_plan();
    for (what, plan, path) in [
        (
            "--delete",
            disable::delete_plan(owned),
            &options.delete_ldif,
        ),
        (
            "--release",
            disable::release_plan(owned, owner),
            &options.release_ldif,
        ),
    ] {
        stdout += &ldif_section(what, &plan, path.as_deref())?;
    }
    seen.save(state_dir)?;
    finish(report, options, Exit::Success, stdout)
}

/// Fails, naming each group (at most [`crate::report::GROUP_LINES`] unless `detail`), when the
/// groups gwb owns now (`seen`) are not those of the saved `preview`.
fn refuse_stale(
    preview: &Preview,
    seen: &Preview,
    state_dir: &std::path::Path,
    mode: Mode,
    detail: bool,
) -> anyhow::Result<()> {
    let differences = preview.differences(seen);
    if differences.is_empty() {
        return Ok(());
    }
    let limit = if detail {
        usize::MAX
    } else {
        crate::report::GROUP_LINES
    };
    let mut lines: String = differences
        .iter()
        .take(limit)
        .map(|line| format!("  - {line}\n"))
        .collect();
    if differences.len() > limit {
        lines += &format!(
            "  … {} more: `gwb -v disable --{}` lists them all\n",
            differences.len() - limit,
            mode.name()
        );
    }
    anyhow::bail!(
        "the groups gwb owns are not those of the preview made on {} ({}):\n{lines}nothing was \
         written. Run `gwb disable --plan` again, read it, then run `gwb disable --{}`",
        preview.date(),
        Preview::path(state_dir).display(),
        mode.name()
    )
}

/// The LDIF of `plan` for `what` (`--delete`), written to `path` or returned for stdout under
/// a comment line naming it.
fn ldif_section(what: &str, plan: &Plan, path: Option<&std::path::Path>) -> anyhow::Result<String> {
    let ldif = plan.to_ldif();
    match path {
        Some(path) => {
            std::fs::write(path, ldif)
                .with_context(|| format!("cannot write the LDIF to {}", path.display()))?;
            Ok(format!(
                "\n# the LDIF of gwb disable {what} is in {}\n",
                path.display()
            ))
        }
        None => Ok(format!("\n# the LDIF of gwb disable {what}:\n{ldif}")),
    }
}

/// A tripped delete guard in the words of `gwb disable --delete`: the `[guards]` key and the
/// option that override it. (The other guards cannot trip on a plan that only deletes.)
fn guard_message(tripped: &gwb_ad::GuardError) -> String {
    use gwb_ad::GuardError::{TooManyDeletes, TooManyDeletesPercent};
    match tripped {
        TooManyDeletes { removals, limit } => format!(
            "gwb disable --delete deletes {removals} groups, over the limit of {limit}; nothing \
             was written. Read `gwb disable --plan`, then raise [guards] max_deletes or pass \
             --max-deletes {removals} to proceed"
        ),
        TooManyDeletesPercent {
            removals,
            owned,
            percent,
            limit,
        } => format!(
            "gwb disable --delete deletes {removals} of {owned} owned groups ({percent:.1} %), \
             over the limit of {limit} %; nothing was written. Read `gwb disable --plan`, then \
             raise [guards] max_delete_percent or pass --max-delete-percent {} to proceed",
            percent.ceil()
        ),
        other => other.to_string(),
    }
}

/// Writes the report, if asked for, and hands back the exit and stdout.
fn finish(
    report: DisableReport,
    options: &DisableOptions,
    exit: Exit,
    stdout: String,
) -> anyhow::Result<Finished> {
    if let Some(path) = &options.report {
        crate::report::write_json(path, &report)?;
    }
    Ok(Finished { exit, stdout })
}

#[cfg(test)]
mod tests {
    use gwb_ad::GuardError;

    use super::*;

    #[test]
    fn a_tripped_delete_guard_names_its_key_and_option_in_disables_words() {
        assert_eq!(
            guard_message(&GuardError::TooManyDeletes {
                removals: 600,
                limit: 500
            }),
            "gwb disable --delete deletes 600 groups, over the limit of 500; nothing was written. \
             Read `gwb disable --plan`, then raise [guards] max_deletes or pass --max-deletes 600 \
             to proceed"
        );
        assert_eq!(
            guard_message(&GuardError::TooManyDeletesPercent {
                removals: 12,
                owned: 12,
                percent: 100.0,
                limit: 20.0
            }),
            "gwb disable --delete deletes 12 of 12 owned groups (100.0 %), over the limit of 20 %; \
             nothing was written. Read `gwb disable --plan`, then raise [guards] \
             max_delete_percent or pass --max-delete-percent 100 to proceed"
        );
    }
}
