//! Microsoft 365 groups' `allowExternalSenders` and `hideFromAddressLists`.
//!
//! Exchange Online masters both, and Graph serves them only from the single-group GET
//! (`GET /groups/{id}?$select=...`, "supported only on the Get group API"), never in delta or a
//! list. So a round reads them one group at a time, for the mail-enabled Microsoft 365 groups
//! it carries: every one on a full round, the changed ones otherwise. The values last read are
//! kept in the state, and a group Graph does not answer for in this round keeps them: a failed
//! read never makes gwb drop a restriction it wrote earlier.

use std::collections::BTreeMap;

use gwb_model::printable::printable;
use gwb_model::{CloudDelete, CloudGroup, GroupKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::GraphError;
use crate::http::{GraphClient, RequestStats};
use crate::wire::{WireError, is_object_id};

/// The properties read.
const SELECT: &str = "allowExternalSenders,hideFromAddressLists";

/// One group's settings as last read (`None`: Graph gave no value).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ExchangeSettings {
    /// `allowExternalSenders`.
    pub allow_external_senders: Option<bool>,
    /// `hideFromAddressLists`.
    pub hide_from_address_lists: Option<bool>,
}

impl ExchangeSettings {
    /// These values, each one Graph gave no value for taken from `before`.
    fn or(self, before: Self) -> Self {
        Self {
            allow_external_senders: self
                .allow_external_senders
                .or(before.allow_external_senders),
            hide_from_address_lists: self
                .hide_from_address_lists
                .or(before.hide_from_address_lists),
        }
    }

    /// Sets the group's two fields to these values.
    fn fill(self, group: &mut CloudGroup) {
        group.allow_external_senders = self.allow_external_senders;
        group.hide_from_address_lists = self.hide_from_address_lists;
    }
}

/// What one round read.
#[derive(Debug, Default)]
pub(crate) struct Reads {
    /// The settings Graph gave, by group id.
    pub read: BTreeMap<String, ExchangeSettings>,
    /// Groups whose settings were wanted but not read.
    pub unread: u64,
    /// Why the first of them was not read; a refusal (403), which stops the reads, replaces it.
    pub error: Option<String>,
}

impl Reads {
    /// One group not read, for `why`.
    fn missed(&mut self, why: String) {
        self.unread += 1;
        self.error.get_or_insert(why);
    }

    /// Fills the settings of `groups` (the round's, sorted) from this round's reads, else from
    /// `saved` (the state's), and records in `change` what the state keeps: on a full round
    /// (which replaces the state's settings) every group's values, otherwise the ones that
    /// changed; a group that is no longer a mail-enabled Microsoft 365 group, or is in
    /// `deletes`, drops out.
    pub(crate) fn apply(
        &self,
        groups: &mut [CloudGroup],
        deletes: &[CloudDelete],
        saved: &BTreeMap<String, ExchangeSettings>,
        full: bool,
        change: &mut BTreeMap<String, Option<ExchangeSettings>>,
    ) {
        for group in groups {
            let before = saved.get(&group.id).copied();
            if !wanted(group) {
                if before.is_some() {
                    change.insert(group.id.clone(), None);
                }
                continue;
            }
            let now = match (self.read.get(&group.id), before) {
                (Some(read), Some(before)) => Some(read.or(before)),
                (Some(read), None) => Some(*read),
                (None, before) => before,
            };
            if let Some(now) = now {
                now.fill(group);
                if full || before != Some(now) {
                    change.insert(group.id.clone(), Some(now));
                }
            }
        }
        for delete in deletes {
            if saved.contains_key(&delete.id) {
                change.insert(delete.id.clone(), None);
            }
        }
    }
}

/// True for the groups whose settings are read: live, mail-enabled Microsoft 365 groups (Graph
/// documents the two for those only; security groups are never read).
fn wanted(group: &CloudGroup) -> bool {
    group.kind() == GroupKind::Microsoft365
        && group.mail_enabled == Some(true)
        && group.deleted_date_time.is_none()
}

