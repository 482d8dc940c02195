//! Integration tests of gwb-ad against a real Samba AD DC (see scripts/samba-dc.sh).

mod common;
mod connection;
mod discovery;
mod ldif_vs_apply;
mod reads;
mod writeback;
