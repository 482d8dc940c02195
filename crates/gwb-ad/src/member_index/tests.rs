//! Member resolution: which AD object each kind of cloud member may become.

use super::lookup::lookup_filters;
use super::*;
use crate::sid::to_base64;

fn user(dn: &str, sid: &str, guid: &[u8]) -> AdObject {
    AdObject {
        dn: dn.into(),
        object_guid: to_base64(guid),
        sid: Some(sid.into()),
        kind: ObjectKind::User,
        ..Default::default()
    }
}

/// A synced user as Graph reports it.
fn synced(id: &str) -> UserAnchor {
    UserAnchor {
        id: id.into(),
        on_premises_sync_enabled: Some(true),
        ..Default::default()
    }
}

fn by_id(anchors: Vec<UserAnchor>) -> BTreeMap<String, UserAnchor> {
    anchors.into_iter().map(|u| (u.id.clone(), u)).collect()
}

fn member(id: &str, kind: MemberKind) -> Member {
    Member {
        id: id.into(),
        kind,
    }
}

/// No nested group synced from AD.
fn no_sids() -> BTreeMap<String, String> {
    BTreeMap::new()
}

/// The mark of the tenant the tests write for.
fn owner() -> OwnerMark {
    OwnerMark::for_tenant("contoso")
}

fn dn(r: Result<Resolved, SkipReason>) -> Result<String, SkipReason> {
    r.map(|r| r.dn)
}

#[test]
fn users_resolve_by_sid_then_immutable_id_then_dn() {
    let mut index = MemberIndex::new();
    index.insert(user("CN=Ann,OU=U,DC=x", "S-1-5-21-1-2-3-1001", &[1; 16]));
    let mut bob = user("CN=Bob,OU=U,DC=x", "S-1-5-21-1-2-3-1002", &[2; 16]);
    bob.consistency_guid = Some(to_base64(&[9; 16]));
    index.insert(bob);
    index.insert(AdObject {
        dn: "CN=Team,OU=G,DC=x".into(),
        object_guid: to_base64(&[3; 16]),
        group_type: Some(-2147483640),
        anchor: Some("g1".into()),
        marks: vec![owner().value().to_owned()],
        ..Default::default()
    });
    let users = by_id(vec![
        UserAnchor {
            on_premises_security_identifier: Some("s-1-5-21-1-2-3-1001".into()),
            ..synced("u1")
        },
        UserAnchor {
            on_premises_immutable_id: Some(to_base64(&[9; 16])),
            ..synced("u2")
        },
        UserAnchor {
            on_premises_distinguished_name: Some("cn=ann, ou=u,dc=X".into()),
            ..synced("u3")
        },
        synced("u4"),
        UserAnchor {
            on_premises_immutable_id: Some(to_base64(&[7; 16])),
            ..synced("u5")
        },
    ]);
    let user_dn =
        |id| dn(index.resolve(&member(id, MemberKind::User), &users, &no_sids(), &owner()));
    assert_eq!(user_dn("u1"), Ok("CN=Ann,OU=U,DC=x".into()));
    assert_eq!(user_dn("u2"), Ok("CN=Bob,OU=U,DC=x".into()));
    assert_eq!(user_dn("u3"), Ok("CN=Ann,OU=U,DC=x".into()));
    assert_eq!(user_dn("u4"), Err(SkipReason::NoAnchors));
    assert_eq!(user_dn("u5"), Err(SkipReason::NoUserOrContact));
    assert_eq!(user_dn("nobody"), Err(SkipReason::UserNotRead));
    let team = index.resolve(
        &member("g1", MemberKind::Group),
        &users,
        &no_sids(),
        &owner(),
    );
    assert_eq!(team.unwrap().group_type, Some(-2147483640));
    assert_eq!(
        index.resolve(
            &member("g9", MemberKind::Group),
            &users,
            &no_sids(),
            &owner()
        ),
        Err(SkipReason::GroupNotFound)
    );
    assert_eq!(
        index.resolve(
            &member("g1", MemberKind::Device),
            &users,
            &no_sids(),
            &owner()
        ),
        Err(SkipReason::NotWrittenKind(MemberKind::Device))
    );
}

