//! Integration tests of the Graph source: fixture conformance, and rounds against the emulator
//! (over http, and over TLS).
#![allow(clippy::unwrap_used)]

mod auth;
mod common;
mod conformance;
mod faults;
mod rounds;
mod state;
mod tls;
