//! Criterion benchmarks of gwb's hot transform path: the same three example rules as native
//! Rust, as WebAssembly components and as Lua scripts, behind the same [`gwb_model::Rule`]
//! trait and [`gwb_rules::Pipeline`].

mod error;
pub mod lua;
pub mod native;
pub mod recycle;
pub mod scenario;
pub mod wasm;

pub use error::BenchError;
