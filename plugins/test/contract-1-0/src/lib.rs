//! contract-1-0: a plugin built against the frozen contract `wit/gwb-rules@1.0.0` with wit-bindgen
//! alone, not the SDK, so no SDK change can move it. The host's tests load it to prove that a
//! plugin built against 1.0.0 keeps loading and answering after any 1.x change. Its stages answer
//! from what they read through every host function of 1.0.0 (mapping lists them all in `info`),
//! so a host that served one of them differently fails the test.

#[allow(missing_docs)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../../wit/gwb-rules@1.0.0",
        world: "rule-plugin",
    });
}

use bindings::exports::gwb::rules::plugin::{Guest, PluginInfo, Stages};
use bindings::gwb::rules::log::{Level, log};
use bindings::gwb::rules::types::{
    Attribute, AttributeEdit, CloudGroup, FilterDecision, KeyValue, MemberKind, NamingDecision,
    Proposal, RuleError,
};

/// The plugin.
struct Contract;

fn error(message: String) -> RuleError {
    RuleError { message }
}

/// A value, or `-` for none.
fn or_dash<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

fn pairs(list: &[KeyValue]) -> String {
    let pairs: Vec<String> = list
        .iter()
        .map(|p| format!("{}={}", p.key, p.value))
        .collect();
    pairs.join(" ")
}

fn kind(kind: MemberKind) -> &'static str {
    match kind {
        MemberKind::User => "user",
        MemberKind::Group => "group",
        MemberKind::Device => "device",
        MemberKind::OrgContact => "org-contact",
        MemberKind::ServicePrincipal => "service-principal",
        MemberKind::Other => "other",
    }
}

/// One line per host function of 1.0.0, in the contract's order.
fn report(group: &CloudGroup, proposal: &Proposal) -> Vec<String> {
    let writeback = group.writeback_configuration().map(|w| {
        format!(
            "{}/{}",
            or_dash(w.is_enabled),
            or_dash(w.on_premises_group_type)
        )
    });
    // The second page of one member, and a page past the end (empty).
    let page = |start, count| {
        let members: Vec<String> = group
            .members(start, count)
            .iter()
            .map(|m| format!("{}:{}", m.id, kind(m.kind)))
            .collect();
        members.join(" ")
    };
    let attributes: Vec<String> = proposal
        .attributes()
        .iter()
        .map(|a| format!("{}={}", a.name, a.values.join("|")))
        .collect();
    let target = proposal.target();
    vec![
        format!("id={}", group.id()),
        format!("display-name={}", or_dash(group.display_name())),
        format!("description={}", or_dash(group.description())),
        format!("mail={}", or_dash(group.mail())),
        format!("mail-nickname={}", or_dash(group.mail_nickname())),
        format!("mail-enabled={}", or_dash(group.mail_enabled())),
        format!("security-enabled={}", or_dash(group.security_enabled())),
        format!("group-types={}", group.group_types().join("|")),
        format!("proxy-addresses={}", group.proxy_addresses().join("|")),
        format!("visibility={}", or_dash(group.visibility())),
        format!(
            "on-premises-sync-enabled={}",
            or_dash(group.on_premises_sync_enabled())
        ),
        format!(
            "on-premises-security-identifier={}",
            or_dash(group.on_premises_security_identifier())
        ),
        format!(
            "on-premises-sam-account-name={}",
            or_dash(group.on_premises_sam_account_name())
        ),
        format!(
            "security-identifier={}",
            or_dash(group.security_identifier())
        ),
        format!("created-date-time={}", or_dash(group.created_date_time())),
        format!("deleted-date-time={}", or_dash(group.deleted_date_time())),
        format!("writeback-configuration={}", or_dash(writeback)),
        format!(
            "extension-attribute(3)={}",
            or_dash(group.extension_attribute(3))
        ),
        format!(
            "extension-attributes={}",
            pairs(&group.extension_attributes())
        ),
        format!(
            "directory-extension={}",
            or_dash(group.directory_extension("extension_0123abcd_costCenter"))
        ),
        format!(
            "directory-extensions={}",
            pairs(&group.directory_extensions())
        ),
        format!("member-count={}", group.member_count()),
        format!("members(1,1)={}", page(1, 1)),
        format!("members(9,5)={}", page(9, 5)),
        format!("cn={}", proposal.cn()),
        format!("parent-dn={}", proposal.parent_dn()),
        format!("sam-account-name={}", or_dash(proposal.sam_account_name())),
        format!(
            "attribute(DESCRIPTION)={}",
            proposal.attribute("DESCRIPTION").join("|")
        ),
        format!("attributes={}", attributes.join(" ")),
        format!(
            "target={}/{}",
            target.exchange_schema, target.external_directory_object_id
        ),
    ]
}

impl Guest for Contract {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "contract-1-0".to_owned(),
            version: "1.0.0".to_owned(),
            stages: Stages::FILTER | Stages::NAMING | Stages::MAPPING,
        }
    }

    fn configure(config: String) -> Result<(), RuleError> {
        if config.trim() == "{}" {
            Ok(())
        } else {
            Err(error(format!("contract-1-0 takes no config, got {config}")))
        }
    }

    fn filter(group: &CloudGroup) -> Result<FilterDecision, RuleError> {
        log(Level::Info, &format!("filter {}", group.id()));
        match group.display_name() {
            None => Err(error(format!("group {} has no displayName", group.id()))),
            Some(name) if group.member_count() == 0 => {
                Ok(FilterDecision::Skip(format!("{name} has no members")))
            }
            Some(_) => Ok(FilterDecision::Write),
        }
    }

    fn naming(group: &CloudGroup, proposal: &Proposal) -> Result<NamingDecision, RuleError> {
        Ok(NamingDecision {
            cn: Some(format!("{} ({})", proposal.cn(), group.id())),
            parent_dn: Some(format!("OU=Contract,{}", proposal.parent_dn())),
            sam_account_name: None,
        })
    }

    fn mapping(group: &CloudGroup, proposal: &Proposal) -> Result<Vec<AttributeEdit>, RuleError> {
        Ok(vec![
            AttributeEdit::Replace(Attribute {
                name: "info".to_owned(),
                values: report(group, proposal),
            }),
            AttributeEdit::Add(Attribute {
                name: "proxyAddresses".to_owned(),
                values: vec!["smtp:contract@example.com".to_owned()],
            }),
            AttributeEdit::Remove(Attribute {
                name: "extensionAttribute1".to_owned(),
                values: Vec::new(),
            }),
        ])
    }
}

bindings::export!(Contract with_types_in bindings);
