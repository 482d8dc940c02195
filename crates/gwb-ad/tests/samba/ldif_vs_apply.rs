//! The dry-run LDIF applied by `ldapmodify` gives the same entries as gwb's own apply.

use gwb_ad::escape::normalize_dn;
use gwb_ad::{CurrentGroup, Policy};
use gwb_model::{DesiredGroup, MemberKind};

use crate::common::{Dc, anchor_of, dc, desired, full_plan, users_map};

/// A group with the test OU cut off: object id, DN, attributes, members.
type Relative = (String, String, Vec<(String, Vec<String>)>, Vec<String>);

/// The entries with the test OU cut off, so two OUs compare.
fn relative(groups: &[CurrentGroup], ou: &str) -> Vec<Relative> {
    let suffix = normalize_dn(ou);
    let cut = |dn: &str| normalize_dn(dn).replace(&suffix, "<ou>");
    groups
        .iter()
        .map(|g| {
            let mut members: Vec<String> = g.members.iter().map(|m| cut(m)).collect();
            members.sort();
            let attrs = g
                .attributes
                .iter()
                .map(|(n, v)| {
                    // Multi-valued attributes have no order in LDAP.
                    let mut v: Vec<String> = v.iter().map(|x| x.replace(ou, "<ou>")).collect();
                    v.sort();
                    (n.to_owned(), v)
                })
                .collect();
            (g.object_id.clone(), cut(&g.dn), attrs, members)
        })
        .collect()
}

fn scenario(dc: &Dc, ou: &str, step: u32) -> Vec<DesiredGroup> {
    let caps = dc.capabilities();
    let groups = format!("OU=Groups,{ou}");
    let mut a = desired(
        "la",
        " Équipe, \"R&D\" #2 ",
        &groups,
        caps,
        &[
            ("u0", MemberKind::User),
            ("u1", MemberKind::User),
            ("lb", MemberKind::Group),
        ],
    );
    a.attributes
        .set_one("description", " starts with a space: ünïcode ");
    let mut b = desired("lb", "Plain", &groups, caps, &[("u2", MemberKind::User)]);
    if caps.exchange_schema {
        a.attributes.set_one("mailNickname", "equipe");
        a.attributes.set_one("mail", "equipe@gwb.test");
        a.attributes.set(
            "proxyAddresses",
            vec!["SMTP:equipe@gwb.test".into(), "smtp:rd@gwb.test".into()],
        );
        a.attributes.set_one("msExchRecipientDisplayType", "1");
        a.attributes.set_one("msExchRecipientTypeDetails", "8");
        a.attributes.set_one("msExchRequireAuthToSendTo", "TRUE");
    }
    if step == 1 {
        a.cn = "Renamed <x>".into();
        a.members.retain(|m| m.id != "u0");
        a.members.push(gwb_model::Member {
            id: "u2".into(),
            kind: MemberKind::User,
        });
        b.attributes.set("description", vec![]);
    }
    vec![a, b]
}

#[tokio::test]
async fn ldapmodify_of_the_ldif_matches_gwb_apply() {
    let dc = dc();
    let caps = dc.capabilities();
    let mut dir = dc.connect().await;
    let ous = [dc.test_ou("viagwb"), dc.test_ou("vialdif")];
    let mut users = Vec::new();
    for ou in &ous {
        let u = dc.add_users(ou, "lv", 3);
        let mut anchors = Vec::new();
        for (i, dn) in u.iter().enumerate() {
            anchors.push(anchor_of(&mut dir, &format!("u{i}"), dn, "sid").await);
        }
        users.push(users_map(anchors));
    }
    let policy = Policy::default();
    for step in 0..2 {
        let p0 = full_plan(
            &mut dir,
            &[ous[0].clone()],
            &scenario(&dc, &ous[0], step),
            &users[0],
            &policy,
        )
        .await;
        let report = dir.apply(&p0).await.unwrap();
        assert!(report.is_success(), "{report:#?}");
        let p1 = full_plan(
            &mut dir,
            &[ous[1].clone()],
            &scenario(&dc, &ous[1], step),
            &users[1],
            &policy,
        )
        .await;
        let ldif = p1.to_ldif();
        assert!(
            ldif.contains("dn:: "),
            "the non-ASCII DN is base64:\n{ldif}"
        );
        dc.ldapmodify(&ldif);
        let ext = caps.external_directory_object_id;
        let read = policy.read_attributes(&scenario(&dc, &ous[0], step));
        let a = dir.read_owned(&[ous[0].clone()], &read, ext).await.unwrap();
        let b = dir.read_owned(&[ous[1].clone()], &read, ext).await.unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(relative(&a, &ous[0]), relative(&b, &ous[1]), "step {step}");
    }
}
