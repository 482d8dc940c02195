//! Runs one cloud group through the defaults and the organization's rules, in the order
//! eligibility → scope → filter → defaults' proposal → naming → mapping, validating each
//! answer.

use std::collections::BTreeMap;
use std::sync::Arc;

use gwb_model::dn::Dn;
use gwb_model::{
    AttributeEdit, AttributeNames, CloudGroup, DesiredGroup, FilterDecision, Naming, Rule, Stage,
    StageError, TargetCapabilities,
};
use serde::Serialize;

use crate::config::FaultPolicy;
use crate::defaults::{Defaults, Proposal};
use crate::privileges::{Privileges, UNRESTRICTED};
use crate::scope::Scope;
use crate::validate;

/// Who produced an outcome: the built-in defaults, or a plugin by name.
pub const BY_DEFAULTS: &str = "defaults";
/// Who skipped a group whose kind `[scope] kinds` does not name.
pub const BY_SCOPE: &str = "scope";

/// What became of one cloud group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Write this AD group. `warnings` are worth showing but did not stop the group.
    Write {
        /// The group to write, members moved in from the cloud group.
        desired: DesiredGroup,
        /// Non-fatal remarks (e.g. a sAMAccountName longer than 20 characters).
        warnings: Vec<String>,
    },
    /// Nothing is written for this group in this run.
    Rejected(Rejection),
}

/// Why nothing is written for a group: a deliberate skip or a failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Rejection {
    /// Deliberately not written back.
    Skipped {
        /// `defaults`, `scope` or the plugin that skipped it.
        by: String,
        /// Why, in words for the report.
        reason: String,
    },
    /// Could not be transformed.
    Failed {
        /// `defaults` or the plugin at fault.
        by: String,
        /// The stage that failed, when a plugin failed.
        stage: Option<Stage>,
        /// What went wrong, naming the group.
        message: String,
        /// True when the plugin crashed or hit a limit (as opposed to returning an error).
        fault: bool,
    },
}

/// The run stops: a plugin crashed or hit a limit and the rules file says `on_plugin_fault =
/// "abort"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("run aborted because on_plugin_fault = \"abort\": {message}")]
pub struct Aborted {
    /// The fault that stopped the run.
    pub message: String,
}

/// What the pipeline knows of the directory it writes to.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// What the directory supports, as plugins are told.
    pub capabilities: TargetCapabilities,
    /// The directory's attribute names, when gwb has read its schema (`None` in `gwb rules
    /// test`, which reads no AD): plugin edits are named through it.
    pub schema: Option<Arc<AttributeNames>>,
}

/// Each plugin's privileges, by its name in the rules file; a rule not listed is unrestricted.
pub type PluginPrivileges = BTreeMap<String, Privileges>;

/// The transform path for one worker thread: defaults plus warm rule instances.
pub struct Pipeline {
    defaults: Defaults,
    scope: Scope,
    managed_ous: Vec<Dn>,
    target: Target,
    rules: Vec<Box<dyn Rule>>,
    privileges: PluginPrivileges,
    fault_policy: FaultPolicy,
}

impl Pipeline {
    /// A pipeline with these defaults, scope, managed OUs (every target OU must lie within
    /// one), target, rules in order with their privileges, and fault policy.
    pub fn new(
        defaults: Defaults,
        scope: Scope,
        managed_ous: Vec<Dn>,
        target: Target,
        rules: Vec<Box<dyn Rule>>,
        privileges: PluginPrivileges,
        fault_policy: FaultPolicy,
    ) -> Self {
        Self {
            defaults,
            scope,
            managed_ous,
            target,
            rules,
            privileges,
            fault_policy,
        }
    }

