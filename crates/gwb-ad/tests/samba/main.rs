//! Integration tests of gwb-ad against a real Samba AD DC (see scripts/samba-dc.sh).

// The helpers of this test crate sit outside #[test] functions, where clippy.toml's
// allow-unwrap-in-tests does not reach; a failed unwrap here is a failed test all the same.
#![allow(clippy::unwrap_used)]

mod addresses;
mod common;
mod connection;
mod discovery;
mod ldif_vs_apply;
mod members;
mod ownership;
mod reads;
mod scope;
mod writeback;
