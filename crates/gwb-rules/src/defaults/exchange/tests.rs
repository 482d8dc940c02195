//! The Exchange mapping of `docs/exchange-mapping.md`, group kind by group kind, through
//! `Defaults::propose`: every attribute of the proposal, not only the Exchange ones.

use gwb_model::{CloudGroup, TargetCapabilities, WritebackConfiguration};

use crate::defaults::{Defaults, NamingScheme, Proposal};

const ID: &str = "02bd9fd6-8f93-4758-87c3-1fb73740a315";
const EXCHANGE: TargetCapabilities = TargetCapabilities {
    exchange_schema: true,
    external_directory_object_id: false,
};

fn defaults(routing_domain: Option<&str>) -> Defaults {
    Defaults {
        naming: NamingScheme::ObjectId,
        ou: "OU=Cloud Groups,DC=example,DC=com".into(),
        routing_domain: routing_domain.map(str::to_owned),
    }
}

/// A Microsoft 365 group as Exchange Online stamps one in a hybrid tenant.
fn m365() -> CloudGroup {
    CloudGroup {
        id: ID.into(),
        display_name: Some("Sales".into()),
        group_types: vec!["Unified".into()],
        security_enabled: Some(false),
        mail_enabled: Some(true),
        mail: Some("sales@contoso.com".into()),
        mail_nickname: Some("sales".into()),
        proxy_addresses: vec![
            "SMTP:sales@contoso.com".into(),
            "smtp:sales@contoso.onmicrosoft.com".into(),
            "smtp:sales@contoso.mail.onmicrosoft.com".into(),
            "SPO:SPO_896cf652-b200-4b74-8111-c013f64406cf@SPO_dcd219dd".into(),
            "X500:/o=ExchangeLabs/ou=Exchange Administrative Group/cn=Recipients/cn=sales".into(),
        ],
        allow_external_senders: Some(false),
        hide_from_address_lists: Some(true),
        ..CloudGroup::default()
    }
}

fn written_as(group: &mut CloudGroup, on_premises_group_type: &str) {
    group.writeback = Some(WritebackConfiguration {
        is_enabled: Some(true),
        on_premises_group_type: Some(on_premises_group_type.into()),
    });
}

fn proposal(defaults: &Defaults, group: &CloudGroup) -> Proposal {
    defaults.propose(group, EXCHANGE).expect("proposal")
}

/// Every attribute of the proposal, in name order, values joined by `|`.
fn attributes(proposal: &Proposal) -> Vec<String> {
    let mut all: Vec<String> = proposal
        .desired
        .attributes
        .iter()
        .map(|(name, values)| format!("{name}={}", values.join("|")))
        .collect();
    all.sort();
    all
}

const ANCHOR: &str = "adminDescription=Group_02bd9fd6-8f93-4758-87c3-1fb73740a315";
const ADDRESSES: &str = "proxyAddresses=SMTP:sales@contoso.com|smtp:sales@contoso.onmicrosoft.com|\
smtp:sales@contoso.mail.onmicrosoft.com|\
X500:/o=ExchangeLabs/ou=Exchange Administrative Group/cn=Recipients/cn=sales";

#[test]
fn microsoft_365_group_is_a_remote_group_mailbox_routed_to_exchange_online() {
    let proposal = proposal(&defaults(None), &m365());
    assert_eq!(
        attributes(&proposal),
        [
            ANCHOR,
            "displayName=Sales",
            "groupType=8",
            "mail=sales@contoso.com",
            "mailNickname=sales",
            "msExchHideFromAddressLists=TRUE",
            "msExchRecipientDisplayType=1",
            "msExchRecipientTypeDetails=8796093022208",
            "msExchRequireAuthToSendTo=TRUE",
            ADDRESSES,
            "targetAddress=SMTP:sales@contoso.mail.onmicrosoft.com",
        ],
        "SPO: addresses are dropped; external senders not allowed means authentication required"
    );
    assert!(proposal.warnings.is_empty(), "{:?}", proposal.warnings);
}

#[test]
fn microsoft_365_group_as_mail_enabled_security_keeps_its_routing() {
    let mut group = m365();
    written_as(&mut group, "universalMailEnabledSecurityGroup");
    group.allow_external_senders = Some(true);
    group.hide_from_address_lists = Some(false);
    let proposal = proposal(&defaults(None), &group);
    assert_eq!(
        attributes(&proposal),
        [
            ANCHOR,
            "displayName=Sales",
            "groupType=-2147483640",
            "mail=sales@contoso.com",
            "mailNickname=sales",
            "msExchHideFromAddressLists=FALSE",
            "msExchRecipientDisplayType=1073741833",
            "msExchRecipientTypeDetails=8796093022208",
            "msExchRequireAuthToSendTo=FALSE",
            ADDRESSES,
            "targetAddress=SMTP:sales@contoso.mail.onmicrosoft.com",
        ]
    );
}

#[test]
fn microsoft_365_group_as_plain_security_group_is_no_recipient() {
    let mut group = m365();
    written_as(&mut group, "universalSecurityGroup");
    let proposal = proposal(&defaults(None), &group);
    assert_eq!(
        attributes(&proposal),
        [ANCHOR, "displayName=Sales", "groupType=-2147483640"],
        "a mailNickname alone would make Exchange treat it as a MailUniversalSecurityGroup"
    );
}