#[test]
fn nested_groups_resolve_only_to_gwbs_unprotected_group() {
    let group = |dn: &str, guid: u8, marks: &[&str], protected| AdObject {
        dn: dn.into(),
        object_guid: to_base64(&[guid; 16]),
        group_type: Some(-2147483640),
        anchor: Some(format!("g{guid}")),
        marks: marks.iter().map(|m| (*m).to_owned()).collect(),
        protected,
        ..Default::default()
    };
    let ours = owner().value().to_owned();
    let mut index = MemberIndex::new();
    index.insert(group("CN=Ours,OU=G,DC=x", 1, &[&ours], false));
    index.insert(group("CN=CloudSync,OU=G,DC=x", 2, &[], false));
    index.insert(group(
        "CN=Other,OU=G,DC=x",
        3,
        &["gwb:tenant=fabrikam"],
        false,
    ));
    index.insert(group("CN=Admins,OU=G,DC=x", 4, &[&ours], true));
    // A hand-made copy of our group's anchor does not shadow ours, whichever comes first.
    let mut forged = group("CN=Forged,OU=G,DC=x", 1, &[], false);
    forged.object_guid = to_base64(&[9; 16]);
    index.insert(forged);
    let users = BTreeMap::new();
    let nested =
        |id: &str| dn(index.resolve(&member(id, MemberKind::Group), &users, &no_sids(), &owner()));
    assert_eq!(nested("g1"), Ok("CN=Ours,OU=G,DC=x".into()));
    assert_eq!(nested("g2"), Err(SkipReason::GroupNotOwned));
    assert_eq!(nested("g3"), Err(SkipReason::GroupNotOwned));
    assert_eq!(nested("g4"), Err(SkipReason::Protected));
    assert_eq!(nested("g5"), Err(SkipReason::GroupNotFound));
}

#[test]
fn synced_groups_resolve_by_their_sid_only_to_unprotected_groups() {
    let mut index = MemberIndex::new();
    let object = |dn: &str, sid: &str, group_type, protected| AdObject {
        dn: dn.into(),
        object_guid: to_base64(&[sid.len() as u8; 16]),
        sid: Some(sid.into()),
        group_type,
        protected,
        ..Default::default()
    };
    let global = Some(-2147483646);
    index.insert(object(
        "CN=Sales,OU=G,DC=x",
        "S-1-5-21-1-2-3-2001",
        global,
        false,
    ));
    index.insert(object(
        "CN=DA,CN=Users,DC=x",
        "S-1-5-21-1-2-3-512",
        global,
        true,
    ));
    index.insert(object(
        "CN=Ann,OU=U,DC=x",
        "S-1-5-21-1-2-3-1001",
        None,
        false,
    ));
    let sids: BTreeMap<String, String> = [
        ("sales", "s-1-5-21-1-2-3-2001"),
        ("da", "S-1-5-21-1-2-3-512"),
        ("ann", "S-1-5-21-1-2-3-1001"),
        ("gone", "S-1-5-21-1-2-3-9999"),
    ]
    .into_iter()
    .map(|(id, sid)| (id.to_owned(), sid.to_owned()))
    .collect();
    let users = BTreeMap::new();
    let nested =
        |id: &str| dn(index.resolve(&member(id, MemberKind::Group), &users, &sids, &owner()));
    assert_eq!(nested("sales"), Ok("CN=Sales,OU=G,DC=x".into()));
    assert_eq!(nested("da"), Err(SkipReason::Protected));
    assert_eq!(nested("ann"), Err(SkipReason::NotAGroup));
    assert_eq!(nested("gone"), Err(SkipReason::SyncedGroupNotFound));
}

#[test]
fn lookup_filters_find_synced_groups_by_sid_among_groups_only() {
    let filters = lookup_filters(
        std::iter::empty(),
        std::iter::empty(),
        ["S-1-5-21-1-2-3-2001", "not a sid"],
        false,
    );
    assert_eq!(
        filters,
        [concat!(
            "(&(objectClass=group)(|(objectSid=",
            "\\01\\05\\00\\00\\00\\00\\00\\05\\15\\00\\00\\00",
            "\\01\\00\\00\\00\\02\\00\\00\\00\\03\\00\\00\\00\\d1\\07\\00\\00)))"
        )]
    );
}

