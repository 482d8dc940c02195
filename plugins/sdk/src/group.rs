//! The cloud group a stage call lends a plugin: the facts most rules read at hand, everything
//! else read from the host when asked.

use crate::bindings::gwb::rules::types::{
    CloudGroup as HostGroup, GroupFacts, KeyValue, Member, WritebackConfiguration,
};

/// What kind of cloud group this is (see docs/domain.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    /// A Microsoft 365 group (`groupTypes` contains `Unified`).
    Microsoft365,
    /// A security group that is not mail-enabled.
    Security,
    /// A mail-enabled security group.
    MailEnabledSecurity,
    /// A distribution list.
    Distribution,
}

impl GroupKind {
    /// Classifies a group from `groupTypes`, `mailEnabled` and `securityEnabled`, as the host does.
    pub fn classify(
        unified: bool,
        mail_enabled: Option<bool>,
        security_enabled: Option<bool>,
    ) -> Self {
        match (unified, security_enabled, mail_enabled) {
            (true, _, _) => Self::Microsoft365,
            (false, Some(true), Some(true)) => Self::MailEnabledSecurity,
            (false, Some(true), _) => Self::Security,
            _ => Self::Distribution,
        }
    }
}

/// A cloud group as read from Microsoft Graph, lent for one stage call. Read-only. The facts
/// most rules read (id, displayName, mailEnabled, securityEnabled, whether it is a Microsoft
/// 365 group, onPremisesSyncEnabled, the member count) come with the call; every other
/// accessor asks the host and copies only what it returns.
pub struct CloudGroup<'a> {
    facts: GroupFacts,
    host: &'a HostGroup,
}

impl<'a> CloudGroup<'a> {
    /// The group of a `plugin-facts` stage call (contract 1.1): the facts came with the call.
    pub(crate) fn with_facts(facts: GroupFacts, host: &'a HostGroup) -> Self {
        Self { facts, host }
    }

    /// The group of a `plugin` stage call (contract 1.0, which no host of this SDK's contract
    /// makes while `plugin-facts` is exported): the facts are read from the host.
    pub(crate) fn read(host: &'a HostGroup) -> Self {
        let facts = GroupFacts {
            id: host.id(),
            display_name: host.display_name(),
            mail_enabled: host.mail_enabled(),
            security_enabled: host.security_enabled(),
            unified: host
                .group_types()
                .iter()
                .any(|t| t.eq_ignore_ascii_case("Unified")),
            on_premises_sync_enabled: host.on_premises_sync_enabled(),
            member_count: host.member_count(),
        };
        Self { facts, host }
    }

