//! Integration tests of the plugin runtime against real plugins built by
//! `scripts/build-plugins.sh`, one module per topic.

// A failing unwrap is a failing test, with the value in its message.
#![allow(clippy::unwrap_used)]

mod blocking;
mod cache;
mod determinism;
mod examples;
mod loading;
mod members;
mod misbehave;
mod support;
