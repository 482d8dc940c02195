//! The scope: which kinds of cloud group an organization writes back. It is a deliberate
//! choice in the rules file (`[scope] kinds`), never a side effect of a default, so a rules
//! file cannot write every security group of a tenant into AD because nobody said otherwise.

use std::collections::BTreeSet;
use std::fmt;

use gwb_model::{CloudGroup, GroupKind};
use serde::Deserialize;

/// A kind of cloud group `[scope] kinds` may name. Distribution lists are not among them:
/// they live in Exchange Online and are never written back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScopeKind {
    /// Microsoft 365 groups (`groupTypes` contains `Unified`): Entra Connect's writeback.
    Microsoft365,
    /// Security groups that are not mail-enabled: Cloud Sync's writeback.
    Security,
    /// Mail-enabled security groups.
    MailEnabledSecurity,
}

impl ScopeKind {
    /// Every kind, in the order the rules file documents them.
    pub const ALL: [ScopeKind; 3] = [
        ScopeKind::Microsoft365,
        ScopeKind::Security,
        ScopeKind::MailEnabledSecurity,
    ];

    /// The kind as the rules file spells it.
    pub fn key(self) -> &'static str {
        match self {
            ScopeKind::Microsoft365 => "microsoft365",
            ScopeKind::Security => "security",
            ScopeKind::MailEnabledSecurity => "mail-enabled-security",
        }
    }

    fn of(kind: GroupKind) -> Option<ScopeKind> {
        match kind {
            GroupKind::Microsoft365 => Some(ScopeKind::Microsoft365),
            GroupKind::Security => Some(ScopeKind::Security),
            GroupKind::MailEnabledSecurity => Some(ScopeKind::MailEnabledSecurity),
            GroupKind::Distribution => None,
        }
    }
}

impl fmt::Display for ScopeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// `[scope]`: the kinds of cloud group gwb writes back. Microsoft's own eligibility rules
/// (synced groups, distribution lists, `writebackConfiguration` when read, size limits) come
/// first; filter plugins narrow the scope further.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The kinds written back; never empty.
    pub kinds: BTreeSet<ScopeKind>,
}

impl Scope {
    /// A scope of these kinds.
    pub fn of(kinds: impl IntoIterator<Item = ScopeKind>) -> Self {
        Self {
            kinds: kinds.into_iter().collect(),
        }
    }

    /// `Ok` when the group's kind is in scope; `Err` holds the reason, worded for a report.
    pub fn admits(&self, group: &CloudGroup) -> Result<(), String> {
        match ScopeKind::of(group.kind()) {
            Some(kind) if self.kinds.contains(&kind) => Ok(()),
            Some(kind) => Err(format!(
                "a {} group, and [scope] kinds = {} does not name that kind",
                kind.key(),
                self.kinds_list()
            )),
            None => Err("an Exchange Online distribution list, never written back".into()),
        }
    }

    /// The kinds as the rules file writes them: `["microsoft365", "security"]`.
    pub fn kinds_list(&self) -> String {
        let names: Vec<String> = self
            .kinds
            .iter()
            .map(|kind| format!("\"{}\"", kind.key()))
            .collect();
        format!("[{}]", names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(unified: bool, security: bool, mail: bool) -> CloudGroup {
        CloudGroup {
            id: "0f0e0d0c-0b0a-0908-0706-050403020100".into(),
            group_types: if unified {
                vec!["Unified".into()]
            } else {
                vec![]
            },
            security_enabled: Some(security),
            mail_enabled: Some(mail),
            ..CloudGroup::default()
        }
    }

    #[test]
    fn admits_exactly_the_kinds_named() {
        let m365 = group(true, false, true);
        let security = group(false, true, false);
        let mail_security = group(false, true, true);
        let scope = Scope::of([ScopeKind::Microsoft365]);
        assert_eq!(scope.admits(&m365), Ok(()));
        assert_eq!(
            scope.admits(&security),
            Err(
                "a security group, and [scope] kinds = [\"microsoft365\"] does not name that kind"
                    .into()
            )
        );
        assert_eq!(
            scope.admits(&mail_security),
            Err(
                "a mail-enabled-security group, and [scope] kinds = [\"microsoft365\"] does \
                 not name that kind"
                    .into()
            )
        );
        let all = Scope::of(ScopeKind::ALL);
        for admitted in [&m365, &security, &mail_security] {
            assert_eq!(all.admits(admitted), Ok(()));
        }
        let distribution = group(false, false, true);
        assert_eq!(
            all.admits(&distribution),
            Err("an Exchange Online distribution list, never written back".into())
        );
    }
}
