//! Property tests of the Graph wire parsing (`gwb_graph::wire`): no JSON, however malformed,
//! makes it panic, and well-formed group and user items carry every field into the model.
//!
//! 256 cases per property (proptest's default); `PROPTEST_CASES=10000` raises it.

use std::collections::BTreeMap;

use gwb_graph::wire::{
    GroupItem, UserItem, parse_group_item, parse_groups_document, parse_member_list,
    parse_member_object, parse_user_item, parse_users_document,
};
use gwb_model::{CloudGroup, Member, MemberKind, UserAnchor, WritebackConfiguration};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Every property name the wire parsing reads, so arbitrary objects hit them often.
const KNOWN: &[&str] = &[
    "id",
    "@removed",
    "@odata.type",
    "displayName",
    "description",
    "mail",
    "mailNickname",
    "mailEnabled",
    "securityEnabled",
    "groupTypes",
    "proxyAddresses",
    "visibility",
    "onPremisesSyncEnabled",
    "onPremisesSecurityIdentifier",
    "onPremisesSamAccountName",
    "securityIdentifier",
    "createdDateTime",
    "deletedDateTime",
    "writebackConfiguration",
    "isEnabled",
    "onPremisesGroupType",
    "onPremisesExtensionAttributes",
    "extensionAttribute1",
    "members@delta",
    "members",
    "value",
    "reason",
    "extension_abc_x",
    "userPrincipalName",
    "onPremisesImmutableId",
    "onPremisesDistinguishedName",
];

/// Strings with control characters, non-ASCII and the odata types Graph uses.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::sample::select(vec![
            "#microsoft.graph.user",
            "#microsoft.graph.group",
            "deleted",
            "changed",
            "Unified",
            "",
            "\0\r\n\u{7f}\u{202e}",
        ])
        .prop_map(str::to_owned),
    ]
}

/// Any JSON value, nested a few levels, with Graph's property names as keys.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        let key =
            prop_oneof![3 => prop::sample::select(KNOWN).prop_map(str::to_owned), 1 => text()];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// A JSON object that often has a string `id`, as Graph items do.
fn item() -> impl Strategy<Value = Value> {
    (json_value(), prop::option::of(text())).prop_map(|(value, id)| match (value, id) {
        (Value::Object(mut obj), Some(id)) => {
            obj.insert("id".into(), Value::String(id));
            Value::Object(obj)
        }
        (value, _) => value,
    })
}

