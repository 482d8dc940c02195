//! `gwb delegation`: prints the least rights gwb needs on each managed OU for an account (the
//! bind account unless told otherwise), as dsacls commands, PowerShell and SDDL, computed from
//! the rules file and the directory's schema ([`gwb_ad::delegation`]). `gwb check` verifies
//! the same rights through [`Needs`].

use anyhow::Context;
use gwb_ad::delegation::{
    Ace, GROUP_CLASS, OU_CLASS, SchemaGuids, required_aces, written_attributes,
};
use gwb_ad::{Account, Directory, Discovery};
use gwb_model::printable::printable;
use gwb_model::shell;
use gwb_rules::RulesFile;

use crate::cli::{DelegationArgs, DelegationFormat};
use crate::exit::Exit;
use crate::settings::{ad_config, ad_section};

/// What gwb needs in AD for a rules file.
#[derive(Debug, Clone)]
pub struct Needs {
    /// The attributes gwb writes on its groups.
    pub attributes: Vec<String>,
    /// The ACEs that grant exactly that, per managed OU.
    pub aces: Vec<Ace>,
    /// The schema objects they name.
    pub schema: SchemaGuids,
}

impl Needs {
    /// Computes the rights for `rules` on the directory `discovery` describes, reading the
    /// schemaIDGUIDs of what they name.
    pub async fn compute(
        rules: &RulesFile,
        directory: &mut Directory,
        discovery: &Discovery,
    ) -> anyhow::Result<Needs> {
        let plugin_attributes: Vec<String> = rules
            .plugins
            .iter()
            .filter_map(|p| p.privileges.attributes.as_ref())
            .flatten()
            .cloned()
            .collect();
        let sam = rules
            .plugins
            .iter()
            .any(|p| p.privileges.may_set_sam_account_name);
        let attributes = written_attributes(discovery.capabilities, sam, &plugin_attributes);
        let names: Vec<&str> = attributes
            .iter()
            .map(String::as_str)
            .chain([GROUP_CLASS, OU_CLASS])
            .collect();
        let schema = directory
            .schema_guids(discovery, &names)
            .await
            .context("cannot read the schemaIDGUIDs the rights are granted by")?;
        let aces = required_aces(
            &rules.managed_ous,
            &attributes,
            rules.sync.create_missing_ous,
            &schema,
        )
        .map_err(|missing| {
            let plugins: Vec<String> = rules
                .plugins
                .iter()
                .filter(|p| {
                    p.privileges
                        .attributes
                        .iter()
                        .flatten()
                        .any(|a| a.eq_ignore_ascii_case(&missing.0))
                })
                .map(|p| format!("`{}` ({})", p.name, p.location))
                .collect();
            if plugins.is_empty() {
                anyhow::anyhow!("{missing}")
            } else {
                anyhow::anyhow!("{missing}; it is named by plugin {}", plugins.join(", "))
            }
        })?;
        Ok(Needs {
            attributes,
            aces,
            schema,
        })
    }
}

/// The ACE that limits what owning an object gives: OWNER RIGHTS (S-1-3-4) allowed only
/// READ_CONTROL, inherited by every object created below the OU. Windows Server 2008 and later
/// then grant an owner no implicit WRITE_DAC; Samba 4.17 ignores it (docs/delegation.md).
pub const OWNER_RIGHTS_ACE: &str = "(A;CIIO;RC;;;OW)";

/// Connects, computes the rights for the account and prints them.
pub async fn run(rules: &RulesFile, args: &DelegationArgs) -> anyhow::Result<Exit> {
    let section = ad_section(rules)?;
    let mut directory = Directory::connect(&ad_config(section)?).await?;
    let discovery = directory.discover().await?;
    // Never a right on AD's own places: the same refusal as a run's.
    directory
        .refuse_unsafe_scope(&discovery, &rules.managed_ous)
        .await?;
    let name = args.account.as_deref().unwrap_or(&section.bind_dn);
    let account = directory
        .account(&discovery, name)
        .await
        .with_context(|| format!("the account to delegate to, {name}"))?;
    let needs = Needs::compute(rules, &mut directory, &discovery).await?;
    let mut missing = Vec::new();
    for ou in &rules.managed_ous {
        let dn = ou.to_string();
        if directory.child_classes_allowed(&dn).await?.is_none() {
            missing.push(dn);
        }
    }
    print!(
        "{}",
        render(
            &account,
            &needs,
            rules.sync.create_missing_ous,
            &missing,
            args.format
        )?
    );
    Ok(Exit::Success)
}

