//! Recycling: an instance is replaced by a fresh one between groups before what it accumulated
//! (memory a plugin leaks, as JavaScript engines do) can fail a group; a group that needs more
//! than the limit on its own still fails with the memory-limit error.

use gwb_model::{DesiredGroup, Rule, StageError, TargetCapabilities};
use gwb_wasm::{Limits, Plugin, PluginInstance, PluginSpec};

use crate::support::{RUNTIME, group, spec};

/// 4 MiB: the misbehave plugin holds about 1 MiB when fresh, so 3 MiB of room.
const LIMIT: usize = 4 << 20;

fn limits(recycle_after_calls: Option<u64>, recycle_on_memory: bool) -> Limits {
    Limits {
        // These tests are about memory: a time budget far above any call's need keeps a busy
        // machine from turning a slow call into a time fault they do not test.
        time: Some(std::time::Duration::from_secs(10)),
        memory_bytes: LIMIT,
        recycle_after_calls,
        recycle_on_memory,
        ..Limits::default()
    }
}

/// The misbehave plugin leaking `leak_kib` KiB per naming call; `needy` (a displayName) also
/// needs `need_kib` KiB for its call.
fn leaky(leak_kib: usize, needy: &str, need_kib: usize, limits: Limits) -> Plugin {
    let config = format!(
        r#"{{"stage": "naming", "mode": "leak", "leak_kib": {leak_kib}, "only": "{needy}", "need_kib": {need_kib}}}"#
    );
    RUNTIME
        .load(&PluginSpec {
            limits,
            ..spec("misbehave", &config)
        })
        .unwrap_or_else(|e| panic!("misbehave loads: {e}"))
}

/// The cn the plugin answers for group `id` named `name`.
fn cn(instance: &mut PluginInstance, id: &str, name: &str) -> Result<String, StageError> {
    let mut proposal = DesiredGroup::default();
    instance
        .naming(
            &group(id, name),
            &mut proposal,
            TargetCapabilities::default(),
        )
        .map(|naming| naming.cn.unwrap_or_default())
}

/// Runs `n` groups through one instance: the faults' messages.
fn faults(instance: &mut PluginInstance, n: usize) -> Vec<String> {
    (0..n)
        .filter_map(|i| {
            let id = format!("g{i}");
            match cn(instance, &id, "Group") {
                Ok(answer) => {
                    assert_eq!(answer, format!("ok {id}"));
                    None
                }
                Err(StageError::Fault(message)) => Some(message),
                Err(other) => panic!("{other:?}"),
            }
        })
        .collect()
}

#[test]
fn without_recycling_a_leak_fails_a_group_each_time_the_limit_is_reached() {
    let plugin = leaky(64, "", 0, limits(None, false));
    let mut instance = plugin.instantiate().unwrap();
    let faults = faults(&mut instance, 500);
    // 64 KiB a call fills the room of about 3 MiB every 40-odd calls: each time one group fails
    // and the rebuilt instance starts over.
    assert!(faults.len() >= 5, "{} faults", faults.len());
    for fault in &faults {
        assert!(fault.contains("exceeded its 4 MiB memory limit"), "{fault}");
    }
    assert_eq!(instance.stats().rebuilds, faults.len() as u64);
    assert_eq!((instance.stats().recycles, plugin.recycles()), (0, 0));
}

#[test]
fn with_recycling_thousands_of_leaking_calls_fail_no_group() {
    let plugin = leaky(64, "", 0, limits(None, true));
    let mut instance = plugin.instantiate().unwrap();
    assert_eq!(faults(&mut instance, 5_000), Vec::<String>::new());
    let stats = instance.stats();
    assert_eq!(stats.rebuilds, 0);
    // Half the room of about 3 MiB is some 24 calls of 64 KiB: a recycle every 20-odd calls.
    assert!(
        (100..=500).contains(&stats.recycles),
        "{} recycles",
        stats.recycles
    );
    assert_eq!(plugin.recycles(), stats.recycles);
}

