//! Active Directory target over LDAPS: discovery, reads, reconcile, guards, apply and LDIF.

mod apply;
mod config;
mod directory;
mod discovery;
mod error;
pub mod escape;
pub mod guards;
mod index;
mod ldif;
mod plan;
mod probe;
mod read;
pub mod reconcile;
mod rights;
pub mod sid;

pub use apply::{ApplyReport, OperationReport, Outcome};
pub use config::{AdConfig, Secret};
pub use directory::{Directory, PAGE_SIZE};
pub use discovery::{Discovery, EXCHANGE_ATTRIBUTES, EXTERNAL_ID_ATTRIBUTE};
pub use error::AdError;
pub use guards::{GuardError, Guards};
pub use index::{AdObject, MemberIndex, Resolved};
pub use ldif::operation_to_ldif;
pub use plan::{Change, ChangeKind, Conflict, GroupAction, GroupReport, Operation, Plan, Removal};
pub use probe::Occupants;
pub use read::{AnchorSources, CurrentGroup, MEMBER_RANGE, object_id_from_anchor};
pub use reconcile::{Policy, ReconcileInput, RemovalAction, reconcile};
