//! The connection and run-policy tables of a rules file: `[graph]`, `[ad]`, `[sync]` and
//! `[guards]`. They are plain validated data; the host turns them into clients.

use std::path::{Path, PathBuf};
use std::time::Duration;

use gwb_model::dn::Dn;
use gwb_model::limits;
use serde::Deserialize;
use toml::Spanned;

use super::ConfigError;
use super::secrets::{AD_PASSWORD, CERTIFICATE, CLIENT_SECRET, Refusal, SecretKey, SecretRef};

/// `[graph]`: how to read Microsoft Graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphSection {
    /// The Entra tenant id (GUID) or domain.
    pub tenant_id: String,
    /// The app registration's client id.
    pub client_id: String,
    /// The token authority, e.g. `https://login.microsoftonline.com`.
    pub authority: String,
    /// The Graph endpoint, e.g. `https://graph.microsoft.com`.
    pub endpoint: String,
    /// How the app proves who it is.
    pub credential: GraphCredential,
    /// Extra CA certificates (PEM) to trust besides the system roots, e.g. a TLS-inspecting
    /// proxy's or a test emulator's.
    pub ca_file: Option<PathBuf>,
    /// Read the beta `writebackConfiguration` of every group.
    pub read_writeback_configuration: bool,
    /// Directory extension attributes to read (`extension_<appid>_<name>`); Graph returns
    /// them only when asked by name.
    pub directory_extensions: Vec<String>,
    /// Timeout of one HTTP request.
    pub timeout: Duration,
    /// Where delta links and member lists are kept between runs.
    pub state_dir: PathBuf,
    /// Run a full round (not delta) every this many runs; 0 = never by count.
    pub full_every_runs: u32,
    /// Run a full round when the last one is older than this many days; 0 = never by age.
    pub full_every_days: u32,
}

/// The app's credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphCredential {
    /// A client secret.
    Secret(SecretRef),
    /// A certificate: the signed JWT assertion flow.
    Certificate {
        /// PEM certificate file.
        cert_file: PathBuf,
        /// PEM private key file.
        key_file: PathBuf,
        /// `ps256` (default) or `rs256`.
        algorithm: CertificateAlgorithm,
    },
}

/// The JWT signature algorithm of a certificate credential (`algorithm = "ps256"` or
/// `"rs256"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CertificateAlgorithm {
    /// RSASSA-PSS with SHA-256 and the `x5t#S256` header (Microsoft's current default).
    #[default]
    Ps256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 and the SHA-1 `x5t` header (older SDKs).
    Rs256,
}

/// `[ad]`: how to reach Active Directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdSection {
    /// `ldaps://host:636` (recommended) or `ldap://host:389` with `starttls = true`.
    pub url: String,
    /// The DN gwb binds as, in its canonical form ([`gwb_model::dn::canonical_dn`]).
    pub bind_dn: String,
    /// The bind password.
    pub password: SecretRef,
    /// CA certificates (PEM) to verify the DC against; system roots when absent.
    pub ca_file: Option<PathBuf>,
    /// Upgrade `ldap://` with StartTLS.
    pub starttls: bool,
    /// Allow a simple bind without TLS (never in production).
    pub allow_plaintext: bool,
    /// Timeout for connecting and for each operation.
    pub timeout: Duration,
}

/// What happens to an owned AD group that should no longer exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RemovalChoice {
    /// Delete it.
    Delete,
    /// Move it to `holding_ou`, members kept.
    Move,
    /// Leave it alone.
    Keep,
}

/// `[sync]`: reconcile policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncSection {
    /// For groups hard-deleted in the cloud (default: delete, as Cloud Sync does).
    pub on_hard_delete: RemovalChoice,
    /// For groups soft-deleted in the cloud (default: keep until the hard delete, as Connect
    /// v2 does).
    pub on_soft_delete: RemovalChoice,
    /// For owned groups that the rules no longer want (default: delete).
    pub on_no_longer_desired: RemovalChoice,
    /// The OU removed groups are moved to when a choice is `move`, in its canonical form.
    pub holding_ou: Option<String>,
    /// Take over groups written by Entra Connect (adminDescription = Group_<objectId>) in
    /// place.
    pub adopt_connect_groups: bool,
    /// Create target OUs that do not exist yet.
    pub create_missing_ous: bool,
}

