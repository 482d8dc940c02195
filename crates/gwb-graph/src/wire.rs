//! Parses Microsoft Graph's JSON shapes (groups, delta items, users, member lists) into the model.
//!
//! Graph sends every property it was asked for, but a group spread over several delta pages may
//! come back with only some of them, so parsing is "apply the properties present onto a group":
//! [`apply_group_object`] is used both to build a group from one item and to merge a later
//! fragment of the same group into it.

use gwb_model::{CloudDelete, CloudGroup, Member, MemberKind, UserAnchor, WritebackConfiguration};
use serde_json::{Map, Value};

/// One item of a groups collection or delta page.
// Items are consumed one at a time, so boxing the large variant would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupItem {
    /// A live group with the member changes the item carried.
    Group {
        /// The group's properties; `members` is left empty (see the two lists below).
        group: CloudGroup,
        /// Members added (`members@delta` without `@removed`, or a `members` array).
        members_added: Vec<Member>,
        /// Members removed (`members@delta` entries with `@removed`).
        members_removed: Vec<Member>,
    },
    /// The group was removed (`@removed`): soft (`changed`) or hard (`deleted`).
    Removed(CloudDelete),
}

/// One item of a users collection or delta page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserItem {
    /// A live user with its on-premises anchors.
    User(UserAnchor),
    /// The user was removed (`@removed`, any reason).
    Removed {
        /// The user's object id.
        id: String,
    },
}

/// Why a Graph JSON document or item could not be turned into model data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The document is neither an object with a `value` array nor a single entity.
    #[error(
        "the response is not a Graph collection (an object with a `value` array) or entity; \
         check that the URL points at a Graph endpoint"
    )]
    NotADocument,
    /// An item of a collection is not a JSON object.
    #[error("a {what} item is not a JSON object; the response is not in Graph's shape")]
    NotAnObject {
        /// What was being parsed (`group`, `user`, `member`).
        what: &'static str,
    },
    /// An item has no string `id`; real Graph always returns one.
    #[error(
        "a {what} item has no `id` (real Graph always returns one); the response is \
         truncated or not from Graph, so it cannot be used"
    )]
    MissingId {
        /// What was being parsed (`group`, `user`, `member`).
        what: &'static str,
    },
    /// A property has a JSON type Graph never sends for it.
    #[error(
        "property `{property}` of {what} {id} is not {expected}; the response is not in Graph's shape"
    )]
    WrongType {
        /// What was being parsed (`group`, `user`, `member`).
        what: &'static str,
        /// The object's id.
        id: String,
        /// The property name as Graph spells it.
        property: String,
        /// The JSON type that was expected.
        expected: &'static str,
    },
}

/// The prefix of directory extension property names (`extension_<appid>_<name>`).
const EXTENSION_PREFIX: &str = "extension_";

/// Parses one group object or group delta item.
pub fn parse_group_item(item: &Value) -> Result<GroupItem, WireError> {
    let obj = item
        .as_object()
        .ok_or(WireError::NotAnObject { what: "group" })?;
    let id = object_id(obj, "group")?;
    if let Some(removed) = obj.get("@removed") {
        return Ok(GroupItem::Removed(CloudDelete {
            id,
            hard: removed_reason(removed) == Some("deleted"),
        }));
    }
    let mut group = CloudGroup {
        id,
        ..CloudGroup::default()
    };
    let mut members_added = Vec::new();
    let mut members_removed = Vec::new();
    apply_group_object(&mut group, obj, &mut members_added, &mut members_removed)?;
    Ok(GroupItem::Group {
        group,
        members_added,
        members_removed,
    })
}

/// Parses a groups document: a collection (`value` array) or a single group.
///
/// The outer error means the document itself is unusable; inner errors belong to one item and
/// leave the others intact.
pub fn parse_groups_document(doc: &Value) -> Result<Vec<Result<GroupItem, WireError>>, WireError> {
    Ok(document_items(doc)?.iter().map(parse_group_item).collect())
}

/// Parses one user object or user delta item into its on-premises anchors.
pub fn parse_user_item(item: &Value) -> Result<UserItem, WireError> {
    let obj = item
        .as_object()
        .ok_or(WireError::NotAnObject { what: "user" })?;
    let id = object_id(obj, "user")?;
    if obj.contains_key("@removed") {
        return Ok(UserItem::Removed { id });
    }
    let mut user = UserAnchor {
        id,
        ..UserAnchor::default()
    };
    apply_user_object(&mut user, obj)?;
    Ok(UserItem::User(user))
}

