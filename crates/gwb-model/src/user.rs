//! On-premises anchors of cloud users, used to find a member's AD object.

use serde::{Deserialize, Serialize};

/// What Graph says about where a user came from on-premises (GRAPH.md, `/users/delta`).
///
/// Only users synced from AD carry these; a cloud-only user has none and is skipped as a
/// member (and counted in reports).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserAnchor {
    /// The user's Entra object id.
    pub id: String,
    /// `userPrincipalName`, for messages.
    pub user_principal_name: Option<String>,
    /// `onPremisesSecurityIdentifier`: the AD objectSid as `S-1-5-...` text.
    pub on_premises_security_identifier: Option<String>,
    /// `onPremisesImmutableId`: base64 of the AD objectGUID or ms-DS-ConsistencyGuid.
    pub on_premises_immutable_id: Option<String>,
    /// `onPremisesDistinguishedName` (may be stale after a move in AD).
    pub on_premises_distinguished_name: Option<String>,
    /// `onPremisesSamAccountName`.
    pub on_premises_sam_account_name: Option<String>,
    /// `onPremisesSyncEnabled`.
    pub on_premises_sync_enabled: Option<bool>,
}

/// A group that Graph reports as removed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CloudDelete {
    /// The group's object id.
    pub id: String,
    /// `true` for `@removed.reason = "deleted"` (gone for good), `false` for `"changed"`
    /// (soft-deleted, restorable for 30 days).
    pub hard: bool,
}
