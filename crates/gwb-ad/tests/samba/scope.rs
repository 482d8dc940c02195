//! Safe scope on the DC: every kind of AD's own place is refused as a managed OU (by its name,
//! by the naming contexts of the rootDSE, by the domain's wellKnownObjects, also when a
//! container is redirected), an ordinary OU is accepted, and a gwb group that AD nests into a
//! protected group is found with the protected groups above it.

use gwb_ad::{AdError, Directory, Policy, ProtectedNesting};
use gwb_model::dn::Dn;

use crate::common::{Dc, apply_ok, dc, desired, full_plan, users_map};

fn dn(text: &str) -> Dn {
    Dn::parse(text).unwrap()
}

/// Why the DC makes `ou` unsafe (`None`: safe), as `gwb sync` would see it.
async fn reason(dir: &mut Directory, ou: &str) -> Option<String> {
    let discovery = dir.discover().await.unwrap();
    let system = dir.system_objects(&discovery).await.unwrap();
    system.check(&dn(ou)).map(|u| u.reason)
}

#[tokio::test]
async fn ad_s_own_places_are_refused_and_an_ordinary_ou_is_accepted() {
    let dc = dc();
    let mut dir = dc.connect().await;
    let base = &dc.base_dn;
    let config = format!("CN=Configuration,{base}");
    let schema = format!("CN=Schema,{config}");
    let cases = [
        (
            base.clone(),
            format!("is the head of the naming context {base}"),
        ),
        (
            format!("CN=Users,{base}"),
            "is the well-known Users container".to_owned(),
        ),
        (
            format!("CN=Computers,{base}"),
            "is the well-known Computers container".to_owned(),
        ),
        (
            format!("OU=Domain Controllers,{base}"),
            "is the well-known Domain Controllers container".to_owned(),
        ),
        (
            format!("CN=System,{base}"),
            "is the well-known System container".to_owned(),
        ),
        (
            format!("CN=Builtin,{base}"),
            "is the well-known Builtin container".to_owned(),
        ),
        (
            format!("CN=AdminSDHolder,CN=System,{base}"),
            format!("is inside the well-known System container CN=System,{base}"),
        ),
        (
            config.clone(),
            format!("is the head of the naming context {config}"),
        ),
        (
            format!("CN=Sites,{config}"),
            format!("is in the configuration partition {config}"),
        ),
        (
            format!("CN=Users,CN=Sites,{config}"),
            format!("is in the configuration partition {config}"),
        ),
        (
            schema.clone(),
            format!("is the head of the naming context {schema}"),
        ),
        (
            "OU=x,DC=elsewhere,DC=example".to_owned(),
            format!(
                "is not in the domain partition {base} (nor in any naming context this DC holds)"
            ),
        ),
    ];
    for (ou, expected) in &cases {
        assert_eq!(
            reason(&mut dir, ou).await.as_deref(),
            Some(expected.as_str()),
            "{ou}"
        );
    }

    let ou = dc.test_ou("scope");
    assert_eq!(reason(&mut dir, &ou).await, None);
    let discovery = dir.discover().await.unwrap();
    dir.refuse_unsafe_scope(&discovery, &[dn(&ou), dn(&format!("OU=Groups,{ou}"))])
        .await
        .unwrap();
    let err = dir
        .refuse_unsafe_scope(
            &discovery,
            &[dn(&ou), dn(&format!("CN=Users,{base}")), dn(&config)],
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AdError::UnsafeScope(_)), "{err:?}");
    let advice = format!(
        "create an OU for gwb, e.g. OU=Cloud Groups,{base}, and list it in managed_ous (gwb \
         creates, changes and deletes groups in its managed OUs, so they must hold nothing of \
         AD's own)"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "managed OU `CN=Users,{base}` is not safe for gwb: it is the well-known Users \
             container; {advice}\n\
             managed OU `{config}` is not safe for gwb: it is the head of the naming context \
             {config}; {advice}"
        )
    );
}

/// Puts the domain's Users container back where it was when dropped, even after a failure.
struct RedirectedUsers<'a> {
    dc: &'a Dc,
    to: String,
}

const USERS_GUID: &str = "A9D1CA15768811D1ADED00C04FD8D5CD";

impl<'a> RedirectedUsers<'a> {
    /// `redirusr <to>`: the domain head's wellKnownObjects value for Users names `to`.
    fn new(dc: &'a Dc, to: &str) -> Self {
        dc.ldapmodify(&Self::move_ldif(
            &dc.base_dn,
            &format!("CN=Users,{}", dc.base_dn),
            to,
        ));
        Self {
            dc,
            to: to.to_owned(),
        }
    }

    fn move_ldif(base: &str, from: &str, to: &str) -> String {
        format!(
            "dn: {base}\nchangetype: modify\ndelete: wellKnownObjects\n\
             wellKnownObjects: B:32:{USERS_GUID}:{from}\n-\nadd: wellKnownObjects\n\
             wellKnownObjects: B:32:{USERS_GUID}:{to}\n-\n"
        )
    }
}

impl Drop for RedirectedUsers<'_> {
    fn drop(&mut self) {
        let base = &self.dc.base_dn;
        self.dc.ldapmodify(&Self::move_ldif(
            base,
            &self.to,
            &format!("CN=Users,{base}"),
        ));
    }
}

