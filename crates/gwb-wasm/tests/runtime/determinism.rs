//! Plugins see a fixed clock and seeded randomness: the same values in every instance, every
//! runtime and every process.

use std::process::Command;

use gwb_model::{DesiredGroup, Rule, TargetCapabilities};
use gwb_wasm::{FIXED_WALL_CLOCK, Runtime, RuntimeOptions};

use crate::support::{group, spec};

const CHILD_ENV: &str = "GWB_WASM_DETERMINISM_CHILD";

/// The cn the misbehave plugin answers in `mode`, from a fresh runtime and instance.
fn observe(mode: &str) -> String {
    let runtime = Runtime::new(RuntimeOptions::default()).unwrap();
    let plugin = runtime
        .load(&spec(
            "misbehave",
            &format!(r#"{{"stage": "naming", "mode": "{mode}"}}"#),
        ))
        .unwrap();
    let mut instance = plugin.instantiate().unwrap();
    let mut proposal = DesiredGroup::default();
    instance
        .naming(
            &group("id", "Group"),
            &mut proposal,
            TargetCapabilities::default(),
        )
        .unwrap()
        .cn
        .unwrap()
}

#[test]
fn the_clock_is_fixed_and_never_moves() {
    assert_eq!(
        observe("read-clock"),
        format!("wall {} elapsed 0", FIXED_WALL_CLOCK.as_nanos())
    );
}

#[test]
fn randomness_is_the_same_in_every_instance_and_runtime() {
    let first = observe("read-random");
    assert_eq!(first.len(), 32, "{first}");
    assert_ne!(first, "0".repeat(32));
    assert_eq!(first, observe("read-random"));
}

/// What a fresh runtime's plugin saw of the clock and of randomness.
fn observation() -> String {
    format!("{} {}", observe("read-clock"), observe("read-random"))
}

/// Runs itself again in two child processes (the test binary, this test only, with
/// `CHILD_ENV` set): a child prints its observation and stops; the parent requires both
/// children to have seen exactly what it sees.
#[test]
fn same_across_processes() {
    if std::env::var_os(CHILD_ENV).is_some() {
        println!("REPORT[{}]", observation());
        return;
    }
    let run_child = || {
        let output = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "determinism::same_across_processes",
                "--nocapture",
            ])
            .env(CHILD_ENV, "1")
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        let start = stdout.find("REPORT[").expect("the child prints its report") + 7;
        let end = start + stdout[start..].find(']').unwrap();
        stdout[start..end].to_string()
    };
    let here = observation();
    assert_eq!(run_child(), here);
    assert_eq!(run_child(), here);
}
