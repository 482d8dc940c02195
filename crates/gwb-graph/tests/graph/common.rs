//! Shared setup: a small tenant in the emulator, a client configuration, a source with a temp state.

use std::path::{Path, PathBuf};
use std::time::Duration;

use graph_emulator::{App, Emulator, EmulatorConfig, Tenant};
use gwb_graph::{
    Credential, FullReason, GraphConfig, RetryPolicy, RoundOptions, Secret, Source, SourceOptions,
    Timeouts,
};
use gwb_model::CloudGroup;
use serde_json::json;
use tempfile::TempDir;

/// The test application's id.
pub const APP_ID: &str = "6b1f0c2e-0000-4000-8000-00000000a001";
/// The test application's secret (test-only value for the loopback emulator).
pub const SECRET: &str = "test-only-secret-d41d8cd9";
/// The tenant id.
pub const TENANT_ID: &str = "7f3e9a10-0000-4000-8000-0000000000aa";

/// The test-only certificates folder.
pub fn certs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testkit/graph-emulator/test-certs")
}

/// Reads a test-only certificate or key.
pub fn cert_file(name: &str) -> String {
    std::fs::read_to_string(certs().join(name)).unwrap()
}

/// Users u1..u6 synced from AD, c1 cloud-only; groups g1..g6 with nesting (g6 ⊂ g5), a
/// soft-deleted group, and a big group `big` with `big_members` members (extra users b0000..).
pub fn tenant(big_members: usize) -> Tenant {
    let mut users: Vec<serde_json::Value> = (1..=6)
        .map(|i| {
            json!({
                "id": format!("u{i}"),
                "userPrincipalName": format!("user{i}@gwb.test"),
                "onPremisesSyncEnabled": true,
                "onPremisesSamAccountName": format!("user{i}"),
                "onPremisesDistinguishedName": format!("CN=user{i},CN=Users,DC=gwb,DC=test"),
                "onPremisesImmutableId": format!("AAAAAAAAAAAAAAAAAAAAA{i}=="),
                "onPremisesSecurityIdentifier": format!("S-1-5-21-1-2-3-{}", 1100 + i),
            })
        })
        .collect();
    users.push(json!({"id": "c1", "userPrincipalName": "cloud@gwbtest.onmicrosoft.com"}));
    let big: Vec<String> = (0..big_members).map(|i| format!("b{i:05}")).collect();
    for id in &big {
        users.push(
            json!({"id": id, "userPrincipalName": format!("{id}@gwb.test"),
            "onPremisesSamAccountName": id, "onPremisesSyncEnabled": true}),
        );
    }
    let mut tenant = Tenant::from_json(
        &json!({
            "tenantId": TENANT_ID,
            "users": users,
            "groups": [
                {"id": "g1", "displayName": "Finance", "mailNickname": "finance",
                 "securityEnabled": true, "mailEnabled": false, "groupTypes": [],
                 "members": ["u1", "u2"],
                 "writebackConfiguration": {"isEnabled": true, "onPremisesGroupType": "universalSecurityGroup"}},
                {"id": "g2", "displayName": "All Company", "mailNickname": "all",
                 "mail": "all@gwb.test", "mailEnabled": true, "securityEnabled": false,
                 "groupTypes": ["Unified"], "proxyAddresses": ["SMTP:all@gwb.test"],
                 "visibility": "Public", "members": ["u1", "u2", "u3", "c1"],
                 "onPremisesExtensionAttributes": {"extensionAttribute1": "route-a", "extensionAttribute2": null},
                 "extension_abc123_costCenter": "CC-1"},
                {"id": "g3", "displayName": "Sales", "securityEnabled": true, "mailEnabled": true,
                 "members": ["u3", "u4"]},
                {"id": "g4", "displayName": "Temp", "securityEnabled": true, "members": ["u5"]},
                {"id": "g5", "displayName": "Engineering", "securityEnabled": true,
                 "members": ["u6", "g6"]},
                {"id": "g6", "displayName": "Platform", "securityEnabled": true, "members": ["u4"]},
                {"id": "gdel", "displayName": "Old", "deletedDateTime": "2026-01-01T00:00:00Z",
                 "members": ["u1"]},
                {"id": "big", "displayName": "Big Group", "securityEnabled": true, "members": big}
            ]
        })
        .to_string(),
    )
    .unwrap();
    tenant.register_app(App {
        app_id: APP_ID.into(),
        client_secret: Some(SECRET.into()),
        certificate_pem: Some(cert_file("app-cert.pem")),
    });
    tenant
}

/// Starts the emulator with a tenant and paging.
pub async fn emulator(tenant: Tenant, page_size: usize, members_per_item: usize) -> Emulator {
    Emulator::start(
        tenant,
        EmulatorConfig {
            page_size,
            members_per_item,
            ..EmulatorConfig::default()
        },
    )
    .await
    .unwrap()
}

/// A client configuration for the emulator with the secret credential and fast retries.
pub fn config(emulator: &Emulator) -> GraphConfig {
    let mut config =
        GraphConfig::public(TENANT_ID, APP_ID, Credential::Secret(Secret::new(SECRET)));
    config.authority = emulator.base_url().to_owned();
    config.graph_endpoint = emulator.base_url().to_owned();
    config.directory_extensions = vec!["extension_abc123_costCenter".into()];
    config.timeouts = Timeouts {
        connect: Duration::from_secs(2),
        request: Duration::from_secs(2),
    };
    config.retry = RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(1500),
    };
    config
}

/// A temp dir with the state file path.
pub fn state_dir() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("graph-state.json");
    (dir, path)
}

/// A source on `path` with default options.
pub fn source(config: GraphConfig, path: &PathBuf) -> Source {
    Source::open(config, path, SourceOptions::default()).unwrap()
}

/// What a committed round read, for the tests that look at it after the commit.
#[derive(Debug)]
pub struct Committed {
    /// The round read every group.
    pub full: bool,
    /// Why it was full.
    pub full_reason: Option<FullReason>,
    /// The ids of the groups it read, in order.
    pub ids: Vec<String>,
}

/// Reads a round with `source` and commits it, as a gwb run that used everything it read.
pub async fn commit_round(source: &mut Source) -> Committed {
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    let committed = Committed {
        full: round.full,
        full_reason: round.full_reason.clone(),
        ids: ids(&round.groups).into_iter().map(str::to_owned).collect(),
    };
    source.commit(round.checkpoint).await.unwrap();
    committed
}

/// One gwb run on the state at `path`: opens it with `options` (a fresh process), reads a
/// round and commits it.
pub async fn run_once(emulator: &Emulator, path: &Path, options: SourceOptions) -> Committed {
    let mut source = Source::open(config(emulator), path, options).unwrap();
    commit_round(&mut source).await
}

/// The member ids of a group, sorted.
pub fn member_ids(group: &CloudGroup) -> Vec<&str> {
    group.members.iter().map(|m| m.id.as_str()).collect()
}

/// The ids of groups, in order.
pub fn ids(groups: &[CloudGroup]) -> Vec<&str> {
    groups.iter().map(|g| g.id.as_str()).collect()
}

/// A group by id.
pub fn group<'a>(groups: &'a [CloudGroup], id: &str) -> &'a CloudGroup {
    groups
        .iter()
        .find(|g| g.id == id)
        .unwrap_or_else(|| panic!("group {id} missing from {:?}", ids(groups)))
}
