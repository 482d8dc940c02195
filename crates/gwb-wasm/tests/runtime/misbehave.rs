//! Every misbehaving mode is contained with the right message, and the next group through the
//! same instance is processed normally.

use std::time::Duration;

use gwb_model::{
    AttributeEdit, DesiredGroup, FilterDecision, Rule, StageError, TargetCapabilities,
};
use gwb_wasm::{Limits, PluginInstance, PluginSpec};

use crate::support::{RUNTIME, group, spec};

const BAD: &str = "Bad group";
const BAD_ID: &str = "11111111-0000-0000-0000-000000000001";
const GOOD_ID: &str = "22222222-0000-0000-0000-000000000002";

fn instance_with(stage: &str, mode: &str, limits: Limits) -> PluginInstance {
    let config = format!(r#"{{"stage": "{stage}", "mode": "{mode}", "only": "{BAD}"}}"#);
    let spec = PluginSpec {
        limits,
        ..spec("misbehave", &config)
    };
    RUNTIME
        .load(&spec)
        .unwrap_or_else(|e| panic!("misbehave loads: {e}"))
        .instantiate()
        .expect("misbehave instantiates")
}

fn instance(stage: &str, mode: &str) -> PluginInstance {
    instance_with(stage, mode, Limits::default())
}

/// Runs `stage` for one group and returns its answer as text (skip reason, cn, description).
fn run(
    plugin: &mut PluginInstance,
    stage: &str,
    id: &str,
    name: &str,
) -> Result<String, StageError> {
    let g = group(id, name);
    let mut proposal = DesiredGroup {
        object_id: id.into(),
        cn: "proposed".into(),
        ..DesiredGroup::default()
    };
    let target = TargetCapabilities::default();
    let text = match stage {
        "filter" => match plugin.filter(&g)? {
            FilterDecision::Write => "write".to_string(),
            FilterDecision::Skip(reason) => reason,
        },
        "naming" => plugin
            .naming(&g, &mut proposal, target)?
            .cn
            .unwrap_or_default(),
        _ => match plugin.mapping(&g, &mut proposal, target)?.as_slice() {
            [AttributeEdit::Replace { name, values }] if name == "description" => values.concat(),
            other => format!("{other:?}"),
        },
    };
    assert_eq!(proposal.cn, "proposed", "the proposal comes back unchanged");
    Ok(text)
}

/// The bad group faults with `cause` in the message; the next group works.
fn assert_contained(stage: &str, mode: &str, limits: Limits, cause: &str) {
    let mut plugin = instance_with(stage, mode, limits);
    let fault = match run(&mut plugin, stage, BAD_ID, BAD) {
        Err(StageError::Fault(message)) => message,
        other => panic!("{mode}: expected a fault, got {other:?}"),
    };
    for part in [
        "plugin misbehave (misbehave 0.1.0, ",
        stage,
        BAD_ID,
        BAD,
        cause,
    ] {
        assert!(
            fault.contains(part),
            "{mode}: {part:?} missing from {fault}"
        );
    }
    assert_eq!(
        run(&mut plugin, stage, GOOD_ID, "Good group"),
        Ok(format!("ok {GOOD_ID}")),
        "{mode}: the next group through the same instance works"
    );
    assert_eq!(plugin.stats().rebuilds, 1);
}

#[test]
fn endless_loop_exceeds_its_time_budget() {
    let limits = Limits {
        time: Some(Duration::from_millis(20)),
        ..Limits::default()
    };
    assert_contained(
        "naming",
        "endless-loop",
        limits,
        "exceeded its 20 ms time budget",
    );
}

#[test]
fn endless_loop_runs_out_of_fuel() {
    let limits = Limits {
        time: None,
        fuel: Some(2_000_000),
        ..Limits::default()
    };
    assert_contained(
        "filter",
        "endless-loop",
        limits,
        "ran out of fuel (2000000 units)",
    );
}

#[test]
fn memory_bomb_exceeds_its_memory_limit() {
    // A time budget far beyond what filling 16 MiB takes, so on a loaded machine the memory
    // limit, not the clock, is what stops the bomb.
    let limits = Limits {
        memory_bytes: 16 << 20,
        time: Some(Duration::from_secs(10)),
        ..Limits::default()
    };
    assert_contained(
        "mapping",
        "memory-bomb",
        limits,
        "exceeded its 16 MiB memory limit",
    );
}

#[test]
fn panic_is_reported_with_its_message_and_backtrace() {
    assert_contained("filter", "panic", Limits::default(), "panicked");
    let mut plugin = instance("filter", "panic");
    let Err(StageError::Fault(message)) = run(&mut plugin, "filter", BAD_ID, BAD) else {
        panic!("the panic faults");
    };
    assert!(message.contains("misbehave: asked to panic"), "{message}");
    assert!(message.contains("wasm backtrace"), "{message}");
}

#[test]
fn deep_recursion_overflows_its_stack() {
    assert_contained(
        "naming",
        "deep-recursion",
        Limits::default(),
        "overflowed its stack",
    );
}

/// Resources a plugin makes and never drops (here timers) are kept by the host, outside the
/// plugin's memory limit; wasmtime's cap on live handles per store (100,000 by default) is what
/// ends the leak, long before 10 million.
#[test]
fn a_resource_leak_is_stopped_by_the_store_handle_limit() {
    let limits = Limits {
        time: Some(Duration::from_secs(10)),
        ..Limits::default()
    };
    assert_contained(
        "filter",
        "resource-leak",
        limits,
        "cannot allocate another handle: store handle limit exceeded",
    );
}

#[test]
fn a_rule_error_is_not_a_fault() {
    let mut plugin = instance("mapping", "rule-error");
    assert_eq!(
        run(&mut plugin, "mapping", BAD_ID, BAD),
        Err(StageError::Rule(format!(
            "misbehave: asked to fail for {BAD_ID}"
        )))
    );
    assert_eq!(
        run(&mut plugin, "mapping", GOOD_ID, "Good"),
        Ok(format!("ok {GOOD_ID}"))
    );
    assert_eq!(plugin.stats().rebuilds, 0);
}

#[test]
fn files_environment_and_sockets_are_denied_inside_the_plugin() {
    let file = run(&mut instance("naming", "read-file"), "naming", BAD_ID, BAD).unwrap();
    assert!(file.starts_with("denied: "), "{file}");
    let env = run(&mut instance("filter", "read-env"), "filter", BAD_ID, BAD).unwrap();
    assert_eq!(env, "denied: environment variable not found; 0 variables");
    let socket = run(
        &mut instance("mapping", "open-socket"),
        "mapping",
        BAD_ID,
        BAD,
    )
    .unwrap();
    assert!(socket.starts_with("denied: "), "{socket}");
}

#[test]
fn invalid_attribute_names_and_huge_values_pass_through_unharmed() {
    let mut plugin = instance("mapping", "invalid-attribute");
    let g = group(BAD_ID, BAD);
    let mut proposal = DesiredGroup::default();
    let edits = plugin.mapping(&g, &mut proposal, TargetCapabilities::default());
    assert_eq!(
        edits,
        Ok(vec![AttributeEdit::Replace {
            name: "bad name!".into(),
            values: vec!["x".into()]
        }])
    );
    let huge = run(&mut instance("naming", "huge-value"), "naming", BAD_ID, BAD).unwrap();
    assert_eq!(huge.len(), 2 << 20);
    assert!(huge.bytes().all(|b| b == b'x'));
}

#[test]
fn memory_limits_are_per_plugin() {
    // The 2 MiB value (plus its copy) fits in 64 MiB but not in 3 MiB.
    let roomy = Limits {
        memory_bytes: 64 << 20,
        ..Limits::default()
    };
    let mut plugin = instance_with("naming", "huge-value", roomy);
    assert_eq!(
        run(&mut plugin, "naming", BAD_ID, BAD).map(|t| t.len()),
        Ok(2 << 20)
    );
    let tight = Limits {
        memory_bytes: 3 << 20,
        ..Limits::default()
    };
    assert_contained(
        "naming",
        "huge-value",
        tight,
        "exceeded its 3 MiB memory limit",
    );
}

/// A `MakeWriter` that keeps what the fmt subscriber writes.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("capture lock")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn plugin_log_lines_reach_tracing_at_their_level_naming_plugin_and_group() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .without_time()
        .with_writer(move || writer.clone())
        .finish();
    let mut plugin = instance("filter", "log");
    let answer =
        tracing::subscriber::with_default(subscriber, || run(&mut plugin, "filter", BAD_ID, BAD));
    assert_eq!(
        answer,
        Ok(format!("logged {BAD_ID}")),
        "logging does not fail the stage"
    );
    let text = String::from_utf8(captured.0.lock().expect("capture lock").clone()).expect("UTF-8");
    for (level, message) in [
        ("DEBUG", "misbehave debug"),
        ("INFO", "misbehave info"),
        ("WARN", "misbehave warn"),
        ("ERROR", "misbehave error"),
    ] {
        let line = text
            .lines()
            .find(|line| line.contains(message))
            .unwrap_or_else(|| panic!("no line for {message:?} in:\n{text}"));
        assert!(line.trim_start().starts_with(level), "{line}");
        assert!(line.contains(r#"plugin="misbehave""#), "{line}");
        assert!(line.contains(&format!("group=\"{BAD_ID}\"")), "{line}");
    }
    assert!(
        text.contains(r"misbehave \u{1b}[31mred\n INFO fake line"),
        "control characters are shown as escapes, on the plugin's own line:\n{text}"
    );
    assert!(!text.contains('\u{1b}'), "{text}");
}

#[test]
fn a_log_flood_is_capped_per_run_and_the_rest_counted() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .without_time()
        .with_writer(move || writer.clone())
        .finish();
    let plugin = RUNTIME
        .load(&PluginSpec {
            limits: Limits {
                time: Some(Duration::from_secs(60)),
                ..Limits::default()
            },
            ..spec("misbehave", r#"{"stage": "filter", "mode": "log-flood"}"#)
        })
        .unwrap();
    let mut instance = plugin.instantiate().unwrap();
    let answer =
        tracing::subscriber::with_default(subscriber, || run(&mut instance, "filter", BAD_ID, BAD));
    assert_eq!(answer, Ok("returned from log-flood".to_string()));
    let text = String::from_utf8(captured.0.lock().expect("capture lock").clone()).expect("UTF-8");
    let flood = format!(" {} plugin=", "f".repeat(100));
    let flood_lines = text.lines().filter(|l| l.contains(&flood)).count();
    assert_eq!(flood_lines as u64, gwb_wasm::LOG_LINES_PER_RUN);
    assert_eq!(
        text.matches("reached its log cap of 1000 lines or 1048576 bytes")
            .count(),
        1,
        "{}",
        &text[text.len().saturating_sub(2000)..]
    );
    assert_eq!(
        plugin.log_lines_dropped(),
        1_000_000 - gwb_wasm::LOG_LINES_PER_RUN
    );
}