/// Samba lets an administrator redirect the Users container the way `redirusr` does (a
/// modify of the domain head's wellKnownObjects); gwb then refuses the new container and
/// everything inside it, and accepts the OU again once the redirect is undone.
#[tokio::test]
async fn a_redirected_users_container_is_refused_where_wellknownobjects_point() {
    let dc = dc();
    let mut dir = dc.connect().await;
    let ou = dc.test_ou("redir");
    let moved = format!("OU=Users,{ou}");
    let inside = format!("OU=Sub,{moved}");
    dc.add_ous(&[&inside]);
    {
        let _redirect = RedirectedUsers::new(&dc, &moved);
        assert_eq!(
            reason(&mut dir, &moved).await,
            Some(format!(
                "is the well-known Users container {moved} (the domain's wellKnownObjects name \
                 it)"
            ))
        );
        assert_eq!(
            reason(&mut dir, &inside).await,
            Some(format!(
                "is inside the well-known Users container {moved} (the domain's \
                 wellKnownObjects name it)"
            ))
        );
        assert_eq!(reason(&mut dir, &format!("OU=Groups,{ou}")).await, None);
    }
    assert_eq!(
        reason(&mut dir, &moved).await,
        None,
        "the redirect is undone"
    );
}

#[tokio::test]
async fn gwb_groups_nested_into_protected_groups_are_found() {
    let dc = dc();
    let caps = dc.capabilities();
    let mut dir = dc.connect().await;
    let ou = dc.test_ou("nest");
    let groups = format!("OU=Groups,{ou}");
    let base = &dc.base_dn;

    // Three groups made the way gwb makes them, in the managed OU.
    let wanted = [
        desired("n-admins", "Cloud Admins", &groups, caps, &[]),
        desired("n-deep", "Cloud Deep", &groups, caps, &[]),
        desired("n-plain", "Cloud Plain", &groups, caps, &[]),
    ];
    // Planned over the test's OU, as the other Samba tests do.
    let plan = full_plan(
        &mut dir,
        std::slice::from_ref(&ou),
        &wanted,
        &users_map(vec![]),
        &Policy::default(),
    )
    .await;
    assert_eq!(plan.operations.len(), 3, "{plan:#?}");
    apply_ok(&mut dir, &plan).await;
    let admins = format!("CN=Cloud Admins,{groups}");
    let deep = format!("CN=Cloud Deep,{groups}");

    // By hand: a plain universal group, and one AD protects (adminCount=1, as SDProp sets it)
    // with the plain one inside; an anchored look-alike outside the managed OU.
    let hand = format!("CN=Hand Made,OU=Users,{ou}");
    let guarded = format!("CN=Guarded,OU=Users,{ou}");
    let outside = format!("CN=Outside,OU=Users,{ou}");
    dc.ldapmodify(&format!(
        "dn: {hand}\nchangetype: add\nobjectClass: group\nsAMAccountName: {}\n\
         groupType: -2147483640\n\n\
         dn: {guarded}\nchangetype: add\nobjectClass: group\nsAMAccountName: {}\n\
         groupType: -2147483640\nadminCount: 1\nmember: {hand}\n\n\
         dn: {outside}\nchangetype: add\nobjectClass: group\nsAMAccountName: {}\n\
         adminDescription: Group_n-outside\n",
        crate::common::sam_for(&ou, "hand"),
        crate::common::sam_for(&ou, "guarded"),
        crate::common::sam_for(&ou, "outside"),
    ));
    let discovery = dir.discover().await.unwrap();
    let managed_dns = [dn(&groups)];
    let ext = caps.external_directory_object_id;
    assert_eq!(
        dir.protected_nestings(&discovery, &managed_dns, ext)
            .await
            .unwrap(),
        vec![],
        "nothing nested yet"
    );

    let administrators = format!("CN=Administrators,CN=Builtin,{base}");
    let _direct = dc.add_member(&administrators, &admins);
    let _through = dc.add_member(&hand, &deep);
    let _outside = dc.add_member(&administrators, &outside);
    let nestings = dir
        .protected_nestings(&discovery, &managed_dns, ext)
        .await
        .unwrap();
    assert_eq!(
        nestings,
        vec![
            ProtectedNesting {
                group: admins.clone(),
                object_id: "n-admins".into(),
                protected_groups: vec![administrators.clone()],
            },
            ProtectedNesting {
                group: deep.clone(),
                object_id: "n-deep".into(),
                protected_groups: vec![guarded.clone()],
            },
        ]
    );
    assert_eq!(
        nestings[0].to_string(),
        format!(
            "gwb group `{admins}` (Group_n-admins) is a member of the protected group(s) \
             `{administrators}` (directly or through nested groups): whoever edits the cloud \
             group's members controls privileged access in AD; remove the nesting in AD (take \
             the gwb group out of the protected group, or out of the group that brings it in), \
             or take the cloud group out of gwb's scope"
        )
    );
    // A managed OU that does not exist yet holds nothing.
    let missing = [dn(&format!("OU=Not Yet,{ou}"))];
    assert_eq!(
        dir.protected_nestings(&discovery, &missing, ext)
            .await
            .unwrap(),
        vec![]
    );
}
