//! The HTTP layer: bearer tokens, retries for throttling and transient failures, Graph error mapping.

use std::path::Path;
use std::time::Duration;

use gwb_model::Secret;
use gwb_model::clock::Clock;
use gwb_model::printable::printable;
use reqwest::header::{HeaderMap, LOCATION, RETRY_AFTER};
use reqwest::{RequestBuilder, StatusCode};
use serde_json::Value;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::assertion::Signer256;
use crate::config::{Credential, GraphConfig};
use crate::error::GraphError;
use crate::retry;

/// Graph error codes that mean "drop the delta token and start over".
const RESYNC_CODES: [&str; 3] = ["syncStateNotFound", "syncStateInvalid", "resyncRequired"];
/// The largest Graph response body read: 64 MiB. A page of Graph's largest size (999 users, or
/// groups with `members@delta`) is a few MiB; past the cap a body is refused, never buffered.
const MAX_GRAPH_BODY: usize = 64 << 20;
/// The largest token response read: 64 KiB. Entra's are a few KiB (a JWT and its lifetime).
const MAX_TOKEN_BODY: usize = 64 << 10;

/// Request counters of one round.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestStats {
    /// HTTP requests sent (retries and token requests included).
    pub requests: u64,
    /// Retries after throttling or transient failures.
    pub retries: u64,
    /// Token requests.
    pub token_requests: u64,
}

/// A cached access token.
struct CachedToken {
    /// The token.
    value: Secret,
    /// When to ask for a new one.
    renew_at: Instant,
}

/// An authenticated Graph client with retries.
pub struct GraphClient {
    /// The HTTP client.
    http: reqwest::Client,
    /// The validated configuration.
    config: GraphConfig,
    /// The certificate signer, for certificate credentials.
    signer: Option<Signer256>,
    /// The cached token.
    token: Mutex<Option<CachedToken>>,
    /// Wall clock for assertions and HTTP-date `Retry-After`s.
    clock: Clock,
}

/// A finished HTTP exchange.
struct Reply {
    /// Status.
    status: StatusCode,
    /// Headers.
    headers: HeaderMap,
    /// Body.
    body: Vec<u8>,
}

