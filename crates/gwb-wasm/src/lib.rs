//! The sandboxed WebAssembly runtime that runs an organization's rule plugins.
