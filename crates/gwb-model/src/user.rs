//! On-premises anchors of cloud users, used to find a member's AD object.

use serde::{Deserialize, Serialize};

/// What Graph says about where a user came from on-premises (docs/graph.md, `/users/delta`).
///
/// Only users synced from AD (`onPremisesSyncEnabled = true`) are written as members; a
/// cloud-only user is skipped as a member (and counted in reports) whatever else it carries:
/// an Entra admin can set `onPremisesImmutableId` on a cloud-only user to any value.
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

impl UserAnchor {
    /// Whether Graph says the user is synced from AD (`onPremisesSyncEnabled == true`).
    pub fn is_synced(&self) -> bool {
        self.on_premises_sync_enabled == Some(true)
    }

    /// What finds the user's AD object, in the order gwb tries it: the SID, the immutable id,
    /// and only when both are absent the DN (a DN alone goes stale when the user moves in AD,
    /// and AD follows such moves in group memberships by itself). None at all for a user that
    /// is not [synced](Self::is_synced). When these change, the user may become (or stop
    /// being) a member gwb can write.
    pub fn ad_lookup_keys(&self) -> (Option<&str>, Option<&str>, Option<&str>) {
        if !self.is_synced() {
            return (None, None, None);
        }
        let sid = self.on_premises_security_identifier.as_deref();
        let immutable = self.on_premises_immutable_id.as_deref();
        let dn = (sid.is_none() && immutable.is_none())
            .then_some(self.on_premises_distinguished_name.as_deref())
            .flatten();
        (sid, immutable, dn)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dn_is_a_lookup_key_only_without_sid_and_immutable_id() {
        let mut user = UserAnchor {
            on_premises_distinguished_name: Some("CN=u,DC=x".into()),
            on_premises_sync_enabled: Some(true),
            ..UserAnchor::default()
        };
        assert_eq!(user.ad_lookup_keys(), (None, None, Some("CN=u,DC=x")));
        user.on_premises_security_identifier = Some("S-1-5-21-1".into());
        assert_eq!(user.ad_lookup_keys(), (Some("S-1-5-21-1"), None, None));
        user.on_premises_distinguished_name = Some("CN=u,OU=Moved,DC=x".into());
        assert_eq!(
            user.ad_lookup_keys(),
            (Some("S-1-5-21-1"), None, None),
            "a move changes nothing"
        );
    }

    #[test]
    fn a_user_that_is_not_synced_has_no_lookup_keys() {
        for sync in [None, Some(false)] {
            let user = UserAnchor {
                on_premises_security_identifier: Some("S-1-5-21-1".into()),
                on_premises_immutable_id: Some("AAAAAAAAAAAAAAAAAAAAAA==".into()),
                on_premises_distinguished_name: Some("CN=u,DC=x".into()),
                on_premises_sync_enabled: sync,
                ..UserAnchor::default()
            };
            assert!(!user.is_synced());
            assert_eq!(user.ad_lookup_keys(), (None, None, None), "{sync:?}");
        }
    }
}