/// The whole output: the header, then the forms `format` asks for (all three when `None`).
/// Every value on a dsacls or PowerShell line is one literal of that shell
/// ([`gwb_model::shell`]); an OU or account that cannot be one fails with the form that can
/// grant the rights instead.
pub fn render(
    account: &Account,
    needs: &Needs,
    create_ous: bool,
    missing_ous: &[String],
    format: Option<DelegationFormat>,
) -> anyhow::Result<String> {
    let mut out = header(account, needs, create_ous, missing_ous);
    let wanted = |f: DelegationFormat| format.is_none_or(|x| x == f);
    if wanted(DelegationFormat::Dsacls) {
        out += "\n## dsacls (cmd.exe on a domain-joined machine, as a domain administrator)\n";
        for ace in &needs.aces {
            let line = ace.dsacls(&account.logon_name).with_context(|| {
                format!(
                    "cannot print the dsacls lines for OU {} and account {}: cmd.exe would \
                     read them otherwise than written; grant the rights with `gwb delegation \
                     --format powershell` (which names the account by its SID) or \
                     `--format sddl`, or rename the OU",
                    printable(&ace.ou),
                    printable(&account.logon_name)
                )
            })?;
            out += &line;
            out.push('\n');
        }
    }
    if wanted(DelegationFormat::Powershell) {
        out += "\n## PowerShell (with the ActiveDirectory module, as a domain administrator)\n";
        out += "Import-Module ActiveDirectory\n";
        out += &format!(
            "$account = [System.Security.Principal.SecurityIdentifier]{}\n",
            shell::powershell(&account.sid)?
        );
        for (ou, aces) in per_ou(&needs.aces) {
            let quoted = shell::powershell(ou).with_context(|| {
                format!(
                    "cannot print the PowerShell lines for OU {}: grant the rights with `gwb \
                     delegation --format sddl`, or rename the OU",
                    printable(ou)
                )
            })?;
            out += &format!(
                "$acl = (Get-ADObject -Identity {quoted} -Properties nTSecurityDescriptor).nTSecurityDescriptor\n"
            );
            for ace in aces {
                out += &ace.powershell()?;
                out.push('\n');
            }
            out += &format!(
                "Set-ADObject -Identity {quoted} -Replace @{{nTSecurityDescriptor = $acl}}\n"
            );
        }
    }
    if wanted(DelegationFormat::Sddl) {
        out += "\n## SDDL: the ACEs to add to each OU's DACL (e.g. samba-tool dsacl set \
                --objectdn=<OU> --sddl=<ACE>)\n";
        for (ou, aces) in per_ou(&needs.aces) {
            // Not a shell line, but one line: control characters shown as escapes.
            out += &printable(ou);
            out.push('\n');
            for ace in aces {
                out += &format!("  {}\n", ace.sddl(&account.sid));
            }
        }
    }
    Ok(out)
}

/// The comment lines that say what the rights are, for whom, and what they do not cover.
fn header(account: &Account, needs: &Needs, create_ous: bool, missing_ous: &[String]) -> String {
    let mut out = format!(
        "# gwb delegation for {} ({}, {})\n\
         # The least rights gwb needs, on its managed OUs only (inherited by their sub-OUs);\n\
         # nothing on the domain root, AdminSDHolder or anywhere else:\n\
         # - on each managed OU: create and delete groups{};\n\
         # - on the groups below it: read and write these {} attributes and no other:\n\
         #   {}\n\
         #   (cn and name: renames and moves; extensionName: gwb's mark and record).\n\
         # What these ACEs do not stop: Create Child of group lets the account set, in the add\n\
         # that creates a group, any attribute the group class allows (member, managedBy,\n\
         # gidNumber, proxyAddresses, …); the Write Property grants bind only later changes.\n\
         # gwb itself holds what it writes to its rules: membership by any name is refused,\n\
         # and each plugin writes only the attributes its [[plugins]] entry lists.\n\
         # AD makes the account the owner of the groups{} it creates, and an owner may rewrite\n\
         # their permissions. On Windows Server 2008 and later DCs this ACE on each managed OU\n\
         # (OWNER RIGHTS, S-1-3-4, allowed only to read permissions, inherited by every object\n\
         # below) takes that away: {OWNER_RIGHTS_ACE}. Samba 4.17 ignores it.\n",
        printable(&account.dn),
        printable(&account.logon_name),
        printable(&account.sid),
        if create_ous {
            ", create OUs ([sync] create_missing_ous)"
        } else {
            ""
        },
        needs.attributes.len(),
        needs.attributes.join(", "),
        if create_ous { " and OUs" } else { "" },
    );
    let mut warn = |text: String| out += &format!("# WARNING: {text}\n");
    if account.protected {
        warn(format!(
            "{} is a protected account (adminCount=1); give gwb a dedicated unprivileged \
             service account and delegate these rights to it",
            printable(&account.dn)
        ));
    }
    for ou in missing_ous {
        warn(format!(
            "{} does not exist; create it before granting these rights",
            printable(ou)
        ));
    }
    out
}

/// The ACEs grouped by OU, in their order.
fn per_ou(aces: &[Ace]) -> Vec<(&str, Vec<&Ace>)> {
    let mut groups: Vec<(&str, Vec<&Ace>)> = Vec::new();
    for ace in aces {
        match groups.last_mut() {
            Some((ou, list)) if *ou == ace.ou => list.push(ace),
            _ => groups.push((&ace.ou, vec![ace])),
        }
    }
    groups
}

#[cfg(test)]
mod tests;