#[test]
fn recycle_after_calls_replaces_the_instance_every_n_calls() {
    let plugin = leaky(0, "", 0, limits(Some(10), true));
    let mut instance = plugin.instantiate().unwrap();
    assert_eq!(faults(&mut instance, 95), Vec::<String>::new());
    assert_eq!(instance.stats().recycles, 9);
    // Recycles are counted per plugin, over all its instances.
    let mut second = plugin.instantiate().unwrap();
    assert_eq!(faults(&mut second, 10), Vec::<String>::new());
    assert_eq!(plugin.recycles(), 10);
}

#[test]
fn a_group_that_needs_more_than_the_limit_still_fails_with_the_memory_limit_error() {
    let plugin = leaky(64, "Huge", 4 << 10, limits(None, true));
    let mut instance = plugin.instantiate().unwrap();
    for round in 0..3 {
        assert_eq!(faults(&mut instance, 30), Vec::<String>::new());
        let Err(StageError::Fault(message)) = cn(&mut instance, "huge", "Huge") else {
            panic!("round {round}: the huge group faults");
        };
        assert!(
            message.contains(
                r#"naming stage on group "Huge" (huge): exceeded its 4 MiB memory limit"#
            ),
            "{message}"
        );
    }
    let stats = instance.stats();
    assert_eq!(stats.rebuilds, 3);
    // Each time it ran on a used instance, then again on a fresh one (a recycle) to be sure.
    assert!(stats.recycles >= 3, "{stats:?}");
}

/// 20 calls leaking 64 KiB each, then the group "Big" needing 2 MiB, five times over: the
/// answers for "Big" and the stats.
fn big_after_leaks(limits: Limits) -> (Vec<Result<String, StageError>>, gwb_wasm::CallStats) {
    let plugin = leaky(64, "Big", 2 << 10, limits);
    let mut instance = plugin.instantiate().unwrap();
    let answers = (0..5)
        .map(|_| {
            assert_eq!(faults(&mut instance, 20), Vec::<String>::new());
            cn(&mut instance, "big", "Big")
        })
        .collect();
    (answers, instance.stats())
}

#[test]
fn a_group_that_fits_a_fresh_instance_runs_again_on_one_instead_of_failing() {
    // 2 MiB fits in the room of a fresh instance but not beside 1.25 MiB of leaked memory:
    // recycling every 21 calls alone (no memory rule) lets "Big" fail each time...
    let (answers, stats) = big_after_leaks(limits(Some(21), false));
    assert!(
        answers
            .iter()
            .all(|a| matches!(a, Err(StageError::Fault(m)) if m.contains("exceeded its 4 MiB memory limit"))),
        "{answers:?}"
    );
    assert_eq!(stats.rebuilds, 5);
    // ... with the memory rule, it runs again on a fresh instance and passes.
    let (answers, stats) = big_after_leaks(limits(Some(21), true));
    assert_eq!(answers, vec![Ok("ok big".to_owned()); 5]);
    assert_eq!(stats.rebuilds, 0);
}

