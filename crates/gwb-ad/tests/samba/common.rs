//! Shared test setup: the DC from GWB_TEST_* variables, a private OU per test, test users.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};

use gwb_ad::{AdConfig, AdObject, Directory, Secret};
use gwb_model::{Attributes, DesiredGroup, Member, MemberKind, TargetCapabilities, UserAnchor};
use test_support::TestDc;

/// The DC the tests run against, with the gwb-ad-specific helpers.
pub struct Dc(TestDc);

impl std::ops::Deref for Dc {
    type Target = TestDc;

    fn deref(&self) -> &TestDc {
        &self.0
    }
}

pub fn dc() -> Dc {
    Dc(TestDc::from_env())
}

impl Dc {
    pub fn config(&self) -> AdConfig {
        let mut cfg = AdConfig::new(
            &self.url,
            &self.bind_dn,
            Secret::from_file(&self.password_file).unwrap(),
        );
        cfg.ca_file = Some(self.ca_file.clone());
        cfg
    }

    pub async fn connect(&self) -> Directory {
        Directory::connect(&self.config()).await.unwrap()
    }

    /// The schema capabilities the profile promises.
    pub fn capabilities(&self) -> TargetCapabilities {
        let exchange = self.is_exchange();
        TargetCapabilities {
            exchange_schema: exchange,
            external_directory_object_id: exchange,
        }
    }

    /// A fresh OU for one test: `OU=<name>-<pid>-<n>,<base>`, with sub-OUs `Groups` and `Users`
    /// (`name`: letters, digits and dashes).
    pub fn test_ou(&self, name: &str) -> String {
        static N: AtomicU32 = AtomicU32::new(0);
        let ou = format!(
            "OU={}-{}-{},{}",
            name,
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst),
            self.base_dn
        );
        self.add_ous(&[&ou, &format!("OU=Groups,{ou}"), &format!("OU=Users,{ou}")]);
        ou
    }

    /// Creates users `prefix0..n` under `OU=Users,<ou>` in one ldapmodify run.
    pub fn add_users(&self, ou: &str, prefix: &str, n: usize) -> Vec<String> {
        let mut ldif = String::new();
        let mut dns = Vec::new();
        for i in 0..n {
            let name = format!("{prefix}{i}");
            let dn = format!("CN={name},OU=Users,{ou}");
            ldif.push_str(&format!(
                "dn: {dn}\nchangetype: add\nobjectClass: user\nsAMAccountName: {}\n\n",
                sam_for(ou, &name)
            ));
            dns.push(dn);
        }
        self.ldapmodify(&ldif);
        dns
    }
}

/// A sAMAccountName unique per test OU (≤ 20 characters).
pub fn sam_for(ou: &str, name: &str) -> String {
    let mut h: u32 = 2166136261;
    for b in ou.bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(16777619);
    }
    let s = format!("{name}{h:08x}");
    s[s.len().saturating_sub(20)..].to_string()
}

/// Reads a user's identities back and builds the UserAnchor Graph would report: by SID, by
/// immutableId (base64 objectGUID) or by DN.
pub async fn anchor_of(dir: &mut Directory, id: &str, dn: &str, how: &str) -> UserAnchor {
    let obj: AdObject = if how == "dn" {
        AdObject::default()
    } else {
        dir.lookup(dn, false).await.unwrap().unwrap()
    };
    let mut a = UserAnchor {
        id: id.into(),
        on_premises_sync_enabled: Some(true),
        ..Default::default()
    };
    match how {
        "sid" => a.on_premises_security_identifier = obj.sid.clone(),
        "guid" => a.on_premises_immutable_id = Some(obj.object_guid.clone()),
        "dn" => a.on_premises_distinguished_name = Some(dn.to_string()),
        _ => unreachable!(),
    }
    a
}

/// A desired universal security group the way the default rules would propose it.
pub fn desired(
    object_id: &str,
    cn: &str,
    parent_dn: &str,
    caps: TargetCapabilities,
    members: &[(&str, MemberKind)],
) -> DesiredGroup {
    let mut attributes = Attributes::new();
    attributes.set_one("groupType", "-2147483640");
    attributes.set_one("adminDescription", format!("Group_{object_id}"));
    if caps.external_directory_object_id {
        attributes.set_one(
            "msDS-ExternalDirectoryObjectId",
            format!("Group_{object_id}"),
        );
    }
    attributes.set_one("description", format!("desc of {cn}"));
    attributes.set_one("displayName", cn);
    DesiredGroup {
        object_id: object_id.into(),
        cn: cn.into(),
        parent_dn: parent_dn.into(),
        sam_account_name: None,
        attributes,
        members: members
            .iter()
            .map(|(id, kind)| Member {
                id: (*id).into(),
                kind: *kind,
            })
            .collect(),
    }
}

pub fn users_map(anchors: Vec<UserAnchor>) -> BTreeMap<String, UserAnchor> {
    anchors.into_iter().map(|a| (a.id.clone(), a)).collect()
}