    /// `id`: the group's object id (a GUID string). Always present.
    pub fn id(&self) -> &str {
        &self.facts.id
    }
    /// `displayName`.
    pub fn display_name(&self) -> Option<&str> {
        self.facts.display_name.as_deref()
    }
    /// `mailEnabled`.
    pub fn mail_enabled(&self) -> Option<bool> {
        self.facts.mail_enabled
    }
    /// `securityEnabled`.
    pub fn security_enabled(&self) -> Option<bool> {
        self.facts.security_enabled
    }
    /// Whether `groupTypes` contains `Unified` (any case): a Microsoft 365 group.
    pub fn is_unified(&self) -> bool {
        self.facts.unified
    }
    /// `onPremisesSyncEnabled`: true (synced from AD now), false (was synced), none (never).
    pub fn on_premises_sync_enabled(&self) -> Option<bool> {
        self.facts.on_premises_sync_enabled
    }
    /// The number of direct members.
    pub fn member_count(&self) -> u32 {
        self.facts.member_count
    }
    /// `description`.
    pub fn description(&self) -> Option<String> {
        self.host.description()
    }
    /// `mail`: the primary SMTP address.
    pub fn mail(&self) -> Option<String> {
        self.host.mail()
    }
    /// `mailNickname`.
    pub fn mail_nickname(&self) -> Option<String> {
        self.host.mail_nickname()
    }
    /// `groupTypes`, e.g. `["Unified", "DynamicMembership"]`.
    pub fn group_types(&self) -> Vec<String> {
        self.host.group_types()
    }
    /// `proxyAddresses`: `SMTP:` marks the primary address, `smtp:` secondary ones.
    pub fn proxy_addresses(&self) -> Vec<String> {
        self.host.proxy_addresses()
    }
    /// `visibility`: `Public`, `Private`, `HiddenMembership` or none.
    pub fn visibility(&self) -> Option<String> {
        self.host.visibility()
    }
    /// `onPremisesSecurityIdentifier`.
    pub fn on_premises_security_identifier(&self) -> Option<String> {
        self.host.on_premises_security_identifier()
    }
    /// `onPremisesSamAccountName`.
    pub fn on_premises_sam_account_name(&self) -> Option<String> {
        self.host.on_premises_sam_account_name()
    }
    /// `securityIdentifier`: the cloud SID.
    pub fn security_identifier(&self) -> Option<String> {
        self.host.security_identifier()
    }
    /// `createdDateTime` as ISO 8601 text.
    pub fn created_date_time(&self) -> Option<String> {
        self.host.created_date_time()
    }
    /// `deletedDateTime` as ISO 8601 text.
    pub fn deleted_date_time(&self) -> Option<String> {
        self.host.deleted_date_time()
    }
    /// Graph beta `writebackConfiguration`, when the host was told to read it.
    pub fn writeback_configuration(&self) -> Option<WritebackConfiguration> {
        self.host.writeback_configuration()
    }
    /// One of `onPremisesExtensionAttributes.extensionAttribute1` .. `15`; `index` is 1..=15.
    pub fn extension_attribute(&self, index: u8) -> Option<String> {
        self.host.extension_attribute(index)
    }
    /// All set `onPremisesExtensionAttributes`, keyed `extensionAttribute<N>`.
    pub fn extension_attributes(&self) -> Vec<KeyValue> {
        self.host.extension_attributes()
    }
    /// One directory extension attribute by its full name `extension_<appid>_<name>`.
    pub fn directory_extension(&self, name: &str) -> Option<String> {
        self.host.directory_extension(name)
    }
    /// All directory extension attributes of the group.
    pub fn directory_extensions(&self) -> Vec<KeyValue> {
        self.host.directory_extensions()
    }
    /// Direct members from position `start`, at most `count` of them, copied from the host only
    /// now: a plugin that never calls this pays nothing for a group's members.
    pub fn members(&self, start: u32, count: u32) -> Vec<Member> {
        self.host.members(start, count)
    }
}

/// Extra reads on [`CloudGroup`].
pub trait GroupExt {
    /// The group's kind, from the facts (groupTypes, mailEnabled and securityEnabled).
    fn kind(&self) -> GroupKind;
    /// An extension attribute by name: `extensionAttribute1`..`15` (any case) or a directory
    /// extension `extension_<appid>_<name>`; `None` when unset or the name is neither.
    fn extension(&self, name: &str) -> Option<String>;
    /// `"<displayName>" (<id>)`, for messages.
    fn label(&self) -> String;
}

impl GroupExt for CloudGroup<'_> {
    fn kind(&self) -> GroupKind {
        GroupKind::classify(
            self.is_unified(),
            self.mail_enabled(),
            self.security_enabled(),
        )
    }

    fn extension(&self, name: &str) -> Option<String> {
        const PREFIX: &str = "extensionattribute";
        let lower = name.to_ascii_lowercase();
        if let Some(index) = lower.strip_prefix(PREFIX) {
            return match index.parse::<u8>() {
                Ok(i @ 1..=15) => self.extension_attribute(i),
                _ => None,
            };
        }
        if lower.starts_with("extension_") {
            return self.directory_extension(name);
        }
        None
    }

    fn label(&self) -> String {
        match self.display_name() {
            Some(name) => format!("\"{name}\" ({})", self.id()),
            None => format!("({})", self.id()),
        }
    }
}
