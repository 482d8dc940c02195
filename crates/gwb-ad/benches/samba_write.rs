//! Writes 1,000 groups × 10 members into a Samba DC with gwb's apply and, side by side, with
//! `ldapmodify` applying the plan's LDIF; prints both times and their ratio.
//!
//! Run: `eval $(scripts/samba-dc.sh start) && cargo bench -p gwb-ad --bench samba_write`
//! (GWB_BENCH_GROUPS changes the group count).

// A bench binary is no test, so clippy.toml's allow-unwrap-in-tests does not reach it; a failed
// unwrap is a failed run.
#![allow(clippy::unwrap_used)]

#[allow(dead_code)]
#[path = "../tests/samba/common.rs"]
mod common;

use std::time::Instant;

use gwb_ad::Policy;
use gwb_model::MemberKind;

const MEMBERS: usize = 10;
const POOL: usize = 100;

fn main() {
    let groups: usize = std::env::var("GWB_BENCH_GROUPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let dc = common::dc();
        let caps = dc.capabilities();
        let mut dir = dc.connect().await;
        let policy = Policy::default();
        let mut timings = Vec::new();
        for (label, via_ldif) in [("gwb apply", false), ("ldapmodify", true)] {
            let ou = dc.test_ou(if via_ldif { "bench-ldif" } else { "bench-gwb" });
            let users = dc.add_users(&ou, "bu", POOL);
            let mut anchors = Vec::new();
            for (i, dn) in users.iter().enumerate() {
                anchors.push(common::anchor_of(&mut dir, &format!("u{i}"), dn, "dn").await);
            }
            let anchors = common::users_map(anchors);
            let ids: Vec<String> = (0..POOL).map(|i| format!("u{i}")).collect();
            let parent = format!("OU=Groups,{ou}");
            let desired: Vec<_> = (0..groups)
                .map(|g| {
                    let members: Vec<(&str, MemberKind)> = (0..MEMBERS)
                        .map(|j| (ids[(g * 7 + j) % POOL].as_str(), MemberKind::User))
                        .collect();
                    common::desired(
                        &format!("bench-{g}"),
                        &format!("Bench {g}"),
                        &parent,
                        caps,
                        &members,
                    )
                })
                .collect();
            let t0 = Instant::now();
            let plan = common::plan(
                &mut dir,
                std::slice::from_ref(&ou),
                &desired,
                &anchors,
                &[],
                true,
                &policy,
            )
            .await;
            let planned = t0.elapsed();
            assert_eq!(plan.operations.len(), groups);
            let t1 = Instant::now();
            if via_ldif {
                dc.ldapmodify(&plan.to_ldif());
            } else {
                let report = dir.apply(&plan).await.unwrap();
                assert!(report.is_success());
            }
            let written = t1.elapsed();
            let t2 = Instant::now();
            let now = dir
                .read_owned(
                    std::slice::from_ref(&ou),
                    &policy.read_attributes(&[]),
                    caps.external_directory_object_id,
                )
                .await
                .unwrap();
            let read = t2.elapsed();
            assert_eq!(now.len(), groups);
            assert!(now.iter().all(|g| g.members.len() == MEMBERS));
            println!(
                "{label:>10}: plan {:.2} s, write {:.2} s ({:.0} groups/s), read back {:.2} s",
                planned.as_secs_f64(),
                written.as_secs_f64(),
                groups as f64 / written.as_secs_f64(),
                read.as_secs_f64()
            );
            timings.push(written.as_secs_f64());
        }
        println!(
            "{groups} groups x {MEMBERS} members: gwb apply / ldapmodify = {:.2}",
            timings[0] / timings[1]
        );
    });
}