impl GraphClient {
    /// Builds a client reading the wall clock through `clock` (token assertions, HTTP-date
    /// `Retry-After`s); fails on an invalid configuration, an unusable certificate or CA file.
    pub fn new(config: GraphConfig, clock: Clock) -> Result<Self, GraphError> {
        config.validate()?;
        let signer = match &config.credential {
            Credential::Secret(_) => None,
            Credential::Certificate {
                cert_pem,
                key_pem,
                alg,
            } => Some(Signer256::new(cert_pem, key_pem, *alg)?),
        };
        let mut builder = reqwest::Client::builder()
            .connect_timeout(config.timeouts.connect)
            .timeout(config.timeouts.request)
            .user_agent(concat!("gwb/", env!("CARGO_PKG_VERSION")))
            // A redirect would resend the credential (token request) or the bearer token to
            // wherever it points; Graph's JSON reads do not use redirects. A 3xx is an error.
            .redirect(reqwest::redirect::Policy::none())
            .https_only(false);
        // Trusted besides the system roots, never instead of verifying.
        if let Some(path) = &config.ca_file {
            for cert in extra_roots(path)? {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder
            .build()
            .map_err(|e| GraphError::HttpClient(e.to_string()))?;
        Ok(Self {
            http,
            config,
            signer,
            token: Mutex::new(None),
            clock,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &GraphConfig {
        &self.config
    }

    /// GETs a Graph URL and parses the JSON body, renewing the token once on 401.
    pub async fn get_json(&self, url: &str, stats: &mut RequestStats) -> Result<Value, GraphError> {
        self.check_link(url)?;
        let mut renewed = false;
        loop {
            let token = self.bearer(stats, renewed).await?;
            let reply = self
                .send(url, MAX_GRAPH_BODY, stats, || {
                    self.http.get(url).bearer_auth(token.expose())
                })
                .await?;
            let status = reply.status.as_u16();
            if reply.status.is_success() {
                return serde_json::from_slice(&reply.body).map_err(|e| GraphError::Malformed {
                    url: url.to_owned(),
                    reason: e.to_string(),
                });
            }
            let (code, message) = graph_error(&reply.body);
            if status == 401 && !renewed {
                tracing::debug!(url, "access token refused; renewing it once");
                renewed = true;
                continue;
            }
            return Err(match status {
                401 => GraphError::Unauthorized {
                    url: url.to_owned(),
                    code,
                },
                410 => GraphError::Resync {
                    url: url.to_owned(),
                    reason: format!("410 Gone ({code})"),
                },
                _ if RESYNC_CODES.contains(&code.as_str()) => GraphError::Resync {
                    url: url.to_owned(),
                    reason: code,
                },
                _ => GraphError::Status {
                    url: url.to_owned(),
                    status,
                    code,
                    message,
                },
            });
        }
    }

    /// Refuses a URL (a link from a page) off the Graph endpoint's origin: links come from the
    /// server, and the bearer token must never go anywhere else.
    pub(crate) fn check_link(&self, url: &str) -> Result<(), GraphError> {
        if same_origin(&self.config.graph_endpoint, url) {
            return Ok(());
        }
        Err(GraphError::ForeignLink {
            url: without_query(url),
            origin: origin(url),
            endpoint: origin(&self.config.graph_endpoint),
        })
    }

    /// A valid access token: the cached one, or a new one when `force` or near expiry.
    async fn bearer(&self, stats: &mut RequestStats, force: bool) -> Result<Secret, GraphError> {
        let mut cache = self.token.lock().await;
        if let Some(token) = cache.as_ref()
            && !force
            && Instant::now() < token.renew_at
        {
            return Ok(token.value.clone());
        }
        let (value, lifetime) = self.fetch_token(stats).await?;
        // Renew a tenth of the lifetime early (at most five minutes), never at a fixed hour.
        let margin = (lifetime / 10).min(Duration::from_secs(300));
        *cache = Some(CachedToken {
            value: value.clone(),
            renew_at: Instant::now() + lifetime.saturating_sub(margin),
        });
        Ok(value)
    }

    /// Asks the token endpoint for a token; returns it with its lifetime.
    async fn fetch_token(
        &self,
        stats: &mut RequestStats,
    ) -> Result<(Secret, Duration), GraphError> {
        let url = self.config.token_url();
        stats.token_requests += 1;
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("client_id", &self.config.client_id)
            .append_pair("scope", &self.config.scope())
            .append_pair("grant_type", "client_credentials");
        let base = form.finish();
        let reply = self
            .send(&url, MAX_TOKEN_BODY, stats, || {
                // A fresh assertion per attempt: Entra refuses a replayed `jti`.
                let credential = match (&self.config.credential, &self.signer) {
                    (Credential::Secret(secret), _) => {
                        let mut f = url::form_urlencoded::Serializer::new(String::new());
                        f.append_pair("client_secret", secret.expose());
                        Ok(f.finish())
                    }
                    (Credential::Certificate { .. }, Some(signer)) => signer
                        .assertion(&self.config.client_id, &url, (self.clock)())
                        .map(|jwt| {
                            let mut f = url::form_urlencoded::Serializer::new(String::new());
                            f.append_pair(
                                "client_assertion_type",
                                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                            )
                            .append_pair("client_assertion", &jwt);
                            f.finish()
                        }),
                    (Credential::Certificate { .. }, None) => {
                        Err(crate::assertion::AssertionError::Key)
                    }
                };
                let body = match credential {
                    Ok(credential) => format!("{base}&{credential}"),
                    // Sending without a credential yields Entra's own clear refusal.
                    Err(_) => base.clone(),
                };
                self.http
                    .post(&url)
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded",
                    )
                    .body(body)
            })
            .await?;
        let body: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
        if !reply.status.is_success() {
            let text = |key: &str| {
                body.get(key)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            return Err(GraphError::Auth {
                url,
                status: reply.status.as_u16(),
                error: text("error"),
                description: text("error_description"),
            });
        }
        let token = body.get("access_token").and_then(Value::as_str);
        let expires_in = match body.get("expires_in") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        };
        match (token, expires_in) {
            (Some(token), Some(secs)) if !token.is_empty() => {
                Ok((Secret::new(token), Duration::from_secs(secs)))
            }
            _ => Err(GraphError::TokenResponse { url }),
        }
    }

    /// Sends a request, retrying throttling (429), 502/503/504, timeouts and broken
    /// connections per the retry policy; returns the first other reply. A redirect, or a body
    /// larger than `limit` bytes, is an error at once.
    async fn send(
        &self,
        url: &str,
        limit: usize,
        stats: &mut RequestStats,
        make: impl Fn() -> RequestBuilder,
    ) -> Result<Reply, GraphError> {
        let policy = self.config.retry;
        let attempts = policy.max_attempts.max(1);
        let mut last = String::new();
        for attempt in 1..=attempts {
            stats.requests += 1;
            let retry_after = match exchange(make(), limit).await {
                Ok(reply) if reply.status.is_redirection() => {
                    return Err(GraphError::Redirect {
                        url: without_query(url),
                        status: reply.status.as_u16(),
                        target: redirect_target(url, &reply.headers),
                    });
                }
                Ok(reply) if is_retryable(reply.status) => {
                    last = format!("HTTP {}", reply.status.as_u16());
                    reply
                        .headers
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| retry::parse_retry_after(v, (self.clock)()))
                }
                Ok(reply) => return Ok(reply),
                Err(Exchange::TooLarge) => {
                    return Err(GraphError::TooLarge {
                        url: without_query(url),
                        limit,
                    });
                }
                Err(Exchange::Http(e)) if e.is_builder() => {
                    return Err(GraphError::Request {
                        url: url.to_owned(),
                        reason: e.to_string(),
                    });
                }
                Err(Exchange::Http(e)) => {
                    // Trying again meets the same certificate.
                    if let Some(reason) = certificate_refusal(&e) {
                        return Err(GraphError::Tls {
                            url: url.to_owned(),
                            reason,
                        });
                    }
                    last = describe(&e);
                    None
                }
            };
            if attempt == attempts {
                break;
            }
            let wait = retry::delay(&policy, retry_after, attempt, retry::jitter());
            tracing::debug!(
                url = %printable(url),
                attempt,
                ?wait,
                last = %printable(&last),
                "retrying"
            );
            stats.retries += 1;
            tokio::time::sleep(wait).await;
        }
        Err(GraphError::RetriesExhausted {
            url: url.to_owned(),
            attempts,
            last,
        })
    }
}

/// The certificates of a PEM bundle (one or more `CERTIFICATE` blocks), each checked to be
/// usable as a trust anchor.
fn extra_roots(path: &Path) -> Result<Vec<reqwest::Certificate>, GraphError> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let ca_error = |reason: String| GraphError::CaFile {
        path: path.to_owned(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|e| ca_error(format!("cannot read it: {e}")))?;
    let mut certs = Vec::new();
    for (n, der) in CertificateDer::pem_slice_iter(&pem).enumerate() {
        let der = der.map_err(|e| ca_error(format!("certificate {}: {e}", n + 1)))?;
        rustls::RootCertStore::empty()
            .add(der.clone())
            .map_err(|e| ca_error(format!("certificate {} is unusable: {e}", n + 1)))?;
        certs.push(
            reqwest::Certificate::from_der(&der)
                .map_err(|e| ca_error(format!("certificate {}: {e}", n + 1)))?,
        );
    }
    if certs.is_empty() {
        return Err(ca_error(
            "no PEM certificate in the file (-----BEGIN CERTIFICATE-----)".into(),
        ));
    }
    Ok(certs)
}

/// Why the server's TLS certificate was refused, when that is why `error` happened.
fn certificate_refusal(error: &reqwest::Error) -> Option<String> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        if let Some(refused @ rustls::Error::InvalidCertificate(_)) = current.downcast_ref() {
            return Some(refused.to_string());
        }
        // The rustls error travels inside io::Errors, whose `source` skips what they wrap.
        cause = match current.downcast_ref::<std::io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as _),
            None => current.source(),
        };
    }
    None
}

