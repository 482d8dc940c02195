//! The memory and table limits of one plugin instance, remembering which limit was hit so a
//! fault can say so in words.
//!
//! The limit is per instance, not per memory: every linear memory and every table the
//! component creates counts against the one [`crate::Limits::memory_bytes`], so a component
//! that declares many memories gets no more than one that declares one. How many memories,
//! tables and core instances it may create at all is capped at small numbers: a Rust plugin
//! has one memory, a few tables and a handful of core instances.

use wasmtime::ResourceLimiter;

/// What one table element costs against the memory limit: wasmtime stores a pointer per element.
const TABLE_ELEMENT_BYTES: usize = std::mem::size_of::<usize>();
/// Most core instances a component may create.
pub(crate) const MAX_INSTANCES: usize = 16;
/// Most tables a component may create.
pub(crate) const MAX_TABLES: usize = 8;
/// Most linear memories a component may create.
pub(crate) const MAX_MEMORIES: usize = 2;

/// Enforces [`crate::Limits::memory_bytes`] over the sum of the instance's memories and tables.
pub(crate) struct Limiter {
    memory_bytes: usize,
    /// Bytes the instance's memories and tables hold now.
    in_use: usize,
    /// Set when a growth was refused: the total the plugin would have reached.
    pub(crate) refused_memory: Option<usize>,
}

impl Limiter {
    /// A limiter allowing `memory_bytes` in all memories and tables of one instance together.
    pub(crate) fn new(memory_bytes: usize) -> Self {
        Self {
            memory_bytes,
            in_use: 0,
            refused_memory: None,
        }
    }

    /// Bytes the instance's memories and tables hold now (memories never shrink).
    pub(crate) fn in_use(&self) -> usize {
        self.in_use
    }

    /// Accounts a growth from `current` to `desired` bytes, or refuses it (a trap naming the
    /// limit) when the instance's total would pass the limit.
    fn grow(&mut self, current: usize, desired: usize) -> wasmtime::Result<bool> {
        let total = self.in_use.saturating_sub(current).saturating_add(desired);
        if total > self.memory_bytes {
            self.refused_memory = Some(total);
            // An error (rather than Ok(false)) traps: a plugin that cannot grow memory would
            // only abort anyway, and a trap names the limit.
            wasmtime::bail!(
                "memory limit of {} bytes reached (memories and tables together)",
                self.memory_bytes
            );
        }
        self.in_use = total;
        Ok(true)
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.grow(current, desired)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.grow(
            current.saturating_mul(TABLE_ELEMENT_BYTES),
            desired.saturating_mul(TABLE_ELEMENT_BYTES),
        )
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }
}

#[cfg(test)]
mod tests {
    use wasmtime::{Engine, Instance, Module, Store};

    use super::*;

    /// A WebAssembly page: memories are sized in pages of 64 KiB.
    const PAGE: usize = 64 << 10;

    /// A store whose only limiter is a real [`Limiter`] of `mib` MiB, as plugins get.
    fn store(engine: &Engine, mib: usize) -> Store<Limiter> {
        let mut store = Store::new(engine, Limiter::new(mib << 20));
        store.limiter(|limiter| limiter);
        store
    }

    /// Instantiates the module `wat` in a fresh store limited to `mib` MiB: the error message
    /// and the total the limiter refused, or `Ok` and `None`.
    fn instantiate(wat: &str, mib: usize) -> (Result<(), String>, Option<usize>) {
        let engine = Engine::default();
        let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
        let mut store = store(&engine, mib);
        let result = Instance::new(&mut store, &module, &[])
            .map(drop)
            .map_err(|e| format!("{e:#}"));
        (result, store.data().refused_memory)
    }

    /// `n` memories of `pages` pages each.
    fn memories(n: usize, pages: usize) -> String {
        format!(
            "(module {})",
            "(memory $pages) "
                .replace("$pages", &pages.to_string())
                .repeat(n)
        )
    }

    const LIMIT_REACHED: &str =
        "memory limit of 16777216 bytes reached (memories and tables together)";

    #[test]
    fn memories_and_tables_share_one_limit() {
        let mut limiter = Limiter::new(10 << 20);
        assert!(limiter.memory_growing(0, 6 << 20, None).unwrap());
        // A second memory of 6 MiB would make 12 MiB: refused, though each is under 10.
        assert!(limiter.memory_growing(0, 6 << 20, None).is_err());
        assert_eq!(limiter.refused_memory, Some(12 << 20));
        // Growing the first memory counts only the difference.
        assert!(limiter.memory_growing(6 << 20, 8 << 20, None).unwrap());
        // Tables count a pointer per element: 2 MiB of elements passes the limit now.
        let elements = (2 << 20) / TABLE_ELEMENT_BYTES + 1;
        assert!(limiter.table_growing(0, elements, None).is_err());
        assert!(limiter.table_growing(0, 1000, None).unwrap());
    }

    #[test]
    fn a_module_with_more_memories_than_the_cap_is_refused() {
        assert_eq!(instantiate(&memories(MAX_MEMORIES, 0), 16), (Ok(()), None));
        let (result, refused) = instantiate(&memories(MAX_MEMORIES + 1, 0), 16);
        assert_eq!(
            result,
            Err("resource limit exceeded: memory count too high at 3".to_owned())
        );
        assert_eq!(refused, None, "the count, not the size, refused it");
    }

    #[test]
    fn two_memories_share_one_limit_and_the_second_is_refused() {
        let nine_mib = (9 << 20) / PAGE;
        assert_eq!(instantiate(&memories(1, nine_mib), 16), (Ok(()), None));
        assert_eq!(
            instantiate(&memories(2, nine_mib), 16),
            (Err(LIMIT_REACHED.to_owned()), Some(18 << 20)),
            "9 MiB each is under 16 MiB, 18 MiB together is not"
        );
    }

    #[test]
    fn a_huge_table_counts_against_the_memory_limit() {
        // 4 Mi elements of a pointer each: 32 MiB.
        assert_eq!(
            instantiate("(module (table 4194304 funcref))", 16),
            (Err(LIMIT_REACHED.to_owned()), Some(32 << 20))
        );
        // 1 Mi elements (8 MiB) pass alone, and with 9 MiB of memory make 17 MiB.
        assert_eq!(
            instantiate("(module (table 1048576 funcref))", 16),
            (Ok(()), None)
        );
        assert_eq!(
            instantiate(
                &format!(
                    "(module (memory {}) (table 1048576 funcref))",
                    (9 << 20) / PAGE
                ),
                16
            ),
            (Err(LIMIT_REACHED.to_owned()), Some(17 << 20))
        );
    }

    #[test]
    fn more_tables_than_the_cap_are_refused() {
        let tables = |n: usize| format!("(module {})", "(table 0 funcref) ".repeat(n));
        assert_eq!(instantiate(&tables(MAX_TABLES), 16), (Ok(()), None));
        assert_eq!(
            instantiate(&tables(MAX_TABLES + 1), 16).0,
            Err("resource limit exceeded: table count too high at 9".to_owned())
        );
    }

    #[test]
    fn more_instances_than_the_cap_are_refused() {
        let engine = Engine::default();
        let module = Module::new(&engine, wat::parse_str("(module)").unwrap()).unwrap();
        let mut store = store(&engine, 16);
        for _ in 0..MAX_INSTANCES {
            Instance::new(&mut store, &module, &[]).unwrap();
        }
        let error = Instance::new(&mut store, &module, &[])
            .map(drop)
            .unwrap_err();
        assert_eq!(
            format!("{error:#}"),
            "resource limit exceeded: instance count too high at 17"
        );
    }
}
