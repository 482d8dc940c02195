//! Microsoft Graph source: authentication, full and delta reads, throttling, state.
//!
//! [`Source`] reads one round (full or incremental) of groups, members and user anchors and
//! hands it over; the caller commits the round's [`Checkpoint`] only after it has used the
//! data, so a crash means reading again, never skipping changes. [`Source::read_groups_now`]
//! reads named groups now, for provisioning on demand, without using or changing the state.
//!
//! ```no_run
//! use gwb_graph::{Credential, GraphConfig, RoundOptions, SecretSource, Source, SourceOptions};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let secret = SecretSource::Env("GWB_CLIENT_SECRET".into()).load()?;
//! let config = GraphConfig::public("<tenant-id>", "<client-id>", Credential::Secret(secret));
//! let mut source = Source::open(config, "state/graph.json", SourceOptions::default())?;
//! let round = source.read_round(RoundOptions::default()).await?;
//! for group in &round.groups {
//!     println!("{} has {} members", group.label(), group.members.len());
//! }
//! // ... hand the groups, deletes and user anchors on; once that is safe:
//! source.commit(round.checkpoint).await?;
//! # Ok(())
//! # }
//! ```

mod assertion;
mod collect;
mod config;
mod error;
mod exchange_settings;
mod http;
mod retry;
mod source;
mod state;
mod summary;
pub mod wire;

pub use assertion::AssertionError;
pub use config::{
    ConfigError, Credential, GraphConfig, PUBLIC_AUTHORITY, PUBLIC_GRAPH, RetryPolicy,
    SignatureAlg, Timeouts,
};
pub use error::GraphError;
pub use gwb_model::{Secret, SecretError, SecretSource};
pub use http::{GraphClient, RequestStats};
pub use source::{
    Checkpoint, FullReason, Round, RoundOptions, RoundStats, Source, SourceError, SourceOptions,
};
pub use state::{
    StateBinding, StateError, create_state_dir, open_state_file, read_state_file,
    remove as remove_state, remove_state_file, write_state_file,
};
pub use summary::StateSummary;