/// Parses a users document: a collection (`value` array) or a single user.
pub fn parse_users_document(doc: &Value) -> Result<Vec<Result<UserItem, WireError>>, WireError> {
    Ok(document_items(doc)?.iter().map(parse_user_item).collect())
}

/// Parses a directoryObject collection (`/members`, `/owners`, `/transitiveMembers`) into
/// members; entries without `@odata.type` are [`MemberKind::Other`].
pub fn parse_member_list(doc: &Value) -> Result<Vec<Result<Member, WireError>>, WireError> {
    Ok(document_items(doc)?
        .iter()
        .map(|entry| parse_member(entry).map(|(member, _)| member))
        .collect())
}

/// One item of a group's member list (`/groups/{id}/members` with `$select`): the member and
/// what its item carries about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberObject {
    /// The member's id and kind (from `@odata.type`).
    pub member: Member,
    /// A user member's on-premises anchors.
    pub user: Option<UserAnchor>,
    /// A group member's on-premises SID, when Graph says it is synced from AD
    /// ([`CloudGroup::synced_sid`]).
    pub synced_sid: Option<String>,
}

/// Parses one item of a group's member list: a user gives its anchors and a group its synced
/// SID, the same data a round gets from `users/delta` and the nested group's delta item.
pub fn parse_member_object(item: &Value) -> Result<MemberObject, WireError> {
    let (member, _) = parse_member(item)?;
    let mut object = MemberObject {
        member,
        user: None,
        synced_sid: None,
    };
    match object.member.kind {
        MemberKind::User => {
            if let UserItem::User(anchor) = parse_user_item(item)? {
                object.user = Some(anchor);
            }
        }
        MemberKind::Group => {
            if let GroupItem::Group { group, .. } = parse_group_item(item)? {
                object.synced_sid = group.synced_sid().map(str::to_owned);
            }
        }
        _ => {}
    }
    Ok(object)
}

/// True for an object id in Graph's form, a GUID written 8-4-4-4-12 in hex: the only ids gwb
/// puts into a URL path.
pub fn is_object_id(id: &str) -> bool {
    id.len() == 36
        && id.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Applies the properties present in a group object onto `group` and collects its member
/// changes; absent properties keep their value, `null` clears them.
pub fn apply_group_object(
    group: &mut CloudGroup,
    obj: &Map<String, Value>,
    members_added: &mut Vec<Member>,
    members_removed: &mut Vec<Member>,
) -> Result<(), WireError> {
    let field = Field {
        what: "group",
        id: &group.id.clone(),
    };
    for (key, value) in obj {
        match key.as_str() {
            "displayName" => group.display_name = field.string(key, value)?,
            "description" => group.description = field.string(key, value)?,
            "mail" => group.mail = field.string(key, value)?,
            "mailNickname" => group.mail_nickname = field.string(key, value)?,
            "mailEnabled" => group.mail_enabled = field.bool(key, value)?,
            "securityEnabled" => group.security_enabled = field.bool(key, value)?,
            "groupTypes" => group.group_types = field.strings(key, value)?,
            "proxyAddresses" => group.proxy_addresses = field.strings(key, value)?,
            "visibility" => group.visibility = field.string(key, value)?,
            "onPremisesSyncEnabled" => group.on_premises_sync_enabled = field.bool(key, value)?,
            "onPremisesSecurityIdentifier" => {
                group.on_premises_security_identifier = field.string(key, value)?
            }
            "onPremisesSamAccountName" => {
                group.on_premises_sam_account_name = field.string(key, value)?
            }
            "securityIdentifier" => group.security_identifier = field.string(key, value)?,
            "createdDateTime" => group.created_date_time = field.string(key, value)?,
            "deletedDateTime" => group.deleted_date_time = field.string(key, value)?,
            "writebackConfiguration" => group.writeback = field.writeback(key, value)?,
            "onPremisesExtensionAttributes" => {
                group.extension_attributes = field.extension_attributes(key, value)?
            }
            "members@delta" | "members" => {
                for entry in field.array(key, value)? {
                    let (member, removed) = parse_member(entry)?;
                    if removed {
                        members_removed.push(member);
                    } else {
                        members_added.push(member);
                    }
                }
            }
            _ if key.starts_with(EXTENSION_PREFIX) => match value {
                Value::Null => {
                    group.directory_extensions.remove(key);
                }
                Value::String(text) => {
                    group.directory_extensions.insert(key.clone(), text.clone());
                }
                other => {
                    group
                        .directory_extensions
                        .insert(key.clone(), other.to_string());
                }
            },
            _ => {}
        }
    }
    Ok(())
}

/// Applies the properties present in a user object onto `user`.
pub fn apply_user_object(user: &mut UserAnchor, obj: &Map<String, Value>) -> Result<(), WireError> {
    let field = Field {
        what: "user",
        id: &user.id.clone(),
    };
    for (key, value) in obj {
        match key.as_str() {
            "userPrincipalName" => user.user_principal_name = field.string(key, value)?,
            "onPremisesSecurityIdentifier" => {
                user.on_premises_security_identifier = field.string(key, value)?
            }
            "onPremisesImmutableId" => user.on_premises_immutable_id = field.string(key, value)?,
            "onPremisesDistinguishedName" => {
                user.on_premises_distinguished_name = field.string(key, value)?
            }
            "onPremisesSamAccountName" => {
                user.on_premises_sam_account_name = field.string(key, value)?
            }
            "onPremisesSyncEnabled" => user.on_premises_sync_enabled = field.bool(key, value)?,
            _ => {}
        }
    }
    Ok(())
}

/// The items of a document: its `value` array, or the document itself when it is one entity.
fn document_items(doc: &Value) -> Result<&[Value], WireError> {
    let obj = doc.as_object().ok_or(WireError::NotADocument)?;
    match obj.get("value") {
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(WireError::NotADocument),
        None => Ok(std::slice::from_ref(doc)),
    }
}

/// The object's `id`, which must be a non-empty string.
fn object_id(obj: &Map<String, Value>, what: &'static str) -> Result<String, WireError> {
    match obj.get("id") {
        Some(Value::String(id)) if !id.is_empty() => Ok(id.clone()),
        _ => Err(WireError::MissingId { what }),
    }
}

/// `@removed.reason`, when given.
fn removed_reason(removed: &Value) -> Option<&str> {
    removed.get("reason").and_then(Value::as_str)
}

/// Parses one directoryObject reference; the flag is true when it carries `@removed`.
fn parse_member(entry: &Value) -> Result<(Member, bool), WireError> {
    let obj = entry
        .as_object()
        .ok_or(WireError::NotAnObject { what: "member" })?;
    let id = object_id(obj, "member")?;
    let kind = MemberKind::from_odata_type(obj.get("@odata.type").and_then(Value::as_str));
    Ok((Member { id, kind }, obj.contains_key("@removed")))
}

/// Typed access to one object's properties, naming the object in errors.
struct Field<'a> {
    /// What the object is (`group`, `user`).
    what: &'static str,
    /// The object's id.
    id: &'a str,
}

