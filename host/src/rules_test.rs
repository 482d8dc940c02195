//! `gwb rules test`: cloud groups from a JSON file through the defaults and the plugin chain,
//! printed as what each would become. No Graph, no AD: the plugin author's loop.

use std::collections::BTreeMap;
use std::path::Path;

use gwb_model::printable::{printable, printable_lines};

use anyhow::Context;
use gwb_graph::wire::{GroupItem, WireError, parse_groups_document};
use gwb_model::TargetCapabilities;
use gwb_rules::{Outcome, Pipeline, Rejection, RulesFile, Target};
use serde::Serialize;

use crate::cli::{OutputFormat, RulesTestArgs};
use crate::exit::Exit;
use crate::plugins::PluginChain;
use crate::settings;

/// What one item of the input became.
#[derive(Debug, Serialize)]
struct ItemReport {
    /// 1-based position in the input.
    item: usize,
    id: Option<String>,
    display_name: Option<String>,
    #[serde(flatten)]
    result: ItemResult,
}

#[derive(Debug, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
enum ItemResult {
    Write {
        dn: String,
        sam_account_name: Option<String>,
        attributes: BTreeMap<String, Vec<String>>,
        members: usize,
        warnings: Vec<String>,
    },
    Removed {
        hard: bool,
    },
    Invalid {
        error: String,
    },
    // Skipped or failed; serialized with the rejection's own `result` tag.
    #[serde(untagged)]
    Rejected(Rejection),
}

/// Runs the command and prints its report on stdout.
pub fn run(rules_path: &Path, args: &RulesTestArgs) -> anyhow::Result<Exit> {
    let rules = RulesFile::load(rules_path)?;
    let document = read_groups_document(&args.groups)?;
    let items = parse_groups_document(&document)
        .with_context(|| format!("{} is not a Graph groups document", args.groups.display()))?;
    // Collections of directoryObjects may mix users and groups: only groups are transformed.
    let odata_types: Vec<Option<String>> = match document.get("value").and_then(|v| v.as_array()) {
        Some(values) => values.iter().map(odata_type).collect(),
        None => vec![odata_type(&document)],
    };

    let chain = PluginChain::load(&rules)?;
    // No AD here: the schema is unknown, so numeric OIDs in plugin edits are refused.
    let target = Target {
        capabilities: TargetCapabilities {
            exchange_schema: args.exchange_schema,
            external_directory_object_id: args.external_directory_object_id,
        },
        schema: None,
    };
    let mut pipeline = settings::pipeline(&rules, target, chain.instantiate()?);

    let mut reports = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let not_a_group = odata_types
            .get(index)
            .cloned()
            .flatten()
            .filter(|t| t != "#microsoft.graph.group");
        reports.push(report_item(index + 1, item, not_a_group, &mut pipeline)?);
    }

    match args.format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&reports)?),
        OutputFormat::Text => print!("{}", render_text(&reports, &chain.log_lines_dropped())),
    }
    let failures = reports.iter().any(|r| {
        matches!(
            r.result,
            ItemResult::Rejected(Rejection::Failed { .. }) | ItemResult::Invalid { .. }
        )
    });
    Ok(if failures {
        Exit::GroupFailures
    } else {
        Exit::Success
    })
}

/// The groups file as JSON: a Graph response, one group object, or a recorded exchange
/// (`{"request": …, "response": {"body": …}}`, as in Microsoft's docs examples), which is read
/// for its body. A response whose `@odata.context` names something other than groups is
/// refused.
fn read_groups_document(path: &Path) -> anyhow::Result<serde_json::Value> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the groups file {}", path.display()))?;
    let document: serde_json::Value = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not JSON; give a Graph response (with a `value` array) or one group object",
            path.display()
        )
    })?;
    let document = match document.pointer("/response/body") {
        Some(body) => body.clone(),
        None => document,
    };
    if let Some(context) = document.get("@odata.context").and_then(|c| c.as_str())
        && !context.contains("#groups")
    {
        anyhow::bail!(
            "{} holds `{}` (@odata.context {context}), not groups; give a groups response",
            path.display(),
            context.rsplit('#').next().unwrap_or(context)
        );
    }
    Ok(document)
}

