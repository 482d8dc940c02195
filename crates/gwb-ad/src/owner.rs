//! Which anchored groups are gwb's: the ownership mark gwb puts on every group it creates or
//! adopts, and how a group without it is told apart (Entra Connect's, Cloud Sync's or made
//! by hand).
//!
//! The `Group_<objectId>` anchor cannot tell: Entra Connect writes it to `adminDescription`,
//! Cloud Sync to `msDS-ExternalDirectoryObjectId`, and anyone may type it. So gwb adds a value
//! of its own to `extensionName` (a multi-valued string every class may hold, which no
//! Microsoft sync engine writes and no plugin may set), naming the tenant it writes for:
//! `gwb:tenant=<tenant>`. It lives on the object, so it survives a lost state, a restore and
//! a move, and two gwb deployments for different tenants never take each other's groups.

use crate::read::AnchorSources;

/// The attribute holding the ownership mark.
pub const OWNER_ATTRIBUTE: &str = "extensionName";

/// The prefix of every gwb ownership mark.
const MARK_PREFIX: &str = "gwb:tenant=";

/// gwb's ownership mark for one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerMark(String);

/// Whose an anchored group in the managed OUs is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// It carries this run's mark: gwb's own.
    Gwb,
    /// It carries the mark of gwb writing for another tenant (the value after `tenant=`).
    OtherTenant(String),
    /// No mark, anchor only in `adminDescription`: Entra Connect's (or made by hand).
    EntraConnect,
    /// No mark, anchor in `msDS-ExternalDirectoryObjectId`: Cloud Sync's (or made by hand).
    CloudSync,
}

impl OwnerMark {
    /// The mark of gwb writing for `tenant` (the `[graph] tenant_id` of the rules file,
    /// compared without regard to case).
    pub fn for_tenant(tenant: &str) -> Self {
        Self(format!("{MARK_PREFIX}{}", tenant.trim().to_lowercase()))
    }

    /// The value gwb writes to [`OWNER_ATTRIBUTE`].
    pub fn value(&self) -> &str {
        &self.0
    }

    /// Whose a group is, from its [`OWNER_ATTRIBUTE`] values and where it carries its anchor.
    pub fn owner_of(&self, marks: &[String], anchors: AnchorSources) -> Owner {
        if self.is_on(marks) {
            return Owner::Gwb;
        }
        let other = marks.iter().find_map(|m| {
            let (prefix, tenant) = m.split_at_checked(MARK_PREFIX.len())?;
            prefix
                .eq_ignore_ascii_case(MARK_PREFIX)
                .then(|| tenant.to_owned())
        });
        match other {
            Some(tenant) => Owner::OtherTenant(tenant),
            None if anchors.external_id => Owner::CloudSync,
            None => Owner::EntraConnect,
        }
    }

    /// True when `marks` holds this mark (AD compares these strings without regard to case).
    pub fn is_on(&self, marks: &[String]) -> bool {
        marks.iter().any(|m| m.trim().eq_ignore_ascii_case(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchors(external_id: bool) -> AnchorSources {
        AnchorSources {
            admin_description: !external_id,
            external_id,
        }
    }

    #[test]
    fn the_mark_names_the_tenant_in_lower_case() {
        let mark = OwnerMark::for_tenant(" Contoso.onmicrosoft.com ");
        assert_eq!(mark.value(), "gwb:tenant=contoso.onmicrosoft.com");
    }

    #[test]
    fn only_this_tenants_mark_makes_a_group_gwbs() {
        let mark = OwnerMark::for_tenant("11111111-2222-3333-4444-555555555555");
        let ours = vec!["GWB:tenant=11111111-2222-3333-4444-555555555555".to_owned()];
        assert_eq!(mark.owner_of(&ours, anchors(true)), Owner::Gwb);
        assert_eq!(mark.owner_of(&ours, anchors(false)), Owner::Gwb);
        let theirs = vec!["gwb:tenant=fabrikam.example".to_owned()];
        assert_eq!(
            mark.owner_of(&theirs, anchors(true)),
            Owner::OtherTenant("fabrikam.example".into())
        );
        assert_eq!(mark.owner_of(&[], anchors(true)), Owner::CloudSync);
        assert_eq!(mark.owner_of(&[], anchors(false)), Owner::EntraConnect);
        // Look-alikes are no mark at all.
        for almost in ["gwb", "gwb:tenant", "xgwb:tenant=11111111", "Group_abc"] {
            let marks = vec![almost.to_owned()];
            assert_eq!(
                mark.owner_of(&marks, anchors(true)),
                Owner::CloudSync,
                "{almost}"
            );
        }
    }
}
