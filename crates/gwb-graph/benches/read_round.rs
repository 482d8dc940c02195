//! Reads a generated tenant from the emulator: a full round, then an incremental round with one
//! changed group. Prints groups/s, requests and pages. Size via GWB_BENCH_GROUPS,
//! GWB_BENCH_USERS, GWB_BENCH_BIG (defaults 100,000 / 200,000 / 50,000) and page size via
//! GWB_BENCH_PAGE (default 100). Run: `cargo bench -p gwb-graph --bench read_round`.

use std::time::{Duration, Instant};

use graph_emulator::{App, Emulator, EmulatorConfig, Tenant};
use gwb_graph::{Credential, GraphConfig, RoundOptions, Secret, Source, SourceOptions};
use serde_json::json;

/// A number from the environment, or a default.
fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let groups = env_number("GWB_BENCH_GROUPS", 100_000);
    let users = env_number("GWB_BENCH_USERS", 200_000);
    let big = env_number("GWB_BENCH_BIG", 50_000);
    let page = env_number("GWB_BENCH_PAGE", 100);

    let started = Instant::now();
    let mut tenant = Tenant::generate(42, groups, users, big).expect("generate the tenant");
    tenant.register_app(App {
        app_id: "bench-app".into(),
        client_secret: Some("bench-only-secret".into()),
        certificate_pem: None,
    });
    let tenant_id = tenant.tenant_id().to_owned();
    let first_group = tenant.live_group_ids()[1].clone();
    println!(
        "generated {groups} groups, {users} users, big group {big} members in {:.2?}",
        started.elapsed()
    );
    let emulator = Emulator::start(
        tenant,
        EmulatorConfig {
            page_size: page,
            members_per_item: 1_000,
            ..EmulatorConfig::default()
        },
    )
    .await
    .expect("start the emulator");

    let mut config = GraphConfig::public(
        &tenant_id,
        "bench-app",
        Credential::Secret(Secret::new("bench-only-secret")),
    );
    config.authority = emulator.base_url().to_owned();
    config.graph_endpoint = emulator.base_url().to_owned();
    config.timeouts.request = Duration::from_secs(60);
    let probe = gwb_graph::GraphClient::new(config.clone(), gwb_model::clock::system_clock)
        .expect("client");
    let mut probe_stats = gwb_graph::RequestStats::default();
    let url = format!(
        "{}/v1.0/users/delta?$select=userPrincipalName,onPremisesSecurityIdentifier,onPremisesImmutableId,onPremisesDistinguishedName,onPremisesSyncEnabled,onPremisesSamAccountName",
        emulator.base_url()
    );
    let page = probe
        .get_json(&url, &mut probe_stats)
        .await
        .expect("first page");
    let mut next = page["@odata.nextLink"].as_str().map(str::to_owned);
    let started = Instant::now();
    let mut pages = 0u32;
    while let Some(url) = next.take().filter(|_| pages < 200) {
        let page = probe.get_json(&url, &mut probe_stats).await.expect("page");
        next = page["@odata.nextLink"].as_str().map(str::to_owned);
        pages += 1;
    }
    println!(
        "users pages with anchors: {:.2?} per request over {pages} pages",
        started.elapsed() / pages.max(1)
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let mut source = Source::open(
        config.clone(),
        dir.path().join("state.json"),
        SourceOptions::default(),
    )
    .expect("open the source");

    let started = Instant::now();
    let round = source
        .read_round(RoundOptions::default())
        .await
        .expect("full round");
    let read = started.elapsed();
    let stats = round.stats;
    let members: usize = round.groups.iter().map(|g| g.members.len()).sum();
    let commit_started = Instant::now();
    source.commit(round.checkpoint).await.expect("commit");
    let commit = commit_started.elapsed();
    println!(
        "full round: {} groups ({members} members), {} users in {read:.2?} = {:.0} groups/s; \
         {} requests, {} pages, {} retries; commit (state save) {commit:.2?}, state file {} bytes",
        stats.groups,
        stats.users,
        stats.groups as f64 / read.as_secs_f64(),
        stats.requests,
        stats.pages,
        stats.retries,
        std::fs::metadata(dir.path().join("state.json"))
            .map(|m| m.len())
            .unwrap_or(0),
    );

    emulator.tenant(|t| {
        t.update_group(&first_group, json!({"displayName": "Renamed in bench"}))
            .expect("rename");
    });
    let started = Instant::now();
    let round = source
        .read_round(RoundOptions::default())
        .await
        .expect("incremental round");
    let read = started.elapsed();
    let commit_started = Instant::now();
    let stats = round.stats;
    let changed = round.groups.len();
    source.commit(round.checkpoint).await.expect("commit");
    println!(
        "incremental round, 1 changed group: {changed} group(s) in {read:.2?}; {} requests, {} pages; \
         commit {:.2?}",
        stats.requests,
        stats.pages,
        commit_started.elapsed()
    );

    // What every run pays before it reads anything: loading the saved state.
    let started = Instant::now();
    let reopened = Source::open(
        config,
        dir.path().join("state.json"),
        SourceOptions::default(),
    )
    .expect("reopen the source");
    println!("state load (each run's start): {:.2?}", started.elapsed());
    drop(reopened);
}
