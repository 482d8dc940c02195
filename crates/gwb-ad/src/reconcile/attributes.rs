//! A group's attributes: all of them for a new group, and for an existing one the changes
//! that bring its sAMAccountName and attributes to the desired values, removing only what
//! gwb wrote (see [`crate::applied`]).

use std::collections::{BTreeMap, BTreeSet};

use gwb_model::{AttributeNames, DesiredGroup};

use super::Policy;
use crate::owner::{OWNER_ATTRIBUTE, OwnerMark};
use crate::plan::{Change, ChangeKind};
use crate::read::{CurrentGroup, is_structural};
use crate::written_record::Applied;

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

/// The attributes gwb writes for `d` (members, naming and class aside), each with its values:
/// what the [`Applied`] record of the group says once they are written.
pub(super) fn written(d: &DesiredGroup) -> impl Iterator<Item = (&str, &[String])> {
    d.attributes.iter().filter(|(name, _)| !is_structural(name))
}

/// The changes that bring `t` to `d`: its sAMAccountName (compared ignoring case) when `d`
/// sets one, then for every attribute the policy reads for `d` or gwb's record names, the
/// changes [`value_changes`] gives, and last the record's own update, with `owner`'s mark
/// added when the group lacks it (an adoption). Each keeps `d`'s spelling of the name.
pub(super) fn changes(
    d: &DesiredGroup,
    t: &CurrentGroup,
    policy: &Policy,
    schema: &AttributeNames,
    owner: &OwnerMark,
) -> Vec<Change> {
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
    let applied = Applied::from_marks(&t.marks);
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let read = policy.read_attributes(std::slice::from_ref(d));
    for name in read.into_iter().chain(applied.attributes().iter().cloned()) {
        if !is_structural(&name) {
            names.entry(name.to_ascii_lowercase()).or_insert(name);
        }
    }
    for name in names.into_values() {
        let spelling = d
            .attributes
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(&name))
            .map(|(n, _)| n.to_owned())
            .unwrap_or(name);
        changes.extend(value_changes(
            &spelling,
            d.attributes.get(&spelling),
            t.attributes.get(&spelling),
            &applied,
            schema.is_multi_valued(&spelling),
        ));
    }
    let (mut add, delete) = applied.update(written(d));
    if !owner.is_on(&t.marks) {
        add.insert(0, owner.value().to_owned());
    }
    for (kind, values) in [(ChangeKind::Delete, delete), (ChangeKind::Add, add)] {
        if !values.is_empty() {
            changes.push(Change {
                kind,
                attribute: OWNER_ATTRIBUTE.to_owned(),
                values,
            });
        }
    }
    changes
}

/// The changes to one attribute, from the values gwb wants (`want`), the values AD holds
/// (`have`) and gwb's record of what it wrote. gwb removes only values it wrote: a single
/// valued attribute gwb wants is replaced, one it no longer wants is removed only when its
/// value is the one gwb wrote; a multi-valued one gets the wanted values added and loses only
/// the values gwb wrote and no longer wants (and a value that differs from a wanted one only
/// in case, which AD would take for the same value and refuse to add beside it).
fn value_changes(
    name: &str,
    want: &[String],
    have: &[String],
    applied: &Applied,
    multi_valued: bool,
) -> Vec<Change> {
    if same_values(want, have) {
        return Vec::new();
    }
    let change = |kind, values: Vec<String>| Change {
        kind,
        attribute: name.to_owned(),
        values,
    };
    if !multi_valued {
        let gwbs = have.iter().all(|v| applied.wrote(name, v));
        return if !want.is_empty() || gwbs {
            vec![change(ChangeKind::Replace, want.to_vec())]
        } else {
            Vec::new()
        };
    }
    let add: Vec<String> = want.iter().filter(|v| !have.contains(v)).cloned().collect();
    let delete: Vec<String> = have
        .iter()
        .filter(|v| !want.contains(v))
        .filter(|v| applied.wrote(name, v) || add.iter().any(|a| a.eq_ignore_ascii_case(v)))
        .cloned()
        .collect();
    [(ChangeKind::Delete, delete), (ChangeKind::Add, add)]
        .into_iter()
        .filter(|(_, values)| !values.is_empty())
        .map(|(kind, values)| change(kind, values))
        .collect()
}

/// Sorted, case-sensitive value sets compare equal.
fn same_values(a: &[String], b: &[String]) -> bool {
    let a: BTreeSet<&String> = a.iter().collect();
    let b: BTreeSet<&String> = b.iter().collect();
    a == b
}
