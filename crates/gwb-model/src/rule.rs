//! The interface every rule implementation offers the pipeline: WASM plugins, and the native
//! and Lua twins the benchmarks compare them with.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::{AttributeEdit, CloudGroup, DesiredGroup, FilterDecision, Naming, TargetCapabilities};

/// The stages a rule implements; the pipeline calls only these.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stages {
    /// Implements `filter`.
    pub filter: bool,
    /// Implements `naming`.
    pub naming: bool,
    /// Implements `mapping`.
    pub mapping: bool,
}

/// The pipeline stage a rule runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Stage {
    /// Decides whether a group is written back.
    Filter,
    /// Chooses cn, target OU and sAMAccountName.
    Naming,
    /// Edits attribute values.
    Mapping,
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Filter => "filter",
            Self::Naming => "naming",
            Self::Mapping => "mapping",
        })
    }
}

/// Why a stage produced no answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum StageError {
    /// The rule returned an error value: an expected failure for this group (bad data, no
    /// route). The rule itself is healthy.
    #[error("{0}")]
    Rule(String),
    /// The rule crashed or hit a limit (trap, time, memory, invalid output). The message names
    /// the plugin, stage, group and cause; the implementation has already recovered (for WASM:
    /// the instance was rebuilt), so the next group can be processed.
    #[error("{0}")]
    Fault(String),
}

/// One rule (plugin) as the pipeline drives it. An instance belongs to one worker thread and is
/// reused for many groups. The pipeline calls only the stages [`Rule::stages`] declares; the
/// others default to "no opinion" so an implementation writes only the stages it has.
pub trait Rule: Send {
    /// The rule's name for reports (e.g. the plugin name from the rules file).
    fn name(&self) -> &str;

    /// The stages this rule implements.
    fn stages(&self) -> Stages;

    /// The filter stage (default: write).
    fn filter(&mut self, group: &Arc<CloudGroup>) -> Result<FilterDecision, StageError> {
        let _ = group;
        Ok(FilterDecision::Write)
    }

    /// The naming stage (default: no change). `proposal` is lent mutably only so an
    /// implementation can move it somewhere cheaply for the call; it must be returned unchanged.
    fn naming(
        &mut self,
        group: &Arc<CloudGroup>,
        proposal: &mut DesiredGroup,
        target: TargetCapabilities,
    ) -> Result<Naming, StageError> {
        let _ = (group, proposal, target);
        Ok(Naming::default())
    }

    /// The mapping stage (default: no edits); same contract for `proposal` as
    /// [`Rule::naming`].
    fn mapping(
        &mut self,
        group: &Arc<CloudGroup>,
        proposal: &mut DesiredGroup,
        target: TargetCapabilities,
    ) -> Result<Vec<AttributeEdit>, StageError> {
        let _ = (group, proposal, target);
        Ok(Vec::new())
    }
}