proptest! {
    #[test]
    fn arbitrary_json_never_panics(item in item(), doc in json_value()) {
        let _ = parse_group_item(&item);
        let _ = parse_user_item(&item);
        let _ = parse_member_object(&item);
        let collection = json!({ "value": [item.clone(), doc.clone()] });
        for doc in [&doc, &item, &collection] {
            let _ = parse_groups_document(doc);
            let _ = parse_users_document(doc);
            let _ = parse_member_list(doc);
        }
    }

    #[test]
    fn odd_numbers_in_json_text_never_panic(
        key in prop::sample::select(KNOWN),
        number in prop::sample::select(vec![
            "1e999", "-1e999", "-0", "0.1e-400", "123456789012345678901234567890",
            "-9223372036854775809", "18446744073709551616", "1.7976931348623157e308", "5e-324",
        ]),
    ) {
        let text = format!(r#"{{"id": "g", "{key}": {number}, "value": [{{"id": {number}}}]}}"#);
        if let Ok(doc) = serde_json::from_str::<Value>(&text) {
            let _ = parse_group_item(&doc);
            let _ = parse_user_item(&doc);
            let _ = parse_groups_document(&doc);
            let _ = parse_member_list(&doc);
        }
    }
}

/// A property as an item may carry it: absent, `null`, or a value.
#[derive(Debug, Clone)]
enum Field<T> {
    Absent,
    Null,
    Set(T),
}

impl<T: Clone + Into<Value>> Field<T> {
    /// Puts the property into `obj` as Graph would send it.
    fn write(&self, obj: &mut Map<String, Value>, key: &str) {
        match self {
            Field::Absent => {}
            Field::Null => {
                obj.insert(key.into(), Value::Null);
            }
            Field::Set(v) => {
                obj.insert(key.into(), v.clone().into());
            }
        }
    }
}

impl<T: Clone> Field<T> {
    /// What the model holds for it: absent and `null` are both unset.
    fn model(&self) -> Option<T> {
        match self {
            Field::Set(v) => Some(v.clone()),
            _ => None,
        }
    }
}

fn field<T: std::fmt::Debug + Clone>(
    inner: impl Strategy<Value = T>,
) -> impl Strategy<Value = Field<T>> {
    prop_oneof![
        Just(Field::Absent),
        Just(Field::Null),
        inner.prop_map(Field::Set)
    ]
}

/// A property name the wire parsing does not read.
fn unknown_key() -> impl Strategy<Value = String> {
    "[a-zA-Z@.]{1,12}".prop_filter("unknown to gwb", |k| !KNOWN.contains(&k.as_str()))
}

/// A well-formed group item, and what the model must hold after parsing it.
fn group() -> impl Strategy<Value = (Value, CloudGroup, Vec<Member>, Vec<Member>)> {
    let strings = prop::collection::vec(field(text()), 10);
    let bools = prop::collection::vec(field(any::<bool>()), 3);
    let lists = prop::collection::vec(field(prop::collection::vec(text(), 0..4)), 2);
    let writeback = field((field(any::<bool>()), field(text())));
    let extension_attributes = field(prop::collection::btree_map(
        1..=15u8,
        prop::option::of(text()),
        0..5,
    ));
    let directory_extensions =
        prop::collection::btree_map("[a-f0-9]{4}_[a-zA-Z]{1,8}", text(), 0..3);
    let members = prop::collection::vec(
        (
            "[0-9a-f-]{1,36}",
            prop::sample::select(vec!["#microsoft.graph.user", "#microsoft.graph.group", "x"]),
            any::<bool>(),
        ),
        0..5,
    );
    let unknown = prop::collection::vec((unknown_key(), json_value()), 0..3);
    (
        (
            text().prop_filter("ids are not empty", |id| !id.is_empty()),
            strings,
            bools,
            lists,
        ),
        (
            writeback,
            extension_attributes,
            directory_extensions,
            members,
            unknown,
        ),
    )
        .prop_map(
            |((id, s, b, l), (writeback, ext, dir_ext, members, unknown))| {
                let mut obj = Map::new();
                // Unknown properties first: the known ones below win a clash.
                for (key, value) in unknown {
                    obj.insert(key, value);
                }
                obj.insert("id".into(), Value::String(id.clone()));
                let string_keys = [
                    "displayName",
                    "description",
                    "mail",
                    "mailNickname",
                    "visibility",
                    "onPremisesSecurityIdentifier",
                    "onPremisesSamAccountName",
                    "securityIdentifier",
                    "createdDateTime",
                    "deletedDateTime",
                ];
                for (key, f) in string_keys.iter().zip(&s) {
                    f.write(&mut obj, key);
                }
                for (key, f) in ["mailEnabled", "securityEnabled", "onPremisesSyncEnabled"]
                    .iter()
                    .zip(&b)
                {
                    f.write(&mut obj, key);
                }
                for (key, f) in ["groupTypes", "proxyAddresses"].iter().zip(&l) {
                    f.write(&mut obj, key);
                }
                match &writeback {
                    Field::Absent => {}
                    Field::Null => {
                        obj.insert("writebackConfiguration".into(), Value::Null);
                    }
                    Field::Set((enabled, kind)) => {
                        let mut wb = Map::new();
                        enabled.write(&mut wb, "isEnabled");
                        kind.write(&mut wb, "onPremisesGroupType");
                        obj.insert("writebackConfiguration".into(), Value::Object(wb));
                    }
                }
                match &ext {
                    Field::Absent => {}
                    Field::Null => {
                        obj.insert("onPremisesExtensionAttributes".into(), Value::Null);
                    }
                    Field::Set(attrs) => {
                        let attrs: Map<String, Value> = attrs
                            .iter()
                            .map(|(n, v)| (format!("extensionAttribute{n}"), json!(v)))
                            .collect();
                        obj.insert("onPremisesExtensionAttributes".into(), Value::Object(attrs));
                    }
                }
                for (key, value) in &dir_ext {
                    obj.insert(format!("extension_{key}"), Value::String(value.clone()));
                }
                let entries: Vec<Value> = members
                    .iter()
                    .map(|(id, odata, removed)| {
                        let mut m = json!({ "id": id, "@odata.type": odata });
                        if *removed {
                            m["@removed"] = json!({ "reason": "deleted" });
                        }
                        m
                    })
                    .collect();
                obj.insert("members@delta".into(), Value::Array(entries));

                let expected = CloudGroup {
                    id,
                    display_name: s[0].model(),
                    description: s[1].model(),
                    mail: s[2].model(),
                    mail_nickname: s[3].model(),
                    visibility: s[4].model(),
                    on_premises_security_identifier: s[5].model(),
                    on_premises_sam_account_name: s[6].model(),
                    security_identifier: s[7].model(),
                    created_date_time: s[8].model(),
                    deleted_date_time: s[9].model(),
                    mail_enabled: b[0].model(),
                    security_enabled: b[1].model(),
                    on_premises_sync_enabled: b[2].model(),
                    group_types: l[0].model().unwrap_or_default(),
                    proxy_addresses: l[1].model().unwrap_or_default(),
                    writeback: writeback
                        .model()
                        .map(|(enabled, kind)| WritebackConfiguration {
                            is_enabled: enabled.model(),
                            on_premises_group_type: kind.model(),
                        }),
                    extension_attributes: ext
                        .model()
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|(n, v)| v.map(|v| (format!("extensionAttribute{n}"), v)))
                        .collect::<BTreeMap<_, _>>(),
                    directory_extensions: dir_ext
                        .into_iter()
                        .map(|(k, v)| (format!("extension_{k}"), v))
                        .collect(),
                    ..CloudGroup::default()
                };
                let member = |(id, odata, _): &(String, &str, bool)| Member {
                    id: id.clone(),
                    kind: MemberKind::from_odata_type(Some(odata)),
                };
                let added = members.iter().filter(|m| !m.2).map(member).collect();
                let removed = members.iter().filter(|m| m.2).map(member).collect();
                (Value::Object(obj), expected, added, removed)
            },
        )
}

