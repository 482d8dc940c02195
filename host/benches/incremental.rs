//! Incremental cost of `gwb sync` (issue 5, item 6): a tenant of N groups (GWB_BENCH_GROUPS,
//! 10,000 by default) is synced in full into the Samba AD DC named by the GWB_TEST_* variables,
//! then synced again with no cloud change, with one changed group (renamed, one member added),
//! with one group hard-deleted, and as a forced full round with nothing to write. Prints wall
//! time, Graph requests and pages, and the LDAP writes of each run, and the ratios to the full
//! sync.
//!
//! Run: `scripts/measure-incremental.sh` (starts a DC), or with a DC already running:
//! `GWB_BENCH_GROUPS=2000 cargo bench -p gwb --bench incremental`.

#[allow(dead_code, unused_imports)] // the bench uses part of the end-to-end test environment
#[path = "../tests/e2e/common.rs"]
mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use gwb::exit::Exit;
use gwb_ad::{OwnerMark, Policy};
use serde_json::{Value, json};

use crate::common::{Env, TENANT_ID, operations};

/// One measured run.
struct Measured {
    label: &'static str,
    wall: Duration,
    requests: u64,
    pages: u64,
    writes: usize,
}

async fn measure(env: &Env, label: &'static str, full: bool) -> (Measured, Value) {
    let start = Instant::now();
    let (exit, report) = if full {
        env.run_full(true).await
    } else {
        env.run(true).await
    };
    let wall = start.elapsed();
    assert_eq!(exit, Exit::Success, "{label}: {report:#}");
    let measured = Measured {
        label,
        wall,
        requests: report["source"]["requests"].as_u64().unwrap_or_default(),
        pages: report["source"]["pages"].as_u64().unwrap_or_default(),
        writes: operations(&report).len(),
    };
    (measured, report)
}

fn main() {
    let groups: usize = std::env::var("GWB_BENCH_GROUPS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(bench(groups));
}

async fn bench(groups: usize) {
    let env = Env::new("bench", 20, "").await;
    // Offset past the user ids, which share the test environment's id prefix.
    let ids: Vec<String> = (0..groups as u64).map(|n| env.gid(0x10_0000 + n)).collect();
    for (n, id) in ids.iter().enumerate() {
        let members = [&env.users[n % 20].id, &env.users[(n + 7) % 20].id];
        env.add_group(id, &format!("Bench {n}"), &[members[0], members[1]]);
    }
    eprintln!("{groups} groups in the tenant; first sync…");
    let mut runs = Vec::new();
    let (full, report) = measure(&env, "full sync", false).await;
    assert_eq!(report["summary"]["created"], groups);
    runs.push(full);
    runs.push(measure(&env, "no change", false).await.0);

    let changed = &ids[groups / 2];
    env.emulator.tenant(|t| {
        t.update_group(changed, json!({"displayName": "Bench renamed"}))
            .expect("rename");
        t.add_member(changed, &env.users[19].id)
            .expect("add member");
    });
    let (one, report) = measure(&env, "one group changed", false).await;
    assert_eq!(report["source"]["full"], false);
    runs.push(one);

    env.emulator
        .tenant(|t| t.hard_delete_group(&ids[1]))
        .expect("hard delete");
    runs.push(measure(&env, "one group hard-deleted", false).await.0);
    // The scheduled full round (full_every_days): everything is read and compared, nothing
    // is written.
    let (full_quiet, report) = measure(&env, "full round, no change", true).await;
    assert_eq!(full_quiet.writes, 0, "{report:#}");
    runs.push(full_quiet);

    // What an incremental round's AD read costs now, against reading every owned group (what
    // it did before) and counting them (what the percentage guard needs from 10 removals on).
    let mut dir = env.directory().await;
    let managed = [env.cloud_ou.clone()];
    let attrs = Policy::default().read_attributes(&[]);
    let start = Instant::now();
    let all = dir
        .read_owned(&managed, &attrs, false)
        .await
        .expect("read all");
    let read_all = start.elapsed();
    let start = Instant::now();
    let one = dir
        .read_owned_ids(&managed, &BTreeSet::from([changed.clone()]), &attrs, false)
        .await
        .expect("read one");
    let read_one = start.elapsed();
    let start = Instant::now();
    let counted = dir
        .count_owned(&managed, false, &OwnerMark::for_tenant(TENANT_ID))
        .await
        .expect("count");
    let count = start.elapsed();
    assert_eq!((one.len(), counted), (1, all.len()));

    let full_wall = runs[0].wall.as_secs_f64();
    println!("\ngwb sync, {groups} groups, Samba AD DC on loopback");
    println!(
        "{:<24} {:>10} {:>9} {:>6} {:>12} {:>12}",
        "run", "wall (s)", "requests", "pages", "LDAP writes", "wall / full"
    );
    for run in &runs {
        println!(
            "{:<24} {:>10.3} {:>9} {:>6} {:>12} {:>12.4}",
            run.label,
            run.wall.as_secs_f64(),
            run.requests,
            run.pages,
            run.writes,
            run.wall.as_secs_f64() / full_wall
        );
    }
    println!(
        "AD reads: every owned group ({}) {:.3} s; the changed group by anchor {:.3} s; count of owned groups {:.3} s",
        all.len(),
        read_all.as_secs_f64(),
        read_one.as_secs_f64(),
        count.as_secs_f64()
    );
}
