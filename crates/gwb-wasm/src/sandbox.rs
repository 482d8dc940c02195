//! The WASI context a plugin sees: no files, environment, arguments, network or stdio, a clock
//! that never moves and seeded randomness, so the same input always gives the same output.

use std::time::Duration;

use wasmtime_wasi::{Deterministic, HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxBuilder};

/// The wall-clock time every plugin reads: 2024-01-01T00:00:00Z, as time since the Unix epoch.
pub const FIXED_WALL_CLOCK: Duration = Duration::from_secs(1_704_067_200);

/// The seed of the byte stream plugins get from `wasi:random` (secure and insecure alike).
/// Plugins must not rely on randomness for secrecy: it is deterministic by design.
pub const RANDOM_SEED: u64 = 0x6777_625f_7275_6c65; // "gwb_rule"

/// The length of the repeating random byte stream.
const RANDOM_BYTES: usize = 4096;

/// A wall clock stopped at [`FIXED_WALL_CLOCK`].
struct FixedWallClock;

impl HostWallClock for FixedWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(1)
    }
    fn now(&self) -> Duration {
        FIXED_WALL_CLOCK
    }
}

/// A monotonic clock that never advances, so measured durations are always zero.
struct FixedMonotonicClock;

impl HostMonotonicClock for FixedMonotonicClock {
    fn resolution(&self) -> u64 {
        1
    }
    fn now(&self) -> u64 {
        0
    }
}

/// The locked-down context for one plugin instance.
pub(crate) fn wasi_ctx() -> WasiCtx {
    let mut builder = WasiCtxBuilder::new();
    // WasiCtxBuilder::new() already has no preopens, env, args, or sockets and discards stdio;
    // the explicit calls document it and keep it so if defaults ever change.
    builder
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .socket_addr_check(|_, _| Box::pin(async { false }))
        .wall_clock(FixedWallClock)
        .monotonic_clock(FixedMonotonicClock)
        .secure_random(Deterministic::new(random_bytes()))
        .insecure_random(Deterministic::new(random_bytes()))
        .insecure_random_seed(u128::from(RANDOM_SEED))
        .max_random_size(1 << 20);
    builder.build()
}

/// The repeating byte stream behind `wasi:random`: splitmix64 from [`RANDOM_SEED`].
pub(crate) fn random_bytes() -> Vec<u8> {
    let mut state = RANDOM_SEED;
    let mut bytes = Vec::with_capacity(RANDOM_BYTES);
    while bytes.len() < RANDOM_BYTES {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        bytes.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    bytes
}
