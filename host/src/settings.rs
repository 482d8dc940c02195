//! The one translation of a validated rules file into what the libraries run with: the Graph
//! and AD client configurations (secrets loaded from where the file points, never from the
//! file itself unless explicitly allowed), the Graph source's options and state file, the
//! plugin specs, the rule pipeline (with each plugin's privileges), the reconcile policy and
//! the guards. `run`, `check`, `state` and the plugin
//! chain all take their settings from here.
//!
//! The rules file's defaults and the libraries' own defaults meet here; the tests check that a
//! rules file that sets nothing gets exactly the libraries' defaults.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use gwb_ad::{AdConfig, Guards, Policy, RemovalAction};
use gwb_graph::{
    Credential, GraphConfig, Secret, SecretSource, SignatureAlg, SourceOptions, Timeouts,
};
use gwb_model::Rule;
use gwb_rules::config::{
    AdSection, CertificateAlgorithm, GraphCredential, GraphSection, GuardsSection, PluginEntry,
    RemovalChoice, SecretRef,
};
use gwb_rules::{Pipeline, PluginPrivileges, RulesFile, Target};
use gwb_wasm::{Limits, PluginSpec, RuntimeOptions};

/// The file, inside `[graph] state_dir`, holding delta links, member lists and user anchors.
pub const STATE_FILE: &str = "graph-state.json";

/// The `[graph]` table, or an error saying it is needed.
pub fn graph_section(rules: &RulesFile) -> anyhow::Result<&GraphSection> {
    match &rules.graph {
        Some(graph) => Ok(graph),
        None => bail!(
            "{}: there is no [graph] table; add tenant_id, client_id and a credential (see \
             docs/rules-file.md, [graph])",
            rules.path.display()
        ),
    }
}

/// The `[ad]` table, or an error saying it is needed.
pub fn ad_section(rules: &RulesFile) -> anyhow::Result<&AdSection> {
    match &rules.ad {
        Some(ad) => Ok(ad),
        None => bail!(
            "{}: there is no [ad] table; add url, bind_dn and password (see \
             docs/rules-file.md, [ad])",
            rules.path.display()
        ),
    }
}

/// The Graph client configuration, with its secret or key loaded.
pub fn graph_config(section: &GraphSection) -> anyhow::Result<GraphConfig> {
    let credential = match &section.credential {
        GraphCredential::Secret(secret) => {
            Credential::Secret(load(secret, "[graph] client_secret")?)
        }
        GraphCredential::Certificate {
            cert_file,
            key_file,
            algorithm,
        } => Credential::Certificate {
            cert_pem: std::fs::read_to_string(cert_file).with_context(|| {
                format!(
                    "cannot read the [graph] certificate {}",
                    cert_file.display()
                )
            })?,
            key_pem: load(
                &SecretRef::File(key_file.clone()),
                "[graph] certificate key_file",
            )?,
            alg: match algorithm {
                CertificateAlgorithm::Ps256 => SignatureAlg::Ps256,
                CertificateAlgorithm::Rs256 => SignatureAlg::Rs256,
            },
        },
    };
    let mut config = GraphConfig::public(&section.tenant_id, &section.client_id, credential);
    config.authority = section.authority.clone();
    config.graph_endpoint = section.endpoint.clone();
    config.read_writeback_configuration = section.read_writeback_configuration;
    config.directory_extensions = section.directory_extensions.clone();
    config.ca_file = section.ca_file.clone();
    config.timeouts = Timeouts {
        request: section.timeout,
        ..Timeouts::default()
    };
    config.validate().context("[graph]")?;
    Ok(config)
}

/// Where the Graph source keeps its state: [`STATE_FILE`] inside `[graph] state_dir`.
pub fn state_path(section: &GraphSection) -> PathBuf {
    section.state_dir.join(STATE_FILE)
}

/// The Graph source's options: when to run a full round on its own (`0` in the rules file
/// means never), and the fingerprint of the rules that use what it reads.
pub fn source_options(section: &GraphSection, rules_fingerprint: String) -> SourceOptions {
    SourceOptions {
        full_every_runs: (section.full_every_runs > 0).then_some(section.full_every_runs),
        full_every: (section.full_every_days > 0)
            .then(|| Duration::from_secs(u64::from(section.full_every_days) * 86_400)),
        rules_fingerprint,
        ..SourceOptions::default()
    }
}

