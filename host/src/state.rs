//! `gwb state show|reset`: what the saved Graph state holds, and starting over with a full
//! round, which also turns writeback on again after `gwb disable`.

use anyhow::Context;
use gwb_rules::RulesFile;

use crate::cli::StateCommand;
use crate::disable::Preview;
use crate::exit::Exit;
use crate::lock::RunLock;
use crate::settings::{graph_section, state_path};
use crate::writeback_off::Disabled;

/// Runs the subcommand.
pub fn run(rules: &RulesFile, command: &StateCommand) -> anyhow::Result<Exit> {
    let graph = graph_section(rules)?;
    let path = state_path(graph);
    match command {
        StateCommand::Show => {
            match gwb_graph::StateSummary::load(&path)
                .with_context(|| format!("cannot read the state {}", path.display()))?
            {
                None => println!(
                    "no state at {}: the next run is a full round",
                    path.display()
                ),
                Some(summary) => println!("{}:\n{summary}", path.display()),
            }
            if let Some(disabled) = Disabled::load(&graph.state_dir)? {
                println!(
                    "writeback is turned off: {}; `gwb state reset` turns it on again",
                    disabled.describe()
                );
            }
        }
        StateCommand::Reset => {
            // Not under a running sync, which would commit right after.
            let _lock = RunLock::acquire(&graph.state_dir)?;
            if gwb_graph::remove_state(&path)
                .with_context(|| format!("cannot remove the state {}", path.display()))?
            {
                println!("removed {}: the next run is a full round", path.display());
            } else {
                println!("no state at {}: nothing to reset", path.display());
            }
            // Removing the record is what turns writeback on again; a stale preview goes too.
            let disabled = Disabled::load(&graph.state_dir).ok().flatten();
            if Disabled::clear(&graph.state_dir)? {
                println!(
                    "writeback is on again{}: the next sync is a full round",
                    disabled
                        .map(|d| format!(" (it was turned off by {})", d.describe()))
                        .unwrap_or_default()
                );
            }
            Preview::remove(&graph.state_dir)?;
        }
    }
    Ok(Exit::Success)
}
