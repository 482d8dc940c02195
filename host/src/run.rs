//! `gwb plan` and `gwb sync`: read Graph → transform → reconcile with AD → guard → print the
//! LDIF (plan) or apply it (sync). Both take exactly the same path up to the writes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use gwb_ad::{
    ApplyReport, CurrentGroup, Directory, Discovery, GroupAction, Guards, Outcome, OwnerMark, Plan,
    ReconcileInput, guards, reconcile,
};
use gwb_graph::{Round, RoundOptions, Source, SourceError};
use gwb_model::printable::printable;
use gwb_model::{CloudDelete, DesiredGroup, MemberKind, UserAnchor};
use gwb_rules::config::{AdSection, GuardsSection};
use gwb_rules::{Rejection, RulesFile};

use crate::exit::Exit;
use crate::fingerprint::rules_fingerprint;
use crate::lock::RunLock;
use crate::on_demand::Steps;
use crate::plugins::PluginChain;
use crate::progress::Progress;
use crate::report::{RecipientEntry, RunReport, SourceReport};
use crate::settings::{self, ad_config, ad_section, graph_config, graph_section};
use crate::transform::{NoteKind, RuleNote, ad_target, transform_all};

/// Options shared by `plan` and `sync`.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Write to AD (sync) or only print the plan (plan).
    pub apply: bool,
    /// Read every group from Graph instead of the changes since the last run.
    pub force_full: bool,
    /// Provision on demand (`--group`): read only these groups from Graph now, whatever the
    /// delta state holds, print each one's steps, and leave the state as it was. Empty for a
    /// normal run.
    pub groups: Vec<String>,
    /// The guards, after command-line overrides.
    pub guards: GuardsSection,
    /// Where to write the JSON report.
    pub report: Option<PathBuf>,
    /// Where to write the plan's LDIF (plan: stdout when absent).
    pub ldif: Option<PathBuf>,
    /// Show progress on stderr.
    pub progress: bool,
    /// List every skipped, failed or warned-about group in the summary (`-v`), not a line per
    /// skip reason and a capped list.
    pub detail: bool,
}

