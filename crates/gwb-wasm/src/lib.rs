//! The sandboxed WebAssembly runtime that runs an organization's rule plugins.
//!
//! One [`Runtime`] per process holds the wasmtime engine and the linker. [`Runtime::load`]
//! reads, pins, compiles (through an on-disk cache) and pre-instantiates a plugin, giving a
//! cheap, cloneable [`Plugin`]. Each worker thread calls [`Plugin::instantiate`] once and drives
//! the [`PluginInstance`] through the [`gwb_model::Rule`] trait, group after group. A trap or a
//! limit hit becomes [`gwb_model::StageError::Fault`] naming the plugin, stage, group and cause;
//! the instance rebuilds itself so the next group runs normally. Between groups an instance
//! that served [`Limits::recycle_after_calls`] calls or used up half its memory room is
//! recycled (replaced by a fresh one; [`Plugin::recycles`] counts them), so what a plugin
//! leaks cannot fail a later group.
//!
//! ```no_run
//! use std::time::Duration;
//! use gwb_wasm::{Limits, PluginSpec, Runtime, RuntimeOptions};
//!
//! let runtime = Runtime::new(RuntimeOptions { cache_dir: Some(".gwb-cache".into()) })?;
//! let plugin = runtime.load(&PluginSpec {
//!     name: "ou-router".into(),
//!     path: "plugins/target/wasm32-wasip2/release/ou_router.wasm".into(),
//!     config_json: r#"{"default_ou": "OU=Groups,DC=contoso,DC=com"}"#.into(),
//!     limits: Limits { time: Some(Duration::from_millis(50)), ..Limits::default() },
//!     sha256_pin: None,
//! })?;
//! let mut instance = plugin.instantiate()?; // one per worker thread
//! # Ok::<(), gwb_wasm::WasmError>(())
//! ```

mod bindings;
mod cache;
mod cap;
mod contract;
mod error;
mod exports;
mod fault;
mod host;
mod instance;
mod limiter;
mod log_budget;
mod no_wait;
mod plugin;
mod runtime;
mod sandbox;

pub use cache::CacheStatus;
pub use cap::MAX_PLUGIN_TEXT_BYTES;
pub use error::WasmError;
pub use instance::{CallStats, PluginInstance};
pub use log_budget::{LOG_BYTES_PER_RUN, LOG_LINES_PER_RUN};
pub use plugin::{Limits, Plugin, PluginInfo, PluginSpec};
pub use runtime::{Runtime, RuntimeOptions};
pub use sandbox::{FIXED_WALL_CLOCK, RANDOM_SEED};

#[cfg(test)]
mod tests {
    /// Plugins are shared between worker threads; instances move to one.
    #[test]
    fn plugins_are_shareable_and_instances_sendable() {
        fn shareable<T: Send + Sync + Clone>() {}
        fn sendable<T: Send>() {}
        shareable::<crate::Plugin>();
        shareable::<crate::Runtime>();
        sendable::<crate::PluginInstance>();
    }
}
