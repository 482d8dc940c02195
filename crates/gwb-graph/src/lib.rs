//! Microsoft Graph source: authentication, full and delta reads, throttling, state.
//!
//! [`Source`] reads one round (full or incremental) of groups, members and user anchors and
//! hands it over; the caller commits the round's [`Checkpoint`] only after it has used the
//! data, so a crash means reading again, never skipping changes.

mod assertion;
mod collect;
mod config;
mod error;
mod http;
mod retry;
mod secret;
mod source;
mod state;
pub mod wire;

pub use assertion::AssertionError;
pub use config::{
    ConfigError, Credential, GraphConfig, PUBLIC_AUTHORITY, PUBLIC_GRAPH, RetryPolicy,
    SignatureAlg, Timeouts,
};
pub use error::GraphError;
pub use http::{GraphClient, RequestStats};
pub use secret::{Secret, SecretError, SecretSource};
pub use source::{
    Checkpoint, FullReason, Round, RoundOptions, RoundStats, Source, SourceError, SourceOptions,
};
pub use state::StateError;
