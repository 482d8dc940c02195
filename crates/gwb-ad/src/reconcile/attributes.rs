//! A group's attributes: all of them for a new group, and for an existing one the replaces
//! that bring its sAMAccountName and managed attributes to the desired values.

use std::collections::BTreeSet;

use gwb_model::DesiredGroup;

use super::Policy;
use crate::plan::{Change, ChangeKind};
use crate::read::{CurrentGroup, is_structural};

/// The attributes of the add that creates `d`, members aside: `objectClass`,
/// `sAMAccountName` when set, then the desired attributes in their order.
pub(super) fn new_group(d: &DesiredGroup) -> Vec<(String, Vec<String>)> {
    let mut attributes = vec![("objectClass".to_owned(), vec!["group".to_owned()])];
    if let Some(sam) = &d.sam_account_name {
        attributes.push(("sAMAccountName".to_owned(), vec![sam.clone()]));
    }
    for (name, values) in d.attributes.iter() {
        if !is_structural(name) {
            attributes.push((name.to_owned(), values.to_vec()));
        }
    }
    attributes
}

/// The replaces that bring `t` to `d`: its sAMAccountName (compared ignoring case) when `d`
/// sets one, then every attribute the policy reads for `d` whose values differ (an empty
/// replace removes an attribute `d` lacks). Each keeps `d`'s spelling of the name.
pub(super) fn changes(d: &DesiredGroup, t: &CurrentGroup, policy: &Policy) -> Vec<Change> {
    let mut changes = Vec::new();
    if let Some(sam) = &d.sam_account_name
        && !t
            .sam_account_name
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(sam))
    {
        changes.push(Change {
            kind: ChangeKind::Replace,
            attribute: "sAMAccountName".into(),
            values: vec![sam.clone()],
        });
    }
    for name in policy.read_attributes(std::slice::from_ref(d)) {
        let want = d.attributes.get(&name);
        let have = t.attributes.get(&name);
        if !same_values(want, have) {
            changes.push(Change {
                kind: ChangeKind::Replace,
                attribute: d
                    .attributes
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(&name))
                    .map(|(n, _)| n.to_owned())
                    .unwrap_or(name),
                values: want.to_vec(),
            });
        }
    }
    changes
}

/// Sorted, case-sensitive value sets compare equal.
fn same_values(a: &[String], b: &[String]) -> bool {
    let a: BTreeSet<&String> = a.iter().collect();
    let b: BTreeSet<&String> = b.iter().collect();
    a == b
}
