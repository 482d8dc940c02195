//! The built-in defaults: what Microsoft's products write back for a cloud group (docs/domain.md),
//! so that an organization with no plugin gets what Entra Connect or Cloud Sync would write.

use gwb_model::{CloudGroup, DesiredGroup, GroupKind, TargetCapabilities, anchor_for};
use serde::{Deserialize, Serialize};

mod exchange;

use exchange::Recipient;
pub use exchange::{
    DISPLAY_TYPE_DISTRIBUTION_GROUP, DISPLAY_TYPE_SECURITY_DISTRIBUTION_GROUP,
    REMOTE_GROUP_MAILBOX, ROUTING_DOMAIN_SUFFIX,
};

/// `groupType` of a universal distribution group (MS-ADTS 2.2.12: universal 0x8).
pub const UNIVERSAL_DISTRIBUTION: i32 = 0x8;
/// `groupType` of a universal security group (0x80000008 = -2147483640).
pub const UNIVERSAL_SECURITY: i32 = 0x8000_0008_u32 as i32;

/// Entra Connect skips Microsoft 365 groups with more members than this.
pub const M365_MEMBER_LIMIT: usize = 50_000;
/// Entra Connect skips security groups with more members than this.
pub const SECURITY_MEMBER_LIMIT: usize = 250_000;
/// Cloud Sync's cn keeps at most this many characters of the trimmed displayName.
pub const CN_DISPLAY_NAME_CHARS: usize = 51;
/// Cloud Sync's description keeps at most this many characters.
pub const DESCRIPTION_CHARS: usize = 448;

/// How the default `cn` is built.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NamingScheme {
    /// Cloud Sync's mapping, also Connect's "Writeback Group Distinguished Name with cloud
    /// Display Name" option: `Left(Trim(displayName),51)_<last 12 characters of objectId>`.
    #[default]
    DisplayName,
    /// Connect's default: `Group_<objectId>`.
    ObjectId,
}

/// The built-in defaults, configured by the `[defaults]` table of a rules file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Defaults {
    /// How `cn` is built.
    pub naming: NamingScheme,
    /// The OU every group goes to unless a naming plugin routes it elsewhere (a rules file's
    /// `ou` in its canonical form, [`gwb_model::dn::canonical_dn`]).
    pub ou: String,
    /// The tenant's hybrid routing domain (`<tenant>.mail.onmicrosoft.com`), whose address a
    /// Microsoft 365 group's `targetAddress` takes; `None` takes the group's one address in
    /// any `*.mail.onmicrosoft.com` domain.
    pub routing_domain: Option<String>,
}

/// The defaults' proposal for one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// The AD group to write.
    pub desired: DesiredGroup,
    /// What keeps the group from being written as it should be (e.g. a Microsoft 365 group
    /// with no routing address), worded for a report; the group is still written.
    pub warnings: Vec<String>,
}

impl Defaults {
    /// Decides whether Microsoft's rules allow writing this group back at all; `Err` holds
    /// the reason, worded for a report.
    pub fn eligibility(&self, group: &CloudGroup) -> Result<(), String> {
        if group.on_premises_sync_enabled == Some(true) {
            return Err(
                "synced from on-premises AD (onPremisesSyncEnabled = true): such groups \
                        are never written back"
                    .into(),
            );
        }
        if let Some(deleted) = &group.deleted_date_time {
            return Err(format!("deleted in the cloud at {deleted}"));
        }
        if group.security_enabled.is_none()
            && group.mail_enabled.is_none()
            && group.group_types.is_empty()
        {
            return Err(
                "its kind is unknown: Graph returned none of securityEnabled, \
                        mailEnabled and groupTypes (read groups with these properties selected)"
                    .into(),
            );
        }
        let kind = group.kind();
        if kind == GroupKind::Distribution {
            return Err(
                "an Exchange Online distribution list (mail-enabled, not security, not \
                        Microsoft 365): these are never written back"
                    .into(),
            );
        }
        if let Some(writeback) = &group.writeback {
            match (writeback.is_enabled, kind) {
                (Some(false), _) => {
                    return Err(
                        "writeback is disabled (writebackConfiguration.isEnabled = false)".into(),
                    );
                }
                (None, GroupKind::Security | GroupKind::MailEnabledSecurity) => {
                    return Err(
                        "writeback is not enabled (writebackConfiguration.isEnabled is \
                                unset, which means disabled for security groups)"
                            .into(),
                    );
                }
                _ => {}
            }
        }
        let limit = match kind {
            GroupKind::Microsoft365 => M365_MEMBER_LIMIT,
            _ => SECURITY_MEMBER_LIMIT,
        };
        if group.members.len() > limit {
            return Err(format!(
                "has {} members, more than the {limit} Entra Connect writes back for this kind \
                 of group",
                group.members.len()
            ));
        }
        Ok(())
    }

