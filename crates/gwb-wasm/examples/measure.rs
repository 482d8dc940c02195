//! Prints rough timings of the runtime: compile, cached load, instantiate and per-call cost.
//! Run `scripts/build-plugins.sh` first, then
//! `cargo run --release -p gwb-wasm --example measure`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use gwb_model::{CloudGroup, DesiredGroup, Member, MemberKind, Rule, TargetCapabilities};
use gwb_wasm::{Limits, PluginSpec, Runtime, RuntimeOptions, WasmError};

fn spec(crate_name: &str, config: &str) -> PluginSpec {
    PluginSpec {
        name: crate_name.into(),
        path: format!(
            "{}/../../plugins/target/wasm32-wasip2/release/{crate_name}.wasm",
            env!("CARGO_MANIFEST_DIR")
        )
        .into(),
        config_json: config.into(),
        limits: Limits::default(),
        sha256_pin: None,
    }
}

fn per_iteration(iterations: u32, mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..iterations {
        f();
    }
    start.elapsed() / iterations
}

fn main() -> Result<(), WasmError> {
    let cache = std::env::temp_dir().join(format!("gwb-wasm-measure-{}", std::process::id()));
    let plugins = [
        (
            "group_filter",
            r#"{"exclude": ["*-test"], "max_members": 100000}"#,
        ),
        (
            "ou_router",
            r#"{"default_ou": "OU=Groups,DC=x", "routes": [{"prefix": "FIN-", "ou": "OU=F,DC=x"}]}"#,
        ),
        ("sam_name", r#"{"prefix": "g-"}"#),
    ];
    for (crate_name, config) in plugins {
        let spec = spec(crate_name, config);
        let size = std::fs::metadata(&spec.path)
            .map(|m| m.len())
            .unwrap_or_default();
        let fresh = Runtime::new(RuntimeOptions::default())?;
        let start = Instant::now();
        fresh.load(&spec)?;
        let compile = start.elapsed();
        let cached = Runtime::new(RuntimeOptions {
            cache_dir: Some(cache.clone()),
        })?;
        cached.load(&spec)?; // fills the cache
        let start = Instant::now();
        let plugin = cached.load(&spec)?;
        let cached_load = start.elapsed();
        let instantiate = per_iteration(100, || {
            drop(plugin.instantiate());
        });
        println!(
            "{crate_name:13} {:>5} KB: load+compile {compile:>10.2?}, cached load {cached_load:>9.2?}, instantiate {instantiate:>9.2?} ({:?})",
            size / 1024,
            plugin.cache_status()
        );
    }

    let runtime = Runtime::new(RuntimeOptions {
        cache_dir: Some(cache.clone()),
    })?;
    let mut filter = runtime
        .load(&spec(plugins[0].0, plugins[0].1))?
        .instantiate()?;
    let mut router = runtime
        .load(&spec(plugins[1].0, plugins[1].1))?
        .instantiate()?;
    let mut sam = runtime
        .load(&spec(plugins[2].0, plugins[2].1))?
        .instantiate()?;
    for members in [10usize, 50_000] {
        let group = Arc::new(CloudGroup {
            id: "02bd9fd6-8f93-4758-87c3-1fb73740a315".into(),
            display_name: Some("FIN-Payroll".into()),
            security_enabled: Some(true),
            members: (0..members)
                .map(|i| Member {
                    id: format!("{i:08}-0000-0000-0000-000000000000"),
                    kind: MemberKind::User,
                })
                .collect(),
            ..CloudGroup::default()
        });
        let mut proposal = DesiredGroup::default();
        let target = TargetCapabilities::default();
        let call = per_iteration(20_000, || {
            let _ = filter.filter(&group);
            let _ = router.naming(&group, &mut proposal, target);
            let _ = sam.naming(&group, &mut proposal, target);
        });
        println!("{members:>6} members: filter + 2 naming calls {call:.2?} per group");
    }
    let _ = std::fs::remove_dir_all(&cache);
    Ok(())
}