/// The whole read side and reconcile, as the CLI runs it.
/// The plan of a full round of `desired` with no cloud deletes.
pub async fn full_plan(
    dir: &mut Directory,
    managed_ous: &[String],
    desired: &[DesiredGroup],
    users: &BTreeMap<String, UserAnchor>,
    policy: &gwb_ad::Policy,
) -> gwb_ad::Plan {
    plan(dir, managed_ous, desired, users, &[], true, policy).await
}

pub async fn plan(
    dir: &mut Directory,
    managed_ous: &[String],
    desired: &[DesiredGroup],
    users: &BTreeMap<String, UserAnchor>,
    deletes: &[gwb_model::CloudDelete],
    full: bool,
    policy: &gwb_ad::Policy,
) -> gwb_ad::Plan {
    // Tests scope lookups to their own OU: object ids repeat across test runs on one DC.
    let lookup = MemberLookup {
        base: &managed_ous[0],
        users,
        group_sids: &BTreeMap::new(),
    };
    plan_looking_up_members_in(dir, managed_ous, &lookup, desired, deletes, full, policy).await
}

/// Where and by what [`plan_looking_up_members_in`] looks members up.
pub struct MemberLookup<'a> {
    /// The search base (the CLI uses the whole domain).
    pub base: &'a str,
    /// The cloud users, by id.
    pub users: &'a BTreeMap<String, UserAnchor>,
    /// The on-premises SIDs of nested groups synced from AD, by id.
    pub group_sids: &'a BTreeMap<String, String>,
}

/// [`plan`], with the members looked up as `lookup` says.
pub async fn plan_looking_up_members_in(
    dir: &mut Directory,
    managed_ous: &[String],
    lookup: &MemberLookup<'_>,
    desired: &[DesiredGroup],
    deletes: &[gwb_model::CloudDelete],
    full: bool,
    policy: &gwb_ad::Policy,
) -> gwb_ad::Plan {
    let discovery = dir.discover().await.unwrap();
    let caps = discovery.capabilities;
    let current = dir
        .read_owned(
            managed_ous,
            &policy.read_attributes(desired),
            caps.external_directory_object_id,
        )
        .await
        .unwrap();
    let group_ids: Vec<&str> = desired
        .iter()
        .flat_map(|d| d.members.iter())
        .filter(|m| m.kind == MemberKind::Group && !lookup.group_sids.contains_key(&m.id))
        .map(|m| m.id.as_str())
        .collect();
    let base = &managed_ous[0];
    let index = dir
        .member_index(
            lookup.base,
            lookup.users.values(),
            group_ids,
            lookup.group_sids.values().map(String::as_str),
            caps.external_directory_object_id,
        )
        .await
        .unwrap();
    let occupants = dir
        .probe(base, desired, caps.external_directory_object_id)
        .await
        .unwrap();
    gwb_ad::reconcile(
        &gwb_ad::ReconcileInput {
            desired,
            current: &current,
            index: &index,
            users: lookup.users,
            group_sids: lookup.group_sids,
            cloud_deletes: deletes,
            occupants: &occupants,
            capabilities: caps,
            schema: &discovery.attribute_names,
            owner: &owner(),
            full,
            rules_skipped: &Default::default(),
            rules_failed: &Default::default(),
        },
        policy,
    )
}

/// The mark of the tenant the AD tests write for.
pub fn owner() -> gwb_ad::OwnerMark {
    gwb_ad::OwnerMark::for_tenant("gwb-test")
}

/// Every anchored group under `ou` (gwb's or not), as AD holds it now.
pub async fn anchored(dir: &mut Directory, dc: &Dc, ou: &str) -> Vec<gwb_ad::CurrentGroup> {
    dir.read_owned(
        &[ou.to_owned()],
        &gwb_ad::Policy::default().read_attributes(&[]),
        dc.capabilities().external_directory_object_id,
    )
    .await
    .unwrap()
}

/// Checks the guards and applies `plan`, which must succeed whole.
pub async fn apply_ok(dir: &mut Directory, plan: &gwb_ad::Plan) {
    gwb_ad::guards::check(plan, &gwb_ad::Guards::default()).unwrap();
    let report = dir.apply(plan).await.unwrap();
    assert!(report.is_success(), "{report:#?}");
}

/// Asserts `marks` are those of a group gwb wrote: this tenant's mark and gwb's record of the
/// values it wrote (at least one: the anchor), nothing else.
pub fn assert_written_by_gwb(marks: &[String]) {
    assert!(marks.contains(&owner().value().to_owned()), "{marks:?}");
    let entries = marks
        .iter()
        .filter(|m| gwb_ad::written_record::is_entry(m))
        .count();
    assert!(entries > 0, "no record: {marks:?}");
    assert_eq!(entries + 1, marks.len(), "{marks:?}");
}