#[test]
fn answers_are_identical_across_recycles() {
    const ROUTES: &str = r#"{"default_ou": "OU=Groups,DC=contoso,DC=com",
        "routes": [{"prefix": "FIN-", "ou": "OU=Finance,DC=contoso,DC=com"},
                   {"regex": "^HR\\b", "ou": "OU=HR,DC=contoso,DC=com"}]}"#;
    let names = ["FIN-Payroll", "HR team", "Other", "fin-Audit", "HR", "x"];
    let run = |limits: Limits| {
        let plugin = RUNTIME
            .load(&PluginSpec {
                limits,
                ..spec("ou_router", ROUTES)
            })
            .unwrap();
        let mut instance = plugin.instantiate().unwrap();
        let answers: Vec<_> = (0..60)
            .map(|i| {
                let mut proposal = DesiredGroup::default();
                instance
                    .naming(
                        &group(&format!("g{i}"), names[i % names.len()]),
                        &mut proposal,
                        TargetCapabilities::default(),
                    )
                    .unwrap()
            })
            .collect();
        (answers, instance.stats().recycles)
    };
    let (kept, none) = run(Limits {
        recycle_after_calls: None,
        ..Limits::default()
    });
    let (recycled, recycles) = run(Limits {
        recycle_after_calls: Some(1),
        ..Limits::default()
    });
    assert_eq!((none, recycles), (0, 60));
    assert_eq!(recycled, kept);
    assert!(
        kept.iter()
            .any(|n| n.parent_dn.as_deref() == Some("OU=HR,DC=contoso,DC=com"))
    );
}

#[test]
fn a_fresh_instance_sees_the_clock_and_randomness_a_first_one_saw() {
    // Randomness is seeded per instance: without recycling the second call draws new bytes,
    // with a recycle after every call each call draws the first instance's bytes again.
    let draws = |recycle_after_calls| {
        let plugin = RUNTIME
            .load(&PluginSpec {
                limits: Limits {
                    recycle_after_calls,
                    ..Limits::default()
                },
                ..spec("misbehave", r#"{"stage": "naming", "mode": "read-random"}"#)
            })
            .unwrap();
        let mut instance = plugin.instantiate().unwrap();
        (0..3)
            .map(|i| cn(&mut instance, &format!("g{i}"), "G").unwrap())
            .collect::<Vec<_>>()
    };
    let kept = draws(None);
    assert_ne!(kept[0], kept[1]);
    assert_eq!(draws(Some(1)), vec![kept[0].clone(); 3]);
}

/// The real thing: the JavaScript ou-router (componentize-js) grows by about 2 KB a call. At
/// 12 MiB, 20,000 calls fail groups on the memory limit without recycling and none with it.
#[test]
fn a_javascript_plugin_fails_no_group_over_20000_calls_with_recycling() {
    let run = |recycle_on_memory| {
        let plugin = RUNTIME
            .load(&PluginSpec {
                name: "js-router".into(),
                path: test_support::built_js_plugin("ou-router"),
                config_json: r#"{"default_ou": "OU=Groups,DC=contoso,DC=com",
                    "routes": [{"prefix": "FIN-", "ou": "OU=Finance,DC=contoso,DC=com"}]}"#
                    .into(),
                limits: Limits {
                    memory_bytes: 12 << 20,
                    // Garbage-collection pauses on a busy machine: the time budget is not
                    // what this test is about.
                    time: Some(std::time::Duration::from_secs(5)),
                    recycle_after_calls: None,
                    recycle_on_memory,
                    ..Limits::default()
                },
                sha256_pin: None,
            })
            .unwrap_or_else(|e| panic!("the JS ou-router loads: {e}"));
        let mut instance = plugin.instantiate().unwrap();
        let faults = (0..20_000)
            .filter(|i| {
                let name = if i % 3 == 0 { "FIN-Payroll" } else { "Other" };
                let mut proposal = DesiredGroup::default();
                match instance.naming(
                    &group(&format!("g{i}"), name),
                    &mut proposal,
                    TargetCapabilities::default(),
                ) {
                    Ok(_) => false,
                    Err(StageError::Fault(message)) => {
                        assert!(
                            message.contains("exceeded its 12 MiB memory limit"),
                            "{message}"
                        );
                        true
                    }
                    Err(other) => panic!("{other:?}"),
                }
            })
            .count();
        (faults, instance.stats().recycles)
    };
    let (faults, recycles) = run(false);
    assert!(faults > 0, "without recycling the growth fails groups");
    assert_eq!(recycles, 0);
    let (faults, recycles) = run(true);
    assert_eq!(faults, 0);
    assert!(recycles > 0);
}
