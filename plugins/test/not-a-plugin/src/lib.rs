//! not-a-plugin: a valid WebAssembly component that exports nothing gwb needs.

/// Adds two numbers; exported as a plain core function, not through the plugin contract.
#[unsafe(no_mangle)]
pub extern "C" fn add(a: i32, b: i32) -> i32 {
    a.wrapping_add(b)
}
