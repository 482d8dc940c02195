//! Runs a round's cloud groups through the rule pipeline on worker threads, one warm plugin
//! instance per worker, and sorts the answers into desired groups and report entries.

use std::num::NonZeroUsize;
use std::sync::Arc;

use gwb_ad::Discovery;
use gwb_model::{CloudGroup, DesiredGroup};
use gwb_rules::{Aborted, Outcome, Rejection, RulesFile, Target};
use indicatif::ProgressBar;
use serde::Serialize;

use crate::plugins::PluginChain;
use crate::settings;

/// What the rules said about a group that is not written, or written with remarks.
#[derive(Debug, Clone, Serialize)]
pub struct RuleNote {
    /// The cloud group's object id.
    pub object_id: String,
    /// Its displayName.
    pub display_name: Option<String>,
    /// What happened.
    #[serde(flatten)]
    pub kind: NoteKind,
}

/// The kinds of [`RuleNote`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum NoteKind {
    /// Skipped or failed.
    Rejected(Rejection),
    /// Written, with remarks.
    Warnings {
        /// The remarks.
        warnings: Vec<String>,
    },
}

/// The groups to write and the notes about the others, both sorted by object id.
#[derive(Debug, Default)]
pub struct Transformed {
    /// Groups the rules want in AD.
    pub desired: Vec<DesiredGroup>,
    /// Skips, failures and warnings (desired groups are carried in `desired`, not here, unless
    /// they have warnings).
    pub notes: Vec<RuleNote>,
}

/// One group's id, displayName and outcome.
type GroupOutcome = (String, Option<String>, Outcome);

/// What the pipeline knows of the directory discovery found: its capabilities and its
/// attribute names.
pub fn ad_target(discovery: &Discovery) -> Target {
    Target {
        capabilities: discovery.capabilities,
        schema: Some(Arc::new(discovery.attribute_names.clone())),
    }
}

/// Transforms every group. Stops early, with the fault, only when the rules file says
/// `on_plugin_fault = "abort"`.
pub fn transform_all(
    groups: Vec<CloudGroup>,
    rules: &RulesFile,
    chain: &PluginChain,
    target: Target,
    progress: &ProgressBar,
) -> anyhow::Result<Result<Transformed, Aborted>> {
    let workers = std::thread::available_parallelism()
        .map(NonZeroUsize::get)
        .unwrap_or(1)
        .min(groups.len().max(1));
    let mut pipelines = Vec::with_capacity(workers);
    for _ in 0..workers {
        pipelines.push(settings::pipeline(
            rules,
            target.clone(),
            chain.instantiate()?,
        ));
    }
    progress.set_length(groups.len() as u64);
    let mut shares: Vec<Vec<CloudGroup>> = (0..workers).map(|_| Vec::new()).collect();
    for (i, group) in groups.into_iter().enumerate() {
        shares[i % workers].push(group);
    }
    let results: Vec<Result<Vec<GroupOutcome>, Aborted>> = std::thread::scope(|scope| {
        let handles: Vec<_> = pipelines
            .into_iter()
            .zip(shares)
            .map(|(mut pipeline, share)| {
                scope.spawn(move || {
                    let mut out = Vec::with_capacity(share.len());
                    for group in share {
                        let (id, name) = (group.id.clone(), group.display_name.clone());
                        out.push((id, name, pipeline.transform(group)?));
                        progress.inc(1);
                    }
                    Ok(out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut transformed = Transformed::default();
    for result in results {
        let outcomes = match result {
            Ok(outcomes) => outcomes,
            Err(aborted) => return Ok(Err(aborted)),
        };
        for (object_id, display_name, outcome) in outcomes {
            let kind = match outcome {
                Outcome::Write { desired, warnings } => {
                    transformed.desired.push(desired);
                    if warnings.is_empty() {
                        continue;
                    }
                    NoteKind::Warnings { warnings }
                }
                Outcome::Rejected(rejection) => NoteKind::Rejected(rejection),
            };
            transformed.notes.push(RuleNote {
                object_id,
                display_name,
                kind,
            });
        }
    }
    transformed
        .desired
        .sort_by(|a, b| a.object_id.cmp(&b.object_id));
    transformed
        .notes
        .sort_by(|a, b| a.object_id.cmp(&b.object_id));
    Ok(Ok(transformed))
}