#[test]
fn only_synced_users_resolve() {
    let mut index = MemberIndex::new();
    index.insert(user("CN=Ann,OU=U,DC=x", "S-1-5-21-1-2-3-1001", &[1; 16]));
    for sync in [None, Some(false)] {
        let forged = UserAnchor {
            id: "c".into(),
            on_premises_security_identifier: Some("S-1-5-21-1-2-3-1001".into()),
            on_premises_immutable_id: Some(to_base64(&[1; 16])),
            on_premises_distinguished_name: Some("CN=Ann,OU=U,DC=x".into()),
            on_premises_sync_enabled: sync,
            ..Default::default()
        };
        let users = by_id(vec![forged.clone()]);
        assert_eq!(
            dn(index.resolve(&member("c", MemberKind::User), &users, &no_sids(), &owner())),
            Err(SkipReason::CloudOnly),
            "{sync:?}"
        );
        assert!(
            lookup_filters([&forged], std::iter::empty(), std::iter::empty(), false).is_empty(),
            "a cloud-only user is not even looked up"
        );
    }
}

#[test]
fn a_sid_and_an_immutable_id_must_name_the_same_object() {
    let mut index = MemberIndex::new();
    index.insert(user("CN=Ann,OU=U,DC=x", "S-1-5-21-1-2-3-1001", &[1; 16]));
    index.insert(user("CN=Bob,OU=U,DC=x", "S-1-5-21-1-2-3-1002", &[2; 16]));
    let with = |id: &str, sid: &str, guid: &[u8]| UserAnchor {
        on_premises_security_identifier: Some(sid.into()),
        on_premises_immutable_id: Some(to_base64(guid)),
        ..synced(id)
    };
    let users = by_id(vec![
        with("same", "S-1-5-21-1-2-3-1001", &[1; 16]),
        with("other", "S-1-5-21-1-2-3-1001", &[2; 16]),
        // A SID this domain does not hold: the immutableId decides.
        with("sid-unknown", "S-1-5-21-1-2-3-1999", &[2; 16]),
        // A custom source anchor is no GUID of ours: the SID decides.
        with("custom-anchor", "S-1-5-21-1-2-3-1002", &[8; 16]),
    ]);
    let user_dn =
        |id| dn(index.resolve(&member(id, MemberKind::User), &users, &no_sids(), &owner()));
    assert_eq!(user_dn("same"), Ok("CN=Ann,OU=U,DC=x".into()));
    assert_eq!(user_dn("other"), Err(SkipReason::AnchorsDisagree));
    assert_eq!(user_dn("sid-unknown"), Ok("CN=Bob,OU=U,DC=x".into()));
    assert_eq!(user_dn("custom-anchor"), Ok("CN=Bob,OU=U,DC=x".into()));
}

#[test]
fn users_resolve_only_to_unprotected_users_and_contacts() {
    let mut index = MemberIndex::new();
    let objects = [
        ("CN=Contact,DC=x", ObjectKind::Contact, false, 1),
        ("CN=Administrator,DC=x", ObjectKind::User, true, 2),
        ("CN=Domain Admins,DC=x", ObjectKind::Other, true, 3),
        ("CN=PC,DC=x", ObjectKind::Other, false, 4),
    ];
    for (dn, kind, protected, guid) in objects {
        index.insert(AdObject {
            dn: dn.into(),
            object_guid: to_base64(&[guid; 16]),
            kind,
            protected,
            ..Default::default()
        });
    }
    let users = by_id(
        (1..=4)
            .map(|g| UserAnchor {
                on_premises_immutable_id: Some(to_base64(&[g; 16])),
                ..synced(&format!("u{g}"))
            })
            .collect(),
    );
    let user_dn =
        |id| dn(index.resolve(&member(id, MemberKind::User), &users, &no_sids(), &owner()));
    assert_eq!(user_dn("u1"), Ok("CN=Contact,DC=x".into()));
    assert_eq!(user_dn("u2"), Err(SkipReason::Protected));
    assert_eq!(user_dn("u3"), Err(SkipReason::NotUserOrContact));
    assert_eq!(user_dn("u4"), Err(SkipReason::NotUserOrContact));
}

