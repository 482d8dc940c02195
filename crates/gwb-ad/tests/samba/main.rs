//! Integration tests of gwb-ad against a real Samba AD DC (see scripts/samba-dc.sh).

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod common;
mod connection;
mod discovery;
mod ldif_vs_apply;
mod reads;
mod writeback;