/// Runs one plan or sync and prints its summary. The Graph state advances after a sync's
/// apply, so a crash means reading the same changes again; in the same commit, groups the
/// rules failed on, reconcile skipped or AD refused are recorded to be read again next run
/// (a refused cloud removal to be handed over again).
pub async fn run(rules: &RulesFile, options: &RunOptions) -> anyhow::Result<Exit> {
    let graph = graph_section(rules)?;
    let ad = ad_section(rules)?;
    // A sync writes AD and the Graph state: never two at once (a plan writes neither).
    let _lock = options
        .apply
        .then(|| RunLock::acquire(&graph.state_dir))
        .transpose()?;
    // Writeback turned off by `gwb disable` stays off until it is turned on again.
    crate::writeback_off::refuse_if_disabled(&graph.state_dir)?;
    // Plugins first: a bad plugin or pin should fail before any network traffic.
    let chain = PluginChain::load(rules)?;
    let progress = Progress::new(options.progress);
    let mut report = RunReport {
        mode: if options.apply { "sync" } else { "plan" }.into(),
        ..RunReport::default()
    };

    // AD before Graph: the schema's capabilities are part of the rules fingerprint, and an
    // unreachable DC should fail before a long Graph read.
    let started = Instant::now();
    let connecting = progress.spinner("connecting to Active Directory");
    let (mut directory, discovery) = open_directory(rules, ad).await?;
    // A gwb group nested into a protected group is a warning.
    report.directory_warnings = directory
        .protected_nestings(
            &discovery,
            &rules.managed_ous,
            discovery.capabilities.external_directory_object_id,
        )
        .await
        .context("checking whether gwb groups are nested into protected groups failed")?
        .iter()
        .map(ToString::to_string)
        .collect();
    connecting.finish_and_clear();
    report.timings.ad_connect = started.elapsed().as_secs_f64();
    let caps = discovery.capabilities;

    // The state belongs to this tenant, app and domain: another's is refused.
    let ad_domain_guid = directory
        .domain_guid(&discovery)
        .await
        .context("reading the AD domain's objectGUID failed")?;
    let mut graph_config = graph_config(graph)?;
    // Only a forest with Exchange's schema gets the sender restriction and address-list
    // visibility, so only then are they worth a request per group.
    graph_config.read_exchange_settings = caps.exchange_schema;
    let mut source = Source::open(
        graph_config,
        settings::state_path(graph),
        gwb_graph::SourceOptions {
            ad_domain_guid: Some(ad_domain_guid),
            ..settings::source_options(graph, rules_fingerprint(rules, &chain, caps))
        },
    )
    .context("cannot open the Graph source")?;
    let started = Instant::now();
    let reading = progress.spinner("reading Microsoft Graph");
    let mut round = read(&source, options)
        .await
        .context("reading Microsoft Graph failed; nothing was written")?;
    reading.finish_and_clear();
    report.timings.graph_read = started.elapsed().as_secs_f64();
    report.source = SourceReport::new(
        round.full,
        round.full_reason.as_ref().map(ToString::to_string),
        &round.stats,
    );
    report.source.exchange_settings_error = round.exchange_settings_error.clone();
    report.source.on_demand = !options.groups.is_empty();
    // Provision on demand tells each group's way through the run, Cloud Sync style.
    let mut steps = report.source.on_demand.then(|| Steps::read(&round.groups));

    let started = Instant::now();
    let transforming = progress.bar("transforming");
    // The transform consumes the groups; the rest of the round (deletes, users, checkpoint)
    // is used below.
    let groups = std::mem::take(&mut round.groups);
    // Kept to tell, after the apply, a failed group the cloud still has (read again by id)
    // from one it no longer lists.
    let round_ids: BTreeSet<String> = groups.iter().map(|g| g.id.clone()).collect();
    let target = ad_target(&discovery);
    let transformed = tokio::task::block_in_place(|| {
        transform_all(groups, rules, &chain, target, &transforming)
    })?;
    transforming.finish_and_clear();
    report.timings.transform = started.elapsed().as_secs_f64();
    // Counted before an abort returns: a flood that ends in a fault is reported all the same.
    report.plugin_log_lines_dropped = chain.log_lines_dropped();
    report.plugin_recycles = chain.recycles();
    let transformed = match transformed {
        Ok(transformed) => transformed,
        Err(aborted) => {
            report.aborted = Some(aborted.message.clone());
            return finish(&report, options, steps.as_ref(), Exit::Error);
        }
    };
    if let Some(steps) = &mut steps {
        steps.rules(&transformed, &chain.stage_plugins());
    }
    let verdicts = Verdicts::of(&transformed.notes);
    report.add_rule_notes(transformed.notes);
    let desired = transformed.desired;

    let started = Instant::now();
    let comparing = progress.spinner("reading and comparing Active Directory");
    let guards = settings::guards(&options.guards);
    let (plan, current) = plan_changes(
        &mut directory,
        &discovery,
        rules,
        &desired,
        &round,
        &verdicts,
        &guards,
    )
    .await?;
    comparing.finish_and_clear();
    report.timings.compare = started.elapsed().as_secs_f64();
    report.add_plan(&plan);
    if let Some(steps) = &mut steps {
        steps.reconciled(&plan, &current, &OwnerMark::for_tenant(&graph.tenant_id));
    }

    if let Err(tripped) = guards::check(&plan, &guards) {
        report.guard = Some(tripped.to_string());
        return finish(&report, options, steps.as_ref(), Exit::GuardStopped);
    }

    let started = Instant::now();
    if !options.apply {
        let ldif = plan.to_ldif();
        match &options.ldif {
            Some(path) => std::fs::write(path, ldif)
                .with_context(|| format!("cannot write the LDIF to {}", path.display()))?,
            None => print!("{ldif}"),
        }
    } else {
        let applying = progress.spinner("applying to Active Directory");
        let applied = directory
            .apply(&plan)
            .await
            .context("applying the plan failed")?;
        applying.finish_and_clear();
        report.add_apply(&applied);
        if let Some(steps) = &mut steps {
            steps.applied(&applied);
        }
        if report.source.on_demand {
            // Its groups' changes are not all there is since the last run: the next round
            // must still read them, and every other group's, from where the state stands.
            report.state_kept = Some(
                "provision on demand (--group) leaves the Graph state as it was; the next run \
                 reads these groups' changes again, with every other group's"
                    .into(),
            );
        } else {
            // One group AD refuses must not hold back every other group's changes: the state
            // advances, and in the same commit the groups that did not go through (rule
            // failures, reconcile skips, failed operations) are recorded to be read again by
            // id, changed or not, and failed cloud removals to be handed over again. A crash
            // before the commit reads the whole round again.
            let again = Again::of(
                &verdicts.failed,
                &plan,
                &applied,
                &round_ids,
                &round.deletes,
            );
            report.read_again_next_run = again.read.len() + again.deletes.len();
            report.removals_left_to_full_round = again.left_to_full_round;
            let mut checkpoint = round.checkpoint;
            checkpoint.read_again_next_round(again.read);
            checkpoint.delete_again_next_round(again.deletes);
            source.commit(checkpoint).await.context(
                "saving the Graph state failed (the next run reads the same changes again)",
            )?;
        }
    }
    report.timings.write = started.elapsed().as_secs_f64();
    identify_recipients(&mut directory, &mut report.update_recipient).await;
    let exit = if report.has_group_failures() {
        Exit::GroupFailures
    } else {
        Exit::Success
    };
    finish(&report, options, steps.as_ref(), exit)
}

