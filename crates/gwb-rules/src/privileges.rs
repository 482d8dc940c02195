//! Least privilege per plugin: what the rules file's `[[plugins]]` entry lets one plugin do
//! within the global rules (`attributes`, `ous`, `may_set_cn`, `may_set_sam_account_name`).
//! A plugin writes only the attributes its entry lists (an absent `attributes` lists none, and
//! a mapping plugin without the key is refused at load); absent `ous` and `may_set_*` keys
//! leave the naming stage as free as the global rules allow.

use gwb_model::dn::Dn;
use gwb_model::{DesiredGroup, Naming};

use crate::validate::spelled;

/// What one plugin may do beyond the global rules' checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Privileges {
    /// The only attributes its mapping stage may edit (as the rules file names them,
    /// canonicalised); every `[[plugins]]` entry has a list. `None` only in [`UNRESTRICTED`]:
    /// any attribute the global rules allow, for a rule the rules file does not list (tests).
    pub attributes: Option<Vec<String>>,
    /// The only OUs (with their sub-OUs) its naming stage may route to; `None`: any managed OU.
    pub ous: Option<Vec<Dn>>,
    /// Its naming stage may set the cn.
    pub may_set_cn: bool,
    /// Its naming stage may set the sAMAccountName.
    pub may_set_sam_account_name: bool,
}

/// The privileges of a rule no `[[plugins]]` entry describes (tests and benchmarks that build a
/// pipeline by hand): the global rules alone.
pub static UNRESTRICTED: Privileges = Privileges {
    attributes: None,
    ous: None,
    may_set_cn: true,
    may_set_sam_account_name: true,
};

impl Privileges {
    /// Checks a naming answer against `may_set_cn`, `ous` and `may_set_sam_account_name`.
    /// Answering the value the proposal already has changes nothing and is allowed.
    pub fn naming(&self, naming: &Naming, proposal: &DesiredGroup) -> Result<(), String> {
        if !self.may_set_cn && naming.cn.as_ref().is_some_and(|cn| *cn != proposal.cn) {
            return Err(flag_refusal("the cn", "may_set_cn"));
        }
        if !self.may_set_sam_account_name
            && naming.sam_account_name.is_some()
            && naming.sam_account_name != proposal.sam_account_name
        {
            return Err(flag_refusal(
                "the sAMAccountName",
                "may_set_sam_account_name",
            ));
        }
        match (&self.ous, &naming.parent_dn) {
            (Some(ous), Some(parent)) => route(ous, parent, &proposal.parent_dn),
            _ => Ok(()),
        }
    }

    /// Checks that the mapping stage may edit the attribute `canonical` (as
    /// [`crate::validate::canonical_name`] named it; the plugin wrote `written`).
    pub fn attribute(&self, written: &str, canonical: &str) -> Result<(), String> {
        let Some(attributes) = &self.attributes else {
            return Ok(());
        };
        if attributes.iter().any(|a| a.eq_ignore_ascii_case(canonical)) {
            return Ok(());
        }
        let listed: Vec<String> = attributes.iter().map(|a| format!("`{a}`")).collect();
        Err(format!(
            "it may not edit {} (its attributes: {}); widen [[plugins]] attributes in the \
             rules file or fix the plugin",
            spelled(written, canonical),
            or_none(&listed, ", ")
        ))
    }
}

/// The refusal of a naming value the entry's `key = false` forbids.
fn flag_refusal(what: &str, key: &str) -> String {
    format!(
        "it may not set {what} ({key} = false); set {key} = true in [[plugins]] in the rules \
         file or fix the plugin"
    )
}

/// Checks a new parent DN against the plugin's `ous`; the parent the group already has is
/// not a route.
fn route(ous: &[Dn], parent: &str, current: &str) -> Result<(), String> {
    let allowed = Dn::parse(parent).is_ok_and(|dn| {
        Dn::parse(current).is_ok_and(|c| c == dn) || ous.iter().any(|ou| dn.is_within(ou))
    });
    if allowed {
        return Ok(());
    }
    let listed: Vec<String> = ous.iter().map(|ou| format!("`{ou}`")).collect();
    Err(format!(
        "it may not route to `{parent}` (its ous: {}); widen [[plugins]] ous in the rules file \
         or fix the plugin",
        or_none(&listed, "; ")
    ))
}

/// `items` joined by `separator`, or `none`.
fn or_none(items: &[String], separator: &str) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(separator)
    }
}
