//! Turning writeback off (`gwb disable`): the plans that delete or release every group gwb
//! owns; pure code, no directory access.
//!
//! Entra Connect deletes every group it wrote at the next cycle once writeback is disabled,
//! without a preview. gwb offers that (`--delete`) and the alternative of releasing the groups
//! (`--release`): gwb's mark, its record and the `Group_` anchors come off, so they stay in AD
//! as ordinary groups with their members and every other attribute. Either way a group AD
//! protects (`adminCount=1`, `isCriticalSystemObject=TRUE`) is never changed.

use gwb_model::object_id_from_anchor;

use crate::discovery::EXTERNAL_ID_ATTRIBUTE;
use crate::owner::{OWNER_ATTRIBUTE, OwnerMark};
use crate::plan::{Change, ChangeKind, Operation, Plan, Removal};
use crate::read::CurrentGroup;
use crate::written_record;

/// The attributes that may carry a `Group_<objectId>` anchor, in the order release removes it.
const ANCHOR_ATTRIBUTES: [&str; 2] = ["adminDescription", EXTERNAL_ID_ATTRIBUTE];

/// The groups among `current` (from [`crate::Directory::read_owned`], which returns every
/// anchored group) that carry `owner`'s mark: the groups gwb owns, all `gwb disable` acts on.
pub fn owned_groups(current: Vec<CurrentGroup>, owner: &OwnerMark) -> Vec<CurrentGroup> {
    current
        .into_iter()
        .filter(|group| owner.is_on(&group.marks))
        .collect()
}

/// `gwb disable --delete`: one delete per owned group AD does not protect, in the order of
/// `owned`. The plan counts every owned group, so the delete guards see the whole share.
pub fn delete_plan(owned: &[CurrentGroup]) -> Plan {
    plan(
        owned,
        owned
            .iter()
            .filter(|group| !group.protected)
            .map(|group| Operation::Delete {
                object_id: group.object_id.clone(),
                dn: group.dn.clone(),
                removal: Removal::NoLongerDesired,
            })
            .collect(),
    )
}

/// `gwb disable --release`: one modify per owned group AD does not protect, removing what
/// [`release_changes`] names, in the order of `owned`.
pub fn release_plan(owned: &[CurrentGroup], owner: &OwnerMark) -> Plan {
    plan(
        owned,
        owned
            .iter()
            .filter(|group| !group.protected)
            .filter_map(|group| {
                let changes = release_changes(group, owner);
                (!changes.is_empty()).then(|| Operation::Modify {
                    object_id: group.object_id.clone(),
                    dn: group.dn.clone(),
                    changes,
                })
            })
            .collect(),
    )
}

/// The changes that release `group`: deletes of `owner`'s mark and every record entry in
/// [`OWNER_ATTRIBUTE`], then of every `Group_<objectId>` value in `adminDescription` and
/// `msDS-ExternalDirectoryObjectId`, each value as AD holds it. A delete names its values, so
/// a value someone changed after the read makes AD refuse the modify rather than remove
/// something else. Another tenant's mark and any other value stay: they are not gwb's here.
pub fn release_changes(group: &CurrentGroup, owner: &OwnerMark) -> Vec<Change> {
    let marks: Vec<String> = group
        .marks
        .iter()
        .filter(|mark| owner.is_on(std::slice::from_ref(*mark)) || written_record::is_entry(mark))
        .cloned()
        .collect();
    let anchors = ANCHOR_ATTRIBUTES.into_iter().map(|attribute| {
        let values: Vec<String> = group
            .attributes
            .get(attribute)
            .iter()
            .filter(|v| object_id_from_anchor(v).is_some())
            .cloned()
            .collect();
        (attribute, values)
    });
    std::iter::once((OWNER_ATTRIBUTE, marks))
        .chain(anchors)
        .filter(|(_, values)| !values.is_empty())
        .map(|(attribute, values)| Change {
            kind: ChangeKind::Delete,
            attribute: attribute.to_owned(),
            values,
        })
        .collect()
}