/// The AD connection configuration, with the bind password loaded.
pub fn ad_config(section: &AdSection) -> anyhow::Result<AdConfig> {
    let password = load(&section.password, "[ad] password")?;
    let mut config = AdConfig::new(section.url.clone(), section.bind_dn.clone(), password);
    config.ca_file = section.ca_file.clone();
    config.starttls = section.starttls;
    config.allow_plaintext = section.allow_plaintext;
    config.timeout = section.timeout;
    Ok(config)
}

/// The plugin runtime's options (`[runtime] cache_dir`).
pub fn runtime_options(rules: &RulesFile) -> RuntimeOptions {
    RuntimeOptions {
        cache_dir: rules.cache_dir.clone(),
    }
}

/// What the plugin runtime loads for one `[[plugins]]` entry.
pub fn plugin_spec(entry: &PluginEntry) -> PluginSpec {
    PluginSpec {
        name: entry.name.clone(),
        path: entry.path.clone(),
        config_json: entry.config_json.clone(),
        limits: Limits {
            time: Some(entry.limits.time),
            fuel: entry.limits.fuel,
            memory_bytes: usize::try_from(entry.limits.memory_bytes).unwrap_or(usize::MAX),
            recycle_after_calls: Some(entry.limits.recycle_after_calls),
            recycle_on_memory: true,
        },
        sha256_pin: entry.sha256.clone(),
    }
}

/// The rule pipeline of one worker: the rules file's defaults, scope, managed OUs, each plugin's
/// privileges and fault policy, around `chain` (one instance of every plugin, in order) and
/// what gwb knows of the `target` directory.
pub fn pipeline(rules: &RulesFile, target: Target, chain: Vec<Box<dyn Rule>>) -> Pipeline {
    Pipeline::new(
        rules.defaults.clone(),
        rules.scope.clone(),
        rules.managed_ous.clone(),
        target,
        chain,
        privileges(rules),
        rules.on_plugin_fault,
    )
}

/// Each plugin's `[[plugins]]` privileges, by its name.
pub fn privileges(rules: &RulesFile) -> PluginPrivileges {
    rules
        .plugins
        .iter()
        .map(|entry| (entry.name.clone(), entry.privileges.clone()))
        .collect()
}

/// The reconcile policy of `[sync]`.
pub fn policy(rules: &RulesFile) -> Policy {
    let sync = &rules.sync;
    let action = |choice: RemovalChoice| match (choice, &sync.holding_ou) {
        (RemovalChoice::Delete, _) => RemovalAction::Delete,
        (RemovalChoice::Move, Some(ou)) => RemovalAction::MoveTo(ou.clone()),
        // The rules file refuses `move` without a holding OU; keeping is the safe reading.
        (RemovalChoice::Move, None) | (RemovalChoice::Keep, _) => RemovalAction::Keep,
    };
    Policy {
        on_hard_delete: action(sync.on_hard_delete),
        on_soft_delete: action(sync.on_soft_delete),
        on_no_longer_desired: action(sync.on_no_longer_desired),
        adopt: sync.adopt_connect_groups,
        create_missing_ous: sync.create_missing_ous,
        ..Policy::default()
    }
}

/// The guards of `[guards]` (after any command-line overrides); the floors below which the
/// percentages do not apply are gwb-ad's own.
pub fn guards(section: &GuardsSection) -> Guards {
    Guards {
        max_deletes: section.max_deletes,
        max_creates: section.max_creates,
        max_delete_percent: section.max_delete_percent,
        max_member_removal_percent: section.max_member_removal_percent,
        allow_empty_source: section.allow_empty_source,
        ..Guards::default()
    }
}

