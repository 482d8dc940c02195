//! Convenient reads of a cloud group beyond the raw accessors.

use crate::CloudGroup;

/// What kind of cloud group this is (see DOMAIN.md).
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

/// Extra reads on [`CloudGroup`].
pub trait GroupExt {
    /// The group's kind; reads groupTypes, mailEnabled and securityEnabled.
    fn kind(&self) -> GroupKind;
    /// An extension attribute by name: `extensionAttribute1`..`15` (any case) or a directory
    /// extension `extension_<appid>_<name>`; `None` when unset or the name is neither.
    fn extension(&self, name: &str) -> Option<String>;
    /// `"<displayName>" (<id>)`, for messages.
    fn label(&self) -> String;
}

impl GroupExt for CloudGroup {
    fn kind(&self) -> GroupKind {
        let unified = self
            .group_types()
            .iter()
            .any(|t| t.eq_ignore_ascii_case("Unified"));
        GroupKind::classify(unified, self.mail_enabled(), self.security_enabled())
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
