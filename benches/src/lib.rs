//! Criterion benchmarks of gwb (see benches/).