/// A plan of `operations` on the `owned` groups: no desired groups, not a full round (no
/// empty-source guard: an empty source is the point of turning writeback off).
fn plan(owned: &[CurrentGroup], operations: Vec<Operation>) -> Plan {
    Plan {
        operations,
        owned_count: owned.len(),
        ..Plan::default()
    }
}

#[cfg(test)]
mod tests {
    use gwb_model::Attributes;

    use super::*;
    use crate::guards::{self, GuardError, Guards};
    use crate::read::AnchorSources;

    const TENANT: &str = "11111111-2222-3333-4444-555555555555";

    fn owner() -> OwnerMark {
        OwnerMark::for_tenant(TENANT)
    }

    /// A group anchored to `id` in adminDescription (and msDS-ExternalDirectoryObjectId with
    /// `external`), with `marks` as its extensionName values.
    fn group(id: &str, external: bool, marks: &[&str]) -> CurrentGroup {
        let mut attributes = Attributes::new();
        attributes.set_one("adminDescription", format!("Group_{id}"));
        if external {
            attributes.set_one(EXTERNAL_ID_ATTRIBUTE, format!("Group_{id}"));
        }
        attributes.set_one("description", "kept");
        attributes.set_one("mail", "team@contoso.com");
        CurrentGroup {
            dn: format!("CN=Team {id},OU=Cloud,DC=x"),
            object_guid: format!("guid-{id}"),
            object_id: id.into(),
            anchors: AnchorSources {
                admin_description: true,
                external_id: external,
            },
            marks: marks.iter().map(|m| (*m).to_owned()).collect(),
            attributes,
            members: vec!["CN=u1,DC=x".into()],
            ..CurrentGroup::default()
        }
    }

    fn delete(attribute: &str, values: &[&str]) -> Change {
        Change {
            kind: ChangeKind::Delete,
            attribute: attribute.into(),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
        }
    }

    #[test]
    fn only_groups_with_this_tenants_mark_are_owned() {
        let mark = owner().value().to_owned();
        let upper = mark.to_uppercase();
        let current = vec![
            group("a", false, &[mark.as_str()]),
            group("b", true, &[]),
            group("c", true, &["gwb:tenant=fabrikam.example"]),
            group("d", false, &[upper.as_str(), "gwb:wrote=mail=00"]),
        ];
        let owned: Vec<String> = owned_groups(current, &owner())
            .into_iter()
            .map(|g| g.object_id)
            .collect();
        assert_eq!(owned, ["a", "d"]);
    }

    #[test]
    fn delete_deletes_every_owned_group_but_the_protected_ones() {
        let mark = owner().value().to_owned();
        let mut protected = group("p", false, &[mark.as_str()]);
        protected.protected = true;
        let owned = vec![
            group("a", false, &[mark.as_str()]),
            protected,
            group("b", true, &[mark.as_str()]),
        ];
        let plan = delete_plan(&owned);
        assert_eq!(
            plan.operations,
            [
                Operation::Delete {
                    object_id: "a".into(),
                    dn: "CN=Team a,OU=Cloud,DC=x".into(),
                    removal: Removal::NoLongerDesired,
                },
                Operation::Delete {
                    object_id: "b".into(),
                    dn: "CN=Team b,OU=Cloud,DC=x".into(),
                    removal: Removal::NoLongerDesired,
                },
            ]
        );
        assert_eq!(plan.owned_count, 3, "the protected group counts as owned");
        assert_eq!(
            plan.to_ldif(),
            "version: 1\n\
             \ndn: CN=Team a,OU=Cloud,DC=x\nchangetype: delete\n\
             \ndn: CN=Team b,OU=Cloud,DC=x\nchangetype: delete\n"
        );
    }

