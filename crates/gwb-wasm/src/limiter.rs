//! The memory and table limits of one plugin instance, remembering which limit was hit so a
//! fault can say so in words.

use wasmtime::ResourceLimiter;

/// Most table elements (function references) a plugin may have; Rust plugins use a few hundred.
const MAX_TABLE_ELEMENTS: usize = 100_000;
/// Most core instances, tables and memories a component may create; Rust plugins need a handful.
const MAX_INSTANCES: usize = 64;

/// Enforces [`crate::Limits::memory_bytes`] over the whole instance's linear memories.
pub(crate) struct Limiter {
    memory_bytes: usize,
    /// Set when a growth was refused: the size the plugin asked for.
    pub(crate) refused_memory: Option<usize>,
}

impl Limiter {
    /// A limiter allowing `memory_bytes` of linear memory per memory.
    pub(crate) fn new(memory_bytes: usize) -> Self {
        Self {
            memory_bytes,
            refused_memory: None,
        }
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_bytes {
            self.refused_memory = Some(desired);
            // An error (rather than Ok(false)) traps: a plugin that cannot grow memory would
            // only abort anyway, and a trap names the limit.
            wasmtime::bail!("memory limit of {} bytes reached", self.memory_bytes);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_INSTANCES
    }

    fn memories(&self) -> usize {
        MAX_INSTANCES
    }
}
