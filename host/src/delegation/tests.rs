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
    let ous = [
        Dn::parse("OU=Cloud,DC=example,DC=com").unwrap(),
        Dn::parse("OU=O'Brien,DC=example,DC=com").unwrap(),
    ];
    needs_on(&ous, create_ous)
}

fn needs_on(ous: &[Dn], create_ous: bool) -> Needs {
    let schema: SchemaGuids = [
        object("group", "bf967a9c-0de6-11d0-a285-00aa003049e2"),
        object("organizationalUnit", "bf967aa5-0de6-11d0-a285-00aa003049e2"),
        object("member", "bf9679c0-0de6-11d0-a285-00aa003049e2"),
    ]
    .into_iter()
    .collect();
    let attributes = vec!["member".to_owned()];
    Needs {
        aces: required_aces(ous, &attributes, create_ous, &schema).unwrap(),
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
    let out = render(&account(false), &needs(true), true, &[], None).unwrap();
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
    )
    .unwrap();
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

/// The lines of one form below the header, without comments.
fn form_lines(out: &str) -> Vec<&str> {
    out.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// Every dsacls and PowerShell line names each hostile OU as exactly one literal of its shell,
/// read back under that shell's rules (the same words as for a plain OU, the OU in its place),
/// and the SDDL form keeps it on one line; what a shell cannot be given is refused, naming the
/// OU and the form to use instead.
#[test]
fn hostile_ous_are_one_literal_in_every_form() {
    use gwb_model::escape_dn_value;
    use test_support::shell_lex::{HOSTILE_NAMES, PsWord, cmd_words, powershell_words};

    let plain = Dn::parse("OU=Plain,DC=example,DC=com").unwrap();
    let form = |ou: &Dn, format| {
        render(
            &account(false),
            &needs_on(std::slice::from_ref(ou), true),
            true,
            &[],
            Some(format),
        )
    };
    let reference_ps = form(&plain, DelegationFormat::Powershell).unwrap();
    let reference_cmd = form(&plain, DelegationFormat::Dsacls).unwrap();
    let (mut ps_lines, mut cmd_lines) = (0, 0);
    for name in HOSTILE_NAMES {
        let ou = Dn::parse(&format!("OU={},DC=example,DC=com", escape_dn_value(name))).unwrap();
        let text = ou.to_string();
        let unprintable = text.chars().any(|c| c.is_control() || c == '\u{202e}');

        match form(&ou, DelegationFormat::Powershell) {
            Ok(out) => {
                let (got, want) = (form_lines(&out), form_lines(&reference_ps));
                assert_eq!(got.len(), want.len(), "{out}");
                for (line, reference) in got.iter().zip(want) {
                    let expected: Vec<PsWord> = powershell_words(reference)
                        .unwrap()
                        .into_iter()
                        .map(|w| match w {
                            PsWord::Quoted(v) if v == plain.to_string() => {
                                PsWord::Quoted(text.clone())
                            }
                            w => w,
                        })
                        .collect();
                    assert_eq!(powershell_words(line), Ok(expected), "{name:?}: {line}");
                    ps_lines += 1;
                }
            }
            Err(error) => {
                assert!(unprintable, "{name:?}: {error:#}");
                let message = format!("{error:#}");
                assert!(message.contains("cannot print the PowerShell lines for OU OU="));
                assert!(message.contains("--format sddl"), "{message}");
            }
        }

        match form(&ou, DelegationFormat::Dsacls) {
            Ok(out) => {
                let (got, want) = (form_lines(&out), form_lines(&reference_cmd));
                assert_eq!(got.len(), want.len(), "{out}");
                for (line, reference) in got.iter().zip(want) {
                    let expected: Vec<String> = cmd_words(reference)
                        .unwrap()
                        .into_iter()
                        .map(|w| {
                            if w == plain.to_string() {
                                text.clone()
                            } else {
                                w
                            }
                        })
                        .collect();
                    assert_eq!(cmd_words(line), Ok(expected), "{name:?}: {line}");
                    cmd_lines += 1;
                }
            }
            Err(error) => {
                let message = format!("{error:#}");
                assert!(
                    unprintable || text.contains(['"', '%', '!', '^', '&', '|', '<', '>']),
                    "{name:?}: {message}"
                );
                assert!(
                    message.contains("cannot print the dsacls lines for OU OU=")
                        && message.contains("--format powershell"),
                    "{message}"
                );
            }
        }

        let sddl = form(&ou, DelegationFormat::Sddl).unwrap();
        let lines = form_lines(&sddl);
        assert_eq!(
            lines.len(),
            form_lines(&form(&plain, DelegationFormat::Sddl).unwrap()).len()
        );
        assert_eq!(lines[0], gwb_model::printable::printable(&text));
        assert!(!sddl.chars().any(|c| c.is_control() && c != '\n') && !sddl.contains('\u{202e}'));
    }
    // The PowerShell form has 7 lines (Import-Module, $account, Get, 3 ACEs, Set), the dsacls
    // form 3: for the 10 OUs PowerShell takes and the 6 cmd.exe takes.
    assert_eq!((ps_lines, cmd_lines), (10 * 7, 6 * 3));
}

/// An account cmd.exe would expand is refused for dsacls, naming it and the PowerShell form,
/// which names the account by its SID.
#[test]
fn an_account_cmd_would_expand_has_no_dsacls_line() {
    let mut account = account(false);
    account.logon_name = "EXAMPLE\\svc%PATH%".into();
    let error = render(
        &account,
        &needs(false),
        false,
        &[],
        Some(DelegationFormat::Dsacls),
    )
    .expect_err("refused");
    assert_eq!(
        format!("{error:#}"),
        "cannot print the dsacls lines for OU OU=Cloud,DC=example,DC=com and account \
         EXAMPLE\\svc%PATH%: cmd.exe would read them otherwise than written; grant the rights \
         with `gwb delegation --format powershell` (which names the account by its SID) or \
         `--format sddl`, or rename the OU: `EXAMPLE\\svc%PATH%:CCDC;group` cannot be printed as \
         one cmd.exe literal: it carries % (U+0025), which cmd.exe expands as a variable even \
         inside double quotes"
    );
    assert!(
        render(
            &account,
            &needs(false),
            false,
            &[],
            Some(DelegationFormat::Powershell)
        )
        .is_ok()
    );
}