    #[test]
    fn delete_goes_through_the_delete_guards_and_no_empty_source_guard() {
        let mark = owner().value().to_owned();
        let owned: Vec<CurrentGroup> = (0..12)
            .map(|i| group(&format!("g{i:02}"), false, &[mark.as_str()]))
            .collect();
        let plan = delete_plan(&owned);
        assert_eq!(
            guards::check(&plan, &Guards::default()),
            Err(GuardError::TooManyDeletesPercent {
                removals: 12,
                owned: 12,
                percent: 100.0,
                limit: 20.0,
            })
        );
        let low = Guards {
            max_deletes: 11,
            max_delete_percent: 100.0,
            ..Guards::default()
        };
        assert_eq!(
            guards::check(&plan, &low),
            Err(GuardError::TooManyDeletes {
                removals: 12,
                limit: 11,
            })
        );
        let raised = Guards {
            max_delete_percent: 100.0,
            ..Guards::default()
        };
        assert_eq!(guards::check(&plan, &raised), Ok(()));
        assert_eq!(
            guards::check(&delete_plan(&[]), &Guards::default()),
            Ok(()),
            "nothing owned, nothing to guard"
        );
    }

    #[test]
    fn release_removes_the_mark_the_record_and_the_anchors_as_ad_holds_them() {
        let mark = owner().value().to_uppercase();
        let record = written_record::entry("mail", "team@contoso.com").to_uppercase();
        let other = "gwb:tenant=fabrikam.example";
        let admins = "a note an admin keeps";
        let g = group(
            "a",
            true,
            &[mark.as_str(), record.as_str(), other, admins, "gwb:foo"],
        );
        assert_eq!(
            release_changes(&g, &owner()),
            [
                delete(OWNER_ATTRIBUTE, &[mark.as_str(), record.as_str()]),
                delete("adminDescription", &["Group_a"]),
                delete("msDS-ExternalDirectoryObjectId", &["Group_a"]),
            ]
        );
        // Only Group_ values are anchors: another adminDescription stays.
        let mut note = group("b", false, &[mark.as_str()]);
        note.attributes
            .set_one("adminDescription", "group_b by hand");
        assert_eq!(
            release_changes(&note, &owner()),
            [delete(OWNER_ATTRIBUTE, &[mark.as_str()])]
        );
    }

    #[test]
    fn release_writes_one_modify_per_unprotected_group_and_nothing_else() {
        let mark = owner().value().to_owned();
        let record = written_record::entry("description", "kept");
        let mut protected = group("p", true, &[mark.as_str()]);
        protected.protected = true;
        let owned = vec![
            group("a", false, &[mark.as_str(), record.as_str()]),
            protected,
            group("b", true, &[mark.as_str()]),
        ];
        let plan = release_plan(&owned, &owner());
        assert_eq!(plan.owned_count, 3);
        assert_eq!(plan.removals(), 0, "a release removes no group");
        assert_eq!(
            plan.operations,
            [
                Operation::Modify {
                    object_id: "a".into(),
                    dn: "CN=Team a,OU=Cloud,DC=x".into(),
                    changes: vec![
                        delete(OWNER_ATTRIBUTE, &[mark.as_str(), record.as_str()]),
                        delete("adminDescription", &["Group_a"]),
                    ],
                },
                Operation::Modify {
                    object_id: "b".into(),
                    dn: "CN=Team b,OU=Cloud,DC=x".into(),
                    changes: vec![
                        delete(OWNER_ATTRIBUTE, &[mark.as_str()]),
                        delete("adminDescription", &["Group_b"]),
                        delete("msDS-ExternalDirectoryObjectId", &["Group_b"]),
                    ],
                },
            ]
        );
        assert_eq!(
            plan.to_ldif(),
            format!(
                "version: 1\n\
                 \ndn: CN=Team a,OU=Cloud,DC=x\nchangetype: modify\n\
                 delete: extensionName\nextensionName: {mark}\nextensionName: {record}\n-\n\
                 delete: adminDescription\nadminDescription: Group_a\n-\n\
                 \ndn: CN=Team b,OU=Cloud,DC=x\nchangetype: modify\n\
                 delete: extensionName\nextensionName: {mark}\n-\n\
                 delete: adminDescription\nadminDescription: Group_b\n-\n\
                 delete: msDS-ExternalDirectoryObjectId\n\
                 msDS-ExternalDirectoryObjectId: Group_b\n-\n"
            )
        );
        assert_eq!(guards::check(&plan, &Guards::default()), Ok(()));
    }
}