/// A well-formed user item, and the anchors the model must hold.
fn user() -> impl Strategy<Value = (Value, UserAnchor)> {
    (
        text().prop_filter("ids are not empty", |id| !id.is_empty()),
        prop::collection::vec(field(text()), 5),
        field(any::<bool>()),
        prop::collection::vec((unknown_key(), json_value()), 0..3),
    )
        .prop_map(|(id, s, synced, unknown)| {
            let mut obj: Map<String, Value> = unknown.into_iter().collect();
            obj.insert("id".into(), Value::String(id.clone()));
            let keys = [
                "userPrincipalName",
                "onPremisesSecurityIdentifier",
                "onPremisesImmutableId",
                "onPremisesDistinguishedName",
                "onPremisesSamAccountName",
            ];
            for (key, f) in keys.iter().zip(&s) {
                f.write(&mut obj, key);
            }
            synced.write(&mut obj, "onPremisesSyncEnabled");
            let expected = UserAnchor {
                id,
                user_principal_name: s[0].model(),
                on_premises_security_identifier: s[1].model(),
                on_premises_immutable_id: s[2].model(),
                on_premises_distinguished_name: s[3].model(),
                on_premises_sam_account_name: s[4].model(),
                on_premises_sync_enabled: synced.model(),
            };
            (Value::Object(obj), expected)
        })
}

proptest! {
    #[test]
    fn group_items_carry_every_field_into_the_model(
        (item, expected, added, removed) in group()
    ) {
        let parsed = parse_group_item(&item).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(
            parsed,
            GroupItem::Group { group: expected, members_added: added, members_removed: removed }
        );
        // The same item inside a collection parses the same way.
        let doc = json!({ "value": [item.clone()] });
        let items = parse_groups_document(&doc).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(items.len(), 1);
        prop_assert_eq!(&items[0], &parse_group_item(&item));
    }

    #[test]
    fn user_items_carry_every_anchor_into_the_model((item, expected) in user()) {
        let parsed = parse_user_item(&item).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(parsed, UserItem::User(expected));
    }

    #[test]
    fn wrong_types_are_refused_naming_the_property(
        key in prop::sample::select(vec!["displayName", "mailEnabled", "groupTypes"]),
        value in json_value(),
    ) {
        let item = json!({ "id": "g1", key: value.clone() });
        let fits = match (key, &value) {
            (_, Value::Null) => true,
            ("displayName", v) => v.is_string(),
            ("mailEnabled", v) => v.is_boolean(),
            (_, Value::Array(items)) => items.iter().all(Value::is_string),
            _ => false,
        };
        match parse_group_item(&item) {
            Ok(_) => prop_assert!(fits, "{} = {} was accepted", key, value),
            Err(e) => {
                prop_assert!(!fits, "{} = {} was refused: {}", key, value, e);
                let message = e.to_string();
                prop_assert!(message.contains(key) && message.contains("g1"), "{}", message);
            }
        }
    }
}