impl Field<'_> {
    /// The error for `property` not being `expected`.
    fn wrong(&self, property: &str, expected: &'static str) -> WireError {
        WireError::WrongType {
            what: self.what,
            id: self.id.to_owned(),
            property: property.to_owned(),
            expected,
        }
    }

    /// A string or null.
    fn string(&self, key: &str, value: &Value) -> Result<Option<String>, WireError> {
        match value {
            Value::Null => Ok(None),
            Value::String(text) => Ok(Some(text.clone())),
            _ => Err(self.wrong(key, "a string or null")),
        }
    }

    /// A boolean or null.
    fn bool(&self, key: &str, value: &Value) -> Result<Option<bool>, WireError> {
        match value {
            Value::Null => Ok(None),
            Value::Bool(flag) => Ok(Some(*flag)),
            _ => Err(self.wrong(key, "a boolean or null")),
        }
    }

    /// An array (null counts as empty).
    fn array<'v>(&self, key: &str, value: &'v Value) -> Result<&'v [Value], WireError> {
        match value {
            Value::Null => Ok(&[]),
            Value::Array(items) => Ok(items),
            _ => Err(self.wrong(key, "an array")),
        }
    }

    /// An array of strings (null counts as empty).
    fn strings(&self, key: &str, value: &Value) -> Result<Vec<String>, WireError> {
        self.array(key, value)?
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| self.wrong(key, "an array of strings"))
            })
            .collect()
    }

    /// `writebackConfiguration`: an object or null.
    fn writeback(
        &self,
        key: &str,
        value: &Value,
    ) -> Result<Option<WritebackConfiguration>, WireError> {
        match value {
            Value::Null => Ok(None),
            Value::Object(obj) => Ok(Some(WritebackConfiguration {
                is_enabled: match obj.get("isEnabled") {
                    Some(flag) => self.bool("writebackConfiguration.isEnabled", flag)?,
                    None => None,
                },
                on_premises_group_type: match obj.get("onPremisesGroupType") {
                    Some(text) => {
                        self.string("writebackConfiguration.onPremisesGroupType", text)?
                    }
                    None => None,
                },
            })),
            _ => Err(self.wrong(key, "an object or null")),
        }
    }

    /// `onPremisesExtensionAttributes`: only the set (non-null) attributes.
    fn extension_attributes(
        &self,
        key: &str,
        value: &Value,
    ) -> Result<std::collections::BTreeMap<String, String>, WireError> {
        let mut set = std::collections::BTreeMap::new();
        match value {
            Value::Null => {}
            Value::Object(obj) => {
                for (name, attr) in obj {
                    if let Some(text) = self.string(name, attr)? {
                        set.insert(name.clone(), text);
                    }
                }
            }
            _ => return Err(self.wrong(key, "an object or null")),
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn delta_item_splits_member_changes_and_keeps_every_property() {
        let item = json!({
            "id": "g1",
            "displayName": "Sales",
            "mailEnabled": true,
            "securityEnabled": true,
            "groupTypes": ["DynamicMembership"],
            "onPremisesExtensionAttributes": {
                "extensionAttribute1": "route-a",
                "extensionAttribute2": null
            },
            "extension_0123abcd_costCenter": "CC-42",
            "extension_0123abcd_level": 3,
            "extension_0123abcd_unset": null,
            "writebackConfiguration": {"isEnabled": true, "onPremisesGroupType": "universalSecurityGroup"},
            "members@delta": [
                {"@odata.type": "#microsoft.graph.user", "id": "u1"},
                {"@odata.type": "#microsoft.graph.group", "id": "g2", "@removed": {"reason": "deleted"}}
            ]
        });
        let GroupItem::Group {
            group,
            members_added,
            members_removed,
        } = parse_group_item(&item).unwrap()
        else {
            panic!("expected a group");
        };
        assert_eq!(group.display_name.as_deref(), Some("Sales"));
        assert_eq!(
            group.extension_attributes,
            [("extensionAttribute1".to_owned(), "route-a".to_owned())].into()
        );
        assert_eq!(
            group.directory_extensions,
            [
                (
                    "extension_0123abcd_costCenter".to_owned(),
                    "CC-42".to_owned()
                ),
                ("extension_0123abcd_level".to_owned(), "3".to_owned()),
            ]
            .into()
        );
        assert_eq!(
            group.writeback,
            Some(WritebackConfiguration {
                is_enabled: Some(true),
                on_premises_group_type: Some("universalSecurityGroup".into())
            })
        );
        assert_eq!(
            members_added,
            vec![Member {
                id: "u1".into(),
                kind: MemberKind::User
            }]
        );
        assert_eq!(
            members_removed,
            vec![Member {
                id: "g2".into(),
                kind: MemberKind::Group
            }]
        );
    }

    #[test]
    fn removed_reasons_map_to_soft_and_hard_deletes() {
        let soft = json!({"id": "a", "@removed": {"reason": "changed"}});
        let hard = json!({"id": "b", "@removed": {"reason": "deleted"}});
        assert_eq!(
            parse_group_item(&soft).unwrap(),
            GroupItem::Removed(CloudDelete {
                id: "a".into(),
                hard: false
            })
        );
        assert_eq!(
            parse_group_item(&hard).unwrap(),
            GroupItem::Removed(CloudDelete {
                id: "b".into(),
                hard: true
            })
        );
    }

    #[test]
    fn wrong_types_and_missing_ids_are_named() {
        let err = parse_group_item(&json!({"id": "g", "mailEnabled": "yes"})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "property `mailEnabled` of group g is not a boolean or null; the response is not in Graph's shape"
        );
        let err = parse_user_item(&json!({"displayName": "x"})).unwrap_err();
        assert_eq!(err, WireError::MissingId { what: "user" });
        assert_eq!(
            parse_groups_document(&json!([1])).unwrap_err(),
            WireError::NotADocument
        );
    }

    #[test]
    fn a_later_fragment_merges_without_erasing_earlier_properties() {
        let GroupItem::Group { mut group, .. } =
            parse_group_item(&json!({"id": "g", "displayName": "Big"})).unwrap()
        else {
            panic!("expected a group");
        };
        let fragment = json!({"id": "g", "members@delta": [{"id": "u9"}]});
        let (mut added, mut removed) = (Vec::new(), Vec::new());
        apply_group_object(
            &mut group,
            fragment.as_object().unwrap(),
            &mut added,
            &mut removed,
        )
        .unwrap();
        assert_eq!(group.display_name.as_deref(), Some("Big"));
        assert_eq!(
            added,
            vec![Member {
                id: "u9".into(),
                kind: MemberKind::Other
            }]
        );
    }
}
