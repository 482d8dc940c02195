//! `hot_path/<variant>/<members>`: one cloud group through the defaults and the three example
//! rules (group-filter, ou-router, sam-name) as native Rust, WebAssembly components written in
//! Rust (`wasm`), Python and JavaScript (`js`), and Lua;
//! `instantiate/{cold,cached}/<language>`: compiling or cache-loading a plugin and starting an
//! instance;
//! `recycle/<plugin>`: what one recycle costs, a fresh configured instance of a loaded plugin.

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use gwb_benches::recycle::MemberPool;
use gwb_benches::scenario::{CHAIN, OU_ROUTER};
use gwb_benches::wasm::Language;
use gwb_benches::{lua, native, scenario, wasm};
use gwb_model::Rule;
use gwb_rules::Outcome;
use gwb_wasm::Runtime;

/// Groups built ahead of each timed batch; the pool then holds this many member lists.
const BATCH: u64 = 16;

/// Unwraps a setup step (a component that was not built panics in `test_support`, saying what
/// to run).
fn setup<T>(result: Result<T, gwb_benches::BenchError>) -> T {
    result.unwrap_or_else(|e| panic!("{e}"))
}

fn rules(variant: &str, runtime: &Runtime) -> Vec<Box<dyn Rule>> {
    setup(match variant {
        "native" => native::chain(),
        "wasm" => wasm::chain(runtime, Language::Rust),
        "python" => wasm::chain(runtime, Language::Python),
        "js" => wasm::chain(runtime, Language::Js),
        "lua" => lua::chain(),
        other => panic!("unknown variant {other}"),
    })
}

fn hot_path(c: &mut Criterion) {
    // Compiled components are kept between bench runs (the Python and JavaScript ones take
    // 10-20 s each to compile); `instantiate/cold` measures compiling.
    let cache = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-cache");
    let runtime = setup(wasm::runtime(Some(cache)));
    let mut expected: Option<Outcome> = None;
    let mut bench = c.benchmark_group("hot_path");
    for (variant, members) in [
        ("native", 10),
        ("wasm", 10),
        ("python", 10),
        ("js", 10),
        ("lua", 10),
        ("native", 50_000),
        ("wasm", 50_000),
    ] {
        let mut pipeline = setup(scenario::pipeline(rules(variant, &runtime)));
        let pool = MemberPool::new(members);
        // Every variant must do the same work: compare its outcome with the native one.
        let check = pool.recycled(pipeline.transform(pool.group()));
        let Ok(outcome @ Outcome::Write { .. }) = check.result() else {
            panic!(
                "{variant}/{members}: expected a write, got {:?}",
                check.result()
            );
        };
        let mut outcome = outcome.clone();
        if let Outcome::Write { desired, .. } = &mut outcome {
            desired.members.clear();
        }
        match &expected {
            None => expected = Some(outcome),
            Some(want) => assert_eq!(&outcome, want, "{variant}/{members} differs from native"),
        }
        drop(check);
        bench.bench_function(BenchmarkId::new(variant, members), |b| {
            b.iter_batched(
                || pool.group(),
                |group| pool.recycled(pipeline.transform(black_box(group))),
                BatchSize::NumIterations(BATCH),
            )
        });
    }
    bench.finish();
}

/// Loading ou-router (the largest Rust example, with the regex engine) in each language and
/// starting an instance: compiled from scratch, or taken from the on-disk compile cache.
fn instantiate(c: &mut Criterion) {
    let cold = setup(wasm::runtime(None));
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("cannot make a cache dir: {e}"));
    let cached = setup(wasm::runtime(Some(cache.path().to_owned())));
    let mut bench = c.benchmark_group("instantiate");
    bench.sample_size(10);
    for language in Language::ALL {
        // Fill the cache, and fail early if the cache is not used.
        let first = setup(wasm::load(&cached, language, &OU_ROUTER));
        assert_eq!(first.cache_status(), &gwb_wasm::CacheStatus::Compiled);
        assert_eq!(
            setup(wasm::load(&cached, language, &OU_ROUTER)).cache_status(),
            &gwb_wasm::CacheStatus::Hit
        );
        for (id, runtime) in [("cold", &cold), ("cached", &cached)] {
            bench.bench_function(BenchmarkId::new(id, language.id()), |b| {
                b.iter_with_large_drop(|| {
                    let plugin = setup(wasm::load(runtime, language, &OU_ROUTER));
                    (setup(wasm::instantiate(&plugin)), plugin)
                })
            });
        }
    }
    bench.finish();
}

/// A recycle (gwb-wasm's `recycle_after_calls`, or memory running short) starts a fresh
/// instance from the loaded plugin and configures it: exactly what `Plugin::instantiate` does
/// once the instance `load` configured has been handed out.
fn recycle(c: &mut Criterion) {
    let runtime = setup(wasm::runtime(None));
    let mut bench = c.benchmark_group("recycle");
    for entry in &CHAIN {
        let plugin = setup(wasm::load(&runtime, Language::Rust, entry));
        // The first instance is the one load configured; every later one is started afresh.
        drop(setup(wasm::instantiate(&plugin)));
        bench.bench_function(entry.name, |b| {
            b.iter_with_large_drop(|| setup(wasm::instantiate(&plugin)))
        });
    }
    bench.finish();
}

criterion_group!(benches, hot_path, instantiate, recycle);
criterion_main!(benches);