/// Why an exchange has no reply.
enum Exchange {
    /// The request or the connection failed.
    Http(reqwest::Error),
    /// The body is larger than the cap.
    TooLarge,
}

/// Sends a request and reads the whole body, at most `limit` bytes of it (a redirect's body is
/// not read).
async fn exchange(request: RequestBuilder, limit: usize) -> Result<Reply, Exchange> {
    let mut response = request.send().await.map_err(Exchange::Http)?;
    let status = response.status();
    let headers = response.headers().clone();
    let mut body = Vec::new();
    if status.is_redirection() {
        return Ok(Reply {
            status,
            headers,
            body,
        });
    }
    // Announced too large: refused before reading; otherwise counted while reading.
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(Exchange::TooLarge);
    }
    while let Some(chunk) = response.chunk().await.map_err(Exchange::Http)? {
        if body.len() + chunk.len() > limit {
            return Err(Exchange::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Reply {
        status,
        headers,
        body,
    })
}

/// Statuses worth retrying.
fn is_retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// A short description of a transport error (no URL query, no headers).
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".into()
    } else if error.is_connect() {
        "connection failed".into()
    } else if error.is_body() || error.is_decode() {
        "connection broke while reading the body".into()
    } else {
        "connection closed or reset".into()
    }
}

/// `url` without its query, fragment and user info, for error messages (a query can hold
/// skip and delta tokens).
pub(crate) fn without_query(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            parsed.set_query(None);
            parsed.set_fragment(None);
            // Only fails for URLs that cannot have user info, which then have none.
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.to_string()
        }
        Err(_) => "a link that is not a URL".into(),
    }
}

