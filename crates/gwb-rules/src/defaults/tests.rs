//! The defaults checked against docs/domain.md's tables.

use gwb_model::{CloudGroup, Member, MemberKind, TargetCapabilities, WritebackConfiguration};

use super::*;

const ID: &str = "02bd9fd6-8f93-4758-87c3-1fb73740a315";

fn defaults(naming: NamingScheme) -> Defaults {
    Defaults {
        naming,
        ou: "OU=Cloud Groups,DC=example,DC=com".into(),
        routing_domain: None,
    }
}

fn security(display_name: &str) -> CloudGroup {
    CloudGroup {
        id: ID.into(),
        display_name: Some(display_name.into()),
        security_enabled: Some(true),
        mail_enabled: Some(false),
        ..CloudGroup::default()
    }
}

fn m365(display_name: &str) -> CloudGroup {
    CloudGroup {
        id: ID.into(),
        display_name: Some(display_name.into()),
        group_types: vec!["Unified".into()],
        security_enabled: Some(false),
        mail_enabled: Some(true),
        mail: Some("sales@contoso.com".into()),
        mail_nickname: Some("sales".into()),
        proxy_addresses: vec!["SMTP:sales@contoso.com".into(), "smtp:s@contoso.com".into()],
        ..CloudGroup::default()
    }
}

fn cn_of(group: &CloudGroup) -> String {
    defaults(NamingScheme::DisplayName)
        .propose(group, TargetCapabilities::default())
        .expect("proposal")
        .desired
        .cn
}

#[test]
fn cloud_sync_mapping_table() {
    let mut group = security("Sales EU");
    group.description = Some("  All sales staff in Europe  ".into());
    let target = TargetCapabilities {
        exchange_schema: false,
        external_directory_object_id: true,
    };
    let desired = defaults(NamingScheme::DisplayName)
        .propose(&group, target)
        .expect("proposal")
        .desired;
    assert_eq!(desired.cn, "Sales EU_1fb73740a315");
    assert_eq!(desired.parent_dn, "OU=Cloud Groups,DC=example,DC=com");
    assert_eq!(
        desired.sam_account_name, None,
        "sAMAccountName is not mapped"
    );
    let attrs: Vec<(&str, Vec<&str>)> = desired
        .attributes
        .iter()
        .map(|(n, v)| (n, v.iter().map(String::as_str).collect()))
        .collect();
    assert_eq!(
        attrs,
        vec![
            (
                "adminDescription",
                vec!["Group_02bd9fd6-8f93-4758-87c3-1fb73740a315"]
            ),
            ("description", vec!["All sales staff in Europe"]),
            ("displayName", vec!["Sales EU"]),
            ("groupType", vec!["-2147483640"]),
            (
                "msDS-ExternalDirectoryObjectId",
                vec!["Group_02bd9fd6-8f93-4758-87c3-1fb73740a315"]
            ),
        ]
    );
}

#[test]
fn connect_default_naming_is_group_object_id() {
    let desired = defaults(NamingScheme::ObjectId)
        .propose(&security("Sales"), TargetCapabilities::default())
        .expect("proposal")
        .desired;
    assert_eq!(desired.cn, format!("Group_{ID}"));
    assert!(
        !desired
            .attributes
            .contains("msDS-ExternalDirectoryObjectId"),
        "only written when the schema has it"
    );
}

#[test]
fn long_display_name_keeps_51_characters_and_fits_64() {
    let long = "A".repeat(80);
    let cn = cn_of(&security(&long));
    assert_eq!(cn, format!("{}_1fb73740a315", "A".repeat(51)));
    assert_eq!(cn.chars().count(), 64);
}

#[test]
fn padded_display_name_is_trimmed_before_cutting() {
    let padded = format!("   {}   ", "B".repeat(60));
    assert_eq!(
        cn_of(&security(&padded)),
        format!("{}_1fb73740a315", "B".repeat(51))
    );
    assert_eq!(cn_of(&security("  Ops  ")), "Ops_1fb73740a315");
    assert_eq!(cn_of(&security("\tOps\n")), "Ops_1fb73740a315");
}

#[test]
fn unicode_display_name_is_cut_by_character_never_inside_one() {
    let name = "Ünïcødé-グループ-😀".repeat(5); // 16 chars each, 80 in all
    let cn = cn_of(&security(&name));
    let expected: String = name.chars().take(51).collect();
    assert_eq!(cn, format!("{expected}_1fb73740a315"));
    assert_eq!(cn.chars().count(), 64);
}

