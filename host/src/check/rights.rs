//! The rights `gwb check` verifies on each managed OU beside group creation: OU creation when
//! `[sync] create_missing_ous` is set, deleting groups, renaming and moving them (Write
//! Property of `cn` and `name`), and writing every attribute gwb writes — the rights `gwb
//! delegation` prints. AD's own answers are used where it has one (`allowedChildClassesEffective`
//! on the OU, `allowedAttributesEffective` on a gwb group in it); for the rest (Delete Child,
//! the system-only `name`, and the attributes when the OU holds no gwb group yet) the OU's or
//! the group's DACL is checked against the bind account's token ([`gwb_ad::security`]). Each
//! missing right is a FAIL line naming it, with the dsacls lines that grant it.

use gwb_ad::delegation::{Ace, OU_CLASS, Rights as Granted, SchemaObject};
use gwb_ad::security::{Access, DELETE, DELETE_CHILD, Dacl, READ_PROPERTY, WRITE_PROPERTY};
use gwb_ad::{Account, Directory, Discovery};
use gwb_rules::RulesFile;

use super::Checklist;
use crate::delegation::Needs;

/// What the checks of every OU share: the rights needed, the bind account and its token.
pub(super) struct Rights {
    needs: Needs,
    account: Account,
    token: Vec<Vec<u8>>,
    group: SchemaObject,
    create_ous: bool,
}

impl Rights {
    /// Computes the rights and reads the bind account's token; on failure says so in `list`.
    pub(super) async fn load(
        rules: &RulesFile,
        directory: &mut Directory,
        discovery: &Discovery,
        bind_dn: &str,
        list: &mut Checklist,
    ) -> Option<Rights> {
        let needs = match Needs::compute(rules, directory, discovery).await {
            Ok(needs) => needs,
            Err(error) => {
                list.fail(
                    format!("ad: cannot tell which rights gwb needs: {error:#}"),
                    "fix the rules file or the schema; gwb delegation says the same",
                );
                return None;
            }
        };
        let account = match directory.account(discovery, bind_dn).await {
            Ok(account) => account,
            Err(error) => {
                list.fail(
                    format!("ad: cannot read the bind account: {error}"),
                    "the bind account must be able to read its own objectSid and sAMAccountName",
                );
                return None;
            }
        };
        let token = match directory.token_sids(bind_dn).await {
            Ok(token) => token,
            Err(error) => {
                list.fail(
                    format!("ad: cannot read the bind account's groups (tokenGroups): {error}"),
                    "the bind account must be able to read the rootDSE",
                );
                return None;
            }
        };
        let group = needs.schema.get(gwb_ad::delegation::GROUP_CLASS).cloned()?;
        Some(Rights {
            needs,
            account,
            token,
            group,
            create_ous: rules.sync.create_missing_ous,
        })
    }

    /// The hint that grants the ACEs of `ou` that `pick` selects.
    fn fix(&self, ou: &str, pick: impl Fn(&Ace) -> bool) -> String {
        let lines: Result<Vec<String>, _> = self
            .needs
            .aces
            .iter()
            .filter(|a| a.ou == ou && pick(a))
            .map(|a| a.dsacls(&self.account.logon_name))
            .collect();
        match lines {
            Ok(lines) => format!(
                "grant it:\n{}\n(gwb delegation prints every right gwb needs, also as PowerShell and SDDL)",
                lines.join("\n")
            ),
            Err(why) => format!(
                "grant it with `gwb delegation --format powershell` (no dsacls line: {why})"
            ),
        }
    }

    /// The hint when the bind account may not create groups in `ou`.
    pub(super) fn create_hint(&self, ou: &str) -> String {
        self.fix(ou, |a| a.rights == Granted::CreateDeleteChild)
    }

