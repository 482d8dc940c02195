//! A deterministic generator of large tenants (users with on-premises anchors, groups of every kind).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use crate::tenant::{Tenant, TenantError};

/// The domain SID of generated on-premises users (`<DOMAIN_SID>-<1000 + index>`).
pub const DOMAIN_SID: &str = "S-1-5-21-3623811015-3361044348-30300820";
/// The AD base DN generated users' distinguished names end with (the demo Samba domain).
pub const BASE_DN: &str = "DC=gwb,DC=test";
/// Every tenth generated user is cloud-only (no on-premises anchors).
const CLOUD_ONLY_EVERY: usize = 10;

/// SplitMix64: small, fast, and stable across crate versions, so a seed always means the same
/// tenant (and a test's "random" choices are the same on every run).
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `bound` (0 when `bound` is 0).
    pub fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound.max(1) as u64) as usize
    }

    /// 16 random bytes shaped as a version-4 GUID.
    fn guid_bytes(&mut self) -> [u8; 16] {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_be_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_be_bytes());
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        bytes
    }

    /// A GUID in Graph's text form.
    fn guid(&mut self) -> String {
        guid_text(&self.guid_bytes())
    }
}

/// Formats 16 bytes as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
fn guid_text(b: &[u8; 16]) -> String {
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The properties of generated on-premises user number `index` (see the crate docs for the
/// scheme the AD demo reproduces). `consistency_guid` becomes `onPremisesImmutableId`.
pub fn synced_user_props(index: usize, consistency_guid: &[u8; 16]) -> Map<String, Value> {
    let sam = format!("user{index:06}");
    let Value::Object(props) = json!({
        "displayName": format!("User {index:06}"),
        "userPrincipalName": format!("{sam}@gwb.test"),
        "onPremisesSyncEnabled": true,
        "onPremisesSamAccountName": sam,
        "onPremisesDistinguishedName": format!("CN={sam},CN=Users,{BASE_DN}"),
        "onPremisesImmutableId": STANDARD.encode(consistency_guid),
        "onPremisesSecurityIdentifier": format!("{DOMAIN_SID}-{}", 1000 + index),
    }) else {
        return Map::new();
    };
    props
}

impl Tenant {
    /// Builds a tenant deterministically from `seed`: `users` users (every tenth cloud-only),
    /// `groups` groups cycling through security, Microsoft 365, mail-enabled security and
    /// dynamic groups with a few members each (every 50th also has a nested group), and group
    /// 0 ("Big Group") with `big_group_members` members. Registers no application.
    pub fn generate(
        seed: u64,
        groups: usize,
        users: usize,
        big_group_members: usize,
    ) -> Result<Tenant, TenantError> {
        let mut rng = SplitMix::new(seed);
        let mut tenant = Tenant::new(rng.guid());
        let mut user_ids = Vec::with_capacity(users);
        for index in 0..users {
            let id = rng.guid();
            let guid = rng.guid_bytes();
            let props = if index % CLOUD_ONLY_EVERY == CLOUD_ONLY_EVERY - 1 {
                let Value::Object(props) = json!({
                    "displayName": format!("Cloud User {index:06}"),
                    "userPrincipalName": format!("cloud{index:06}@gwbtest.onmicrosoft.com"),
                    "onPremisesSyncEnabled": null,
                    "onPremisesSamAccountName": null,
                    "onPremisesDistinguishedName": null,
                    "onPremisesImmutableId": null,
                    "onPremisesSecurityIdentifier": null,
                }) else {
                    continue;
                };
                props
            } else {
                synced_user_props(index, &guid)
            };
            tenant.insert_user(id.clone(), props, false)?;
            user_ids.push(id);
        }
        let mut group_ids: Vec<String> = Vec::with_capacity(groups);
        for index in 0..groups {
            let id = rng.guid();
            let props = group_props(index, &mut rng);
            tenant.insert_group(id.clone(), props, false)?;
            let mut members: Vec<String> = Vec::new();
            if index == 0 {
                members.extend(user_ids.iter().take(big_group_members).cloned());
            } else if !user_ids.is_empty() {
                for _ in 0..rng.below(9) {
                    members.push(user_ids[rng.below(user_ids.len())].clone());
                }
            }
            if index % 50 == 49 {
                members.push(group_ids[rng.below(group_ids.len())].clone());
            }
            for member in members {
                let kind = tenant.kind_of(&member)?;
                if let Some(record) = tenant.groups.get_mut(&id) {
                    record.members.insert(member, kind);
                }
            }
            group_ids.push(id);
        }
        Ok(tenant)
    }
}

/// The properties of generated group number `index`.
fn group_props(index: usize, rng: &mut SplitMix) -> Map<String, Value> {
    let nick = format!("grp{index:06}");
    let name = if index == 0 {
        "Big Group".to_owned()
    } else {
        format!("Group {index:06}")
    };
    let sid = format!(
        "S-1-12-1-{}-{}-{}-{}",
        rng.next_u64() as u32,
        rng.next_u64() as u32,
        rng.next_u64() as u32,
        rng.next_u64() as u32
    );
    let created = crate::tenant::iso_from_unix(1_600_000_000 + index as u64 * 60);
    let mail = format!("{nick}@gwbtest.onmicrosoft.com");
    // security, M365, mail-enabled security, dynamic security
    let (group_types, mail_enabled, security_enabled, dynamic): (Vec<&str>, bool, bool, bool) =
        match index % 10 {
            0..=4 => (vec![], false, true, false),
            5..=7 => (vec!["Unified"], true, false, false),
            8 => (vec![], true, true, false),
            _ => (vec!["DynamicMembership"], false, true, true),
        };
    let Value::Object(mut props) = json!({
        "displayName": name,
        "description": format!("Generated group {index}"),
        "mailNickname": nick,
        "mail": if mail_enabled { Value::String(mail.clone()) } else { Value::Null },
        "mailEnabled": mail_enabled,
        "securityEnabled": security_enabled,
        "groupTypes": group_types,
        "proxyAddresses": if mail_enabled { vec![format!("SMTP:{mail}")] } else { vec![] },
        "visibility": if group_types.contains(&"Unified") { Value::from("Private") } else { Value::Null },
        "membershipRule": if dynamic { Value::from("user.department -eq \"Sales\"") } else { Value::Null },
        "onPremisesSyncEnabled": null,
        "onPremisesSecurityIdentifier": null,
        "onPremisesSamAccountName": null,
        "securityIdentifier": sid,
        "createdDateTime": created,
        "deletedDateTime": null,
        "writebackConfiguration": {"isEnabled": !index.is_multiple_of(3), "onPremisesGroupType": null},
    }) else {
        return Map::new();
    };
    if index.is_multiple_of(7) {
        props.insert(
            "extension_7d9a4b2c1e8f4a6b9c0d1e2f3a4b5c6d_costCenter".into(),
            Value::String(format!("CC-{}", index % 100)),
        );
    }
    props
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_tenant() {
        let a = Tenant::generate(7, 120, 300, 50).unwrap();
        let b = Tenant::generate(7, 120, 300, 50).unwrap();
        assert_eq!(a.tenant_id(), b.tenant_id());
        assert_eq!(a.live_group_ids(), b.live_group_ids());
        let big = a
            .groups
            .iter()
            .find(|(_, g)| g.props["displayName"] == "Big Group")
            .unwrap();
        assert_eq!(big.1.members.len(), 50);
        assert_eq!(a.users.len(), 300);
        let cloud_only = a
            .users
            .values()
            .filter(|u| u.props["onPremisesSyncEnabled"].is_null())
            .count();
        assert_eq!(cloud_only, 30);
        assert_ne!(
            Tenant::generate(8, 120, 300, 50).unwrap().tenant_id(),
            a.tenant_id()
        );
    }
}
