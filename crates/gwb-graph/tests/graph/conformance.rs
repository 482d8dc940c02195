//! Every response fixture from Microsoft's Graph docs is parsed, or rejected for the documented reason.

use std::collections::BTreeSet;
use std::path::PathBuf;

use gwb_graph::wire::{
    GroupItem, UserItem, WireError, parse_groups_document, parse_member_list, parse_users_document,
};
use gwb_model::{CloudGroup, Member, MemberKind};
use serde_json::Value;

/// The folder holding the docs fixtures vendored in the repository.
fn fixtures_dir() -> PathBuf {
    test_support::graph_docs_fixtures()
}

/// The response body of one fixture.
fn body(name: &str) -> Value {
    let path = fixtures_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
    let fixture: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(fixture["response"]["statusCode"], 200, "{name}");
    fixture["response"]["body"].clone()
}

/// The groups of a fixture that must parse completely.
fn groups(name: &str) -> Vec<(CloudGroup, Vec<Member>, Vec<Member>)> {
    parse_groups_document(&body(name))
        .unwrap()
        .into_iter()
        .map(|item| match item.unwrap() {
            GroupItem::Group {
                group,
                members_added,
                members_removed,
            } => (group, members_added, members_removed),
            GroupItem::Removed(delete) => panic!("{name}: unexpected removal {delete:?}"),
        })
        .collect()
}

/// A fixture body with `id` set on its first item, for the docs examples that dropped it.
fn with_first_id(name: &str, id: &str) -> Value {
    let mut doc = body(name);
    doc["value"][0]["id"] = Value::String(id.to_owned());
    doc
}

fn user(id: &str) -> Member {
    Member {
        id: id.into(),
        kind: MemberKind::User,
    }
}

/// Every fixture file is covered by a test below: a new fixture fails here until it is.
#[test]
fn every_fixture_is_covered() {
    let covered: BTreeSet<&str> = [
        "deleted-groups.json",
        "group-get.json",
        "group-members.json",
        "group-owners.json",
        "group-transitive-members.json",
        "groups-delta-select.json",
        "groups-delta.json",
        "groups-expand-members.json",
        "groups-list.json",
        "groups-search.json",
        "users-delta-select.json",
        "users-delta.json",
    ]
    .into();
    let present: BTreeSet<String> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".json"))
        .collect();
    let present: BTreeSet<&str> = present.iter().map(String::as_str).collect();
    assert_eq!(present, covered);
}

#[test]
fn group_get_maps_every_property() {
    let parsed = groups("group-get.json");
    assert_eq!(parsed.len(), 1);
    let (g, added, removed) = &parsed[0];
    assert_eq!(g.id, "02bd9fd6-8f93-4758-87c3-1fb73740a315");
    assert_eq!(g.display_name.as_deref(), Some("HR Taskforce"));
    assert_eq!(
        g.description.as_deref(),
        Some("Welcome to the HR Taskforce team.")
    );
    assert_eq!(g.mail.as_deref(), Some("HRTaskforce@contoso.com"));
    assert_eq!(g.mail_nickname.as_deref(), Some("HRTaskforce"));
    assert_eq!(g.mail_enabled, Some(true));
    assert_eq!(g.security_enabled, Some(false));
    assert_eq!(g.group_types, vec!["Unified"]);
    assert_eq!(
        g.proxy_addresses,
        vec![
            "SMTP:HRTaskforce@contoso.com",
            "SPO:SPO_896cf652-b200-4b74-8111-c013f64406cf@SPO_dcd219dd-bc68-4b9b-bf0b-4a33a796be35"
        ]
    );
    assert_eq!(g.visibility.as_deref(), Some("Private"));
    assert_eq!(g.on_premises_sync_enabled, None);
    assert_eq!(g.on_premises_security_identifier, None);
    assert_eq!(g.on_premises_sam_account_name, None);
    assert_eq!(
        g.security_identifier.as_deref(),
        Some("S-1-12-1-45981654-1196986259-3072312199-363020343")
    );
    assert_eq!(g.created_date_time.as_deref(), Some("2017-07-31T18:56:16Z"));
    assert_eq!(g.deleted_date_time, None);
    assert_eq!(g.writeback, None);
    assert!(g.extension_attributes.is_empty());
    assert!(g.directory_extensions.is_empty());
    assert!(added.is_empty() && removed.is_empty());
}

#[test]
fn groups_list_parses_both_groups() {
    let parsed = groups("groups-list.json");
    let ids: Vec<&str> = parsed.iter().map(|(g, ..)| g.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4",
            "d7797254-3084-44d0-99c9-a3b5ab149538"
        ]
    );
    let golf_assist = &parsed[0].0;
    assert_eq!(golf_assist.display_name.as_deref(), Some("Golf Assist"));
    assert_eq!(golf_assist.visibility.as_deref(), Some("Public"));
    assert_eq!(
        golf_assist.proxy_addresses,
        vec!["smtp:golfassist@contoso.com", "SMTP:golfassist@contoso.com"]
    );
    let golf_talk = &parsed[1].0;
    assert_eq!(golf_talk.group_types, Vec::<String>::new());
    assert_eq!(golf_talk.visibility, None);
    assert_eq!(golf_talk.mail_nickname.as_deref(), Some("golftalk"));
    assert_eq!(golf_talk.description.as_deref(), Some("Talk about golf"));
}

