//! gwb removes only what it wrote: values Exchange, an admin or Entra Connect put on a group
//! survive every run; values gwb wrote and no longer wants go, value by value.

use super::*;

/// The one modify of the plan for group `a` (panics when there is none).
fn only_modify(plan: &Plan) -> &[Change] {
    match plan.operations.as_slice() {
        [Operation::Modify { changes, .. }] => changes,
        other => panic!("expected one modify, got {other:#?}"),
    }
}

/// A change of `kind` to `attribute` with these values.
fn change(kind: ChangeKind, attribute: &str, values: &[&str]) -> Change {
    Change {
        kind,
        attribute: attribute.into(),
        values: members(values),
    }
}

#[test]
fn attributes_gwb_never_wrote_survive_a_full_round() {
    // Exchange's Update-Recipient stamped these after gwb wrote the group.
    let mut current = have("a", "A", &[]);
    for (name, value) in [
        ("msExchRecipientDisplayType", "1073741833"),
        ("msExchRequireAuthToSendTo", "TRUE"),
        (
            "legacyExchangeDN",
            "/o=Contoso/ou=Exchange/cn=Recipients/cn=a",
        ),
    ] {
        current.attributes.set_one(name, value);
    }
    let plan = Case::new(vec![want("a", "A", &[])], vec![current]).run(&Policy::default());
    assert!(plan.is_empty(), "{plan:#?}");
    assert_eq!(plan.groups["a"].action, GroupAction::Unchanged);
}

#[test]
fn proxy_addresses_merge_value_by_value() {
    let mut desired = want("a", "A", &[]);
    desired.attributes.set(
        "proxyAddresses",
        members(&["SMTP:a@contoso.com", "smtp:a@contoso.mail.onmicrosoft.com"]),
    );
    let mut current = have("a", "A", &[]);
    current.attributes.set(
        "proxyAddresses",
        members(&["SMTP:a@contoso.com", "smtp:old@contoso.com"]),
    );
    current.marks = written_by_gwb(&current.attributes);
    // What Exchange added on-premises: an X500 address and a policy-generated one.
    let mut on_prem = current.attributes.get("proxyAddresses").to_vec();
    on_prem.extend(members(&[
        "X500:/o=Contoso/ou=Exchange/cn=Recipients/cn=a",
        "smtp:a@contoso.local",
    ]));
    current.attributes.set("proxyAddresses", on_prem);
    let plan = Case::new(vec![desired], vec![current]).run(&Policy::default());
    assert_eq!(
        only_modify(&plan),
        [
            change(
                ChangeKind::Delete,
                "proxyAddresses",
                &["smtp:old@contoso.com"]
            ),
            change(
                ChangeKind::Add,
                "proxyAddresses",
                &["smtp:a@contoso.mail.onmicrosoft.com"]
            ),
            record(ChangeKind::Delete, "proxyAddresses", "smtp:old@contoso.com"),
            record(
                ChangeKind::Add,
                "proxyAddresses",
                "smtp:a@contoso.mail.onmicrosoft.com"
            ),
        ]
    );
}

#[test]
fn a_primary_address_changing_case_replaces_the_value_ad_takes_for_the_same() {
    // AD matches proxyAddresses without regard to case: "SMTP:b@x" cannot be added beside
    // "smtp:b@x", so the old spelling goes in the same modify, whoever wrote it.
    let mut desired = want("a", "A", &[]);
    desired
        .attributes
        .set("proxyAddresses", members(&["SMTP:b@x", "smtp:a@x"]));
    let mut current = have("a", "A", &[]);
    current
        .attributes
        .set("proxyAddresses", members(&["smtp:b@x", "SMTP:a@x"]));
    let plan = Case::new(vec![desired], vec![current]).run(&Policy::default());
    let changes = only_modify(&plan);
    assert_eq!(
        changes[..2],
        [
            change(
                ChangeKind::Delete,
                "proxyAddresses",
                &["smtp:b@x", "SMTP:a@x"]
            ),
            change(ChangeKind::Add, "proxyAddresses", &["SMTP:b@x", "smtp:a@x"]),
        ]
    );
}

#[test]
fn an_attribute_the_rules_stop_setting_goes_only_if_gwb_wrote_its_value() {
    let mut current = have("a", "A", &[]);
    current.attributes.set_one("info", "routed by gwb");
    current.marks = written_by_gwb(&current.attributes);
    let plan = Case::new(vec![want("a", "A", &[])], vec![current.clone()]).run(&Policy::default());
    assert_eq!(
        only_modify(&plan),
        [
            change(ChangeKind::Replace, "info", &[]),
            record(ChangeKind::Delete, "info", "routed by gwb"),
        ],
        "the record names info, so it is compared although no policy reads it"
    );

    // An admin changed the value after gwb wrote it: it is the admin's now.
    current.attributes.set_one("info", "edited on-premises");
    let plan = Case::new(vec![want("a", "A", &[])], vec![current]).run(&Policy::default());
    assert_eq!(
        only_modify(&plan),
        [record(ChangeKind::Delete, "info", "routed by gwb")],
        "the value stays; only the stale record entry goes"
    );
}

#[test]
fn a_single_valued_attribute_gwb_wants_is_replaced_whoever_wrote_it() {
    let mut current = have("a", "A", &[]);
    current
        .attributes
        .set_one("description", "typed by an admin");
    let plan = Case::new(vec![want("a", "A", &[])], vec![current]).run(&Policy::default());
    assert_eq!(
        only_modify(&plan),
        [change(ChangeKind::Replace, "description", &["d A"])],
        "the record already names gwb's description value"
    );
}

#[test]
fn an_adopted_connect_group_keeps_its_stamps_and_gains_mark_and_record() {
    let mut current = connects("a", "A");
    current
        .attributes
        .set_one("msExchRecipientTypeDetails", "8796093022208");
    current.attributes.set(
        "proxyAddresses",
        members(&["SMTP:a@x", "X500:/o=Contoso/cn=a"]),
    );
    let mut desired = want("a", "A", &[]);
    desired
        .attributes
        .set("proxyAddresses", members(&["SMTP:a@x"]));
    let plan = Case::new(vec![desired.clone()], vec![current]).run(&Policy {
        adopt: true,
        ..Policy::default()
    });
    assert_eq!(plan.groups["a"].action, GroupAction::Adopt);
    let mut record_entries = written_record::entries_for(attributes::written(&desired));
    record_entries.insert(0, owner().value().to_owned());
    assert_eq!(
        only_modify(&plan),
        [Change {
            kind: ChangeKind::Add,
            attribute: "extensionName".into(),
            values: record_entries,
        }],
        "nothing Connect or Exchange stamped is removed"
    );
}