/// Names each group that needs `Update-Recipient` by the objectGUID AD gave it: the groups a
/// sync wrote, and in a plan those that exist already. A group not found under its DN with its
/// anchor (a plan's new group) keeps its DN line; a failed read is a warning, never a failed run.
async fn identify_recipients(directory: &mut Directory, entries: &mut [RecipientEntry]) {
    for entry in entries {
        match directory.anchored_guid(&entry.dn, &entry.object_id).await {
            Ok(Some(guid)) => entry.identify(guid),
            Ok(None) => {}
            Err(error) => tracing::warn!(
                dn = %printable(&entry.dn),
                error = %printable(&error.to_string()),
                "cannot read the objectGUID for the Update-Recipient line; it names the DN"
            ),
        }
    }
}

/// The read step: the delta round, or with `--group` the named groups read now.
async fn read(source: &Source, options: &RunOptions) -> Result<Round, SourceError> {
    if options.groups.is_empty() {
        source
            .read_round(RoundOptions {
                force_full: options.force_full,
            })
            .await
    } else {
        source.read_groups_now(&options.groups).await
    }
}

/// Connects to AD, reads its rootDSE and schema, and refuses managed OUs among AD's own
/// objects, before anything is read from the managed OUs or written.
pub(crate) async fn open_directory(
    rules: &RulesFile,
    ad: &AdSection,
) -> anyhow::Result<(Directory, Discovery)> {
    let mut directory = Directory::connect(&ad_config(ad)?)
        .await
        .with_context(|| format!("cannot connect to {}", ad.url))?;
    let discovery = directory.discover().await.context("AD discovery failed")?;
    directory
        .refuse_unsafe_scope(&discovery, &rules.managed_ous)
        .await
        .context("gwb refuses to run, nothing was read or written")?;
    Ok((directory, discovery))
}