#[test]
fn dn_special_characters_stay_unescaped_in_the_proposal() {
    // Escaping is the AD side's job (RFC 4514); the proposal carries the plain value.
    let cn = cn_of(&security(r#"#R&D, "Lab" <EU>+\;"#));
    assert_eq!(cn, r#"#R&D, "Lab" <EU>+\;_1fb73740a315"#);
}

#[test]
fn missing_or_blank_display_name_falls_back_to_object_id() {
    let mut group = security("   ");
    assert_eq!(cn_of(&group), format!("Group_{ID}"));
    group.display_name = None;
    assert_eq!(cn_of(&group), format!("Group_{ID}"));
}

#[test]
fn description_is_trimmed_and_cut_to_448() {
    let mut group = security("x");
    group.description = Some(format!("  {}", "d".repeat(500)));
    let desired = defaults(NamingScheme::DisplayName)
        .propose(&group, TargetCapabilities::default())
        .expect("proposal")
        .desired;
    assert_eq!(
        desired.attributes.first("description"),
        Some("d".repeat(448).as_str())
    );
}

#[test]
fn group_types_follow_kind_and_writeback_configuration() {
    let d = defaults(NamingScheme::DisplayName);
    let t = TargetCapabilities::default();
    let gt = |g: &CloudGroup| {
        d.propose(g, t)
            .map(|p| p.desired.attributes.first("groupType").map(str::to_owned))
    };
    assert_eq!(
        gt(&m365("Team")),
        Ok(Some("8".into())),
        "M365 → universal distribution"
    );
    assert_eq!(gt(&security("Sec")), Ok(Some("-2147483640".into())));

    let mut team = m365("Team");
    team.writeback = Some(WritebackConfiguration {
        is_enabled: Some(true),
        on_premises_group_type: Some("universalSecurityGroup".into()),
    });
    assert_eq!(gt(&team), Ok(Some("-2147483640".into())));

    let mut sec = security("Sec");
    sec.writeback = Some(WritebackConfiguration {
        is_enabled: Some(true),
        on_premises_group_type: Some("universalDistributionGroup".into()),
    });
    let err = gt(&sec).expect_err("security groups may only be security");
    assert!(
        err.contains("only be written back as universalSecurityGroup"),
        "{err}"
    );

    sec.writeback = Some(WritebackConfiguration {
        is_enabled: Some(true),
        on_premises_group_type: Some("globalGroup".into()),
    });
    assert!(
        gt(&sec)
            .expect_err("unknown type")
            .contains("`globalGroup`")
    );
}

#[test]
fn mail_attributes_only_with_exchange_schema() {
    let d = defaults(NamingScheme::DisplayName);
    let plain = d
        .propose(&m365("Sales"), TargetCapabilities::default())
        .expect("proposal")
        .desired;
    assert!(!plain.attributes.contains("mail"));
    assert!(!plain.attributes.contains("proxyAddresses"));
    let exchange = TargetCapabilities {
        exchange_schema: true,
        external_directory_object_id: false,
    };
    let mailed = d
        .propose(&m365("Sales"), exchange)
        .expect("proposal")
        .desired;
    assert_eq!(mailed.attributes.first("mail"), Some("sales@contoso.com"));
    assert_eq!(mailed.attributes.first("mailNickname"), Some("sales"));
    assert_eq!(
        mailed.attributes.get("proxyAddresses"),
        ["SMTP:sales@contoso.com", "smtp:s@contoso.com"],
        "every proxy address, not only the primary"
    );
}

#[test]
fn eligibility_follows_domain_rules() {
    let d = defaults(NamingScheme::DisplayName);
    assert_eq!(d.eligibility(&security("ok")), Ok(()));
    assert_eq!(d.eligibility(&m365("ok")), Ok(()));

    let mut synced = security("onprem");
    synced.on_premises_sync_enabled = Some(true);
    assert!(
        d.eligibility(&synced)
            .expect_err("synced")
            .contains("onPremisesSyncEnabled")
    );
    synced.on_premises_sync_enabled = Some(false);
    assert_eq!(
        d.eligibility(&synced),
        Ok(()),
        "formerly synced groups may be written back"
    );

    let dl = CloudGroup {
        id: ID.into(),
        mail_enabled: Some(true),
        security_enabled: Some(false),
        ..CloudGroup::default()
    };
    assert!(
        d.eligibility(&dl)
            .expect_err("DL")
            .contains("distribution list")
    );

    let bare = CloudGroup {
        id: ID.into(),
        ..CloudGroup::default()
    };
    assert!(
        d.eligibility(&bare)
            .expect_err("unknown kind")
            .contains("kind is unknown")
    );

    let mut off = m365("off");
    off.writeback = Some(WritebackConfiguration {
        is_enabled: Some(false),
        on_premises_group_type: None,
    });
    assert!(
        d.eligibility(&off)
            .expect_err("disabled")
            .contains("isEnabled = false")
    );

    // isEnabled unset: on for Microsoft 365 groups, off for security groups.
    let unset = Some(WritebackConfiguration::default());
    let mut team = m365("t");
    team.writeback = unset.clone();
    assert_eq!(d.eligibility(&team), Ok(()));
    let mut sec = security("s");
    sec.writeback = unset;
    assert!(
        d.eligibility(&sec)
            .expect_err("unset")
            .contains("disabled for security groups")
    );
}

#[test]
fn member_limits_follow_connect() {
    let d = defaults(NamingScheme::DisplayName);
    let member = |i: usize| Member {
        id: format!("u{i}"),
        kind: MemberKind::User,
    };
    let mut team = m365("big");
    team.members = (0..=M365_MEMBER_LIMIT).map(member).collect();
    assert!(d.eligibility(&team).expect_err("too big").contains("50000"));
    team.members.pop();
    assert_eq!(d.eligibility(&team), Ok(()));
    let mut sec = security("big");
    sec.members = (0..=M365_MEMBER_LIMIT).map(member).collect();
    assert_eq!(
        d.eligibility(&sec),
        Ok(()),
        "security groups may have up to 250,000"
    );
}
