//! The Exchange recipient attributes of a written-back group, as `docs/exchange-mapping.md`
//! lays them out with their sources: the addresses, the display type, and for Microsoft 365
//! groups the routing to Exchange Online (`targetAddress` + RemoteGroupMailbox) and the two
//! settings Graph serves only per group.

use gwb_model::{Attributes, CloudGroup, GroupKind};

/// `msExchRecipientTypeDetails` RemoteGroupMailbox (2^43): on-premises transport routes the
/// group to its `targetAddress` instead of expanding it (Exchange's `RecipientTypeDetails`).
pub const REMOTE_GROUP_MAILBOX: &str = "8796093022208";
/// `msExchRecipientDisplayType` DistributionGroup, what Exchange stamps on a mail-enabled
/// universal distribution group.
pub const DISPLAY_TYPE_DISTRIBUTION_GROUP: &str = "1";
/// `msExchRecipientDisplayType` SecurityDistributionGroup (0x40000009), what Exchange stamps
/// on a mail-enabled security group.
pub const DISPLAY_TYPE_SECURITY_DISTRIBUTION_GROUP: &str = "1073741833";
/// The hybrid routing domain of a commercial tenant ends so: `<tenant>.mail.onmicrosoft.com`.
pub const ROUTING_DOMAIN_SUFFIX: &str = ".mail.onmicrosoft.com";

/// The address prefixes of `proxyAddresses` gwb writes on-premises: SMTP and X500 addresses
/// mean something to Exchange there; `SPO:` and the like do not.
const WRITTEN_PROXY_PREFIXES: [&str; 2] = ["smtp:", "x500:"];

/// How a mail-enabled cloud group is written: what Exchange on-premises will make of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Recipient {
    /// A mail-enabled universal distribution group (Microsoft 365 groups by default).
    Distribution,
    /// A mail-enabled universal security group.
    SecurityDistribution,
}

/// Adds the Exchange attributes of `group`, written as `recipient`, to `attributes`; what
/// keeps the group from being routed to Exchange Online goes to `warnings`. `routing_domain`
/// is `[defaults] routing_domain`; without it any `*.mail.onmicrosoft.com` address serves.
pub(super) fn add(
    attributes: &mut Attributes,
    group: &CloudGroup,
    recipient: Recipient,
    routing_domain: Option<&str>,
    warnings: &mut Vec<String>,
) {
    if let Some(mail) = &group.mail {
        attributes.set_one("mail", mail.clone());
    }
    // Without an alias the object is no recipient to Exchange, whatever else it carries.
    let Some(nickname) = &group.mail_nickname else {
        return;
    };
    attributes.set_one("mailNickname", nickname.clone());
    let proxies: Vec<String> = group
        .proxy_addresses
        .iter()
        .filter(|p| has_prefix(p, &WRITTEN_PROXY_PREFIXES))
        .cloned()
        .collect();
    if !proxies.is_empty() {
        attributes.set("proxyAddresses", proxies);
    }
    attributes.set_one(
        "msExchRecipientDisplayType",
        match recipient {
            Recipient::Distribution => DISPLAY_TYPE_DISTRIBUTION_GROUP,
            Recipient::SecurityDistribution => DISPLAY_TYPE_SECURITY_DISTRIBUTION_GROUP,
        },
    );
    // Routing and the per-group settings are Microsoft 365 groups' (a group mailbox in the
    // cloud); a mail-enabled security group is expanded on-premises and its settings are
    // managed there.
    if group.kind() != GroupKind::Microsoft365 {
        return;
    }
    match routing_address(group, routing_domain) {
        Ok(address) => {
            attributes.set_one("targetAddress", format!("SMTP:{address}"));
            attributes.set_one("msExchRecipientTypeDetails", REMOTE_GROUP_MAILBOX);
        }
        Err(why) => warnings.push(format!(
            "not routable to Exchange Online: {why}; on-premises Exchange expands the group to \
             its on-premises members instead, and its cloud mailbox gets no mail from there"
        )),
    }
    if let Some(allowed) = group.allow_external_senders {
        attributes.set_one("msExchRequireAuthToSendTo", ldap_boolean(!allowed));
    }
    if let Some(hidden) = group.hide_from_address_lists {
        attributes.set_one("msExchHideFromAddressLists", ldap_boolean(hidden));
    }
}

/// The group's address in the hybrid routing domain, without its prefix; `Err` says why
/// there is none to use.
fn routing_address<'a>(
    group: &'a CloudGroup,
    routing_domain: Option<&str>,
) -> Result<&'a str, String> {
    let in_domain = |address: &str| {
        let Some((_, domain)) = address.rsplit_once('@') else {
            return false;
        };
        match routing_domain {
            Some(wanted) => domain.eq_ignore_ascii_case(wanted),
            None => domain.to_ascii_lowercase().ends_with(ROUTING_DOMAIN_SUFFIX),
        }
    };
    let mut candidates: Vec<&str> = group
        .proxy_addresses
        .iter()
        .filter(|p| has_prefix(p, &["smtp:"]))
        .map(|p| &p[5..])
        .filter(|a| in_domain(a))
        .collect();
    candidates.sort_by_key(|a| a.to_ascii_lowercase());
    candidates.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    let domain = routing_domain.map_or_else(
        || format!("<tenant>{ROUTING_DOMAIN_SUFFIX}"),
        |d| d.to_owned(),
    );
    let nickname = group.mail_nickname.as_deref().unwrap_or_default();
    let chosen = match candidates.as_slice() {
        [] => {
            return Err(format!(
                "it has no proxy address in {domain}; add one in Exchange Online \
                 (Set-UnifiedGroup -EmailAddresses @{{add=\"{nickname}@{domain}\"}})"
            ));
        }
        [only] => *only,
        several => {
            let named: Vec<&&str> = several
                .iter()
                .filter(|a| {
                    a.split_once('@')
                        .is_some_and(|(local, _)| local.eq_ignore_ascii_case(nickname))
                })
                .collect();
            match named.as_slice() {
                [alias] => **alias,
                _ => {
                    return Err(format!(
                        "it has several proxy addresses in {domain} ({}) and not exactly one \
                         of them is named like its alias `{nickname}`; set [defaults] \
                         routing_domain or keep one address there",
                        several.join(", ")
                    ));
                }
            }
        }
    };
    if group
        .mail
        .as_deref()
        .is_some_and(|m| m.eq_ignore_ascii_case(chosen))
    {
        return Err(format!(
            "its routing address {chosen} is its primary SMTP address, which Autodiscover \
             refuses as a target; give the group another primary address"
        ));
    }
    Ok(chosen)
}

/// Whether `value` starts with one of `prefixes` (lower case), ignoring case.
fn has_prefix(value: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|p| {
        value
            .get(..p.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(p))
    })
}

/// An LDAP Boolean (syntax 2.5.5.8): the upper-case strings `TRUE` and `FALSE`.
fn ldap_boolean(value: bool) -> &'static str {
    if value { "TRUE" } else { "FALSE" }
}

#[cfg(test)]
mod tests;