#[test]
fn deleted_groups_parse_as_groups() {
    let parsed = groups("deleted-groups.json");
    assert_eq!(parsed.len(), 1);
    let g = &parsed[0].0;
    assert_eq!(g.id, "46cc6179-19d0-473e-97ad-6ff84347bbbb");
    assert_eq!(g.display_name.as_deref(), Some("SampleGroup"));
    assert_eq!(g.mail_nickname.as_deref(), Some("Example"));
    assert_eq!(g.visibility.as_deref(), Some("Public"));
}

#[test]
fn expanded_members_count_as_added() {
    let parsed = groups("groups-expand-members.json");
    assert_eq!(parsed.len(), 2);
    assert_eq!(parsed[0].0.id, "5caf712c-8483-4b3d-8384-d8da988c0ca4");
    assert_eq!(
        parsed[0].1,
        vec![
            user("0952e4c8-432f-4950-a65c-769c45993527"),
            user("49e373b6-4717-40c6-ad43-843c45a258f0")
        ]
    );
    assert_eq!(parsed[1].0.id, "aae8ec2a-5a08-4013-ae70-fafbb5c20de1");
    assert!(parsed[1].1.is_empty());
}

#[test]
fn delta_page_without_id_is_rejected_and_parses_once_the_id_is_there() {
    let items = parse_groups_document(&body("groups-delta.json")).unwrap();
    assert_eq!(items, vec![Err(WireError::MissingId { what: "group" })]);

    let items = parse_groups_document(&with_first_id("groups-delta.json", "g-all")).unwrap();
    let Ok(GroupItem::Group {
        group,
        members_added,
        members_removed,
    }) = &items[0]
    else {
        panic!("expected a group: {items:?}");
    };
    assert_eq!(group.display_name.as_deref(), Some("All Company"));
    assert_eq!(group.mail.as_deref(), Some("allcompany@contoso.com"));
    assert_eq!(
        group.created_date_time.as_deref(),
        Some("2021-03-12T10:36:14Z")
    );
    assert_eq!(group.group_types, vec!["Unified"]);
    assert_eq!(
        *members_added,
        vec![
            user("693acd06-2877-4339-8ade-b704261fe7a0"),
            user("49320844-be99-4164-8167-87ff5d047ace")
        ]
    );
    assert!(members_removed.is_empty());
}

#[test]
fn delta_select_page_without_id_is_rejected() {
    let items = parse_groups_document(&body("groups-delta-select.json")).unwrap();
    assert_eq!(items, vec![Err(WireError::MissingId { what: "group" })]);
    let items = parse_groups_document(&with_first_id("groups-delta-select.json", "g-sel")).unwrap();
    let Ok(GroupItem::Group { group, .. }) = &items[0] else {
        panic!("expected a group: {items:?}");
    };
    assert_eq!(
        group.mail_nickname.as_deref(),
        Some("allcompany@contoso.com")
    );
    assert_eq!(group.description, None);
}

#[test]
fn search_results_without_ids_are_rejected_per_item() {
    let items = parse_groups_document(&body("groups-search.json")).unwrap();
    assert_eq!(
        items,
        vec![
            Err(WireError::MissingId { what: "group" }),
            Err(WireError::MissingId { what: "group" })
        ]
    );
}

#[test]
fn users_delta_yields_an_anchor() {
    let items = parse_users_document(&body("users-delta.json")).unwrap();
    assert_eq!(items.len(), 1);
    let Ok(UserItem::User(anchor)) = &items[0] else {
        panic!("expected a user: {items:?}");
    };
    assert_eq!(anchor.id, "87d349ed-44d7-43e1-9a83-5f2406dee5bd");
    assert_eq!(
        anchor.user_principal_name.as_deref(),
        Some("AdeleV@contoso.com")
    );
    // A cloud-only user: no on-premises anchors.
    assert_eq!(anchor.on_premises_security_identifier, None);
    assert_eq!(anchor.on_premises_immutable_id, None);
    assert_eq!(anchor.on_premises_sync_enabled, None);
}

#[test]
fn users_delta_select_without_id_is_rejected() {
    let items = parse_users_document(&body("users-delta-select.json")).unwrap();
    assert_eq!(items, vec![Err(WireError::MissingId { what: "user" })]);
}

