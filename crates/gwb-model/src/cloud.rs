//! Cloud groups as Microsoft Graph describes them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A group in Microsoft Entra ID with the properties gwb reads (see docs/graph.md).
///
/// Field names follow Graph's; absent properties are `None` or empty. Members are the group's
/// direct members only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloudGroup {
    /// `id`: the object id, a GUID string.
    pub id: String,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `mail`: the primary SMTP address.
    pub mail: Option<String>,
    /// `mailNickname`.
    pub mail_nickname: Option<String>,
    /// `mailEnabled`.
    pub mail_enabled: Option<bool>,
    /// `securityEnabled`.
    pub security_enabled: Option<bool>,
    /// `groupTypes`, e.g. `Unified`, `DynamicMembership`.
    pub group_types: Vec<String>,
    /// `proxyAddresses` (`SMTP:` primary, `smtp:` secondary).
    pub proxy_addresses: Vec<String>,
    /// `visibility`.
    pub visibility: Option<String>,
    /// `allowExternalSenders`: whether people outside the organization may mail the group.
    /// Graph returns it only from the single-group GET (`GET /groups/{id}?$select=...`), never
    /// in delta, so it is `None` unless gwb read it for this group (Microsoft 365 groups only).
    pub allow_external_senders: Option<bool>,
    /// `hideFromAddressLists`: the group is hidden from the address book and address lists.
    /// Read like `allow_external_senders`.
    pub hide_from_address_lists: Option<bool>,
    /// `onPremisesSyncEnabled`: true synced now, false was synced, `None` never synced.
    pub on_premises_sync_enabled: Option<bool>,
    /// `onPremisesSecurityIdentifier`.
    pub on_premises_security_identifier: Option<String>,
    /// `onPremisesSamAccountName`.
    pub on_premises_sam_account_name: Option<String>,
    /// `securityIdentifier` (the cloud SID).
    pub security_identifier: Option<String>,
    /// `createdDateTime`, ISO 8601 text.
    pub created_date_time: Option<String>,
    /// `deletedDateTime`, ISO 8601 text.
    pub deleted_date_time: Option<String>,
    /// Graph beta `writebackConfiguration`, when it was read.
    pub writeback: Option<WritebackConfiguration>,
    /// `onPremisesExtensionAttributes`, only the set ones, keyed `extensionAttribute<N>`.
    pub extension_attributes: BTreeMap<String, String>,
    /// Directory extension attributes (`extension_<appid>_<name>`), values as text.
    pub directory_extensions: BTreeMap<String, String>,
    /// Direct members.
    pub members: Vec<Member>,
}

/// Graph beta `groupWritebackConfiguration`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WritebackConfiguration {
    /// `isEnabled`; `None` means Microsoft's default for the group kind.
    pub is_enabled: Option<bool>,
    /// `onPremisesGroupType`, e.g. `universalSecurityGroup`.
    pub on_premises_group_type: Option<String>,
}

/// One direct member of a cloud group.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Member {
    /// The member's object id.
    pub id: String,
    /// What kind of object it is.
    pub kind: MemberKind,
}

/// The kind of a member, from Graph's `@odata.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum MemberKind {
    /// `#microsoft.graph.user`
    User,
    /// `#microsoft.graph.group`
    Group,
    /// `#microsoft.graph.device`
    Device,
    /// `#microsoft.graph.orgContact`
    OrgContact,
    /// `#microsoft.graph.servicePrincipal`
    ServicePrincipal,
    /// Anything else, or no type given.
    Other,
}

impl MemberKind {
    /// Maps Graph's `@odata.type` (e.g. `#microsoft.graph.user`) to a kind.
    pub fn from_odata_type(odata_type: Option<&str>) -> Self {
        match odata_type.map(|t| t.trim_start_matches('#')) {
            Some("microsoft.graph.user") => Self::User,
            Some("microsoft.graph.group") => Self::Group,
            Some("microsoft.graph.device") => Self::Device,
            Some("microsoft.graph.orgContact") => Self::OrgContact,
            Some("microsoft.graph.servicePrincipal") => Self::ServicePrincipal,
            _ => Self::Other,
        }
    }
}

/// What kind of cloud group this is, as docs/domain.md distinguishes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupKind {
    /// A Microsoft 365 group (`groupTypes` contains `Unified`).
    Microsoft365,
    /// A security group that is not mail-enabled.
    Security,
    /// A mail-enabled security group.
    MailEnabledSecurity,
    /// A distribution list (mail-enabled, not security, not Unified): Exchange Online only.
    Distribution,
}

impl CloudGroup {
    /// Whether `groupTypes` contains `Unified` (ASCII case ignored): a Microsoft 365 group.
    pub fn is_unified(&self) -> bool {
        self.group_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case("Unified"))
    }

    /// Classifies the group from `groupTypes`, `mailEnabled` and `securityEnabled`.
    pub fn kind(&self) -> GroupKind {
        if self.is_unified() {
            GroupKind::Microsoft365
        } else if self.security_enabled == Some(true) {
            if self.mail_enabled == Some(true) {
                GroupKind::MailEnabledSecurity
            } else {
                GroupKind::Security
            }
        } else {
            GroupKind::Distribution
        }
    }

    /// The on-premises SID of a group synced from AD (`onPremisesSyncEnabled == true`), the
    /// one identity sync writes and the cloud cannot; `None` for any other group, whatever
    /// SID it claims.
    pub fn synced_sid(&self) -> Option<&str> {
        if self.on_premises_sync_enabled == Some(true) {
            self.on_premises_security_identifier.as_deref()
        } else {
            None
        }
    }

    /// A short label for messages: `"<displayName>" (<id>)`.
    pub fn label(&self) -> String {
        match &self.display_name {
            Some(name) => format!("\"{name}\" ({})", self.id),
            None => format!("({})", self.id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_group_types_and_flags() {
        let m365 = CloudGroup {
            group_types: vec!["Unified".into()],
            mail_enabled: Some(true),
            security_enabled: Some(false),
            ..Default::default()
        };
        assert_eq!(m365.kind(), GroupKind::Microsoft365);
        let sec = CloudGroup {
            security_enabled: Some(true),
            mail_enabled: Some(false),
            ..Default::default()
        };
        assert_eq!(sec.kind(), GroupKind::Security);
        let mesg = CloudGroup {
            security_enabled: Some(true),
            mail_enabled: Some(true),
            ..Default::default()
        };
        assert_eq!(mesg.kind(), GroupKind::MailEnabledSecurity);
        let dl = CloudGroup {
            security_enabled: Some(false),
            mail_enabled: Some(true),
            ..Default::default()
        };
        assert_eq!(dl.kind(), GroupKind::Distribution);
    }

    #[test]
    fn member_kinds_from_odata_type() {
        assert_eq!(
            MemberKind::from_odata_type(Some("#microsoft.graph.user")),
            MemberKind::User
        );
        assert_eq!(
            MemberKind::from_odata_type(Some("#microsoft.graph.group")),
            MemberKind::Group
        );
        assert_eq!(MemberKind::from_odata_type(None), MemberKind::Other);
    }
}
