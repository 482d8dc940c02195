//! `gwb check`: tries every piece a run needs — rules file, plugins and pins, credentials,
//! Graph and AD reachability, that the managed OUs are safe (no AD system container or
//! naming context head) and the rights on them, the schema — and says what is fine and what
//! is not, with a hint for each problem. A gwb group that AD nests into a protected group is
//! a warning. The rights checked are the ones `gwb delegation` prints ([`rights`]).

use std::fmt::Display;
use std::path::Path;

use gwb_ad::{Directory, Discovery};
use gwb_graph::{GraphClient, GraphError, RequestStats};
use gwb_model::clock::system_clock;
use gwb_model::printable::printable_lines;
use gwb_rules::RulesFile;
use gwb_rules::rights::rights_bearing_among;

use crate::exit::Exit;
use crate::plugins::PluginChain;
use crate::settings::{ad_config, ad_section, graph_config, graph_section};
use crate::writeback_off::Disabled;

mod rights;

/// Collects the lines of the check.
#[derive(Default)]
struct Checklist {
    failures: usize,
}

impl Checklist {
    // A plugin's name, version or config error and a server's message are not gwb's text:
    // every line is made printable, continuation lines indented.
    fn ok(&mut self, what: impl Display) {
        println!("ok    {}", printable_lines(&what.to_string(), "      "));
    }

    /// A problem that does not stop a run: shown, not counted as a failure.
    fn warn(&mut self, what: impl Display, hint: &str) {
        println!("WARN  {}", printable_lines(&what.to_string(), "      "));
        println!("      hint: {}", printable_lines(hint, "      "));
    }

    fn fail(&mut self, what: impl Display, hint: &str) {
        self.failures += 1;
        println!("FAIL  {}", printable_lines(&what.to_string(), "      "));
        println!("      hint: {}", printable_lines(hint, "      "));
    }
}

/// A plugin granted rights-bearing attributes ([`gwb_rules::rights`]) by name: a warning, so the
/// grant is seen. No grant covers them otherwise.
fn check_rights_bearing(rules: &RulesFile, list: &mut Checklist) {
    for plugin in &rules.plugins {
        let listed = plugin.privileges.attributes.as_deref().unwrap_or_default();
        let bearing = rights_bearing_among(listed);
        if !bearing.is_empty() {
            list.warn(
                format!(
                    "plugin `{}` ({}) may write rights-bearing attributes: {}",
                    plugin.name,
                    plugin.location,
                    bearing.join("; ")
                ),
                "keep them in its attributes only if the plugin must set them; no grant covers \
                 them unless it names them",
            );
        }
    }
}

/// Writeback turned off by `gwb disable` stops every sync: a failure, saying how to turn it on.
fn check_disabled(rules: &RulesFile, list: &mut Checklist) {
    let Some(graph) = &rules.graph else {
        return;
    };
    match Disabled::load(&graph.state_dir) {
        Ok(None) => {}
        Ok(Some(disabled)) => list.fail(
            format!("writeback is turned off: {}", disabled.describe()),
            "gwb sync and gwb plan refuse to run; `gwb state reset` turns writeback on again",
        ),
        Err(error) => list.fail(
            format!("{error:#}"),
            "gwb sync and gwb plan refuse to run until this is resolved",
        ),
    }
}

/// Runs every check and prints one line per check.
pub async fn run(rules_path: &Path) -> anyhow::Result<Exit> {
    let mut list = Checklist::default();
    let rules = match RulesFile::load(rules_path) {
        Ok(rules) => rules,
        Err(error) => {
            list.fail(
                format!("rules file: {error}"),
                "fix the rules file; nothing else can be checked",
            );
            return Ok(Exit::Error);
        }
    };
    list.ok(format!(
        "rules file {}: {} plugin(s), {} managed OU(s)",
        rules_path.display(),
        rules.plugins.len(),
        rules.managed_ous.len()
    ));
    list.ok(scope_line(&rules));
    check_rights_bearing(&rules, &mut list);

    match PluginChain::load(&rules).and_then(|chain| chain.instantiate().map(|_| chain)) {
        Ok(chain) => {
            for line in chain.describe() {
                list.ok(format!("plugin {line}"));
            }
        }
        Err(error) => list.fail(
            format!("plugins: {error:#}"),
            "build plugins with scripts/build-plugins.sh; after changing a pinned plugin, update its sha256",
        ),
    }

    check_disabled(&rules, &mut list);
    check_graph(&rules, &mut list).await;
    check_ad(&rules, &mut list).await;

    Ok(if list.failures == 0 {
        Exit::Success
    } else {
        println!("{} check(s) failed", list.failures);
        Exit::Error
    })
}

