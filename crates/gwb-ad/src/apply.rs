//! Writes a Plan to AD in order, tolerating replays, and reports every operation's outcome.

use std::collections::BTreeSet;

use gwb_model::object_id_from_anchor;
use gwb_model::printable::printable;

use crate::directory::{ModOp, text_values};
use crate::discovery::EXTERNAL_ID_ATTRIBUTE;
use crate::escape::normalize_dn;
use crate::plan::{Change, ChangeKind, Operation, Plan};
use crate::{AdError, Directory};

/// LDAP result codes apply interprets.
const NO_SUCH_OBJECT: u32 = 32;
const ALREADY_EXISTS: u32 = 68;
const NO_SUCH_ATTRIBUTE: u32 = 16;
const VALUE_EXISTS: u32 = 20;

/// What happened to one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Written.
    Done,
    /// Already in effect (a replay after a crash): nothing to write.
    AlreadyDone(String),
    /// Not attempted because an earlier operation for the same group failed.
    Skipped(String),
    /// The server refused it.
    Failed(String),
}

/// One operation and its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationReport {
    /// The operation's one-line summary.
    pub operation: String,
    /// The cloud object id, if any.
    pub object_id: Option<String>,
    /// The outcome.
    pub outcome: Outcome,
}

/// The outcomes of a whole apply, in plan order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyReport {
    /// One entry per plan operation.
    pub operations: Vec<OperationReport>,
}

impl ApplyReport {
    /// Operations that failed.
    pub fn failures(&self) -> impl Iterator<Item = &OperationReport> {
        self.operations
            .iter()
            .filter(|o| matches!(o.outcome, Outcome::Failed(_)))
    }

    /// True when no operation failed or was skipped.
    pub fn is_success(&self) -> bool {
        self.operations
            .iter()
            .all(|o| matches!(o.outcome, Outcome::Done | Outcome::AlreadyDone(_)))
    }
}

/// The plan's changes as ldap3 modifications.
fn mod_ops(changes: &[Change]) -> Vec<ModOp<'_>> {
    changes
        .iter()
        .map(|c| match c.kind {
            ChangeKind::Add => ModOp::Add(&c.attribute, &c.values),
            ChangeKind::Delete => ModOp::Delete(&c.attribute, &c.values),
            ChangeKind::Replace => ModOp::Replace(&c.attribute, &c.values),
        })
        .collect()
}

