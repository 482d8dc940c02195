//! The connection to a domain controller: TLS, bind, reconnect, and LDAP calls with retries.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use gwb_model::printable::printable;
use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::controls::RawControl;
use ldap3::{LdapConnAsync, LdapConnSettings, LdapError, Mod, Scope, SearchEntry};
use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::discovery::PERMISSIVE_MODIFY_OID;
use crate::{AdConfig, AdError};

/// Entries per page of a paged search (AD's MaxPageSize is 1,000).
pub const PAGE_SIZE: i32 = 1000;
/// How often a call is tried when the server is busy or the connection dropped.
const ATTEMPTS: u32 = 4;

/// A bound connection to one domain controller.
pub struct Directory {
    config: AdConfig,
    tls: Option<Arc<rustls::ClientConfig>>,
    ldap: ldap3::Ldap,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory")
            .field("url", &self.config.url)
            .field("bind_dn", &self.config.bind_dn)
            .finish_non_exhaustive()
    }
}

/// True for failures worth retrying: transport errors, timeouts, busy (51), unavailable (52).
fn is_transient(err: &LdapError) -> bool {
    match err {
        LdapError::LdapResult { result } => matches!(result.rc, 51 | 52),
        LdapError::Io { .. }
        | LdapError::OpSend { .. }
        | LdapError::ResultRecv { .. }
        | LdapError::IdScrubSend { .. }
        | LdapError::EndOfStream
        | LdapError::Timeout { .. } => true,
        _ => false,
    }
}

/// True when the connection itself is gone and must be reopened.
fn is_disconnect(err: &LdapError) -> bool {
    is_transient(err) && !matches!(err, LdapError::LdapResult { .. })
}

fn op_error(operation: &'static str, dn: &str, err: LdapError) -> AdError {
    match err {
        LdapError::LdapResult { result } => AdError::Operation {
            operation,
            dn: dn.to_owned(),
            rc: Some(result.rc),
            reason: format!("result code {}: {}", result.rc, result.text.trim()),
        },
        other => AdError::Operation {
            operation,
            dn: dn.to_owned(),
            rc: None,
            reason: other.to_string(),
        },
    }
}

