//! `hot_path/<variant>/<members>`: one cloud group through the defaults and the three example
//! rules (group-filter, ou-router, sam-name) as native Rust, WebAssembly components and Lua;
//! `instantiate/{cold,cached}`: compiling or cache-loading a plugin and starting an instance.

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use gwb_benches::recycle::MemberPool;
use gwb_benches::{lua, native, scenario};
use gwb_model::Rule;
use gwb_rules::Outcome;

/// Groups built ahead of each timed batch; the pool then holds this many member lists.
const BATCH: u64 = 16;

fn rules(variant: &str) -> Vec<Box<dyn Rule>> {
    let chain = match variant {
        "native" => native::chain(),
        "lua" => lua::chain(),
        other => panic!("unknown variant {other}"),
    };
    chain.unwrap_or_else(|e| panic!("{e}"))
}

fn hot_path(c: &mut Criterion) {
    let mut expected: Option<Outcome> = None;
    let mut bench = c.benchmark_group("hot_path");
    for (variant, members) in [("native", 10), ("lua", 10), ("native", 50_000)] {
        let mut pipeline = scenario::pipeline(rules(variant)).unwrap_or_else(|e| panic!("{e}"));
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

criterion_group!(benches, hot_path);
criterion_main!(benches);