/// Reads the settings of the wanted groups among `groups`, one GET each. A 404 (the group is
/// not found, yet or any more) leaves that group unread; a 403 (Exchange refuses the token:
/// it holds for every group) leaves it and all the rest unread. Any other failure fails the
/// round, as every other read does.
pub(crate) async fn read(
    client: &GraphClient,
    groups: &[CloudGroup],
    requests: &mut RequestStats,
) -> Result<Reads, GraphError> {
    let mut reads = Reads::default();
    let mut refused = false;
    for group in groups.iter().filter(|g| wanted(g)) {
        if refused {
            reads.unread += 1;
            continue;
        }
        // Ids come from the server: only a GUID goes into a URL path.
        if !is_object_id(&group.id) {
            reads.missed(format!(
                "group id {:?} is not a GUID, so gwb puts it in no URL",
                group.id
            ));
            continue;
        }
        let url = client
            .config()
            .graph_url(&format!("v1.0/groups/{}?$select={SELECT}", group.id));
        match client.get_json(&url, requests).await {
            Ok(body) => {
                reads
                    .read
                    .insert(group.id.clone(), parse(&url, &group.id, &body)?);
            }
            Err(error @ GraphError::Status { status: 404, .. }) => {
                tracing::debug!(
                    group = %printable(&group.id),
                    error = %printable(&error.to_string()),
                    "Exchange settings not found"
                );
                reads.missed(error.to_string());
            }
            Err(error @ GraphError::Status { status: 403, .. }) => {
                tracing::debug!(
                    error = %printable(&error.to_string()),
                    "Exchange settings refused; not reading the rest"
                );
                reads.unread += 1;
                reads.error = Some(error.to_string());
                refused = true;
            }
            Err(error) => return Err(error),
        }
    }
    Ok(reads)
}

/// The settings in Graph's answer for group `id` from `url`: an entity of that id whose two
/// properties are booleans or null.
fn parse(url: &str, id: &str, body: &Value) -> Result<ExchangeSettings, GraphError> {
    let item = |source| GraphError::Item {
        url: url.to_owned(),
        source,
    };
    let obj = body
        .as_object()
        .ok_or_else(|| item(WireError::NotAnObject { what: "group" }))?;
    match obj.get("id") {
        Some(Value::String(answered)) if answered.eq_ignore_ascii_case(id) => {}
        Some(Value::String(answered)) => {
            return Err(GraphError::Malformed {
                url: url.to_owned(),
                reason: format!("it answers for group {answered:?}, not {id}"),
            });
        }
        _ => return Err(item(WireError::MissingId { what: "group" })),
    }
    let flag = |property: &str| match obj.get(property) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(value)) => Ok(Some(*value)),
        Some(_) => Err(item(WireError::WrongType {
            what: "group",
            id: id.to_owned(),
            property: property.to_owned(),
            expected: "a boolean or null",
        })),
    };
    Ok(ExchangeSettings {
        allow_external_senders: flag("allowExternalSenders")?,
        hide_from_address_lists: flag("hideFromAddressLists")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ID: &str = "02bd9fd6-8f93-4758-87c3-1fb73740a315";
    const URL: &str = "https://graph.microsoft.com/v1.0/groups/x";

    #[test]
    fn only_guids_go_into_a_url() {
        assert!(is_object_id(ID));
        assert!(is_object_id("02BD9FD6-8F93-4758-87C3-1FB73740A315"));
        for id in [
            "g2",
            "02bd9fd6-8f93-4758-87c3-1fb73740a31",
            "02bd9fd6-8f93-4758-87c3-1fb73740a3155",
            "02bd9fd6x8f93-4758-87c3-1fb73740a315",
            "02bd9fd6-8f93-4758-87c3-1fb73740a31g",
            "../../users?$top=999#00000000000000000",
            "02bd9fd6-8f93-4758-87c3-1fb73740a3é",
        ] {
            assert!(!is_object_id(id), "{id}");
        }
    }

    #[test]
    fn an_answer_must_be_the_groups_and_hold_booleans_or_null() {
        let answer = json!({"@odata.context": "x", "id": ID, "allowExternalSenders": false,
            "hideFromAddressLists": null});
        assert_eq!(
            parse(URL, ID, &answer).unwrap(),
            ExchangeSettings {
                allow_external_senders: Some(false),
                hide_from_address_lists: None,
            }
        );
        let other = json!({"id": "11111111-8f93-4758-87c3-1fb73740a315"});
        assert!(matches!(
            parse(URL, ID, &other),
            Err(GraphError::Malformed { .. })
        ));
        let err = parse(URL, ID, &json!({"id": ID, "hideFromAddressLists": "true"})).unwrap_err();
        assert!(
            err.to_string()
                .contains("property `hideFromAddressLists` of group"),
            "{err}"
        );
        assert!(matches!(
            parse(URL, ID, &json!({"allowExternalSenders": true})),
            Err(GraphError::Item {
                source: WireError::MissingId { .. },
                ..
            })
        ));
        assert!(matches!(
            parse(URL, ID, &json!([])),
            Err(GraphError::Item { .. })
        ));
    }

    #[test]
    fn a_value_graph_did_not_give_stays_as_last_read() {
        let read = ExchangeSettings {
            allow_external_senders: Some(true),
            hide_from_address_lists: None,
        };
        let before = ExchangeSettings {
            allow_external_senders: Some(false),
            hide_from_address_lists: Some(true),
        };
        assert_eq!(
            read.or(before),
            ExchangeSettings {
                allow_external_senders: Some(true),
                hide_from_address_lists: Some(true),
            }
        );
    }
}