#[test]
fn member_lists_parse_with_and_without_odata_type() {
    let members = parse_member_list(&body("group-members.json")).unwrap();
    assert_eq!(
        members,
        vec![Ok(Member {
            id: "11111111-2222-3333-4444-555555555555".into(),
            kind: MemberKind::Other
        })]
    );
    let owners: Vec<Member> = parse_member_list(&body("group-owners.json"))
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        owners,
        vec![
            user("4562bcc8-c436-4f95-b7c0-4f8ce89dca5e"),
            user("f0206b06-7c5d-461c-ae24-08f68b7ef463"),
            user("5c70937c-d9ea-4a47-8852-ab77630f803d")
        ]
    );
    let transitive = parse_member_list(&body("group-transitive-members.json")).unwrap();
    assert_eq!(
        transitive,
        vec![Ok(user("11111111-2222-3333-4444-555555555555"))]
    );
}

/// The keys of an object, sorted.
fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn emulator_pages_have_the_shapes_of_the_fixtures() {
    use crate::common::{config, emulator, tenant};
    use gwb_graph::{GraphClient, RequestStats};
    use gwb_model::clock::system_clock;

    // The big group (first by id) gets two members so the first item has `members@delta`.
    let emu = emulator(tenant(2), 2, 500).await;
    let client = GraphClient::new(config(&emu), system_clock).unwrap();
    let mut stats = RequestStats::default();
    let fixture = body("groups-delta.json");
    let url = format!(
        "{}/v1.0/groups/delta?$select=displayName,description,mail,groupTypes,createdDateTime,members",
        emu.base_url()
    );
    let first = client.get_json(&url, &mut stats).await.unwrap();
    // Same top-level keys as Microsoft's first delta page.
    assert_eq!(keys(&first), keys(&fixture));
    assert!(
        first["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/v1.0/$metadata#groups")
    );
    let next = first["@odata.nextLink"].as_str().unwrap();
    assert!(next.contains("/v1.0/groups/delta?$skiptoken="));
    // Items carry the fixture's properties plus `id`; member references have the same keys.
    let item = &first["value"][0];
    let mut expected = keys(&fixture["value"][0]);
    expected.push("id".into());
    expected.sort();
    assert_eq!(keys(item), expected);
    assert_eq!(
        keys(&item["members@delta"][0]),
        keys(&fixture["value"][0]["members@delta"][0])
    );
    assert!(matches!(
        &parse_groups_document(&first).unwrap()[..],
        [Ok(GroupItem::Group { .. }), Ok(GroupItem::Group { .. })]
    ));
    // Following the links ends with a deltaLink carrying a `$deltatoken`.
    let mut page = client.get_json(next, &mut stats).await.unwrap();
    while let Some(next) = page.get("@odata.nextLink").and_then(Value::as_str) {
        page = client.get_json(next, &mut stats).await.unwrap();
    }
    assert!(
        page["@odata.deltaLink"]
            .as_str()
            .unwrap()
            .contains("/v1.0/groups/delta?$deltatoken=")
    );

    // Users: the fixture's keys are a superset of what was selected, plus the anchors.
    let users = client
        .get_json(
            &format!(
                "{}/v1.0/users/delta?$select=userPrincipalName",
                emu.base_url()
            ),
            &mut stats,
        )
        .await
        .unwrap();
    assert_eq!(keys(&users), keys(&body("users-delta.json")));
    assert_eq!(keys(&users["value"][0]), ["id", "userPrincipalName"]);
    assert!(matches!(
        &parse_users_document(&users).unwrap()[..],
        [Ok(UserItem::User(_)), Ok(UserItem::User(_))]
    ));

    // A group's members: the fixture's keys, `directoryObjects` in the context (with the
    // selection), items with the fixture's keys plus `@odata.type`, which Graph sends for
    // every derived type and the docs example left out.
    let fixture = body("group-members.json");
    let members = client
        .get_json(
            &format!("{}/v1.0/groups/g1/members?$select=id,mail", emu.base_url()),
            &mut stats,
        )
        .await
        .unwrap();
    assert_eq!(keys(&members), keys(&fixture));
    assert_eq!(
        members["@odata.context"],
        format!(
            "{}/v1.0/$metadata#directoryObjects(id,mail)",
            emu.base_url()
        )
    );
    let mut expected = keys(&fixture["value"][0]);
    expected.insert(0, "@odata.type".into());
    assert_eq!(keys(&members["value"][0]), expected);
    assert_eq!(
        parse_member_list(&members).unwrap(),
        vec![Ok(user("u1")), Ok(user("u2"))]
    );
    let unselected = client
        .get_json(
            &format!("{}/v1.0/groups/g1/members", emu.base_url()),
            &mut stats,
        )
        .await
        .unwrap();
    assert!(
        unselected["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/v1.0/$metadata#directoryObjects")
    );
    assert_eq!(unselected["value"][0]["onPremisesSamAccountName"], "user1");
    // An unknown group: Graph's 404.
    let err = client
        .get_json(
            &format!("{}/v1.0/groups/nobody/members", emu.base_url()),
            &mut stats,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, gwb_graph::GraphError::Status { status: 404, code, .. }
            if code == "Request_ResourceNotFound"),
        "{err}"
    );
}
