//! Integration tests of the plugin runtime against real plugins built by
//! `scripts/build-plugins.sh`, one module per topic.

// The helpers of this test crate sit outside #[test] functions, where clippy.toml's
// allow-unwrap-in-tests does not reach; a failed unwrap here is a failed test all the same.
#![allow(clippy::unwrap_used)]

mod blocking;
mod cache;
mod contract;
mod determinism;
mod examples;
mod facts;
mod loading;
mod members;
mod misbehave;
mod recycle;
mod support;