fn load_ca(path: &std::path::Path) -> Result<Arc<rustls::ClientConfig>, AdError> {
    let ca_error = |reason: String| AdError::CaFile {
        path: path.to_owned(),
        reason,
    };
    let mut roots = RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(path).map_err(|e| ca_error(e.to_string()))?;
    for cert in certs {
        let cert = cert.map_err(|e| ca_error(e.to_string()))?;
        roots.add(cert).map_err(|e| ca_error(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(ca_error("no PEM certificate in the file".into()));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ca_error(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The values of one attribute in ldap3's add and modify calls, which take a hash set. AD keeps
/// multi-valued attributes unordered, so the order they go on the wire never shows in output.
#[expect(
    clippy::disallowed_types,
    reason = "ldap3's API takes a HashSet; AD keeps values unordered"
)]
type ValueSet = std::collections::HashSet<Vec<u8>>;

/// Values as owned byte strings for ldap3's set-based API.
fn value_set(values: &[String]) -> ValueSet {
    values.iter().map(|v| v.as_bytes().to_vec()).collect()
}

/// One modification of an entry, by value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ModOp<'a> {
    Add(&'a str, &'a [String]),
    Delete(&'a str, &'a [String]),
    Replace(&'a str, &'a [String]),
}

impl Directory {
    /// Connects and binds; refuses a plaintext simple bind unless the config allows it.
    pub async fn connect(config: &AdConfig) -> Result<Self, AdError> {
        config.check_transport()?;
        let tls = match &config.ca_file {
            Some(path) => Some(load_ca(path)?),
            None => None,
        };
        let ldap = Self::open(config, tls.clone()).await?;
        Ok(Self {
            config: config.clone(),
            tls,
            ldap,
        })
    }

    async fn open(
        config: &AdConfig,
        tls: Option<Arc<rustls::ClientConfig>>,
    ) -> Result<ldap3::Ldap, AdError> {
        let mut settings = LdapConnSettings::new()
            .set_conn_timeout(config.timeout)
            .set_starttls(config.starttls);
        if let Some(tls) = tls {
            settings = settings.set_config(tls);
        }
        let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &config.url)
            .await
            .map_err(|e| AdError::Connect {
                url: config.url.clone(),
                reason: e.to_string(),
            })?;
        ldap3::drive!(conn);
        ldap.with_timeout(config.timeout)
            .simple_bind(&config.bind_dn, config.password.expose())
            .await
            .and_then(|r| r.success())
            .map_err(|e| AdError::Bind {
                bind_dn: config.bind_dn.clone(),
                reason: match e {
                    LdapError::LdapResult { result } => {
                        format!("result code {}: {}", result.rc, result.text.trim())
                    }
                    other => other.to_string(),
                },
            })?;
        tracing::debug!(url = %config.url, bind_dn = %config.bind_dn, "bound to the directory");
        Ok(ldap)
    }

    /// The settings this connection was opened with.
    pub(crate) fn config(&self) -> &AdConfig {
        &self.config
    }

    /// Reopens the connection (after the server or network dropped it).
    pub async fn reconnect(&mut self) -> Result<(), AdError> {
        self.ldap = Self::open(&self.config, self.tls.clone()).await?;
        Ok(())
    }

    /// Runs `call` with retries: transient failures back off and retry, a dropped connection
    /// is reopened first.
    pub(crate) async fn retrying<T, F, Fut>(
        &mut self,
        operation: &'static str,
        dn: &str,
        mut call: F,
    ) -> Result<T, AdError>
    where
        F: FnMut(ldap3::Ldap) -> Fut,
        Fut: Future<Output = Result<T, LdapError>>,
    {
        let mut attempt = 1;
        loop {
            let mut ldap = self.ldap.clone();
            ldap.with_timeout(self.config.timeout);
            match call(ldap).await {
                Ok(value) => return Ok(value),
                Err(err) if attempt < ATTEMPTS && is_transient(&err) => {
                    tracing::warn!(
                        operation,
                        dn = %printable(dn),
                        attempt,
                        error = %printable(&err.to_string()),
                        "retrying LDAP call"
                    );
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
                    if is_disconnect(&err) {
                        // A failed reconnect is retried by the next attempt.
                        if let Err(e) = self.reconnect().await {
                            tracing::warn!(error = %e, "reconnect failed");
                        }
                    }
                    attempt += 1;
                }
                Err(err) => return Err(op_error(operation, dn, err)),
            }
        }
    }

    /// A paged subtree/one-level/base search returning all entries (references skipped).
    pub(crate) async fn search(
        &mut self,
        base: &str,
        scope: Scope,
        filter: &str,
        attrs: &[&str],
    ) -> Result<Vec<SearchEntry>, AdError> {
        let attrs: Vec<String> = attrs.iter().map(|a| (*a).to_owned()).collect();
        self.retrying("search", base, |mut ldap| {
            let attrs = attrs.clone();
            async move {
                let adapters: Vec<Box<dyn Adapter<_, _>>> = vec![
                    Box::new(EntriesOnly::new()),
                    Box::new(PagedResults::new(PAGE_SIZE)),
                ];
                let mut stream = ldap
                    .streaming_search_with(adapters, base, scope, filter, attrs)
                    .await?;
                let mut entries = Vec::new();
                while let Some(entry) = stream.next().await? {
                    entries.push(SearchEntry::construct(entry));
                }
                stream.finish().await.success()?;
                Ok(entries)
            }
        })
        .await
    }

    /// Reads one entry; `None` when it does not exist.
    pub(crate) async fn read_entry(
        &mut self,
        dn: &str,
        attrs: &[&str],
    ) -> Result<Option<SearchEntry>, AdError> {
        match self.search(dn, Scope::Base, "(objectClass=*)", attrs).await {
            Ok(mut entries) => Ok(entries.pop()),
            Err(e) if e.rc() == Some(32) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Adds an entry.
    pub(crate) async fn add(
        &mut self,
        dn: &str,
        attrs: &[(String, Vec<String>)],
    ) -> Result<(), AdError> {
        self.retrying("add", dn, |mut ldap| {
            let attrs: Vec<(Vec<u8>, ValueSet)> = attrs
                .iter()
                .map(|(name, values)| (name.as_bytes().to_vec(), value_set(values)))
                .collect();
            async move { ldap.add(dn, attrs).await?.success().map(|_| ()) }
        })
        .await
    }

    /// Modifies an entry by value, with the permissive-modify control.
    pub(crate) async fn modify(&mut self, dn: &str, mods: &[ModOp<'_>]) -> Result<(), AdError> {
        self.retrying("modify", dn, |mut ldap| {
            let mods: Vec<Mod<Vec<u8>>> = mods
                .iter()
                .map(|m| match m {
                    ModOp::Add(a, v) => Mod::Add(a.as_bytes().to_vec(), value_set(v)),
                    ModOp::Delete(a, v) => Mod::Delete(a.as_bytes().to_vec(), value_set(v)),
                    ModOp::Replace(a, v) => Mod::Replace(a.as_bytes().to_vec(), value_set(v)),
                })
                .collect();
            async move {
                let control = RawControl {
                    ctype: PERMISSIVE_MODIFY_OID.to_owned(),
                    crit: false,
                    val: None,
                };
                ldap.with_controls(vec![control])
                    .modify(dn, mods)
                    .await?
                    .success()
                    .map(|_| ())
            }
        })
        .await
    }

    /// Renames and/or moves an entry.
    pub(crate) async fn modify_dn(
        &mut self,
        dn: &str,
        new_rdn: &str,
        new_superior: Option<&str>,
    ) -> Result<(), AdError> {
        self.retrying("modrdn", dn, |mut ldap| async move {
            ldap.modifydn(dn, new_rdn, true, new_superior)
                .await?
                .success()
                .map(|_| ())
        })
        .await
    }

    /// Deletes an entry.
    pub(crate) async fn delete(&mut self, dn: &str) -> Result<(), AdError> {
        self.retrying("delete", dn, |mut ldap| async move {
            ldap.delete(dn).await?.success().map(|_| ())
        })
        .await
    }
}

/// The text values of an attribute of a search entry (empty when absent), case-insensitively.
pub(crate) fn text_values<'e>(entry: &'e SearchEntry, name: &str) -> Vec<&'e str> {
    entry
        .attrs
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
        .flat_map(|(_, v)| v.iter().map(String::as_str))
        .collect()
}

/// The raw bytes of a binary attribute's first value, whether ldap3 decoded it as text or not.
pub(crate) fn first_bytes(entry: &SearchEntry, name: &str) -> Option<Vec<u8>> {
    entry
        .bin_attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.first().cloned())
        .or_else(|| {
            text_values(entry, name)
                .first()
                .map(|s| s.as_bytes().to_vec())
        })
}
