use super::*;

fn object(name: &str, guid: &str) -> SchemaObject {
    SchemaObject {
        name: name.to_owned(),
        guid: guid.to_owned(),
        property_set: None,
    }
}

/// The schemaIDGUIDs Microsoft publishes (and Samba's schema carries).
fn schema() -> SchemaGuids {
    [
        object("group", "bf967a9c-0de6-11d0-a285-00aa003049e2"),
        object("organizationalUnit", "bf967aa5-0de6-11d0-a285-00aa003049e2"),
        object("description", "bf967950-0de6-11d0-a285-00aa003049e2"),
        object("member", "bf9679c0-0de6-11d0-a285-00aa003049e2"),
    ]
    .into_iter()
    .collect()
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|n| (*n).to_owned()).collect()
}

#[test]
fn the_base_schema_without_plugins_needs_the_core_attributes_only() {
    let none = TargetCapabilities::default();
    assert_eq!(
        written_attributes(none, false, &[]),
        names(&[
            "adminDescription",
            "cn",
            "description",
            "displayName",
            "extensionName",
            "groupType",
            "member",
            "name",
        ])
    );
}

#[test]
fn the_exchange_schema_and_plugins_add_exactly_what_they_write() {
    let all = TargetCapabilities {
        exchange_schema: true,
        external_directory_object_id: true,
    };
    let plugin = names(&["extensionAttribute1", "Description"]);
    assert_eq!(
        written_attributes(all, true, &plugin),
        names(&[
            "adminDescription",
            "cn",
            "description",
            "displayName",
            "extensionAttribute1",
            "extensionName",
            "groupType",
            "mail",
            "mailNickname",
            "member",
            "msDS-ExternalDirectoryObjectId",
            "msExchHideFromAddressLists",
            "msExchRecipientDisplayType",
            "msExchRecipientTypeDetails",
            "msExchRequireAuthToSendTo",
            "name",
            "proxyAddresses",
            "sAMAccountName",
            "targetAddress",
        ])
    );
    // The Cloud Sync anchor alone (a 2016 schema without Exchange) adds no mail attribute.
    let external = TargetCapabilities {
        exchange_schema: false,
        external_directory_object_id: true,
    };
    let written = written_attributes(external, false, &[]);
    assert!(written.contains(&"msDS-ExternalDirectoryObjectId".to_owned()));
    assert!(!written.iter().any(|a| a == "mail" || a == "proxyAddresses"));
}

#[test]
fn each_managed_ou_gets_child_rights_then_property_rights_on_groups() {
    let ous = [
        Dn::parse("OU=Cloud,DC=example,DC=com").unwrap(),
        Dn::parse("OU=Finance,DC=example,DC=com").unwrap(),
    ];
    let aces = required_aces(&ous, &names(&["description", "member"]), true, &schema()).unwrap();
    let sid = "S-1-5-21-1-2-3-1104";
    let sddl: Vec<(String, String)> = aces.iter().map(|a| (a.ou.clone(), a.sddl(sid))).collect();
    let cloud = "OU=Cloud,DC=example,DC=com".to_owned();
    let finance = "OU=Finance,DC=example,DC=com".to_owned();
    let per_ou = |ou: &String| {
        vec![
            (ou.clone(), "(OA;CI;CCDC;bf967a9c-0de6-11d0-a285-00aa003049e2;;S-1-5-21-1-2-3-1104)".to_owned()),
            (ou.clone(), "(OA;CI;CC;bf967aa5-0de6-11d0-a285-00aa003049e2;;S-1-5-21-1-2-3-1104)".to_owned()),
            (ou.clone(), "(OA;CIIO;RPWP;bf967950-0de6-11d0-a285-00aa003049e2;bf967a9c-0de6-11d0-a285-00aa003049e2;S-1-5-21-1-2-3-1104)".to_owned()),
            (ou.clone(), "(OA;CIIO;RPWP;bf9679c0-0de6-11d0-a285-00aa003049e2;bf967a9c-0de6-11d0-a285-00aa003049e2;S-1-5-21-1-2-3-1104)".to_owned()),
        ]
    };
    let mut expected = per_ou(&cloud);
    expected.extend(per_ou(&finance));
    assert_eq!(sddl, expected);

    let dsacls: Vec<String> = aces[..4]
        .iter()
        .map(|a| a.dsacls("EXAMPLE\\svc-gwb").unwrap())
        .collect();
    assert_eq!(
        dsacls,
        [
            r#"dsacls "OU=Cloud,DC=example,DC=com" /I:T /G "EXAMPLE\svc-gwb:CCDC;group""#,
            r#"dsacls "OU=Cloud,DC=example,DC=com" /I:T /G "EXAMPLE\svc-gwb:CC;organizationalUnit""#,
            r#"dsacls "OU=Cloud,DC=example,DC=com" /I:S /G "EXAMPLE\svc-gwb:RPWP;description;group""#,
            r#"dsacls "OU=Cloud,DC=example,DC=com" /I:S /G "EXAMPLE\svc-gwb:RPWP;member;group""#,
        ]
    );
    assert_eq!(
        aces[0].powershell().unwrap(),
        "$acl.AddAccessRule((New-Object System.DirectoryServices.ActiveDirectoryAccessRule \
         $account, 'CreateChild, DeleteChild', 'Allow', \
         [Guid]'bf967a9c-0de6-11d0-a285-00aa003049e2', 'All')) # group"
    );
    assert_eq!(
        aces[2].powershell().unwrap(),
        "$acl.AddAccessRule((New-Object System.DirectoryServices.ActiveDirectoryAccessRule \
         $account, 'ReadProperty, WriteProperty', 'Allow', \
         [Guid]'bf967950-0de6-11d0-a285-00aa003049e2', 'Descendents', \
         [Guid]'bf967a9c-0de6-11d0-a285-00aa003049e2')) # description on group"
    );
}

#[test]
fn without_create_missing_ous_no_ou_can_be_created() {
    let ous = [Dn::parse("OU=Cloud,DC=example,DC=com").unwrap()];
    let aces = required_aces(&ous, &names(&["member"]), false, &schema()).unwrap();
    let rights: Vec<(Rights, &str)> = aces
        .iter()
        .map(|a| (a.rights, a.object.name.as_str()))
        .collect();
    assert_eq!(
        rights,
        [
            (Rights::CreateDeleteChild, "group"),
            (Rights::ReadWriteProperty, "member")
        ]
    );
}

#[test]
fn an_attribute_the_schema_lacks_is_named() {
    let ous = [Dn::parse("OU=Cloud,DC=example,DC=com").unwrap()];
    let error = required_aces(
        &ous,
        &names(&["member", "extensionAttribute9"]),
        false,
        &schema(),
    )
    .unwrap_err();
    assert_eq!(error, NotInSchema("extensionAttribute9".into()));
    assert!(
        error
            .to_string()
            .starts_with("the directory's schema has no `extensionAttribute9`")
    );
}
