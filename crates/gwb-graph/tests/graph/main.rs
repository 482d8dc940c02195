//! Integration tests of the Graph source: fixture conformance, and rounds against the emulator
//! (over http, and over TLS).

// The helpers of this test crate sit outside #[test] functions, where clippy.toml's
// allow-unwrap-in-tests does not reach; a failed unwrap here is a failed test all the same.
#![allow(clippy::unwrap_used)]

mod auth;
mod common;
mod conformance;
mod exchange_settings;
mod faults;
mod hostile;
mod on_demand;
mod rounds;
mod state;
mod synced_groups;
mod tls;
