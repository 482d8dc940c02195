//! End-to-end tests of `gwb sync` and `gwb plan`: the Graph emulator, the real rules pipeline
//! with WASM plugins, and a real Samba AD DC. One binary, one module per topic.

mod common;

mod attacks;
mod canonical_dn;
mod changes;
mod check;
mod crash;
mod delegation;
mod disable;
mod exchange;
mod first_sync;
mod foreign;
mod group_kinds;
mod guard;
mod init;
mod lock;
mod on_demand;
mod plugin_chain;
mod plugin_new;
mod poison;
mod proxy_addresses;
mod scope;
mod state_binding;