#[test]
fn mail_enabled_security_group_is_addressed_but_not_routed() {
    let group = CloudGroup {
        id: ID.into(),
        display_name: Some("Finance".into()),
        security_enabled: Some(true),
        mail_enabled: Some(true),
        mail: Some("finance@contoso.com".into()),
        mail_nickname: Some("finance".into()),
        proxy_addresses: vec![
            "SMTP:finance@contoso.com".into(),
            "smtp:finance@contoso.mail.onmicrosoft.com".into(),
        ],
        // Not read for these groups; set here to prove the mapping ignores them.
        allow_external_senders: Some(false),
        hide_from_address_lists: Some(true),
        ..CloudGroup::default()
    };
    let proposal = proposal(&defaults(None), &group);
    assert_eq!(
        attributes(&proposal),
        [
            ANCHOR,
            "displayName=Finance",
            "groupType=-2147483640",
            "mail=finance@contoso.com",
            "mailNickname=finance",
            "msExchRecipientDisplayType=1073741833",
            "proxyAddresses=SMTP:finance@contoso.com|smtp:finance@contoso.mail.onmicrosoft.com",
        ],
        "no targetAddress, no RemoteGroupMailbox: it has no mailbox in the cloud"
    );
    assert!(proposal.warnings.is_empty());
}

#[test]
fn without_a_routing_address_the_group_is_written_and_reported() {
    let mut group = m365();
    group
        .proxy_addresses
        .retain(|p| !p.contains(".mail.onmicrosoft.com"));
    let proposal = proposal(&defaults(None), &group);
    let attributes = attributes(&proposal);
    assert!(
        !attributes
            .iter()
            .any(|a| a.starts_with("targetAddress") || a.starts_with("msExchRecipientTypeDetails")),
        "{attributes:?}"
    );
    assert!(attributes.contains(&"msExchRecipientDisplayType=1".to_owned()));
    assert_eq!(
        proposal.warnings,
        [
            "not routable to Exchange Online: it has no proxy address in \
          <tenant>.mail.onmicrosoft.com; add one in Exchange Online (Set-UnifiedGroup \
          -EmailAddresses @{add=\"sales@<tenant>.mail.onmicrosoft.com\"}); on-premises \
          Exchange expands the group to its on-premises members instead, and its cloud \
          mailbox gets no mail from there"
        ]
    );
}

#[test]
fn settings_not_read_are_not_written() {
    let mut group = m365();
    group.allow_external_senders = None;
    group.hide_from_address_lists = None;
    let attributes = attributes(&proposal(&defaults(None), &group));
    assert!(
        !attributes
            .iter()
            .any(|a| a.starts_with("msExchRequireAuthToSendTo")
                || a.starts_with("msExchHideFromAddressLists")),
        "{attributes:?}"
    );
}

#[test]
fn the_routing_address_is_the_alias_among_several_or_the_configured_domain() {
    let mut group = m365();
    group.proxy_addresses = vec![
        "SMTP:sales@contoso.com".into(),
        "smtp:sales-old@contoso.mail.onmicrosoft.com".into(),
        "smtp:Sales@contoso.mail.onmicrosoft.com".into(),
        "smtp:sales@fabrikam.mail.onmicrosoft.com".into(),
    ];
    let target = |proposal: &Proposal| {
        proposal
            .desired
            .attributes
            .first("targetAddress")
            .map(str::to_owned)
    };
    let configured = proposal(&defaults(Some("fabrikam.mail.onmicrosoft.com")), &group);
    assert_eq!(
        target(&configured).as_deref(),
        Some("SMTP:sales@fabrikam.mail.onmicrosoft.com")
    );
    let unconfigured = proposal(&defaults(None), &group);
    assert_eq!(
        target(&unconfigured),
        None,
        "two domains each hold an address named like the alias: no guess"
    );
    assert!(
        unconfigured.warnings[0].contains("several proxy addresses"),
        "{:?}",
        unconfigured.warnings
    );
    group.proxy_addresses.pop();
    let alias = proposal(&defaults(None), &group);
    assert_eq!(
        target(&alias).as_deref(),
        Some("SMTP:Sales@contoso.mail.onmicrosoft.com"),
        "the address named like the alias wins over another in the same domain"
    );
}

#[test]
fn the_primary_address_is_never_the_routing_address() {
    let mut group = m365();
    group.mail = Some("sales@contoso.mail.onmicrosoft.com".into());
    group.proxy_addresses = vec!["SMTP:sales@contoso.mail.onmicrosoft.com".into()];
    let proposal = proposal(&defaults(None), &group);
    assert_eq!(proposal.desired.attributes.first("targetAddress"), None);
    assert!(
        proposal.warnings[0].contains("is its primary SMTP address"),
        "{:?}",
        proposal.warnings
    );
}

#[test]
fn no_exchange_attribute_without_the_exchange_schema() {
    let proposal = defaults(None)
        .propose(&m365(), TargetCapabilities::default())
        .expect("proposal");
    assert_eq!(
        attributes(&proposal),
        [ANCHOR, "displayName=Sales", "groupType=8"]
    );
}