/// The origin (scheme, host, port) of `url`, for error messages.
fn origin(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => parsed.origin().ascii_serialization(),
        Err(_) => "(not a URL)".into(),
    }
}

/// The origin a redirect's `Location` points to, resolved against the request URL.
fn redirect_target(url: &str, headers: &HeaderMap) -> String {
    let Some(location) = headers.get(LOCATION) else {
        return "no Location".into();
    };
    let target = location
        .to_str()
        .ok()
        .and_then(|location| url::Url::parse(url).ok()?.join(location).ok());
    match target {
        Some(target) => target.origin().ascii_serialization(),
        None => "an unreadable Location".into(),
    }
}

/// True when `url` has the scheme, host and port of `endpoint`.
fn same_origin(endpoint: &str, url: &str) -> bool {
    match (url::Url::parse(endpoint), url::Url::parse(url)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => false,
    }
}

/// Graph's `error.code` and `error.message`, when the body has them.
fn graph_error(body: &[u8]) -> (String, String) {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let field = |key: &str| {
        value
            .get("error")
            .and_then(|e| e.get(key))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    (field("code"), field("message"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_must_stay_on_the_graph_endpoint() {
        let graph = "https://graph.microsoft.com";
        assert!(same_origin(
            graph,
            "https://graph.microsoft.com/v1.0/groups/delta?$skiptoken=x"
        ));
        assert!(same_origin(
            "https://graph.microsoft.com/",
            "https://graph.microsoft.com:443/v1.0"
        ));
        assert!(!same_origin(
            graph,
            "http://graph.microsoft.com/v1.0/groups/delta"
        ));
        assert!(!same_origin(
            graph,
            "https://graph.microsoft.com.evil.example/v1.0"
        ));
        assert!(!same_origin(graph, "not a url"));
    }

    #[test]
    fn error_urls_have_no_query_and_origins_no_path() {
        assert_eq!(
            without_query("https://user:pw@graph.microsoft.com/v1.0/users/delta?$deltatoken=s#f"),
            "https://graph.microsoft.com/v1.0/users/delta"
        );
        assert_eq!(without_query("not a url"), "a link that is not a URL");
        assert_eq!(
            origin("https://graph.microsoft.com:443/v1.0?x=1"),
            "https://graph.microsoft.com"
        );
        assert_eq!(origin("http://127.0.0.1:8080/a"), "http://127.0.0.1:8080");
        let url = "https://login.example/t/oauth2/v2.0/token";
        let mut headers = HeaderMap::new();
        assert_eq!(redirect_target(url, &headers), "no Location");
        headers.insert(LOCATION, "/elsewhere".parse().unwrap());
        assert_eq!(redirect_target(url, &headers), "https://login.example");
        headers.insert(
            LOCATION,
            "https://evil.example:8443/steal?x".parse().unwrap(),
        );
        assert_eq!(redirect_target(url, &headers), "https://evil.example:8443");
    }
}
