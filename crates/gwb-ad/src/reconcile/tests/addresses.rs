//! One address, one recipient: a group that would newly write an address another object in
//! the forest holds, or that a group placed before it in the run writes, is a conflict naming
//! that holder, and nothing of that group is written.

use super::*;

/// `want`, with these `mail` and `proxyAddresses` values.
fn mailed(id: &str, cn: &str, mail: &str, proxies: &[&str]) -> DesiredGroup {
    let mut d = want(id, cn, &[]);
    d.attributes.set_one("mail", mail);
    d.attributes.set("proxyAddresses", members(proxies));
    d
}

/// The on-premises-only mailbox holding `SMTP:ceo@contoso.com`, as the forest search finds it.
fn ceo() -> AdObject {
    AdObject {
        dn: "CN=CEO\\, Office,OU=Users,DC=x".into(),
        object_guid: "guid-ceo".into(),
        sam_account_name: Some("ceo".into()),
        kind: ObjectKind::User,
        ..Default::default()
    }
}

/// A case whose forest search found `holders` for the address `key`.
fn with_holders(mut case: Case, key: &str, holders: Vec<AdObject>) -> Case {
    case.occupants.by_address.insert(key.into(), holders);
    case
}

const CEO_TAKEN: &str = "proxyAddresses smtp:CEO@contoso.com is already an address of this \
    object, and Exchange gives each address to one recipient in the forest; remove it from one \
    of them (gwb takes nothing from the other object, and writes this group once the address \
    is free)";

#[test]
fn a_new_group_claiming_an_address_another_object_holds_is_a_conflict() {
    let group = mailed(
        "m",
        "Board",
        "board@contoso.com",
        &["SMTP:board@contoso.com", "smtp:CEO@contoso.com"],
    );
    let case = with_holders(
        Case::new(vec![group], vec![]),
        "smtp:ceo@contoso.com",
        vec![ceo()],
    );
    let plan = case.run(&Policy::default());
    assert_eq!(
        plan.conflicts,
        vec![Conflict {
            object_id: "m".into(),
            ours: "CN=Board,OU=Groups,DC=x (Group_m)".into(),
            theirs: "CN=CEO\\, Office,OU=Users,DC=x (objectGUID guid-ceo)".into(),
            reason: CEO_TAKEN.into(),
        }]
    );
    assert_eq!(plan.groups["m"].action, GroupAction::Skipped);
    assert!(plan.operations.is_empty(), "{plan:#?}");
}

#[test]
fn an_update_adding_a_taken_address_writes_none_of_the_groups_changes() {
    let mut group = mailed("m", "Board", "board@contoso.com", &["smtp:CEO@contoso.com"]);
    group.attributes.set_one("description", "changed too");
    let mut twin = have("m", "Board", &[]);
    twin.attributes.set_one("mail", "board@contoso.com");
    let case = with_holders(
        Case::new(vec![group], vec![twin]),
        "smtp:ceo@contoso.com",
        vec![ceo()],
    );
    let plan = case.run(&Policy::default());
    assert_eq!(plan.conflicts.len(), 1, "{plan:#?}");
    assert_eq!(plan.conflicts[0].reason, CEO_TAKEN);
    assert_eq!(plan.groups["m"].action, GroupAction::Skipped);
    assert_eq!(plan.groups["m"].dn, "CN=Board,OU=Groups,DC=x");
    assert!(plan.operations.is_empty(), "{plan:#?}");
}

#[test]
fn addresses_the_group_already_holds_are_no_conflict() {
    // The group holds the address (another spelling) already; another object holds it too,
    // from before: writing the group changes nothing about that, so it goes ahead.
    let mut group = mailed(
        "m",
        "Board",
        "Board@Contoso.com",
        &["SMTP:board@contoso.com"],
    );
    group.attributes.set_one("description", "changed");
    let mut twin = have("m", "Board", &[]);
    twin.attributes
        .set("proxyAddresses", members(&["smtp:BOARD@contoso.com"]));
    // The group itself, found by the search, is no other holder either.
    let itself = AdObject {
        dn: twin.dn.clone(),
        object_guid: twin.object_guid.clone(),
        ..Default::default()
    };
    let case = with_holders(
        with_holders(
            Case::new(vec![group], vec![twin]),
            "smtp:board@contoso.com",
            vec![ceo()],
        ),
        "smtp:other@contoso.com",
        vec![itself],
    );
    let mut case = case;
    case.desired[0]
        .attributes
        .add("proxyAddresses", ["smtp:other@contoso.com".to_owned()]);
    let plan = case.run(&Policy::default());
    assert!(plan.conflicts.is_empty(), "{plan:#?}");
    assert_eq!(plan.groups["m"].action, GroupAction::Update);
    let dns: Vec<&str> = plan.operations.iter().map(Operation::dn).collect();
    assert_eq!(dns, ["CN=Board,OU=Groups,DC=x"]);
}

#[test]
fn of_two_cloud_groups_wanting_one_address_the_second_by_object_id_is_a_conflict() {
    // A crafted tenant: Exchange Online would never give two groups one address.
    let first = mailed(
        "a1",
        "First",
        "first@contoso.com",
        &["smtp:Shared@contoso.com"],
    );
    let second = mailed(
        "b2",
        "Second",
        "shared@CONTOSO.com",
        &["SMTP:second@contoso.com"],
    );
    let plan = Case::new(vec![second, first], vec![]).run(&Policy::default());
    assert_eq!(
        plan.conflicts,
        vec![Conflict {
            object_id: "b2".into(),
            ours: "CN=Second,OU=Groups,DC=x (Group_b2)".into(),
            theirs: "CN=First,OU=Groups,DC=x (Group_a1)".into(),
            reason: "mail shared@CONTOSO.com is also an address of that cloud group, placed \
                     first in this run (by object id), and Exchange gives each address to one \
                     recipient; remove it from one of the two cloud groups"
                .into(),
        }]
    );
    assert_eq!(plan.groups["a1"].action, GroupAction::Create);
    assert_eq!(plan.groups["b2"].action, GroupAction::Skipped);
    let dns: Vec<&str> = plan.operations.iter().map(Operation::dn).collect();
    assert_eq!(dns, ["CN=First,OU=Groups,DC=x"]);
}

#[test]
fn a_group_skipped_for_another_reason_claims_no_address() {
    // The first group's OU is missing: it writes nothing, so the second may take the address.
    let mut first = mailed(
        "a1",
        "First",
        "first@contoso.com",
        &["smtp:shared@contoso.com"],
    );
    first.parent_dn = "OU=Missing,DC=x".into();
    let second = mailed(
        "b2",
        "Second",
        "second@contoso.com",
        &["smtp:shared@contoso.com"],
    );
    let plan = Case::new(vec![first, second], vec![]).run(&Policy::default());
    assert!(plan.conflicts.is_empty(), "{plan:#?}");
    assert_eq!(plan.groups["a1"].action, GroupAction::Skipped);
    assert_eq!(plan.groups["b2"].action, GroupAction::Create);
}
