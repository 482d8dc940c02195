use gwb_ad::delegation::SchemaObject;
use gwb_model::dn::Dn;

use super::*;

fn object(name: &str, guid: &str) -> SchemaObject {
    SchemaObject {
        name: name.to_owned(),
        guid: guid.to_owned(),
        property_set: None,
    }
}

fn needs(create_ous: bool) -> Needs {
    let schema: SchemaGuids = [
        object("group", "bf967a9c-0de6-11d0-a285-00aa003049e2"),
        object("organizationalUnit", "bf967aa5-0de6-11d0-a285-00aa003049e2"),
        object("member", "bf9679c0-0de6-11d0-a285-00aa003049e2"),
    ]
    .into_iter()
    .collect();
    let attributes = vec!["member".to_owned()];
    let ous = [
        Dn::parse("OU=Cloud,DC=example,DC=com").unwrap(),
        Dn::parse("OU=O'Brien,DC=example,DC=com").unwrap(),
    ];
    Needs {
        aces: required_aces(&ous, &attributes, create_ous, &schema).unwrap(),
        attributes,
        schema,
    }
}

fn account(protected: bool) -> Account {
    Account {
        dn: "CN=svc-gwb,OU=Service,DC=example,DC=com".into(),
        sid: "S-1-5-21-1-2-3-1104".into(),
        logon_name: "EXAMPLE\\svc-gwb".into(),
        protected,
    }
}

const HEADER: &str = "\
# gwb delegation for CN=svc-gwb,OU=Service,DC=example,DC=com (EXAMPLE\\svc-gwb, S-1-5-21-1-2-3-1104)
# The least rights gwb needs, on its managed OUs only (inherited by their sub-OUs);
# nothing on the domain root, AdminSDHolder or anywhere else:
# - on each managed OU: create and delete groups, create OUs ([sync] create_missing_ous);
# - on the groups below it: read and write these 1 attributes and no other:
#   member
#   (cn and name: renames and moves; extensionName: gwb's mark and record).
# What these ACEs do not stop: Create Child of group lets the account set, in the add
# that creates a group, any attribute the group class allows (member, managedBy,
# gidNumber, proxyAddresses, …); the Write Property grants bind only later changes.
# gwb itself holds what it writes to its rules: membership by any name is refused,
# and each plugin writes only the attributes its [[plugins]] entry lists.
# AD makes the account the owner of the groups and OUs it creates, and an owner may rewrite
# their permissions. On Windows Server 2008 and later DCs this ACE on each managed OU
# (OWNER RIGHTS, S-1-3-4, allowed only to read permissions, inherited by every object
# below) takes that away: (A;CIIO;RC;;;OW). Samba 4.17 ignores it.
";