impl Directory {
    /// Re-applies a modify after a replay: member adds/deletes cut to what is still needed.
    /// Returns why it was already done, or `None` when the retry also failed.
    async fn modify_remaining(
        &mut self,
        dn: &str,
        changes: &[Change],
    ) -> Result<Option<String>, AdError> {
        let first = crate::read::range_request(0);
        let Some(entry) = self.read_entry(dn, &[first.as_str()]).await? else {
            return Ok(None);
        };
        let present: BTreeSet<String> = self
            .all_members(&entry)
            .await?
            .iter()
            .map(|m| normalize_dn(m))
            .collect();
        let mut remaining: Vec<Change> = Vec::new();
        for c in changes {
            let is_member = c.attribute.eq_ignore_ascii_case("member");
            let values: Vec<String> = match c.kind {
                ChangeKind::Add if is_member => c
                    .values
                    .iter()
                    .filter(|v| !present.contains(&normalize_dn(v)))
                    .cloned()
                    .collect(),
                ChangeKind::Delete if is_member => c
                    .values
                    .iter()
                    .filter(|v| present.contains(&normalize_dn(v)))
                    .cloned()
                    .collect(),
                _ => c.values.clone(),
            };
            if !is_member || !values.is_empty() {
                remaining.push(Change {
                    kind: c.kind,
                    attribute: c.attribute.clone(),
                    values,
                });
            }
        }
        if remaining.is_empty() {
            return Ok(Some("the member changes are already in effect".into()));
        }
        let mods = mod_ops(&remaining);
        match self.modify(dn, &mods).await {
            Ok(()) => Ok(Some(
                "part of the member changes were already in effect".into(),
            )),
            Err(e) if e.rc().is_some() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Does the entry at `dn` carry `Group_<object_id>` in an anchor attribute?
    async fn has_anchor(&mut self, dn: &str, object_id: &str) -> Result<bool, AdError> {
        let entry = self
            .read_entry(dn, &["adminDescription", EXTERNAL_ID_ATTRIBUTE])
            .await?;
        Ok(entry.is_some_and(|e| {
            text_values(&e, "adminDescription")
                .into_iter()
                .chain(text_values(&e, EXTERNAL_ID_ATTRIBUTE))
                .any(|v| object_id_from_anchor(v) == Some(object_id))
        }))
    }

    async fn apply_one(&mut self, op: &Operation) -> Result<Outcome, AdError> {
        let result = match op {
            Operation::CreateOu { dn } => {
                let ou = crate::escape::first_rdn_value(dn).unwrap_or_default();
                self.add(
                    dn,
                    &[
                        ("objectClass".into(), vec!["organizationalUnit".into()]),
                        ("ou".into(), vec![ou]),
                    ],
                )
                .await
            }
            Operation::Add { dn, attributes, .. } => self.add(dn, attributes).await,
            Operation::ModDn {
                dn,
                new_rdn,
                new_superior,
                ..
            } => self.modify_dn(dn, new_rdn, new_superior.as_deref()).await,
            Operation::Modify { dn, changes, .. } => self.modify(dn, &mod_ops(changes)).await,
            Operation::Delete { dn, .. } => self.delete(dn).await,
        };
        let err = match result {
            Ok(()) => return Ok(Outcome::Done),
            Err(err) => err,
        };
        // Replays after a crash: the effect is already there.
        let replayed = match (op, err.rc()) {
            (Operation::CreateOu { .. }, Some(ALREADY_EXISTS)) => Some("the OU exists".to_owned()),
            (Operation::Add { dn, object_id, .. }, Some(ALREADY_EXISTS)) => self
                .has_anchor(dn, object_id)
                .await?
                .then(|| "the group exists with our anchor".to_owned()),
            (
                Operation::ModDn {
                    new_dn, object_id, ..
                },
                Some(NO_SUCH_OBJECT),
            ) => self
                .has_anchor(new_dn, object_id)
                .await?
                .then(|| "the group is already at its new DN".to_owned()),
            (Operation::Delete { .. }, Some(NO_SUCH_OBJECT)) => {
                Some("the group is already gone".to_owned())
            }
            (
                Operation::Modify { dn, changes, .. },
                Some(ALREADY_EXISTS | VALUE_EXISTS | NO_SUCH_ATTRIBUTE),
            ) => {
                // Samba ignores permissive modify for linked attributes like member: redo the
                // change with only the values still missing (adds) or present (deletes).
                self.modify_remaining(dn, changes).await?
            }
            _ => None,
        };
        Ok(match replayed {
            Some(why) => Outcome::AlreadyDone(why),
            None => Outcome::Failed(err.to_string()),
        })
    }

    /// Applies the plan's operations in order. A failed operation does not stop the run; the
    /// later operations of the same group are skipped. Transport errors that outlast the
    /// retries end the run with an error.
    pub async fn apply(&mut self, plan: &Plan) -> Result<ApplyReport, AdError> {
        let mut report = ApplyReport::default();
        let mut failed: BTreeSet<String> = BTreeSet::new();
        for op in &plan.operations {
            let object_id = op.object_id().map(str::to_owned);
            let outcome = match &object_id {
                Some(id) if failed.contains(id) => {
                    Outcome::Skipped("an earlier operation for this group failed".into())
                }
                _ => match self.apply_one(op).await {
                    Ok(outcome) => outcome,
                    Err(e) if e.rc().is_none() => return Err(e),
                    Err(e) => Outcome::Failed(e.to_string()),
                },
            };
            if let (Outcome::Failed(why), Some(id)) = (&outcome, &object_id) {
                tracing::warn!(
                    operation = %printable(&op.summary()),
                    error = %printable(why),
                    "operation failed"
                );
                failed.insert(id.clone());
            }
            report.operations.push(OperationReport {
                operation: op.summary(),
                object_id,
                outcome,
            });
        }
        Ok(report)
    }
}
