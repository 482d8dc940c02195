//! gwb: writes cloud groups from Microsoft Entra ID back into Active Directory, with an
//! organization's own rules running as sandboxed WebAssembly plugins.
//!
//! The library holds each subcommand's logic so integration tests can drive it; `main.rs`
//! only parses arguments and maps results to exit codes.

pub mod check;
pub mod cli;
pub mod delegation;
pub mod disable;
pub mod exit;
pub mod fingerprint;
pub mod init;
pub mod lock;
pub mod logging;
pub mod on_demand;
pub mod plugin_new;
pub mod plugins;
pub mod progress;
pub mod report;
pub mod rules_test;
pub mod run;
pub mod settings;
pub mod state;
pub mod transform;
pub mod writeback_off;