async fn check_graph(rules: &RulesFile, list: &mut Checklist) {
    let config = match graph_section(rules).and_then(graph_config) {
        Ok(config) => config,
        Err(error) => {
            list.fail(
                format!("graph: {error:#}"),
                "see docs/rules-file.md, [graph]",
            );
            return;
        }
    };
    // The first page of the groups delta: the same endpoint and permission a run uses.
    let url = config.graph_url("v1.0/groups/delta?$select=id");
    let endpoint = config.graph_endpoint.clone();
    let client = match GraphClient::new(config, system_clock) {
        Ok(client) => client,
        Err(error) => {
            list.fail(format!("graph: {error}"), graph_hint(&error));
            return;
        }
    };
    match client.get_json(&url, &mut RequestStats::default()).await {
        Ok(_) => list.ok(format!("graph: signed in and read groups at {endpoint}")),
        Err(error) => list.fail(format!("graph: {error}"), graph_hint(&error)),
    }
}

/// What to look at when the Graph check fails with `error`.
fn graph_hint(error: &GraphError) -> &'static str {
    match error {
        GraphError::CaFile { .. } => {
            "[graph] ca_file must be a readable PEM file of one or more CA certificates"
        }
        GraphError::Tls { .. } => {
            "set [graph] ca_file to the CA certificate (PEM) that signs the endpoint's \
             certificate, e.g. a TLS-inspecting proxy's"
        }
        GraphError::Config(_) | GraphError::HttpClient(_) => "check authority and endpoint",
        _ => {
            "check tenant_id, client_id and the credential; the app needs the application \
             permissions Group.Read.All and User.Read.All with admin consent"
        }
    }
}

async fn check_ad(rules: &RulesFile, list: &mut Checklist) {
    let (section, config) = match ad_section(rules).and_then(|s| Ok((s, ad_config(s)?))) {
        Ok(pair) => pair,
        Err(error) => {
            list.fail(format!("ad: {error:#}"), "see docs/rules-file.md, [ad]");
            return;
        }
    };
    let mut directory = match Directory::connect(&config).await {
        Ok(directory) => directory,
        Err(error) => {
            list.fail(
                format!("ad: cannot connect and bind to {}: {error}", section.url),
                "check url, bind_dn, the password and ca_file (the DC's certificate must verify)",
            );
            return;
        }
    };
    list.ok(format!(
        "ad: bound to {} as {}",
        section.url, section.bind_dn
    ));
    let discovery = match directory.discover().await {
        Ok(discovery) => {
            let caps = discovery.capabilities;
            list.ok(format!(
                "ad: domain {} (functional level {}); msDS-ExternalDirectoryObjectId: {}; Exchange schema: {}",
                discovery.default_naming_context,
                discovery
                    .domain_functionality
                    .map_or("unknown".into(), |l| l.to_string()),
                yes_no(caps.external_directory_object_id),
                yes_no(caps.exchange_schema),
            ));
            Some(discovery)
        }
        Err(error) => {
            list.fail(
                format!("ad: discovery failed: {error}"),
                "the bind account must be able to read the rootDSE and schema",
            );
            None
        }
    };
    let system = match &discovery {
        Some(discovery) => match directory.system_objects(discovery).await {
            Ok(system) => Some(system),
            Err(error) => {
                list.fail(
                    format!("ad: cannot read the domain's well-known containers: {error}"),
                    "the bind account must be able to read the domain head (wellKnownObjects)",
                );
                None
            }
        },
        None => None,
    };
    let rights = match &discovery {
        Some(discovery) => {
            rights::Rights::load(rules, &mut directory, discovery, &section.bind_dn, list).await
        }
        None => None,
    };
    for ou in &rules.managed_ous {
        let dn = ou.to_string();
        if let Some(unsafe_ou) = system.as_ref().and_then(|s| s.check(ou)) {
            list.fail(format!("ad: {}", unsafe_ou.problem()), &unsafe_ou.advice());
            continue;
        }
        let classes = match directory.child_classes_allowed(&dn).await {
            Ok(Some(classes)) => classes,
            Ok(None) => {
                list.fail(
                    format!("ad: managed OU {dn} does not exist"),
                    "create it, or set [sync] create_missing_ous = true and give gwb the right to create OUs",
                );
                continue;
            }
            Err(error) => {
                list.fail(
                    format!("ad: cannot read {dn}: {error}"),
                    "check the bind account's read rights",
                );
                continue;
            }
        };
        if classes.iter().any(|c| c.eq_ignore_ascii_case("group")) {
            list.ok(format!("ad: may create groups in {dn}"));
        } else {
            let hint = rights.as_ref().map_or_else(
                || "grant the bind account Create Child and Delete Child of group objects on this OU (gwb delegation prints how)".to_owned(),
                |r| r.create_hint(&dn),
            );
            list.fail(
                format!("ad: {} may not create groups in {dn}", section.bind_dn),
                &hint,
            );
        }
        if let Some(rights) = &rights {
            rights.check_ou(&mut directory, &dn, &classes, list).await;
        }
    }
    if let Some(discovery) = &discovery {
        check_nestings(rules, &mut directory, discovery, list).await;
    }
}

