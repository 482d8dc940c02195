//! Turns the `[graph]` and `[ad]` tables of a rules file into client configurations, loading
//! secrets from where the file points (never from the file itself unless explicitly allowed).

use anyhow::{Context, bail};
use gwb_ad::AdConfig;
use gwb_graph::{Credential, GraphConfig, Secret, SecretSource, SignatureAlg, Timeouts};
use gwb_rules::RulesFile;
use gwb_rules::config::{
    AdSection, CertificateAlgorithm, GraphCredential, GraphSection, SecretRef,
};

/// The `[graph]` table, or an error saying it is needed.
pub fn graph_section(rules: &RulesFile) -> anyhow::Result<&GraphSection> {
    match &rules.graph {
        Some(graph) => Ok(graph),
        None => bail!(
            "{}: there is no [graph] table; add tenant_id, client_id and a credential (see the \
             README's \"Rules file\" section)",
            rules.path.display()
        ),
    }
}

/// The `[ad]` table, or an error saying it is needed.
pub fn ad_section(rules: &RulesFile) -> anyhow::Result<&AdSection> {
    match &rules.ad {
        Some(ad) => Ok(ad),
        None => bail!(
            "{}: there is no [ad] table; add url, bind_dn and password (see the README's \
             \"Rules file\" section)",
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

fn load(secret: &SecretRef, what: &str) -> anyhow::Result<Secret> {
    let source = match secret {
        SecretRef::Env(name) => SecretSource::Env(name.clone()),
        SecretRef::File(path) => SecretSource::File(path.clone()),
        SecretRef::Inline(value) => return Ok(Secret::new(value.clone())),
    };
    source.load().with_context(|| format!("cannot load {what}"))
}