/// Loads a secret from where the rules file points.
fn load(secret: &SecretRef, what: &str) -> anyhow::Result<Secret> {
    let source = match secret {
        SecretRef::Env(name) => SecretSource::Env(name.clone()),
        SecretRef::File(path) => SecretSource::File(path.clone()),
        SecretRef::Inline(secret) => return Ok(secret.clone()),
    };
    source.load().with_context(|| format!("cannot load {what}"))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// A rules file in `dir` with one plugin, a `[graph]` and an `[ad]` table, and `extra`.
    fn rules(dir: &Path, extra: &str) -> RulesFile {
        std::fs::write(dir.join("p.wasm"), b"\0asm").expect("plugin file");
        std::fs::write(dir.join("secret"), "s3cret\n").expect("secret file");
        let text = format!(
            "[defaults]\nou = \"OU=Cloud,DC=example,DC=com\"\n\
             [scope]\nkinds = [\"security\"]\n\
             [[plugins]]\nname = \"p\"\npath = \"p.wasm\"\n\
             [graph]\ntenant_id = \"t\"\nclient_id = \"c\"\nclient_secret = {{ file = \"secret\" }}\n\
             [ad]\nurl = \"ldaps://dc1.example.com\"\nbind_dn = \"CN=svc,DC=example,DC=com\"\n\
             password = {{ file = \"secret\" }}\n{extra}"
        );
        RulesFile::parse(&dir.join("org.toml"), &text).expect("valid rules file")
    }

    #[test]
    fn a_rules_file_that_sets_nothing_gets_the_libraries_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        let rules = rules(dir.path(), "");
        // Each side has its own default; these must agree.
        assert_eq!(guards(&rules.guards), Guards::default());
        assert_eq!(policy(&rules), Policy::default());
        assert_eq!(plugin_spec(&rules.plugins[0]).limits, Limits::default());
        // And they are those docs/rules-file.md documents.
        assert_eq!(
            Limits::default(),
            Limits {
                time: Some(Duration::from_millis(50)),
                fuel: None,
                memory_bytes: 16 << 20,
                recycle_after_calls: Some(10_000),
                recycle_on_memory: true,
            }
        );
        let graph = graph_section(&rules).expect("graph");
        let config = graph_config(graph).expect("graph config");
        assert_eq!(config.ca_file, None);
        assert_eq!(config.timeouts.request, Duration::from_secs(30));
        let options = source_options(graph, "f".into());
        assert_eq!(options.full_every_runs, None);
        assert_eq!(options.full_every, Some(Duration::from_secs(7 * 86_400)));
        assert_eq!(state_path(graph), dir.path().join("state").join(STATE_FILE));
    }

    #[test]
    fn what_the_rules_file_sets_reaches_the_libraries() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut rules = rules(
            dir.path(),
            "[sync]\non_soft_delete = \"move\"\non_no_longer_desired = \"keep\"\n\
             holding_ou = \"OU=Removed,OU=Cloud,DC=example,DC=com\"\n\
             adopt_connect_groups = true\n\
             [guards]\nmax_deletes = 3\nmax_creates = 4\nmax_delete_percent = 5\nmax_member_removal_percent = 7\n",
        );
        let graph = rules.graph.as_mut().expect("graph");
        graph.ca_file = Some(dir.path().join("ca.pem"));
        graph.full_every_runs = 4;
        graph.full_every_days = 0;
        rules.plugins[0].limits.fuel = Some(9);

        let graph = graph_section(&rules).expect("graph");
        let config = graph_config(graph).expect("graph config");
        assert_eq!(config.ca_file, Some(dir.path().join("ca.pem")));
        assert!(matches!(&config.credential, Credential::Secret(s) if s.expose() == "s3cret"));
        let options = source_options(graph, "f".into());
        assert_eq!(
            (options.full_every_runs, options.full_every),
            (Some(4), None)
        );
        let ad = ad_config(ad_section(&rules).expect("ad")).expect("ad config");
        assert_eq!(ad.password.expose(), "s3cret");

        let policy = policy(&rules);
        assert_eq!(policy.on_hard_delete, RemovalAction::Delete);
        assert_eq!(
            policy.on_soft_delete,
            RemovalAction::MoveTo("OU=Removed,OU=Cloud,DC=example,DC=com".into())
        );
        assert_eq!(policy.on_no_longer_desired, RemovalAction::Keep);
        assert!(policy.adopt);
        let guards = guards(&rules.guards);
        assert_eq!(
            (
                guards.max_deletes,
                guards.max_creates,
                guards.max_delete_percent,
                guards.max_member_removal_percent
            ),
            (3, 4, 5.0, 7.0)
        );
        assert_eq!(plugin_spec(&rules.plugins[0]).limits.fuel, Some(9));
    }

    #[test]
    fn missing_tables_are_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut rules = rules(dir.path(), "");
        rules.graph = None;
        rules.ad = None;
        let graph = graph_section(&rules).expect_err("no [graph]").to_string();
        assert!(graph.contains("there is no [graph] table"), "{graph}");
        let ad = ad_section(&rules).expect_err("no [ad]").to_string();
        assert!(ad.contains("there is no [ad] table"), "{ad}");
    }
}