/// Warns about every gwb group AD has nested into a protected group.
async fn check_nestings(
    rules: &RulesFile,
    directory: &mut Directory,
    discovery: &Discovery,
    list: &mut Checklist,
) {
    let external_id = discovery.capabilities.external_directory_object_id;
    match directory
        .protected_nestings(discovery, &rules.managed_ous, external_id)
        .await
    {
        Ok(nestings) if nestings.is_empty() => {
            list.ok("ad: no gwb group is a member of a protected group");
        }
        Ok(nestings) => {
            for nesting in nestings {
                list.warn(format!("ad: {}", nesting.problem()), nesting.advice());
            }
        }
        Err(error) => list.fail(
            format!(
                "ad: cannot check whether gwb groups are nested into protected groups: {error}"
            ),
            "the bind account must be able to read the groups of the domain and their memberOf",
        ),
    }
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

/// What the rules file puts in scope, in words: the kinds, and whether each group's
/// writebackConfiguration narrows them.
fn scope_line(rules: &RulesFile) -> String {
    let honoured = rules
        .graph
        .as_ref()
        .is_some_and(|graph| graph.read_writeback_configuration);
    let filters = rules.plugins.len();
    format!(
        "scope: [scope] kinds = {}; {}{}",
        rules.scope.kinds_list(),
        if honoured {
            "each group's writebackConfiguration is honoured (isEnabled unset: on for Microsoft \
             365 groups, off for security groups)"
        } else {
            "writebackConfiguration is not read, so every group of these kinds is in scope"
        },
        if filters == 0 {
            ""
        } else {
            " unless a plugin's filter stage skips it"
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_problem_points_at_ca_file_not_the_credential() {
        let tls = GraphError::Tls {
            url: "https://graph.example/v1.0".into(),
            reason: "invalid peer certificate: UnknownIssuer".into(),
        };
        assert!(graph_hint(&tls).starts_with("set [graph] ca_file"));
        let ca_file = GraphError::CaFile {
            path: "/etc/gwb/graph-ca.pem".into(),
            reason: "no PEM certificate in the file".into(),
        };
        assert!(graph_hint(&ca_file).starts_with("[graph] ca_file must be"));
        let refused = GraphError::Auth {
            url: "https://login.example/t/oauth2/v2.0/token".into(),
            status: 401,
            error: "invalid_client".into(),
            description: "AADSTS7000215".into(),
        };
        assert!(graph_hint(&refused).starts_with("check tenant_id, client_id"));
    }
}
