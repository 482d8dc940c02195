//! A group's direct members (`GET /{version}/groups/{id}/members`) as Graph lists them: each a
//! directoryObject with its `@odata.type`, `id` and the selected properties its type defines.

use serde_json::{Map, Value};

use crate::delta::{Selection, odata_type};
use crate::entity::select_list;
use crate::tenant::Tenant;

/// The user properties a member list may show (Graph's `user` resource; `$select` of another
/// type's property leaves it out of a user).
const USER_PROPERTIES: [&str; 18] = [
    "accountEnabled",
    "createdDateTime",
    "deletedDateTime",
    "displayName",
    "givenName",
    "mail",
    "mailNickname",
    "onPremisesDistinguishedName",
    "onPremisesDomainName",
    "onPremisesImmutableId",
    "onPremisesSamAccountName",
    "onPremisesSecurityIdentifier",
    "onPremisesSyncEnabled",
    "onPremisesUserPrincipalName",
    "proxyAddresses",
    "securityIdentifier",
    "surname",
    "userPrincipalName",
];

/// The group properties a member list may show (Graph's `group` resource, without `members`).
const GROUP_PROPERTIES: [&str; 18] = [
    "createdDateTime",
    "deletedDateTime",
    "description",
    "displayName",
    "groupTypes",
    "mail",
    "mailEnabled",
    "mailNickname",
    "onPremisesDomainName",
    "onPremisesExtensionAttributes",
    "onPremisesNetBiosName",
    "onPremisesSamAccountName",
    "onPremisesSecurityIdentifier",
    "onPremisesSyncEnabled",
    "proxyAddresses",
    "securityEnabled",
    "securityIdentifier",
    "visibility",
];

/// The direct members of the live group `id`, sorted by id, as the items of its member list;
/// `None` when no live group has that id (Graph answers 404 `Request_ResourceNotFound`).
///
/// Each item is `@odata.type`, `id`, and: without `$select`, every property the object has;
/// with it, each selected property the member's type defines (`null` when unset), so a user
/// never shows a group's property nor a group a user's. Directory extensions
/// (`extension_<app>_<name>`) count as defined where the object has them.
pub(crate) fn items(tenant: &Tenant, id: &str, select: Option<&str>) -> Option<Vec<Value>> {
    let group = tenant.groups.get(id).filter(|g| !g.soft_deleted)?;
    let selection = Selection::parse(select);
    let items = group
        .members
        .iter()
        .map(|(member, kind)| {
            let (props, defined): (Option<&Map<String, Value>>, &[&str]) =
                if let Some(user) = tenant.users.get(member) {
                    (Some(&user.props), &USER_PROPERTIES)
                } else if let Some(nested) = tenant.groups.get(member) {
                    (Some(&nested.props), &GROUP_PROPERTIES)
                } else {
                    (None, &[])
                };
            let mut item = Map::new();
            item.insert(
                "@odata.type".into(),
                Value::String(odata_type(*kind).into()),
            );
            item.insert("id".into(), Value::String(member.clone()));
            let empty = Map::new();
            let props = props.unwrap_or(&empty);
            match &selection.props {
                None => item.extend(props.iter().map(|(k, v)| (k.clone(), v.clone()))),
                Some(selected) => {
                    for name in selected {
                        let shown = defined.contains(&name.as_str())
                            || (name.starts_with("extension_") && props.contains_key(name));
                        if shown {
                            let value = props.get(name).cloned().unwrap_or(Value::Null);
                            item.insert(name.clone(), value);
                        }
                    }
                }
            }
            Value::Object(item)
        })
        .collect();
    Some(items)
}

/// The `@odata.context` collection of a member list: `directoryObjects`, with the `$select`
/// list as received (`directoryObjects(id,displayName)`).
pub(crate) fn context(select: Option<&str>) -> String {
    match select {
        Some(select) => format!("directoryObjects({})", select_list(select)),
        None => "directoryObjects".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tenant() -> Tenant {
        Tenant::from_json(
            &json!({
                "tenantId": "t1",
                "users": [
                    {"id": "u1", "userPrincipalName": "u1@x", "onPremisesSyncEnabled": true,
                     "onPremisesImmutableId": "AAAA", "displayName": "User One"},
                    {"id": "u2", "userPrincipalName": "u2@x"}
                ],
                "groups": [
                    {"id": "g1", "displayName": "Outer", "members": ["u2", "g2", "u1"]},
                    {"id": "g2", "displayName": "Inner", "onPremisesSyncEnabled": true,
                     "onPremisesSecurityIdentifier": "S-1-5-21-1-2-3-2001",
                     "extension_abc_cost": "CC-1", "members": ["u1"]},
                    {"id": "gone", "deletedDateTime": "2026-01-01T00:00:00Z", "members": ["u1"]}
                ]
            })
            .to_string(),
        )
        .unwrap()
    }

    #[test]
    fn each_member_shows_its_type_and_only_the_selected_properties_its_type_defines() {
        let select = "id,onPremisesSyncEnabled,onPremisesSecurityIdentifier,\
                      onPremisesImmutableId,extension_abc_cost";
        assert_eq!(
            items(&tenant(), "g1", Some(select)).unwrap(),
            vec![
                json!({"@odata.type": "#microsoft.graph.group", "id": "g2",
                       "onPremisesSyncEnabled": true,
                       "onPremisesSecurityIdentifier": "S-1-5-21-1-2-3-2001",
                       "extension_abc_cost": "CC-1"}),
                json!({"@odata.type": "#microsoft.graph.user", "id": "u1",
                       "onPremisesSyncEnabled": true, "onPremisesSecurityIdentifier": null,
                       "onPremisesImmutableId": "AAAA"}),
                json!({"@odata.type": "#microsoft.graph.user", "id": "u2",
                       "onPremisesSyncEnabled": null, "onPremisesSecurityIdentifier": null,
                       "onPremisesImmutableId": null}),
            ]
        );
        assert_eq!(
            context(Some(select)),
            "directoryObjects(id,onPremisesSyncEnabled,onPremisesSecurityIdentifier,\
             onPremisesImmutableId,extension_abc_cost)"
        );
    }

    #[test]
    fn without_select_every_property_comes_and_unknown_or_deleted_groups_are_none() {
        let tenant = tenant();
        let all = items(&tenant, "g2", None).unwrap();
        assert_eq!(
            all,
            vec![json!({"@odata.type": "#microsoft.graph.user", "id": "u1",
                "userPrincipalName": "u1@x", "onPremisesSyncEnabled": true,
                "onPremisesImmutableId": "AAAA", "displayName": "User One"})]
        );
        assert_eq!(context(None), "directoryObjects");
        assert_eq!(items(&tenant, "nobody", None), None);
        assert_eq!(items(&tenant, "gone", None), None, "soft-deleted");
    }
}