/// Reads what AD holds for this round (every owned group on a full round, only the round's
/// groups on an incremental one), resolves members and target names, and reconciles; returns
/// the plan and the groups read.
async fn plan_changes(
    directory: &mut Directory,
    discovery: &Discovery,
    rules: &RulesFile,
    desired: &[DesiredGroup],
    round: &Round,
    verdicts: &Verdicts,
    guards: &Guards,
) -> anyhow::Result<(Plan, Vec<CurrentGroup>)> {
    let managed: Vec<String> = rules.managed_ous.iter().map(ToString::to_string).collect();
    let policy = settings::policy(rules);
    let caps = discovery.capabilities;
    let external_id = caps.external_directory_object_id;
    let read = policy.read_attributes(desired);
    let current = if round.full {
        directory.read_owned(&managed, &read, external_id).await
    } else {
        let named: BTreeSet<String> = desired
            .iter()
            .map(|d| d.object_id.clone())
            .chain(round.deletes.iter().map(|d| d.id.clone()))
            .chain(verdicts.skipped.iter().cloned())
            .collect();
        directory
            .read_owned_ids(&managed, &named, &read, external_id)
            .await
    }
    .context("reading the groups gwb owns failed")?;
    let (member_users, member_groups) = member_lookups(desired, &round.users, &round.group_sids);
    let index = directory
        .member_index(
            &discovery.default_naming_context,
            member_users.values().copied(),
            member_groups.iter().map(String::as_str),
            round.group_sids.values().map(String::as_str),
            external_id,
        )
        .await
        .context("resolving members in AD failed")?;
    let mut occupants = directory
        .probe(&discovery.default_naming_context, desired, external_id)
        .await
        .context("checking the target names in AD failed")?;
    // Exchange gives each address to one recipient in the forest.
    let addresses = gwb_ad::addresses::addresses_to_check(desired, &current);
    occupants.by_address = directory
        .address_holders(discovery, &addresses, external_id)
        .await
        .context("checking who in the forest holds the groups' addresses failed")?;
    let owner = OwnerMark::for_tenant(&graph_section(rules)?.tenant_id);
    let mut plan = reconcile(
        &ReconcileInput {
            desired,
            current: &current,
            index: &index,
            users: &round.users,
            group_sids: &round.group_sids,
            cloud_deletes: &round.deletes,
            occupants: &occupants,
            capabilities: caps,
            schema: &discovery.attribute_names,
            owner: &owner,
            full: round.full,
            rules_skipped: &verdicts.skipped,
            rules_failed: &verdicts.failed,
        },
        &policy,
    );
    if !round.full && guards.need_owned_count(&plan) {
        // The delete guard's share needs every owned group, not just the round's.
        plan.owned_count = directory
            .count_owned(&managed, external_id, &owner)
            .await
            .context("counting the groups gwb owns failed")?;
    }
    Ok((plan, current))
}

/// The ids of the round's groups the rules skipped, and of those they failed on.
struct Verdicts {
    skipped: BTreeSet<String>,
    failed: BTreeSet<String>,
}

impl Verdicts {
    fn of(notes: &[RuleNote]) -> Self {
        let mut verdicts = Verdicts {
            skipped: BTreeSet::new(),
            failed: BTreeSet::new(),
        };
        for note in notes {
            let set = match &note.kind {
                NoteKind::Rejected(Rejection::Skipped { .. }) => &mut verdicts.skipped,
                NoteKind::Rejected(Rejection::Failed { .. }) => &mut verdicts.failed,
                NoteKind::Warnings { .. } => continue,
            };
            set.insert(note.object_id.clone());
        }
        verdicts
    }
}

/// Prints the on-demand steps, if any, and the summary (stderr for plan, whose stdout is the
/// LDIF) and writes the report.
fn finish(
    report: &RunReport,
    options: &RunOptions,
    steps: Option<&Steps>,
    exit: Exit,
) -> anyhow::Result<Exit> {
    let steps = steps.map(Steps::render).unwrap_or_default();
    let summary = steps + &report.render_summary(options.detail);
    if options.apply {
        print!("{summary}");
    } else {
        eprint!("{summary}");
    }
    if let Some(path) = &options.report {
        crate::report::write_json(path, report)?;
    }
    Ok(exit)
}

/// What the next round must deliver again, although the cloud may not change it: whatever
/// did not go through here, which the admin may fix without the cloud group changing.
struct Again {
    /// Groups to read again by id: those the rules failed on, those reconcile skipped (a
    /// conflict, a missing OU), and those the cloud still has with an operation AD refused (or
    /// one not tried after an earlier one of the same group failed). Read again, a group comes
    /// with its whole member list, so a failed member change is planned again in full.
    read: BTreeSet<String>,
    /// Cloud removals whose delete or move AD refused: handed over again as they were.
    deletes: Vec<CloudDelete>,
    /// Failed removals of groups the cloud no longer lists at all (an owned group without a
    /// cloud twin, found by a full round): nothing to read again, left to the next full round.
    left_to_full_round: usize,
}