#[test]
fn all_three_forms_are_printed_under_their_headings() {
    let out = render(&account(false), &needs(true), true, &[], None);
    let expected = format!(
        "{HEADER}
## dsacls (cmd.exe on a domain-joined machine, as a domain administrator)
dsacls \"OU=Cloud,DC=example,DC=com\" /I:T /G \"EXAMPLE\\svc-gwb:CCDC;group\"
dsacls \"OU=Cloud,DC=example,DC=com\" /I:T /G \"EXAMPLE\\svc-gwb:CC;organizationalUnit\"
dsacls \"OU=Cloud,DC=example,DC=com\" /I:S /G \"EXAMPLE\\svc-gwb:RPWP;member;group\"
dsacls \"OU=O'Brien,DC=example,DC=com\" /I:T /G \"EXAMPLE\\svc-gwb:CCDC;group\"
dsacls \"OU=O'Brien,DC=example,DC=com\" /I:T /G \"EXAMPLE\\svc-gwb:CC;organizationalUnit\"
dsacls \"OU=O'Brien,DC=example,DC=com\" /I:S /G \"EXAMPLE\\svc-gwb:RPWP;member;group\"

## PowerShell (with the ActiveDirectory module, as a domain administrator)
Import-Module ActiveDirectory
$account = [System.Security.Principal.SecurityIdentifier]'S-1-5-21-1-2-3-1104'
$acl = (Get-ADObject -Identity 'OU=Cloud,DC=example,DC=com' -Properties nTSecurityDescriptor).nTSecurityDescriptor
$acl.AddAccessRule((New-Object System.DirectoryServices.ActiveDirectoryAccessRule $account, 'CreateChild, DeleteChild', 'Allow', [Guid]'bf967a9c-0de6-11d0-a285-00aa003049e2', 'All')) # group
$acl.AddAccessRule((New-Object System.DirectoryServices.ActiveDirectoryAccessRule $account, 'CreateChild', 'Allow', [Guid]'bf967aa5-0de6-11d0-a285-00aa003049e2', 'All')) # organizationalUnit
$acl.AddAccessRule((New-Object System.DirectoryServices.ActiveDirectoryAccessRule $account, 'ReadProperty, WriteProperty', 'Allow', [Guid]'bf9679c0-0de6-11d0-a285-00aa003049e2', 'Descendents', [Guid]'bf967a9c-0de6-11d0-a285-00aa003049e2')) # member on group
Set-ADObject -Identity 'OU=Cloud,DC=example,DC=com' -Replace @{{nTSecurityDescriptor = $acl}}
$acl = (Get-ADObject -Identity 'OU=O''Brien,DC=example,DC=com' -Properties nTSecurityDescriptor).nTSecurityDescriptor
$acl.AddAccessRule((New-Object System.DirectoryServices.ActiveDirectoryAccessRule $account, 'CreateChild, DeleteChild', 'Allow', [Guid]'bf967a9c-0de6-11d0-a285-00aa003049e2', 'All')) # group
$acl.AddAccessRule((New-Object System.DirectoryServices.ActiveDirectoryAccessRule $account, 'CreateChild', 'Allow', [Guid]'bf967aa5-0de6-11d0-a285-00aa003049e2', 'All')) # organizationalUnit
$acl.AddAccessRule((New-Object System.DirectoryServices.ActiveDirectoryAccessRule $account, 'ReadProperty, WriteProperty', 'Allow', [Guid]'bf9679c0-0de6-11d0-a285-00aa003049e2', 'Descendents', [Guid]'bf967a9c-0de6-11d0-a285-00aa003049e2')) # member on group
Set-ADObject -Identity 'OU=O''Brien,DC=example,DC=com' -Replace @{{nTSecurityDescriptor = $acl}}

## SDDL: the ACEs to add to each OU's DACL (e.g. samba-tool dsacl set --objectdn=<OU> --sddl=<ACE>)
OU=Cloud,DC=example,DC=com
  (OA;CI;CCDC;bf967a9c-0de6-11d0-a285-00aa003049e2;;S-1-5-21-1-2-3-1104)
  (OA;CI;CC;bf967aa5-0de6-11d0-a285-00aa003049e2;;S-1-5-21-1-2-3-1104)
  (OA;CIIO;RPWP;bf9679c0-0de6-11d0-a285-00aa003049e2;bf967a9c-0de6-11d0-a285-00aa003049e2;S-1-5-21-1-2-3-1104)
OU=O'Brien,DC=example,DC=com
  (OA;CI;CCDC;bf967a9c-0de6-11d0-a285-00aa003049e2;;S-1-5-21-1-2-3-1104)
  (OA;CI;CC;bf967aa5-0de6-11d0-a285-00aa003049e2;;S-1-5-21-1-2-3-1104)
  (OA;CIIO;RPWP;bf9679c0-0de6-11d0-a285-00aa003049e2;bf967a9c-0de6-11d0-a285-00aa003049e2;S-1-5-21-1-2-3-1104)
"
    );
    assert_eq!(out, expected);
}

#[test]
fn one_form_alone_and_the_warnings() {
    let out = render(
        &account(true),
        &needs(false),
        false,
        &["OU=New,DC=example,DC=com".to_owned()],
        Some(DelegationFormat::Dsacls),
    );
    let header = HEADER
        .replace(", create OUs ([sync] create_missing_ous)", "")
        .replace("the groups and OUs it creates", "the groups it creates");
    let expected = format!(
        "{header}\
# WARNING: CN=svc-gwb,OU=Service,DC=example,DC=com is a protected account (adminCount=1); give gwb a dedicated unprivileged service account and delegate these rights to it
# WARNING: OU=New,DC=example,DC=com does not exist; create it before granting these rights

## dsacls (cmd.exe on a domain-joined machine, as a domain administrator)
dsacls \"OU=Cloud,DC=example,DC=com\" /I:T /G \"EXAMPLE\\svc-gwb:CCDC;group\"
dsacls \"OU=Cloud,DC=example,DC=com\" /I:S /G \"EXAMPLE\\svc-gwb:RPWP;member;group\"
dsacls \"OU=O'Brien,DC=example,DC=com\" /I:T /G \"EXAMPLE\\svc-gwb:CCDC;group\"
dsacls \"OU=O'Brien,DC=example,DC=com\" /I:S /G \"EXAMPLE\\svc-gwb:RPWP;member;group\"
"
    );
    assert_eq!(out, expected);
}