    /// Builds the proposal for an eligible group. Members are not copied: the pipeline moves
    /// them in once the rules are done. `Err` holds a reason when the group's own settings
    /// contradict each other.
    pub fn propose(
        &self,
        group: &CloudGroup,
        target: TargetCapabilities,
    ) -> Result<Proposal, String> {
        let mut desired = DesiredGroup {
            object_id: group.id.clone(),
            cn: self.cn(group),
            parent_dn: self.ou.clone(),
            sam_account_name: None,
            ..DesiredGroup::default()
        };
        let mut warnings = Vec::new();
        let anchor = anchor_for(&group.id);
        let written_as = written_as(group)?;
        let attributes = &mut desired.attributes;
        attributes.set_one("groupType", written_as.group_type().to_string());
        if target.external_directory_object_id {
            attributes.set_one("msDS-ExternalDirectoryObjectId", anchor.clone());
        }
        attributes.set_one("adminDescription", anchor);
        if let Some(name) = group.display_name.as_deref().filter(|n| !n.is_empty()) {
            attributes.set_one("displayName", name);
        }
        if let Some(description) = group.description.as_deref() {
            let description = left(description.trim(), DESCRIPTION_CHARS);
            if !description.is_empty() {
                attributes.set_one("description", description);
            }
        }
        // Connect: "If you haven't prepared AD for Exchange, mail-related attributes of groups
        // won't be written back."
        if let (true, Some(recipient)) = (target.exchange_schema, written_as.recipient()) {
            exchange::add(
                attributes,
                group,
                recipient,
                self.routing_domain.as_deref(),
                &mut warnings,
            );
        }
        Ok(Proposal { desired, warnings })
    }

    fn cn(&self, group: &CloudGroup) -> String {
        // Connect names such groups after their anchor.
        let object_id_cn = || anchor_for(&group.id);
        match self.naming {
            NamingScheme::ObjectId => object_id_cn(),
            NamingScheme::DisplayName => {
                // Control characters cannot be part of a usable name; Trim runs after removing
                // them so a name like "\tSales" still loses its padding.
                let cleaned: String = group
                    .display_name
                    .as_deref()
                    .unwrap_or_default()
                    .chars()
                    .filter(|c| !c.is_control())
                    .collect();
                let name = left(cleaned.trim(), CN_DISPLAY_NAME_CHARS);
                if name.is_empty() {
                    return object_id_cn();
                }
                let id_chars: Vec<char> = group.id.chars().collect();
                let tail: String = id_chars[id_chars.len().saturating_sub(12)..]
                    .iter()
                    .collect();
                format!("{name}_{tail}")
            }
        }
    }
}

/// What a cloud group becomes in AD (docs/domain.md): from
/// `writebackConfiguration.onPremisesGroupType` when set, else Microsoft 365 → universal
/// distribution, security → universal security; mail-enabled in AD only when it is in the
/// cloud and is not asked to be a plain security group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WrittenAs {
    /// A universal distribution group, mail-enabled.
    Distribution,
    /// A universal security group, mail-enabled.
    MailEnabledSecurity,
    /// A universal security group, no recipient.
    Security,
}

impl WrittenAs {
    /// The `groupType` value.
    fn group_type(self) -> i32 {
        match self {
            Self::Distribution => UNIVERSAL_DISTRIBUTION,
            Self::MailEnabledSecurity | Self::Security => UNIVERSAL_SECURITY,
        }
    }

    /// The Exchange recipient it is, if any.
    fn recipient(self) -> Option<Recipient> {
        match self {
            Self::Distribution => Some(Recipient::Distribution),
            Self::MailEnabledSecurity => Some(Recipient::SecurityDistribution),
            Self::Security => None,
        }
    }
}

/// How `group` is written, or why its settings contradict each other.
fn written_as(group: &CloudGroup) -> Result<WrittenAs, String> {
    let kind = group.kind();
    let mailed = group.mail_enabled == Some(true);
    let requested = group
        .writeback
        .as_ref()
        .and_then(|w| w.on_premises_group_type.as_deref());
    let as_mailed = |recipient| {
        if mailed {
            recipient
        } else {
            WrittenAs::Security
        }
    };
    match (kind == GroupKind::Microsoft365, requested) {
        (true, None | Some("universalDistributionGroup")) => Ok(as_mailed(WrittenAs::Distribution)),
        (true, Some("universalMailEnabledSecurityGroup")) => {
            Ok(as_mailed(WrittenAs::MailEnabledSecurity))
        }
        (true, Some("universalSecurityGroup")) => Ok(WrittenAs::Security),
        (false, None | Some("universalSecurityGroup")) => {
            Ok(as_mailed(WrittenAs::MailEnabledSecurity))
        }
        (false, Some(t @ ("universalDistributionGroup" | "universalMailEnabledSecurityGroup"))) => {
            Err(format!(
                "writebackConfiguration.onPremisesGroupType is {t}, but a security group may \
                 only be written back as universalSecurityGroup"
            ))
        }
        (_, Some(other)) => Err(format!(
            "writebackConfiguration.onPremisesGroupType `{other}` is not one of \
             universalDistributionGroup, universalSecurityGroup, \
             universalMailEnabledSecurityGroup"
        )),
    }
}

/// The first `n` characters (Unicode scalar values, so a character is never split).
fn left(text: &str, n: usize) -> &str {
    match text.char_indices().nth(n) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

#[cfg(test)]
mod tests;
