//! The data that flows through gwb: cloud groups read from Graph, and the AD groups the rules
//! propose for them.
//!
//! These types are shared by the Graph source, the rule pipeline (built-in defaults and WASM
//! plugins) and the AD target, so each of those can be built and tested on its own.

mod attributes;
pub mod clock;
mod cloud;
mod desired;
pub mod dn;
pub mod limits;
pub mod ownership;
pub mod printable;
mod rule;
mod schema;
mod secret;
pub mod shell;
mod user;
pub mod well_known;

pub use attributes::Attributes;
pub use cloud::{CloudGroup, GroupKind, Member, MemberKind, WritebackConfiguration};
pub use desired::{
    ANCHOR_PREFIX, AttributeEdit, DesiredGroup, FilterDecision, Naming, TargetCapabilities,
    anchor_for, object_id_from_anchor,
};
pub use dn::escape_dn_value;
pub use rule::{Rule, Stage, StageError, Stages};
pub use schema::AttributeNames;
pub use secret::{ENV_NAME_RULE, MAX_ENV_NAME, Secret, SecretError, SecretSource, is_env_name};
pub use user::{CloudDelete, UserAnchor};
