//! `kill -9` at random points of a sync, then a re-run: AD converges to exactly the cloud's
//! state, entry by entry, with no duplicate group and no lost member.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use graph_emulator::SplitMix;
use gwb::exit::Exit;
use serde_json::json;

use crate::common::Env;

const GROUPS: usize = 24;
const TRIALS: usize = 10;

fn group_id(i: usize) -> String {
    format!("c4a50000-0000-4000-8000-{i:012x}")
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_syncs_converge_entry_by_entry() {
    let env = Env::new("crash", 6, "").await;
    let users: Vec<_> = env.users.clone();
    // Cloud truth the test keeps alongside the emulator: name and member indexes per group.
    let mut truth: BTreeMap<String, (String, Vec<usize>)> = BTreeMap::new();
    for i in 0..GROUPS {
        let members = vec![i % 6, (i + 1) % 6];
        let ids: Vec<&str> = members.iter().map(|m| users[*m].id.as_str()).collect();
        env.add_group(&group_id(i), &format!("Crash {i}"), &ids);
        truth.insert(group_id(i), (format!("Crash {i}"), members));
    }
    // Seeded, so every run kills at the same moments (no wall-clock randomness in tests).
    let mut rng = SplitMix::new(42);
    for trial in 0..TRIALS {
        // Change a third of the groups: rename, swap a member.
        env.emulator.tenant(|t| {
            for i in (trial % 3..GROUPS).step_by(3) {
                let id = group_id(i);
                let entry = truth.get_mut(&id).expect("known group");
                entry.0 = format!("Crash {i} t{trial}");
                t.update_group(&id, json!({"displayName": entry.0}))
                    .expect("rename");
                let old = entry.1[0];
                let new = (old + 2 + trial) % 6;
                if !entry.1.contains(&new) {
                    t.remove_member(&id, &users[old].id).expect("remove");
                    t.add_member(&id, &users[new].id).expect("add");
                    entry.1[0] = new;
                }
            }
        });
        // Kill a real `gwb sync` process at a random moment.
        let delay = Duration::from_millis(50 + rng.next_u64() % 1500);
        let mut child = env
            .gwb_command(&["sync"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn gwb");
        tokio::time::sleep(delay).await;
        let _ = child.kill(); // SIGKILL; it may already have finished
        let _ = child.wait();

        // Re-run until it succeeds (it must on the first try).
        let (exit, report) = env.run(true).await;
        assert_eq!(
            exit,
            Exit::Success,
            "trial {trial} (killed after {delay:?}): {report:#}"
        );
        assert_converged(&env, &truth, &users, trial).await;
    }
}

async fn assert_converged(
    env: &Env,
    truth: &BTreeMap<String, (String, Vec<usize>)>,
    users: &[crate::common::User],
    trial: usize,
) {
    let groups = env.groups().await;
    assert_eq!(
        groups.len(),
        truth.len(),
        "trial {trial}: no duplicate or missing group"
    );
    for (id, (name, members)) in truth {
        let group = groups
            .get(id)
            .unwrap_or_else(|| panic!("trial {trial}: group {id} missing"));
        let expected_dn = format!("CN={name}_{},{}", &id[id.len() - 12..], env.cloud_ou);
        assert_eq!(group.dn, expected_dn, "trial {trial}");
        assert_eq!(
            group.attributes.first("displayName"),
            Some(name.as_str()),
            "trial {trial}"
        );
        let mut got = group.members.clone();
        got.sort();
        let mut want: Vec<String> = members.iter().map(|m| users[*m].dn.clone()).collect();
        want.sort();
        want.dedup();
        assert_eq!(got, want, "trial {trial}: members of {name}");
    }
}
