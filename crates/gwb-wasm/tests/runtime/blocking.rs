//! Nothing a plugin calls can block: a sleep, a wait on an instant or a poll with a timer ends
//! the call at once with a fault that says so, in a stage and in `configure`; printing works
//! wherever the host calls from, a tokio runtime's own thread included.

use std::time::Duration;

use gwb_model::{FilterDecision, Rule};
use gwb_wasm::{Limits, PluginSpec, WasmError};

use crate::support::{RUNTIME, group, spec};

const BAD: &str = "Bad group";

/// misbehave in `mode` for the bad group, with a time budget generous enough that on a loaded
/// machine only the behaviour under test can end a call.
fn misbehave(stage: &str, mode: &str) -> PluginSpec {
    PluginSpec {
        limits: Limits {
            time: Some(Duration::from_secs(10)),
            ..Limits::default()
        },
        ..spec(
            "misbehave",
            &format!(r#"{{"stage": "{stage}", "mode": "{mode}", "only": "{BAD}"}}"#),
        )
    }
}

/// The fault a filter call on the bad group ends with, after which a good group passes.
fn filter_fault(mode: &str) -> String {
    let mut plugin = RUNTIME
        .load(&misbehave("filter", mode))
        .unwrap()
        .instantiate()
        .unwrap();
    let fault = plugin
        .filter(&group("bad-id", BAD))
        .expect_err("the wait is refused");
    assert_eq!(
        plugin.filter(&group("good-id", "Good group")).unwrap(),
        FilterDecision::Skip("ok good-id".into()),
        "{mode}: the next group goes through the rebuilt instance"
    );
    fault.to_string()
}

#[test]
fn a_sleep_is_refused_at_once() {
    let fault = filter_fault("sleep");
    assert!(
        fault.contains("filter stage on group \"Bad group\" (bad-id): tried to wait 30000000000 ns (subscribe-duration"),
        "{fault}"
    );
    assert!(fault.contains("plugins may not block"), "{fault}");
}

#[test]
fn a_wait_for_an_instant_is_refused_at_once() {
    let fault = filter_fault("wait-instant");
    assert!(
        fault.contains("tried to wait 30000000000 ns (subscribe-instant"),
        "{fault}"
    );
}

#[test]
fn a_poll_on_a_timer_is_refused_at_once() {
    let fault = filter_fault("poll-timer");
    assert!(
        fault.contains("tried to wait 30000000000 ns (subscribe-duration"),
        "{fault}"
    );
}

#[test]
fn a_sleep_in_configure_fails_the_load_naming_the_step() {
    let error = RUNTIME
        .load(&misbehave("configure", "sleep"))
        .err()
        .expect("the load fails");
    match &error {
        WasmError::Start { step, cause, .. } => {
            assert_eq!(*step, "calling configure");
            assert!(cause.starts_with("tried to wait 30000000000 ns"), "{cause}");
        }
        other => panic!("expected a start error, got {other}"),
    }
}

/// gwb plan and sync load plugins from async code: printing must not need a runtime of its own.
#[test]
fn printing_works_from_a_tokio_runtime_thread_in_configure_and_in_stages() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let answer = runtime.block_on(async {
        let plugin = RUNTIME
            .load(&misbehave("configure", "print"))
            .expect("printing in configure loads");
        drop(plugin);
        let mut stage = RUNTIME
            .load(&misbehave("filter", "print"))
            .unwrap()
            .instantiate()
            .unwrap();
        stage.filter(&group("bad-id", BAD))
    });
    assert_eq!(
        answer.unwrap(),
        FilterDecision::Skip("returned from print".into())
    );
}
