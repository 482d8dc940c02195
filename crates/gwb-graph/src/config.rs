//! Client configuration: endpoints, credential, timeouts, retry policy; validated once.

use std::path::PathBuf;
use std::time::Duration;

use gwb_model::Secret;

/// The public cloud's authority.
pub const PUBLIC_AUTHORITY: &str = "https://login.microsoftonline.com";
/// The public cloud's Graph endpoint.
pub const PUBLIC_GRAPH: &str = "https://graph.microsoft.com";

/// How the client proves who it is.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A client secret.
    Secret(Secret),
    /// A certificate: the public certificate (PEM) registered on the app, its private key
    /// (PEM, PKCS#8 or PKCS#1, unencrypted) and the assertion's signature algorithm.
    Certificate {
        /// The certificate (PEM).
        cert_pem: String,
        /// The private key (PEM).
        key_pem: Secret,
        /// The signature algorithm.
        alg: SignatureAlg,
    },
}

/// The client assertion's signature algorithm.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SignatureAlg {
    /// RSASSA-PSS with SHA-256 and an `x5t#S256` thumbprint (Microsoft's current default).
    #[default]
    Ps256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 and a SHA-1 `x5t` thumbprint (older SDKs).
    Rs256,
}

/// Per-request time limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing a connection.
    pub connect: Duration,
    /// One whole request, body included.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(100),
        }
    }
}

/// How throttling and transient failures are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// The first backoff delay when the server gives no `Retry-After`; doubles per attempt.
    pub base_delay: Duration,
    /// The longest wait, for backoff and for `Retry-After`.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(120),
        }
    }
}

/// Everything needed to talk to one tenant's Graph.
#[derive(Debug, Clone)]
pub struct GraphConfig {
    /// The token authority, e.g. `https://login.microsoftonline.com` (sovereign clouds differ).
    pub authority: String,
    /// The Graph endpoint, e.g. `https://graph.microsoft.com`.
    pub graph_endpoint: String,
    /// The tenant (directory) id.
    pub tenant_id: String,
    /// The application (client) id.
    pub client_id: String,
    /// The credential.
    pub credential: Credential,
    /// The token scope; `None` = `<graph_endpoint>/.default`.
    pub scope: Option<String>,
    /// Read `writebackConfiguration` from Graph beta (off by default: beta can change).
    pub read_writeback_configuration: bool,
    /// Directory extension properties to read (`extension_<appid>_<name>`).
    pub directory_extensions: Vec<String>,
    /// Read `allowExternalSenders` and `hideFromAddressLists` of Microsoft 365 groups (off by
    /// default). Graph serves them only from the single-group GET, so this costs one request
    /// per mail-enabled Microsoft 365 group in a round: every one on a full round, the changed
    /// ones otherwise. Exchange Online masters them: when Graph cannot answer (404, or 403 for
    /// the rest of the round), a group keeps the values last read, and
    /// [`RoundStats::exchange_settings_unread`](crate::RoundStats::exchange_settings_unread)
    /// counts it.
    pub read_exchange_settings: bool,
    /// Time limits.
    pub timeouts: Timeouts,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// A PEM file of CA certificates trusted besides the system roots (a TLS-inspecting
    /// proxy's, a private cloud's, a test emulator's); `None` trusts the system roots only.
    pub ca_file: Option<PathBuf>,
}

/// Why a configuration is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// An endpoint is not a URL.
    #[error("{what} `{url}` is not a valid URL")]
    BadUrl {
        /// `authority` or `graph_endpoint`.
        what: &'static str,
        /// The value.
        url: String,
    },
    /// An endpoint is plain HTTP to a non-loopback host.
    #[error("{what} `{url}` must use https (plain http is only allowed to loopback, for tests)")]
    Insecure {
        /// `authority` or `graph_endpoint`.
        what: &'static str,
        /// The value.
        url: String,
    },
    /// A required value is empty.
    #[error("{0} is empty")]
    Empty(&'static str),
    /// A directory extension name has characters Graph does not allow.
    #[error(
        "directory extension `{0}` must look like extension_<appid>_<name> (letters, digits, _)"
    )]
    BadExtension(String),
}

impl GraphConfig {
    /// A configuration for the public cloud.
    pub fn public(tenant_id: &str, client_id: &str, credential: Credential) -> Self {
        Self {
            authority: PUBLIC_AUTHORITY.into(),
            graph_endpoint: PUBLIC_GRAPH.into(),
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            credential,
            scope: None,
            read_writeback_configuration: false,
            directory_extensions: Vec::new(),
            read_exchange_settings: false,
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            ca_file: None,
        }
    }

    /// Checks the configuration; the client refuses to start with an invalid one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_endpoint("authority", &self.authority)?;
        check_endpoint("graph_endpoint", &self.graph_endpoint)?;
        if self.tenant_id.is_empty() {
            return Err(ConfigError::Empty("tenant_id"));
        }
        if self.client_id.is_empty() {
            return Err(ConfigError::Empty("client_id"));
        }
        for name in &self.directory_extensions {
            let valid = name.starts_with("extension_")
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(ConfigError::BadExtension(name.clone()));
            }
        }
        Ok(())
    }

    /// The token URL: `<authority>/<tenant>/oauth2/v2.0/token`.
    pub fn token_url(&self) -> String {
        format!(
            "{}/{}/oauth2/v2.0/token",
            self.authority.trim_end_matches('/'),
            self.tenant_id
        )
    }

    /// The scope asked for.
    pub fn scope(&self) -> String {
        self.scope
            .clone()
            .unwrap_or_else(|| format!("{}/.default", self.graph_endpoint.trim_end_matches('/')))
    }

    /// `<graph_endpoint>/<path>`.
    pub fn graph_url(&self, path: &str) -> String {
        format!("{}/{path}", self.graph_endpoint.trim_end_matches('/'))
    }
}

/// An endpoint must be https, or http to a loopback host.
fn check_endpoint(what: &'static str, value: &str) -> Result<(), ConfigError> {
    let url = url::Url::parse(value).map_err(|_| ConfigError::BadUrl {
        what,
        url: value.into(),
    })?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(ConfigError::Insecure {
            what,
            url: value.into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        let mut config = GraphConfig::public("t", "c", Credential::Secret(Secret::new("s")));
        assert_eq!(config.validate(), Ok(()));
        config.graph_endpoint = "http://127.0.0.1:8080".into();
        assert_eq!(config.validate(), Ok(()));
        assert_eq!(config.scope(), "http://127.0.0.1:8080/.default");
        config.authority = "http://login.example.com".into();
        assert!(matches!(
            config.validate(),
            Err(ConfigError::Insecure {
                what: "authority",
                ..
            })
        ));
        config.authority = "https://login.microsoftonline.us/".into();
        assert_eq!(
            config.token_url(),
            "https://login.microsoftonline.us/t/oauth2/v2.0/token"
        );
        config.directory_extensions = vec!["extension_x_y&$top=1".into()];
        assert!(matches!(
            config.validate(),
            Err(ConfigError::BadExtension(_))
        ));
    }
}