/// What item number `item` of the file becomes: an invalid item (`not_a_group` names its
/// `@odata.type` when it is another kind of object), a removal, or the group through the
/// pipeline.
fn report_item(
    item: usize,
    parsed: Result<GroupItem, WireError>,
    not_a_group: Option<String>,
    pipeline: &mut Pipeline,
) -> anyhow::Result<ItemReport> {
    let (id, display_name, result) = match parsed {
        _ if not_a_group.is_some() => (
            None,
            None,
            ItemResult::Invalid {
                error: format!("a {} item, not a group", not_a_group.unwrap_or_default()),
            },
        ),
        Err(error) => (
            None,
            None,
            ItemResult::Invalid {
                error: error.to_string(),
            },
        ),
        Ok(GroupItem::Removed(delete)) => (
            Some(delete.id),
            None,
            ItemResult::Removed { hard: delete.hard },
        ),
        Ok(GroupItem::Group {
            mut group,
            members_added,
            ..
        }) => {
            group.members = members_added;
            let (id, name) = (group.id.clone(), group.display_name.clone());
            (Some(id), name, describe(pipeline.transform(group)?))
        }
    };
    Ok(ItemReport {
        item,
        id,
        display_name,
        result,
    })
}

fn odata_type(item: &serde_json::Value) -> Option<String> {
    item.get("@odata.type")
        .and_then(|t| t.as_str())
        .map(str::to_owned)
}

fn describe(outcome: Outcome) -> ItemResult {
    match outcome {
        Outcome::Write { desired, warnings } => ItemResult::Write {
            dn: format!(
                "CN={},{}",
                gwb_model::escape_dn_value(&desired.cn),
                desired.parent_dn
            ),
            sam_account_name: desired.sam_account_name,
            attributes: desired
                .attributes
                .iter()
                .map(|(name, values)| (name.to_owned(), values.to_vec()))
                .collect(),
            members: desired.members.len(),
            warnings,
        },
        Outcome::Rejected(rejection) => ItemResult::Rejected(rejection),
    }
}

/// The report for people; `log_lines_dropped` (by plugin) closes it when a plugin logged past
/// its cap.
fn render_text(reports: &[ItemReport], log_lines_dropped: &BTreeMap<String, u64>) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let mut counts = BTreeMap::<&str, usize>::new();
    for report in reports {
        let name = report
            .display_name
            .as_deref()
            .map(|n| format!(" \"{}\"", printable(n)))
            .unwrap_or_default();
        let id = printable(report.id.as_deref().unwrap_or("(no id)"));
        let _ = writeln!(out, "[{}] {id}{name}", report.item);
        let kind = match &report.result {
            ItemResult::Write {
                dn,
                sam_account_name,
                attributes,
                members,
                warnings,
            } => {
                let _ = writeln!(out, "    write {}", printable(dn));
                let sam = sam_account_name.as_deref().unwrap_or("(generated by AD)");
                let _ = writeln!(out, "      sAMAccountName: {}", printable(sam));
                for (attr, values) in attributes {
                    for value in values {
                        let _ = writeln!(out, "      {}: {}", printable(attr), printable(value));
                    }
                }
                let _ = writeln!(
                    out,
                    "      member: {members} cloud member(s), resolved to AD objects when syncing"
                );
                for warning in warnings {
                    let _ = writeln!(out, "    warning: {}", printable(warning));
                }
                "written"
            }
            ItemResult::Rejected(Rejection::Skipped { by, reason }) => {
                let _ = writeln!(out, "    skipped by {by}: {}", printable(reason));
                "skipped"
            }
            ItemResult::Rejected(Rejection::Failed { message, .. }) => {
                let _ = writeln!(out, "    failed: {}", printable_lines(message, "      "));
                "failed"
            }
            ItemResult::Removed { hard } => {
                let how = if *hard {
                    "hard-deleted"
                } else {
                    "soft-deleted"
                };
                let _ = writeln!(
                    out,
                    "    removed in the cloud ({how}): nothing to transform"
                );
                "removed"
            }
            ItemResult::Invalid { error } => {
                let _ = writeln!(out, "    invalid item: {}", printable(error));
                "invalid"
            }
        };
        *counts.entry(kind).or_default() += 1;
    }
    let summary: Vec<String> = ["written", "skipped", "failed", "removed", "invalid"]
        .iter()
        .map(|k| format!("{} {k}", counts.get(k).copied().unwrap_or(0)))
        .collect();
    let _ = writeln!(out, "{} item(s): {}", reports.len(), summary.join(", "));
    for (plugin, dropped) in log_lines_dropped {
        let _ = writeln!(out, "{}", crate::report::log_cap_line(plugin, *dropped));
    }
    out
}
