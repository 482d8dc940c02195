//! Active Directory target over LDAPS: discovery, reads, reconcile, guards, apply and LDIF.
//!
//! One run, in order:
//! 1. [`Directory::connect`] with an [`AdConfig`] (LDAPS or StartTLS; plaintext refused).
//! 2. [`Directory::discover`]: rootDSE and schema → [`Discovery::capabilities`] and
//!    [`Discovery::attribute_names`] for the rules.
//! 3. [`Directory::read_owned`] (paged, ranged `member`), [`Directory::member_index`] (batched
//!    lookups of the members' AD objects), [`Directory::probe`] (who holds the names) and
//!    [`Directory::address_holders`] (who in the forest holds the addresses).
//! 4. [`reconcile()`] → [`Plan`] (pure), then [`guards::check`] before any write.
//! 5. [`Plan::to_ldif`] for a dry run, or [`Directory::apply`] → [`ApplyReport`].

pub mod addresses;
mod apply;
mod config;
pub mod delegation;
mod directory;
pub mod disable;
mod discovery;
mod error;
pub mod escape;
mod forest;
pub mod guards;
mod ldif;
mod member_index;
mod owner;
mod plan;
mod probe;
mod read;
pub mod reconcile;
mod rights;
mod scope;
pub mod security;
pub mod sid;
pub mod written_record;

pub use apply::{ApplyReport, OperationReport, Outcome};
pub use config::AdConfig;
pub use directory::{Directory, PAGE_SIZE};
pub use discovery::{Discovery, EXCHANGE_ATTRIBUTES, EXTERNAL_ID_ATTRIBUTE};
pub use error::AdError;
pub use forest::AddressHolders;
pub use guards::{GuardError, Guards};
pub use gwb_model::Secret;
pub use ldif::operation_to_ldif;
pub use member_index::{AdObject, MemberIndex, ObjectKind, Resolved, SkipReason};
pub use owner::{OWNER_ATTRIBUTE, Owner, OwnerMark};
pub use plan::{
    Change, ChangeKind, Conflict, GroupAction, GroupReport, Operation, Plan, Removal, SkippedMember,
};
pub use probe::Occupants;
pub use read::{AnchorSources, CurrentGroup, MEMBER_RANGE};
pub use reconcile::{Policy, ReconcileInput, RemovalAction, reconcile};
pub use rights::Account;
pub use scope::{ProtectedNesting, SystemObjects, UnsafeOu, UnsafeScope};