/// `[guards]`: limits that stop a run before any write.
#[derive(Debug, Clone, PartialEq)]
pub struct GuardsSection {
    /// Most groups one run may delete or move away (Connect's default: 500).
    pub max_deletes: usize,
    /// Most groups one run may create.
    pub max_creates: usize,
    /// Most groups one run may remove as a percentage of the owned groups.
    pub max_delete_percent: f64,
    /// Most members one group may lose in one run, as a percentage of its members.
    pub max_member_removal_percent: f64,
    /// Allow a run whose source has no groups while AD holds owned groups.
    pub allow_empty_source: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGraph {
    tenant_id: String,
    client_id: String,
    #[serde(default = "default_authority")]
    authority: String,
    #[serde(default = "default_endpoint")]
    endpoint: String,
    // Secret-bearing keys are read as raw values, so that no parser message quotes them.
    client_secret: Option<Spanned<toml::Value>>,
    certificate: Option<Spanned<toml::Value>>,
    #[serde(default)]
    allow_inline_secret: bool,
    ca_file: Option<PathBuf>,
    #[serde(default)]
    read_writeback_configuration: bool,
    #[serde(default)]
    directory_extensions: Vec<String>,
    #[serde(default = "default_timeout_secs")]
    timeout_secs: u64,
    #[serde(default = "default_state_dir")]
    state_dir: PathBuf,
    #[serde(default)]
    full_every_runs: u32,
    #[serde(default = "default_full_every_days")]
    full_every_days: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAd {
    url: Spanned<String>,
    bind_dn: Spanned<String>,
    // Read as a raw value, so that no parser message quotes it.
    password: Spanned<toml::Value>,
    #[serde(default)]
    allow_inline_secret: bool,
    ca_file: Option<PathBuf>,
    #[serde(default)]
    starttls: bool,
    #[serde(default)]
    allow_plaintext: bool,
    #[serde(default = "default_timeout_secs")]
    timeout_secs: u64,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSync {
    on_hard_delete: Option<RemovalChoice>,
    on_soft_delete: Option<RemovalChoice>,
    on_no_longer_desired: Option<RemovalChoice>,
    holding_ou: Option<Spanned<String>>,
    #[serde(default)]
    adopt_connect_groups: bool,
    #[serde(default)]
    create_missing_ous: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGuards {
    max_deletes: Option<usize>,
    max_creates: Option<usize>,
    max_delete_percent: Option<f64>,
    max_member_removal_percent: Option<f64>,
    #[serde(default)]
    allow_empty_source: bool,
}

fn default_authority() -> String {
    "https://login.microsoftonline.com".into()
}
fn default_endpoint() -> String {
    "https://graph.microsoft.com".into()
}
fn default_timeout_secs() -> u64 {
    30
}
fn default_state_dir() -> PathBuf {
    "state".into()
}
fn default_full_every_days() -> u32 {
    7
}

/// Where relative paths start and how to name a position in the file.
pub(super) struct Context<'a> {
    pub base: &'a Path,
    pub at: &'a dyn Fn(usize) -> String,
    pub file: String,
}

impl Context<'_> {
    fn invalid(&self, offset: Option<usize>, message: String, hint: &str) -> ConfigError {
        ConfigError::Invalid {
            location: offset
                .map(|o| (self.at)(o))
                .unwrap_or_else(|| self.file.clone()),
            message,
            hint: hint.into(),
        }
    }

    /// `refusal` of the secret-bearing value `raw`, as an error at its line.
    fn refused(&self, raw: &Spanned<toml::Value>, (message, hint): Refusal) -> ConfigError {
        self.invalid(Some(raw.span().start), message, hint)
    }

    fn secret(
        &self,
        key: SecretKey,
        raw: &Spanned<toml::Value>,
        allow_inline: bool,
    ) -> Result<SecretRef, ConfigError> {
        let chosen = match key.secret(raw.get_ref(), allow_inline) {
            Ok(SecretRef::File(file)) => SecretRef::File(self.base.join(file)),
            Ok(chosen) => chosen,
            Err(refusal) => return Err(self.refused(raw, refusal)),
        };
        if let SecretRef::File(path) = &chosen {
            warn_if_readable_by_others(path, "secrets file");
        }
        Ok(chosen)
    }

    pub(super) fn graph(&self, raw: RawGraph) -> Result<GraphSection, ConfigError> {
        let credential = match (&raw.client_secret, &raw.certificate) {
            (Some(secret), None) => GraphCredential::Secret(self.secret(
                CLIENT_SECRET,
                secret,
                raw.allow_inline_secret,
            )?),
            (None, Some(cert)) => {
                let (cert_file, key_file, algorithm) = CERTIFICATE
                    .certificate(cert.get_ref())
                    .map_err(|refusal| self.refused(cert, refusal))?;
                let key_file = self.base.join(key_file);
                // The private key is as secret as a client secret.
                warn_if_readable_by_others(&key_file, "certificate key file");
                GraphCredential::Certificate {
                    cert_file: self.base.join(cert_file),
                    key_file,
                    algorithm,
                }
            }
            _ => {
                return Err(self.invalid(
                    None,
                    "[graph] needs exactly one of client_secret or certificate".into(),
                    "add client_secret = { env = \"GWB_GRAPH_SECRET\" } or certificate = \
                     { cert_file = \"app.pem\", key_file = \"app.key\" }",
                ));
            }
        };
        for (key, url) in [("authority", &raw.authority), ("endpoint", &raw.endpoint)] {
            if !(url.starts_with("https://")
                || url.starts_with("http://127.")
                || url.starts_with("http://localhost"))
            {
                return Err(self.invalid(
                    None,
                    format!("[graph] {key} `{url}` is not an https:// URL"),
                    "Graph and its token authority are only spoken to over TLS (plain http is \
                     accepted for loopback test emulators only)",
                ));
            }
        }
        if let Some(bad) = raw.directory_extensions.iter().find(|name| {
            !name.starts_with("extension_")
                || name.contains(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        }) {
            return Err(self.invalid(
                None,
                format!("[graph] directory_extensions: `{bad}` is not a directory extension name"),
                "names look like extension_<appIdWithoutHyphens>_<name>, as Graph returns them",
            ));
        }
        Ok(GraphSection {
            tenant_id: raw.tenant_id,
            client_id: raw.client_id,
            authority: raw.authority.trim_end_matches('/').to_owned(),
            endpoint: raw.endpoint.trim_end_matches('/').to_owned(),
            credential,
            ca_file: raw.ca_file.map(|f| self.base.join(f)),
            read_writeback_configuration: raw.read_writeback_configuration,
            directory_extensions: raw.directory_extensions,
            timeout: Duration::from_secs(raw.timeout_secs.max(1)),
            state_dir: self.base.join(raw.state_dir),
            full_every_runs: raw.full_every_runs,
            full_every_days: raw.full_every_days,
        })
    }

    pub(super) fn ad(&self, raw: RawAd) -> Result<AdSection, ConfigError> {
        let url = raw.url.get_ref();
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("ldaps://") || lower.starts_with("ldap://")) {
            return Err(self.invalid(
                Some(raw.url.span().start),
                format!("[ad] url `{url}` is not an ldaps:// or ldap:// URL"),
                "use ldaps://dc.example.com (port 636), or ldap://… with starttls = true",
            ));
        }
        if lower.starts_with("ldap://") && !raw.starttls && !raw.allow_plaintext {
            return Err(self.invalid(
                Some(raw.url.span().start),
                format!("[ad] url `{url}` would send the bind password unencrypted"),
                "use ldaps://, or set starttls = true; allow_plaintext = true exists for labs only",
            ));
        }
        let bind_dn = Dn::parse(raw.bind_dn.get_ref()).map_err(|e| {
            self.invalid(
                Some(raw.bind_dn.span().start),
                format!("[ad] bind_dn: {e}"),
                "write the service account's DN, e.g. CN=svc-gwb,OU=Service Accounts,DC=example,DC=com",
            )
        })?;
        Ok(AdSection {
            url: url.clone(),
            bind_dn: bind_dn.to_string(),
            password: self.secret(AD_PASSWORD, &raw.password, raw.allow_inline_secret)?,
            ca_file: raw.ca_file.map(|f| self.base.join(f)),
            starttls: raw.starttls,
            allow_plaintext: raw.allow_plaintext,
            timeout: Duration::from_secs(raw.timeout_secs.max(1)),
        })
    }

    pub(super) fn sync(
        &self,
        raw: RawSync,
        managed_ous: &[Dn],
    ) -> Result<SyncSection, ConfigError> {
        let section = SyncSection {
            on_hard_delete: raw.on_hard_delete.unwrap_or(RemovalChoice::Delete),
            on_soft_delete: raw.on_soft_delete.unwrap_or(RemovalChoice::Keep),
            on_no_longer_desired: raw.on_no_longer_desired.unwrap_or(RemovalChoice::Delete),
            holding_ou: raw
                .holding_ou
                .as_ref()
                .map(|ou| self.holding_ou(ou, managed_ous))
                .transpose()?,
            adopt_connect_groups: raw.adopt_connect_groups,
            create_missing_ous: raw.create_missing_ous,
        };
        let wants_move = [
            section.on_hard_delete,
            section.on_soft_delete,
            section.on_no_longer_desired,
        ]
        .contains(&RemovalChoice::Move);
        if wants_move && section.holding_ou.is_none() {
            return Err(self.invalid(
                None,
                "[sync] a removal choice is \"move\" but holding_ou is not set".into(),
                "add holding_ou = \"OU=Removed Groups,…\" inside a managed OU",
            ));
        }
        Ok(section)
    }

    /// `[sync] holding_ou`: a DN inside a managed OU, in its canonical form.
    fn holding_ou(&self, ou: &Spanned<String>, managed_ous: &[Dn]) -> Result<String, ConfigError> {
        let dn = Dn::parse(ou.get_ref()).map_err(|e| {
            self.invalid(
                Some(ou.span().start),
                format!("[sync] holding_ou: {e}"),
                "write an OU DN",
            )
        })?;
        if managed_ous.iter().any(|m| dn.is_within(m)) {
            Ok(dn.to_string())
        } else {
            Err(self.invalid(
                Some(ou.span().start),
                format!(
                    "[sync] holding_ou `{}` is outside the managed OUs",
                    ou.get_ref()
                ),
                "gwb only writes inside managed_ous; add the holding OU to managed_ous",
            ))
        }
    }

    pub(super) fn guards(&self, raw: RawGuards) -> Result<GuardsSection, ConfigError> {
        let percent = |value: Option<f64>, default: f64, key: &str| match value {
            Some(p) if !(0.0..=100.0).contains(&p) => Err(self.invalid(
                None,
                format!("[guards] {key} = {p} is not a percentage"),
                "use a number from 0 to 100",
            )),
            Some(p) => Ok(p),
            None => Ok(default),
        };
        let default = GuardsSection::default();
        Ok(GuardsSection {
            max_deletes: raw.max_deletes.unwrap_or(default.max_deletes),
            max_creates: raw.max_creates.unwrap_or(default.max_creates),
            max_delete_percent: percent(
                raw.max_delete_percent,
                default.max_delete_percent,
                "max_delete_percent",
            )?,
            max_member_removal_percent: percent(
                raw.max_member_removal_percent,
                default.max_member_removal_percent,
                "max_member_removal_percent",
            )?,
            allow_empty_source: raw.allow_empty_source,
        })
    }
}

impl Default for GuardsSection {
    /// The defaults of an absent `[guards]` table or key: [`gwb_model::limits`].
    fn default() -> Self {
        Self {
            max_deletes: limits::MAX_DELETES,
            max_creates: limits::MAX_CREATES,
            max_delete_percent: limits::MAX_DELETE_PERCENT,
            max_member_removal_percent: limits::MAX_MEMBER_REMOVAL_PERCENT,
            allow_empty_source: false,
        }
    }
}

/// Warns when a file holding a secret (`what`: "secrets file", "certificate key file") can be
/// read by users other than its owner.
fn warn_if_readable_by_others(path: &Path, what: &str) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o044 != 0
        {
            tracing::warn!(
                "{what} {} is readable by group or others; restrict it with chmod 600",
                path.display()
            );
        }
    }
}
