//! Reconciles 10,000 and 100,000 groups that all change (one attribute and one member each) and
//! prints the time of each and their ratio: a linear reconcile gives a ratio near 10, a
//! quadratic one near 100. Pure code, no DC.
//!
//! Run: `cargo bench -p gwb-ad --bench reconcile` (GWB_BENCH_RUNS sets the runs per size, the
//! best of which is reported; default 3).

// Bench code: a failed unwrap is a failed run.

use std::collections::{BTreeMap, BTreeSet};
use std::hint::black_box;
use std::time::{Duration, Instant};

use gwb_ad::escape::{child_dn, normalize_dn};
use gwb_ad::{
    AdObject, AnchorSources, CurrentGroup, GroupAction, MemberIndex, ObjectKind, Occupants,
    OwnerMark, Policy, ReconcileInput, reconcile,
};
use gwb_model::{
    AttributeNames, Attributes, DesiredGroup, Member, MemberKind, TargetCapabilities, UserAnchor,
};

/// Group counts compared; the ratio is last / first.
const SIZES: [usize; 2] = [10_000, 100_000];
/// Members per group.
const MEMBERS: usize = 10;
/// Users the members are drawn from.
const POOL: usize = 1_000;
/// The OU every group lives in.
const OU: &str = "OU=Groups,DC=bench,DC=test";

/// Everything one reconcile reads, owned.
struct World {
    desired: Vec<DesiredGroup>,
    current: Vec<CurrentGroup>,
    index: MemberIndex,
    users: BTreeMap<String, UserAnchor>,
    occupants: Occupants,
}

fn user_sid(i: usize) -> String {
    format!("S-1-5-21-1-2-3-{}", 10_000 + i)
}

fn attributes(id: &str, description: &str) -> Attributes {
    let mut attributes = Attributes::new();
    attributes.set_one("groupType", "-2147483640");
    attributes.set_one("adminDescription", format!("Group_{id}"));
    attributes.set_one("description", description);
    attributes
}

/// `groups` owned groups in AD, each wanted with a new description and one member swapped.
fn world(groups: usize) -> World {
    let mut index = MemberIndex::new();
    let mut users = BTreeMap::new();
    for i in 0..POOL {
        index.insert(AdObject {
            dn: format!("CN=u{i},OU=Users,DC=bench,DC=test"),
            object_guid: format!("user-guid-{i}"),
            sid: Some(user_sid(i)),
            kind: ObjectKind::User,
            ..Default::default()
        });
        users.insert(
            format!("u{i}"),
            UserAnchor {
                id: format!("u{i}"),
                on_premises_security_identifier: Some(user_sid(i)),
                on_premises_sync_enabled: Some(true),
                ..Default::default()
            },
        );
    }
    let mut occupants = Occupants::default();
    occupants.containers.insert(normalize_dn(OU));
    let mut desired = Vec::with_capacity(groups);
    let mut current = Vec::with_capacity(groups);
    for g in 0..groups {
        let id = format!("{g:08x}-0000-4000-8000-000000000000");
        let cn = format!("Bench {g}");
        let dn = child_dn(&cn, OU);
        let user = |j: usize| (g * 7 + j) % POOL;
        desired.push(DesiredGroup {
            object_id: id.clone(),
            cn: cn.clone(),
            parent_dn: OU.to_owned(),
            sam_account_name: None,
            attributes: attributes(&id, &format!("new {g}")),
            members: (0..MEMBERS)
                .map(|j| Member {
                    id: format!("u{}", user(j)),
                    kind: MemberKind::User,
                })
                .collect(),
        });
        // AD has members 1..=MEMBERS: member 0 is added and member MEMBERS removed.
        let object_guid = format!("group-guid-{g}");
        occupants.insert(AdObject {
            dn: dn.clone(),
            object_guid: object_guid.clone(),
            anchor: Some(id.clone()),
            ..Default::default()
        });
        current.push(CurrentGroup {
            dn,
            object_guid,
            object_id: id.clone(),
            anchors: AnchorSources {
                admin_description: true,
                external_id: false,
            },
            marks: vec![owner().value().to_owned()],
            protected: false,
            sam_account_name: Some(format!("bench-{g}")),
            attributes: attributes(&id, &format!("old {g}")),
            members: (1..=MEMBERS)
                .map(|j| format!("CN=u{},OU=Users,DC=bench,DC=test", user(j)))
                .collect(),
        });
    }
    World {
        desired,
        current,
        index,
        users,
        occupants,
    }
}

/// The mark of the tenant the bench writes for.
fn owner() -> OwnerMark {
    OwnerMark::for_tenant("bench")
}

/// The best of `runs` reconciles of `world`, after checking the plan changes every group.
fn time(world: &World, runs: usize) -> Duration {
    let none = BTreeSet::new();
    let input = ReconcileInput {
        desired: &world.desired,
        current: &world.current,
        index: &world.index,
        users: &world.users,
        group_sids: &BTreeMap::new(),
        cloud_deletes: &[],
        occupants: &world.occupants,
        capabilities: TargetCapabilities::default(),
        schema: &AttributeNames::default(),
        owner: &owner(),
        full: true,
        rules_skipped: &none,
        rules_failed: &none,
    };
    let policy = Policy::default();
    let mut best = Duration::MAX;
    for _ in 0..runs {
        let t0 = Instant::now();
        let plan = black_box(reconcile(black_box(&input), &policy));
        best = best.min(t0.elapsed());
        let groups = world.desired.len();
        assert_eq!(
            plan.operations.len(),
            2 * groups,
            "one attribute and one member modify each"
        );
        assert!(
            plan.groups
                .values()
                .all(|g| g.action == GroupAction::Update)
        );
    }
    best
}

fn main() {
    let runs: usize = std::env::var("GWB_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1);
    let mut timings = Vec::new();
    for groups in SIZES {
        let world = world(groups);
        let best = time(&world, runs);
        println!(
            "reconcile {groups:>7} changed groups: {:>10.3} ms (best of {runs})",
            best.as_secs_f64() * 1e3
        );
        timings.push(best);
    }
    let ratio = timings[1].as_secs_f64() / timings[0].as_secs_f64();
    println!(
        "ratio {}/{}: {ratio:.1} (linear ≈ {}; quadratic ≈ {})",
        SIZES[1],
        SIZES[0],
        SIZES[1] / SIZES[0],
        (SIZES[1] / SIZES[0]).pow(2)
    );
}