    /// Checks the rights on `ou` besides group creation; `classes` are the classes the account
    /// may create under it.
    pub(super) async fn check_ou(
        &self,
        directory: &mut Directory,
        ou: &str,
        classes: &[String],
        list: &mut Checklist,
    ) {
        let who = &self.account.dn;
        if self.create_ous {
            if classes.iter().any(|c| c.eq_ignore_ascii_case(OU_CLASS)) {
                list.ok(format!("ad: may create OUs in {ou}"));
            } else {
                list.fail(
                    format!(
                        "ad: {who} may not create OUs in {ou} ([sync] create_missing_ous = true)"
                    ),
                    &self.fix(ou, |a| a.rights == Granted::CreateChild),
                );
            }
        }
        let ou_dacl = match directory.dacl(ou).await {
            Ok(Some(dacl)) => dacl,
            result => {
                let why = result.err().map_or_else(String::new, |e| format!(": {e}"));
                list.fail(
                    format!("ad: cannot read the permissions (nTSecurityDescriptor) of {ou}{why}"),
                    "the bind account needs Read Permissions on the OU (Authenticated Users \
                     have it by default)",
                );
                return;
            }
        };
        let Some(target) = self.target(directory, ou, &ou_dacl, list).await else {
            return;
        };
        let guid = [self.group.guid.as_str()];
        let delete_child = Access {
            mask: DELETE_CHILD,
            object_types: &guid,
        };
        let delete = Access {
            mask: DELETE,
            object_types: &guid,
        };
        if ou_dacl.allows(&self.token, delete_child) || target.dacl.allows(&self.token, delete) {
            list.ok(format!("ad: may delete groups in {ou}"));
        } else {
            list.fail(
                format!("ad: {who} may not delete groups in {ou} (Delete Child of group objects)"),
                &self.fix(ou, |a| a.rights == Granted::CreateDeleteChild),
            );
        }
        let missing: Vec<&str> = self
            .needs
            .attributes
            .iter()
            .map(String::as_str)
            .filter(|a| !self.may_write(a, &target))
            .collect();
        let (rdn, other): (Vec<&str>, Vec<&str>) = missing
            .into_iter()
            .partition(|a| a.eq_ignore_ascii_case("cn") || a.eq_ignore_ascii_case("name"));
        let granting = |names: &[&str]| {
            self.fix(ou, |a| {
                a.rights == Granted::ReadWriteProperty
                    && names.iter().any(|n| n.eq_ignore_ascii_case(&a.object.name))
            })
        };
        if rdn.is_empty() {
            list.ok(format!("ad: may rename and move groups in {ou}"));
        } else {
            list.fail(
                format!(
                    "ad: {who} may not rename or move groups in {ou} (Write Property of {} on groups)",
                    rdn.join(", ")
                ),
                &granting(&rdn),
            );
        }
        if other.is_empty() {
            list.ok(format!(
                "ad: may write the {} attributes gwb writes on groups in {ou} ({})",
                self.needs.attributes.len(),
                target.source
            ));
        } else {
            list.fail(
                format!(
                    "ad: {who} may not write {} on groups in {ou} ({})",
                    other.join(", "),
                    target.source
                ),
                &granting(&other),
            );
        }
    }

    /// What the group rights of `ou` are read from: a gwb group in it when there is one (its
    /// DACL and AD's `allowedAttributesEffective`), else what the OU's DACL passes on to a new
    /// group (the group class's default security descriptor aside).
    async fn target(
        &self,
        directory: &mut Directory,
        ou: &str,
        ou_dacl: &Dacl,
        list: &mut Checklist,
    ) -> Option<Target> {
        let inherited = || ou_dacl.inherited_by(&self.group.guid);
        let group = match directory.first_gwb_group(ou).await {
            Ok(group) => group,
            Err(error) => {
                list.fail(
                    format!("ad: cannot search {ou} for gwb groups: {error}"),
                    "check the bind account's read rights",
                );
                return None;
            }
        };
        let Some(dn) = group else {
            return Some(Target {
                dacl: inherited(),
                allowed: None,
                source: "no gwb group in it yet: checked on what the OU passes on to new groups"
                    .into(),
            });
        };
        let (dacl, allowed) = match (
            directory.dacl(&dn).await,
            directory.attributes_allowed(&dn).await,
        ) {
            (Ok(dacl), Ok(allowed)) => (dacl.unwrap_or_else(inherited), allowed),
            (Err(error), _) | (_, Err(error)) => {
                list.fail(
                    format!("ad: cannot read the rights on {dn}: {error}"),
                    "check the bind account's read rights",
                );
                return None;
            }
        };
        Some(Target {
            dacl,
            allowed,
            source: format!("checked on {dn}"),
        })
    }

    /// True when the token may read and write `attribute` on the target group: AD's own
    /// answer when there is a group (except for the system-only `name`, which AD never lists),
    /// else the access check of the inherited DACL.
    fn may_write(&self, attribute: &str, target: &Target) -> bool {
        if let Some(allowed) = &target.allowed
            && !attribute.eq_ignore_ascii_case("name")
        {
            return allowed.iter().any(|a| a.eq_ignore_ascii_case(attribute));
        }
        let Some(object) = self.needs.schema.get(attribute) else {
            return false;
        };
        let mut types = vec![self.group.guid.as_str()];
        types.extend(object.property_set.as_deref());
        types.push(&object.guid);
        target.dacl.allows(
            &self.token,
            Access {
                mask: READ_PROPERTY | WRITE_PROPERTY,
                object_types: &types,
            },
        )
    }
}

/// Where the rights on the groups of an OU are read.
struct Target {
    /// The group's DACL, or what a new group inherits.
    dacl: Dacl,
    /// AD's `allowedAttributesEffective` of the group, when there is one.
    allowed: Option<Vec<String>>,
    /// Says which, for the check's line.
    source: String,
}