impl Again {
    /// From the rules' failures, the plan's skips and the apply's failed or untried
    /// operations; `round_ids` are the groups the round delivered live, `round_deletes` its
    /// cloud removals.
    fn of(
        rules_failed: &BTreeSet<String>,
        plan: &Plan,
        applied: &ApplyReport,
        round_ids: &BTreeSet<String>,
        round_deletes: &[CloudDelete],
    ) -> Self {
        let skipped = plan
            .groups
            .iter()
            .filter(|(_, group)| group.action == GroupAction::Skipped)
            .map(|(id, _)| id.clone());
        let failed: BTreeSet<&str> = applied
            .operations
            .iter()
            .filter(|op| matches!(op.outcome, Outcome::Failed(_) | Outcome::Skipped(_)))
            .filter_map(|op| op.object_id.as_deref())
            .collect();
        let deletes: Vec<CloudDelete> = round_deletes
            .iter()
            .filter(|d| failed.contains(d.id.as_str()))
            .cloned()
            .collect();
        let removed: BTreeSet<&str> = deletes.iter().map(|d| d.id.as_str()).collect();
        let (live, gone): (Vec<&str>, Vec<&str>) = failed
            .into_iter()
            .filter(|id| !removed.contains(id))
            .partition(|id| round_ids.contains(*id));
        Again {
            read: rules_failed
                .iter()
                .cloned()
                .chain(skipped)
                .chain(live.into_iter().map(str::to_owned))
                .collect(),
            deletes,
            left_to_full_round: gone.len(),
        }
    }
}

/// The users and the nested groups found by their anchor (those not synced from AD, which
/// are found by their SID) that the desired groups' members refer to.
fn member_lookups<'a>(
    desired: &[gwb_model::DesiredGroup],
    users: &'a BTreeMap<String, UserAnchor>,
    group_sids: &BTreeMap<String, String>,
) -> (BTreeMap<&'a str, &'a UserAnchor>, BTreeSet<String>) {
    let mut member_users = BTreeMap::new();
    let mut member_groups = BTreeSet::new();
    for member in desired.iter().flat_map(|d| &d.members) {
        match member.kind {
            MemberKind::User => {
                if let Some((id, anchor)) = users.get_key_value(&member.id) {
                    member_users.insert(id.as_str(), anchor);
                }
            }
            MemberKind::Group if !group_sids.contains_key(&member.id) => {
                member_groups.insert(member.id.clone());
            }
            _ => {}
        }
    }
    (member_users, member_groups)
}

#[cfg(test)]
mod tests {
    use gwb_ad::{GroupReport, OperationReport};

    use super::*;

    fn operation(id: Option<&str>, outcome: Outcome) -> OperationReport {
        OperationReport {
            operation: format!("op of {id:?}"),
            object_id: id.map(str::to_owned),
            outcome,
        }
    }

    #[test]
    fn what_did_not_go_through_is_read_or_handed_over_again() {
        let mut plan = Plan::default();
        plan.groups.insert(
            "conflict".into(),
            GroupReport {
                object_id: "conflict".into(),
                dn: "CN=c".into(),
                action: GroupAction::Skipped,
                members_added: 0,
                members_removed: 0,
                members_before: 0,
                members_skipped: Vec::new(),
                problems: Vec::new(),
            },
        );
        let failed = || Outcome::Failed("rc=50".into());
        let applied = ApplyReport {
            operations: vec![
                operation(None, failed()),
                operation(Some("written"), Outcome::Done),
                operation(Some("replayed"), Outcome::AlreadyDone("exists".into())),
                operation(Some("refused"), failed()),
                operation(Some("refused"), Outcome::Skipped("earlier failed".into())),
                operation(Some("members"), Outcome::Done),
                operation(Some("members"), failed()),
                operation(Some("gone-hard"), failed()),
                operation(Some("orphan"), failed()),
            ],
        };
        let round_ids: BTreeSet<String> = ["written", "replayed", "refused", "members", "plugin"]
            .map(String::from)
            .into();
        let deletes = [
            CloudDelete {
                id: "gone-hard".into(),
                hard: true,
            },
            CloudDelete {
                id: "gone-ok".into(),
                hard: false,
            },
        ];
        let rules_failed: BTreeSet<String> = ["plugin".to_owned()].into();
        let again = Again::of(&rules_failed, &plan, &applied, &round_ids, &deletes);
        assert_eq!(
            again.read,
            ["conflict", "members", "plugin", "refused"]
                .map(String::from)
                .into()
        );
        assert_eq!(again.deletes, deletes[..1]);
        assert_eq!(again.left_to_full_round, 1, "the orphan");
    }
}
