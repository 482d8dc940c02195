//! The rule pipeline: built-in defaults that reproduce Microsoft's documented writeback
//! behaviour, then an organization's rules (filter → naming → mapping), then validation of what
//! came out.
//!
//! This crate knows nothing about WebAssembly: rules are [`gwb_model::Rule`] trait objects, so
//! WASM plugins, native twins and test doubles run through exactly the same code.

pub mod config;
pub mod defaults;
pub mod pipeline;
pub mod privileges;
pub mod rights;
pub mod scope;
pub mod validate;

pub use config::{ConfigError, FaultPolicy, PluginEntry, RulesFile};
pub use defaults::{Defaults, NamingScheme, Proposal};
pub use pipeline::{Aborted, Outcome, Pipeline, PluginPrivileges, Rejection, Target};
pub use privileges::Privileges;
pub use scope::{Scope, ScopeKind};