    /// Transforms one group. Errors only when a fault must abort the run; every other
    /// problem is a [`Rejection::Failed`] for this group alone.
    pub fn transform(&mut self, group: CloudGroup) -> Result<Outcome, Aborted> {
        let group = Arc::new(group);
        let outcome = match self.run(&group) {
            Ok((mut desired, warnings)) => {
                // Every rule has returned, so no store holds the group any more: the members
                // move into the proposal without being copied.
                desired.members = match Arc::try_unwrap(group) {
                    Ok(group) => group.members,
                    Err(shared) => shared.members.clone(),
                };
                Outcome::Write { desired, warnings }
            }
            Err(rejection) => Outcome::Rejected(rejection),
        };
        match (&outcome, self.fault_policy) {
            (
                Outcome::Rejected(Rejection::Failed {
                    fault: true,
                    message,
                    ..
                }),
                FaultPolicy::Abort,
            ) => Err(Aborted {
                message: message.clone(),
            }),
            _ => Ok(outcome),
        }
    }

    // The error side is the group's final outcome (skip or failure), not an exceptional path,
    // so its size is the same as the success side's.
    #[allow(clippy::result_large_err)]
    fn run(&mut self, group: &Arc<CloudGroup>) -> Result<(DesiredGroup, Vec<String>), Rejection> {
        let label = group.label();
        let defaults_failed = |message: String| Rejection::Failed {
            by: BY_DEFAULTS.into(),
            stage: None,
            message: format!("group {label}: {message}"),
            fault: false,
        };
        if let Err(reason) = self.defaults.eligibility(group) {
            return Err(Rejection::Skipped {
                by: BY_DEFAULTS.into(),
                reason,
            });
        }
        if let Err(reason) = self.scope.admits(group) {
            return Err(Rejection::Skipped {
                by: BY_SCOPE.into(),
                reason,
            });
        }
        for rule in self.rules.iter_mut().filter(|r| r.stages().filter) {
            match rule.filter(group) {
                Ok(FilterDecision::Write) => {}
                Ok(FilterDecision::Skip(reason)) => {
                    return Err(Rejection::Skipped {
                        by: rule.name().to_owned(),
                        reason,
                    });
                }
                Err(error) => return Err(stage_failed(&**rule, Stage::Filter, &label, error)),
            }
        }
        let capabilities = self.target.capabilities;
        let Proposal {
            mut desired,
            mut warnings,
        } = self
            .defaults
            .propose(group, capabilities)
            .map_err(defaults_failed)?;
        let schema = self.target.schema.as_deref();
        // What the cloud holds may be longer than AD takes (a 300-character displayName):
        // cut, like the default cn, rather than refused by AD at the write.
        warnings.extend(validate::cut_to_schema(&mut desired.attributes, schema));
        for rule in self.rules.iter_mut().filter(|r| r.stages().naming) {
            let mut naming = rule
                .naming(group, &mut desired, capabilities)
                .map_err(|e| stage_failed(&**rule, Stage::Naming, &label, e))?;
            warnings.extend(
                check_naming(&mut naming, &self.managed_ous)
                    .map_err(|e| invalid_output(&**rule, Stage::Naming, &label, e))?,
            );
            privileges_of(&self.privileges, &**rule)
                .naming(&naming, &desired)
                .map_err(|e| not_permitted(&**rule, Stage::Naming, &label, e))?;
            apply_naming(&mut desired, naming);
        }
        for rule in self.rules.iter_mut().filter(|r| r.stages().mapping) {
            let edits = rule
                .mapping(group, &mut desired, capabilities)
                .map_err(|e| stage_failed(&**rule, Stage::Mapping, &label, e))?;
            let allowed = privileges_of(&self.privileges, &**rule);
            let edits = canonical_edits(edits, schema, allowed)
                .map_err(|refusal| refusal.rejection(&**rule, &label))?;
            for edit in &edits {
                edit.apply_to(&mut desired.attributes);
            }
        }
        check_final(&mut desired, &self.managed_ous).map_err(defaults_failed)?;
        Ok((desired, warnings))
    }
}

/// The privileges the rules file gives `rule`.
fn privileges_of<'a>(privileges: &'a PluginPrivileges, rule: &dyn Rule) -> &'a Privileges {
    privileges.get(rule.name()).unwrap_or(&UNRESTRICTED)
}