#[test]
fn object_kinds_follow_object_class_and_sam_account_type() {
    let person = ["top", "person", "organizationalPerson"];
    let with = |class: &'static str| {
        let mut v = person.to_vec();
        v.push(class);
        v
    };
    let user = with("user");
    assert_eq!(ObjectKind::of(&user, Some("805306368")), ObjectKind::User);
    assert_eq!(ObjectKind::of(&user, Some("805306370")), ObjectKind::Other);
    assert_eq!(ObjectKind::of(&user, None), ObjectKind::Other);
    let mut computer = user.clone();
    computer.push("computer");
    assert_eq!(
        ObjectKind::of(&computer, Some("805306368")),
        ObjectKind::Other
    );
    assert_eq!(ObjectKind::of(&with("contact"), None), ObjectKind::Contact);
    assert_eq!(ObjectKind::of(&["top", "group"], None), ObjectKind::Other);
}

#[test]
fn the_dn_finds_only_users_that_have_neither_sid_nor_immutable_id() {
    // Graph still reports the DN a user had before she was deleted in AD; someone else sits
    // there now. With a SID or an immutableId the DN must not find that someone.
    let mut index = MemberIndex::new();
    index.insert(user("CN=Ann,OU=U,DC=x", "S-1-5-21-1-2-3-2002", &[2; 16]));
    let old_dn = || Some("CN=Ann,OU=U,DC=x".to_string());
    let users = by_id(vec![
        UserAnchor {
            on_premises_security_identifier: Some("S-1-5-21-1-2-3-1001".into()),
            on_premises_distinguished_name: old_dn(),
            ..synced("sid")
        },
        UserAnchor {
            on_premises_immutable_id: Some(to_base64(&[1; 16])),
            on_premises_distinguished_name: old_dn(),
            ..synced("guid")
        },
        UserAnchor {
            on_premises_distinguished_name: old_dn(),
            ..synced("dn")
        },
    ]);
    for (id, anchor) in &users {
        let dn_is_a_key = anchor.ad_lookup_keys().2.is_some();
        assert_eq!(dn_is_a_key, id == "dn");
        assert_eq!(
            index
                .resolve(&member(id, MemberKind::User), &users, &no_sids(), &owner())
                .is_ok(),
            dn_is_a_key,
            "{id}: resolved by DN exactly when ad_lookup_keys offers it"
        );
        let searched_by_dn =
            lookup_filters([anchor], std::iter::empty(), std::iter::empty(), false)
                .iter()
                .any(|t| t.contains("(distinguishedName="));
        assert_eq!(searched_by_dn, dn_is_a_key, "{id}: searched by DN");
    }
}

#[test]
fn lookup_filters_escape_every_value_and_ask_for_users_and_contacts_only() {
    let with_ids = UserAnchor {
        on_premises_security_identifier: Some("S-1-5-21-1".into()),
        on_premises_immutable_id: Some(to_base64(&[0x2a, 0x28])),
        ..synced("u")
    };
    let dn_only = UserAnchor {
        on_premises_distinguished_name: Some("CN=a*(b),DC=x".into()),
        ..synced("v")
    };
    let filters = lookup_filters([&with_ids, &dn_only], ["id)(x=*"], std::iter::empty(), true);
    assert_eq!(
        filters,
        vec![
            "(&(|(sAMAccountType=805306368)(objectClass=contact))(|\
             (distinguishedName=CN=a\\2a\\28b\\29,DC=x)\
             (mS-DS-ConsistencyGuid=\\2a\\28)\
             (objectGUID=\\2a\\28)\
             (objectSid=\\01\\02\\00\\00\\00\\00\\00\\05\\15\\00\\00\\00\\01\\00\\00\\00)))",
            "(|(adminDescription=Group_id\\29\\28x=\\2a)\
             (msDS-ExternalDirectoryObjectId=Group_id\\29\\28x=\\2a))",
        ]
    );
}

#[test]
fn lookup_filters_hold_at_most_a_hundred_terms() {
    let users: Vec<UserAnchor> = (0..150)
        .map(|i| UserAnchor {
            on_premises_security_identifier: Some(format!("S-1-5-21-1-{i}")),
            ..synced(&format!("u{i}"))
        })
        .collect();
    let filters = lookup_filters(&users, std::iter::empty(), std::iter::empty(), false);
    let terms: Vec<usize> = filters
        .iter()
        .map(|f| f.matches("(objectSid=").count())
        .collect();
    assert_eq!(terms, vec![100, 50]);
    assert!(
        filters
            .iter()
            .all(|f| f.starts_with("(&(|(sAMAccountType=805306368)"))
    );
}
