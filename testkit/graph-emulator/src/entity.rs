//! One group by id (`GET /{version}/groups/{id}`), the only read that serves the properties
//! Exchange Online masters (`allowExternalSenders`, `hideFromAddressLists`).

use serde_json::{Map, Value};

use crate::delta::Selection;
use crate::tenant::{EXCHANGE_PROPERTIES, GroupRecord, Tenant};

/// The group `id` as Graph's single-group GET returns it: `@odata.context`, `id` and the
/// properties `select` names (`$select`, as received), or the default ones without it. `None`
/// when no live group has that id (a soft-deleted group is only under `deletedItems`).
///
/// Graph documents the Exchange properties for Microsoft 365 groups only; for any other group
/// they are `null` here (what real Graph answers for them is not documented).
pub(crate) fn group(
    tenant: &Tenant,
    base_url: &str,
    beta: bool,
    id: &str,
    select: Option<&str>,
) -> Option<Value> {
    let record = tenant.groups.get(id).filter(|g| !g.soft_deleted)?;
    let selection = Selection::parse(select);
    let mut body = Map::new();
    let api = if beta { "beta" } else { "v1.0" };
    let context = match &selection.props {
        // Graph names the selected properties in the order they were asked for.
        Some(_) => format!("groups({})", select_list(select.unwrap_or_default())),
        None => "groups".to_owned(),
    };
    body.insert(
        "@odata.context".into(),
        Value::String(format!("{base_url}/{api}/$metadata#{context}/$entity")),
    );
    body.extend(selection.project(id, &record.props, beta));
    if selection.props.is_some() {
        for name in EXCHANGE_PROPERTIES {
            if selection.wants(name) {
                body.insert(name.into(), exchange_value(record, name));
            }
        }
    }
    Some(Value::Object(body))
}

/// The `$select` list without blanks, comma-separated.
pub(crate) fn select_list(select: &str) -> String {
    select
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

/// An Exchange property of a group: its value for a Microsoft 365 group, `null` otherwise.
fn exchange_value(record: &GroupRecord, name: &str) -> Value {
    let unified = record
        .props
        .get("groupTypes")
        .and_then(Value::as_array)
        .is_some_and(|types| {
            types
                .iter()
                .filter_map(Value::as_str)
                .any(|t| t.eq_ignore_ascii_case("Unified"))
        });
    match record.exchange.get(name) {
        Some(value) if unified => Value::Bool(*value),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const BASE: &str = "http://127.0.0.1:1";

    fn tenant() -> Tenant {
        Tenant::from_json(
            &json!({
                "tenantId": "t1",
                "groups": [
                    {"id": "m365", "displayName": "Team", "mailEnabled": true,
                     "groupTypes": ["Unified"], "allowExternalSenders": true},
                    {"id": "sec", "displayName": "Security", "securityEnabled": true,
                     "hideFromAddressLists": true},
                    {"id": "gone", "groupTypes": ["Unified"],
                     "deletedDateTime": "2026-01-01T00:00:00Z"}
                ]
            })
            .to_string(),
        )
        .unwrap()
    }

    #[test]
    fn the_exchange_properties_come_with_id_and_the_select_in_the_context() {
        let tenant = tenant();
        let select = Some("allowExternalSenders,hideFromAddressLists");
        assert_eq!(
            group(&tenant, BASE, false, "m365", select),
            Some(json!({
                "@odata.context": format!("{BASE}/v1.0/$metadata#groups(allowExternalSenders,hideFromAddressLists)/$entity"),
                "id": "m365",
                "allowExternalSenders": true,
                "hideFromAddressLists": false,
            }))
        );
        // Only Microsoft 365 groups have them; other selected properties come from the group.
        assert_eq!(
            group(
                &tenant,
                BASE,
                false,
                "sec",
                Some("hideFromAddressLists,displayName")
            ),
            Some(json!({
                "@odata.context": format!("{BASE}/v1.0/$metadata#groups(hideFromAddressLists,displayName)/$entity"),
                "id": "sec",
                "displayName": "Security",
                "hideFromAddressLists": null,
            }))
        );
    }

    #[test]
    fn without_select_the_exchange_properties_are_left_out_and_unknown_ids_are_none() {
        let tenant = tenant();
        let body = group(&tenant, BASE, true, "m365", None).unwrap();
        assert_eq!(
            body["@odata.context"],
            format!("{BASE}/beta/$metadata#groups/$entity")
        );
        assert_eq!(body["displayName"], "Team");
        assert!(body.get("allowExternalSenders").is_none(), "{body}");
        assert_eq!(group(&tenant, BASE, false, "nobody", None), None);
        assert_eq!(
            group(&tenant, BASE, false, "gone", Some("allowExternalSenders")),
            None
        );
    }
}