/// Why a mapping answer was refused: invalid output, or an edit beyond the plugin's privileges.
enum Refusal {
    Invalid(String),
    NotPermitted(String),
}

impl Refusal {
    fn rejection(self, rule: &dyn Rule, label: &str) -> Rejection {
        match self {
            Self::Invalid(problem) => invalid_output(rule, Stage::Mapping, label, problem),
            Self::NotPermitted(problem) => not_permitted(rule, Stage::Mapping, label, problem),
        }
    }
}

/// A mapping answer's edits, each validated and named canonically (through `schema` when
/// known), then checked against the plugin's `attributes`.
fn canonical_edits(
    edits: Vec<AttributeEdit>,
    schema: Option<&AttributeNames>,
    allowed: &Privileges,
) -> Result<Vec<AttributeEdit>, Refusal> {
    edits
        .into_iter()
        .map(|edit| {
            let written = edit.name().to_owned();
            let edit = validate::edit(edit, schema).map_err(Refusal::Invalid)?;
            validate::within_schema(&edit, schema).map_err(Refusal::Invalid)?;
            allowed
                .attribute(&written, edit.name())
                .map_err(Refusal::NotPermitted)?;
            Ok(edit)
        })
        .collect()
}

/// Validates a naming answer and puts its parent DN in canonical form; `Ok` holds its
/// warnings.
fn check_naming(naming: &mut Naming, managed_ous: &[Dn]) -> Result<Option<String>, String> {
    if let Some(cn) = &naming.cn {
        validate::cn(cn)?;
    }
    if let Some(parent) = &mut naming.parent_dn {
        *parent = validate::parent_dn(parent, managed_ous)?;
    }
    naming
        .sam_account_name
        .as_deref()
        .map(validate::sam_account_name)
        .transpose()
        .map(Option::flatten)
}

/// Moves a checked naming answer into the proposal.
fn apply_naming(desired: &mut DesiredGroup, naming: Naming) {
    if let Some(cn) = naming.cn {
        desired.cn = cn;
    }
    if let Some(parent) = naming.parent_dn {
        desired.parent_dn = parent;
    }
    if let Some(sam) = naming.sam_account_name {
        desired.sam_account_name = Some(sam);
    }
}

/// The whole proposal, including what the defaults derived from cloud data; the parent DN
/// leaves in canonical form, whoever set it.
fn check_final(desired: &mut DesiredGroup, managed_ous: &[Dn]) -> Result<(), String> {
    validate::cn(&desired.cn)?;
    desired.parent_dn = validate::parent_dn(&desired.parent_dn, managed_ous)?;
    for (name, values) in desired.attributes.iter() {
        for value in values {
            validate::attribute_value(name, value)?;
        }
    }
    Ok(())
}

fn stage_failed(rule: &dyn Rule, stage: Stage, label: &str, error: StageError) -> Rejection {
    let (message, fault) = match error {
        StageError::Rule(message) => (
            format!(
                "plugin `{}` ({stage} stage) returned an error for group {label}: {message}",
                rule.name()
            ),
            false,
        ),
        StageError::Fault(message) => (message, true),
    };
    Rejection::Failed {
        by: rule.name().to_owned(),
        stage: Some(stage),
        message,
        fault,
    }
}

fn invalid_output(rule: &dyn Rule, stage: Stage, label: &str, problem: String) -> Rejection {
    Rejection::Failed {
        by: rule.name().to_owned(),
        stage: Some(stage),
        message: format!(
            "plugin `{}` ({stage} stage) gave invalid output for group {label}: {problem}",
            rule.name()
        ),
        fault: false,
    }
}

fn not_permitted(rule: &dyn Rule, stage: Stage, label: &str, problem: String) -> Rejection {
    Rejection::Failed {
        by: rule.name().to_owned(),
        stage: Some(stage),
        message: format!(
            "plugin `{}` ({stage} stage) overstepped its [[plugins]] privileges for group \
             {label}: {problem}",
            rule.name()
        ),
        fault: false,
    }
}

#[cfg(test)]
mod tests;
