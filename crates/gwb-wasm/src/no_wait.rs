//! Nothing a plugin calls may block. The one way WASI lets a sandboxed plugin wait — a timer
//! from `wasi:clocks/monotonic-clock` (`subscribe-duration`, `subscribe-instant`; behind
//! `std::thread::sleep` and any poll with a timeout) — would sleep in real time inside a host
//! call, where neither epoch interruption nor fuel can stop it. Those two functions are
//! replaced here: a timer of zero (a non-blocking poll) is ready at once, any other traps with
//! [`WaitRefused`]. Every other import already returns at once in gwb's WASI context (no files,
//! sockets or name lookups; stdin is empty, stdout and stderr discard), so a call's time is
//! always guest code, which the time budget or fuel stops.

use wasmtime::component::{Linker, Resource};
use wasmtime_wasi::p2::{DynPollable, Pollable, subscribe};

use crate::host::StoreData;

/// The WASI interface whose waits are replaced, at the version wasmtime-wasi links: plugins
/// importing any 0.2.x version resolve to it.
const MONOTONIC_CLOCK: &str = "wasi:clocks/monotonic-clock@0.2.12";

/// A plugin asked to wait: the trap that ends its call.
#[derive(Debug, thiserror::Error)]
#[error(
    "tried to wait {nanos} ns ({function}: a sleep, or a poll with a timer); plugins may not \
     block, so the call was stopped at once"
)]
pub(crate) struct WaitRefused {
    /// The WASI function called.
    pub(crate) function: &'static str,
    /// How long it asked to wait (for `subscribe-instant`, measured from the fixed clock's 0).
    pub(crate) nanos: u64,
}

/// A pollable that is always ready: what a zero timer becomes.
struct Ready;

#[wasmtime_wasi::async_trait]
impl Pollable for Ready {
    async fn ready(&mut self) {}
}

/// A ready pollable for a zero wait, a trap for any other.
fn timer(
    data: &mut StoreData,
    function: &'static str,
    nanos: u64,
) -> wasmtime::Result<(Resource<DynPollable>,)> {
    if nanos > 0 {
        return Err(WaitRefused { function, nanos }.into());
    }
    let table = data.table();
    let ready = table.push(Ready)?;
    Ok((subscribe(table, ready)?,))
}

/// Replaces the monotonic clock's `subscribe-duration` and `subscribe-instant` in `linker`
/// (which must already hold wasmtime-wasi's definitions) with [`timer`].
pub(crate) fn forbid_waits(linker: &mut Linker<StoreData>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    let mut clock = linker.instance(MONOTONIC_CLOCK)?;
    clock.func_wrap("subscribe-duration", |mut store, (nanos,): (u64,)| {
        timer(store.data_mut(), "subscribe-duration", nanos)
    })?;
    // The plugins' monotonic clock always reads 0, so an instant is a duration from now.
    clock.func_wrap("subscribe-instant", |mut store, (instant,): (u64,)| {
        timer(store.data_mut(), "subscribe-instant", instant)
    })?;
    linker.allow_shadowing(false);
    Ok(())
}
