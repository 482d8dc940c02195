//! The token endpoint: client credentials with a secret or a signed JWT assertion, and bearer checks.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gwb_model::clock::system_clock;
use rsa::RsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use serde_json::Value;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::der::{DecodePem, Encode};

use crate::tenant::Tenant;

/// The `client_assertion_type` for JWT bearer assertions.
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Clock skew Entra tolerates on `nbf`/`exp`.
const SKEW_SECS: i64 = 300;
/// The longest assertion lifetime accepted (`exp - nbf`).
const MAX_ASSERTION_SECS: i64 = 600;

/// A refusal from the token endpoint, rendered as Entra's error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenRefusal {
    /// HTTP status (400 or 401).
    pub status: u16,
    /// OAuth error (`invalid_client`, `invalid_request`, ...).
    pub error: &'static str,
    /// The AADSTS number.
    pub code: u32,
    /// Human text after the AADSTS code.
    pub description: String,
}

impl TokenRefusal {
    /// A refusal with status 400.
    fn bad(error: &'static str, code: u32, description: impl Into<String>) -> Self {
        Self {
            status: 400,
            error,
            code,
            description: description.into(),
        }
    }

    /// A refusal with status 401 (`invalid_client`).
    fn client(code: u32, description: impl Into<String>) -> Self {
        Self {
            status: 401,
            error: "invalid_client",
            code,
            description: description.into(),
        }
    }

    /// The JSON body Entra returns.
    pub(crate) fn body(&self, trace_id: &str) -> Value {
        serde_json::json!({
            "error": self.error,
            "error_description": format!("AADSTS{}: {} Trace ID: {trace_id}", self.code, self.description),
            "error_codes": [self.code],
            "timestamp": crate::tenant::now_iso(),
            "trace_id": trace_id,
            "correlation_id": trace_id,
        })
    }
}

/// Issued access tokens and seen assertion ids.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    /// Access token → when it stops being valid.
    issued: BTreeMap<String, Instant>,
    /// `jti`s of accepted assertions (replays are refused).
    seen_jti: BTreeSet<String>,
    /// Counter making tokens unique.
    counter: u64,
}

/// What a bearer check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bearer {
    /// A valid token.
    Valid,
    /// No `Authorization: Bearer` header.
    Missing,
    /// Unknown or expired token.
    Expired,
}

impl Tokens {
    /// Issues a token valid for `lifetime`.
    fn issue(&mut self, lifetime: Duration) -> String {
        self.counter += 1;
        let digest = Sha256::digest(format!(
            "gwb-emulator-token-{}-{:?}",
            self.counter,
            Instant::now()
        ));
        let token = format!(
            "eyJ0eXAiOiJKV1QiLCJlbXUiOjF9.{}",
            URL_SAFE_NO_PAD.encode(digest)
        );
        self.issued.insert(token.clone(), Instant::now() + lifetime);
        token
    }

    /// Makes every issued token expire now.
    pub(crate) fn expire_all(&mut self) {
        let now = Instant::now();
        for until in self.issued.values_mut() {
            *until = now;
        }
    }

    /// Checks an `Authorization` header value.
    pub(crate) fn check(&self, authorization: Option<&str>) -> Bearer {
        let Some(token) = authorization.and_then(|h| h.strip_prefix("Bearer ")) else {
            return Bearer::Missing;
        };
        match self.issued.get(token.trim()) {
            Some(until) if *until > Instant::now() => Bearer::Valid,
            _ => Bearer::Expired,
        }
    }
}

/// Handles `POST /{tenant}/oauth2/v2.0/token`; returns the access token on success.
pub(crate) fn token_request(
    tenant: &Tenant,
    tokens: &mut Tokens,
    path_tenant: &str,
    form: &BTreeMap<String, String>,
    token_url: &str,
    lifetime: Duration,
) -> Result<String, TokenRefusal> {
    if path_tenant != tenant.tenant_id() {
        return Err(TokenRefusal::bad(
            "invalid_tenant",
            90002,
            format!("Tenant '{path_tenant}' not found."),
        ));
    }
    let field = |name: &str| form.get(name).map(String::as_str);
    if field("grant_type") != Some("client_credentials") {
        return Err(TokenRefusal::bad(
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type.",
        ));
    }
    if !field("scope").is_some_and(|s| s.ends_with("/.default")) {
        return Err(TokenRefusal::bad(
            "invalid_scope",
            1002012,
            "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.",
        ));
    }
    let client_id = field("client_id").unwrap_or_default();
    let app = tenant.apps.get(client_id).ok_or_else(|| {
        TokenRefusal::bad(
            "unauthorized_client",
            700016,
            format!("Application with identifier '{client_id}' was not found in the directory."),
        )
    })?;
    match (field("client_secret"), field("client_assertion")) {
        (Some(secret), None) => {
            if app.client_secret.as_deref() != Some(secret) {
                return Err(TokenRefusal::client(
                    7000215,
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
                ));
            }
        }
        (None, Some(assertion)) => {
            if field("client_assertion_type") != Some(JWT_BEARER) {
                return Err(TokenRefusal::bad(
                    "invalid_request",
                    50027,
                    "Invalid client_assertion_type.",
                ));
            }
            let pem = app.certificate_pem.as_deref().ok_or_else(|| {
                TokenRefusal::client(700027, "No certificate is registered for the application.")
            })?;
            let jti = verify_assertion(assertion, pem, client_id, token_url)?;
            if !tokens.seen_jti.insert(jti) {
                return Err(TokenRefusal::client(
                    700030,
                    "The client assertion was already used (jti replay).",
                ));
            }
        }
        _ => {
            return Err(TokenRefusal::bad(
                "invalid_request",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            ));
        }
    }
    Ok(tokens.issue(lifetime))
}

/// Verifies a client assertion against the registered certificate; returns its `jti`.
fn verify_assertion(
    assertion: &str,
    certificate_pem: &str,
    client_id: &str,
    token_url: &str,
) -> Result<String, TokenRefusal> {
    let jwt = Jwt::parse(assertion)?;
    verify_signature(&jwt, certificate_pem)?;
    verify_claims(&jwt.claims, client_id, token_url)
}

/// A client assertion split into its parts, the header and claims decoded.
struct Jwt<'a> {
    /// The signed text: the base64url header and claims joined by a dot.
    signed: &'a str,
    header: Value,
    claims: Value,
    signature: Vec<u8>,
}

/// The refusal Entra gives a token it cannot read (AADSTS50027).
fn malformed(what: &str) -> TokenRefusal {
    TokenRefusal::client(50027, format!("JWT token is invalid or malformed: {what}."))
}

impl<'a> Jwt<'a> {
    /// Splits and decodes `assertion`, refusing anything but three base64url parts of which
    /// the first two are JSON.
    fn parse(assertion: &'a str) -> Result<Self, TokenRefusal> {
        let mut parts = assertion.split('.');
        let (Some(header_b64), Some(claims_b64), Some(sig_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed("not three parts"));
        };
        let decode_json = |part: &str| -> Result<Value, TokenRefusal> {
            let bytes = URL_SAFE_NO_PAD
                .decode(part)
                .map_err(|_| malformed("bad base64url"))?;
            serde_json::from_slice(&bytes).map_err(|_| malformed("bad JSON"))
        };
        Ok(Self {
            signed: &assertion[..header_b64.len() + 1 + claims_b64.len()],
            header: decode_json(header_b64)?,
            claims: decode_json(claims_b64)?,
            signature: URL_SAFE_NO_PAD
                .decode(sig_b64)
                .map_err(|_| malformed("bad signature encoding"))?,
        })
    }
}

/// Checks that `jwt` names the registered certificate by its thumbprint (`x5t#S256`, or the
/// older SHA-1 `x5t`) and is signed by its key with PS256 or RS256.
fn verify_signature(jwt: &Jwt<'_>, certificate_pem: &str) -> Result<(), TokenRefusal> {
    fn unreadable<E>(_: E) -> TokenRefusal {
        TokenRefusal::client(700027, "The registered certificate cannot be read.")
    }
    let cert = Certificate::from_pem(certificate_pem.as_bytes()).map_err(unreadable)?;
    let der = cert.to_der().map_err(unreadable)?;
    let thumb_ok = match (
        jwt.header.get("x5t#S256").and_then(Value::as_str),
        jwt.header.get("x5t").and_then(Value::as_str),
    ) {
        (Some(s256), _) => s256 == URL_SAFE_NO_PAD.encode(Sha256::digest(&der)),
        (None, Some(sha1)) => sha1 == URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(&der)),
        (None, None) => false,
    };
    if !thumb_ok {
        return Err(TokenRefusal::client(
            700027,
            "The certificate with identifier used to sign the client assertion is not registered on application.",
        ));
    }
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|_| {
            TokenRefusal::client(700027, "The registered certificate has no usable key.")
        })?;
    let key = RsaPublicKey::from_public_key_der(&spki)
        .map_err(|_| TokenRefusal::client(700027, "The registered certificate has no RSA key."))?;
    let message = jwt.signed.as_bytes();
    let signature = jwt.signature.as_slice();
    let verified = match jwt.header.get("alg").and_then(Value::as_str) {
        Some("PS256") => rsa::pss::Signature::try_from(signature)
            .ok()
            .is_some_and(|sig| {
                rsa::pss::VerifyingKey::<Sha256>::new(key)
                    .verify(message, &sig)
                    .is_ok()
            }),
        Some("RS256") => rsa::pkcs1v15::Signature::try_from(signature)
            .ok()
            .is_some_and(|sig| {
                rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key)
                    .verify(message, &sig)
                    .is_ok()
            }),
        _ => return Err(malformed("alg must be PS256 or RS256")),
    };
    if verified {
        Ok(())
    } else {
        Err(TokenRefusal::client(
            700027,
            "Client assertion failed signature validation.",
        ))
    }
}

/// Checks the assertion's claims as Entra does: `aud` is the token URL, `iss` and `sub` the
/// client id, `nbf`..`exp` a short window around now, and a `jti`, which it returns.
fn verify_claims(claims: &Value, client_id: &str, token_url: &str) -> Result<String, TokenRefusal> {
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if text("aud") != Some(token_url) {
        return Err(TokenRefusal::client(
            700024,
            format!(
                "Client assertion audience claim does not match the token endpoint {token_url}."
            ),
        ));
    }
    if text("iss") != Some(client_id) || text("sub") != Some(client_id) {
        return Err(TokenRefusal::client(
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter.",
        ));
    }
    let number = |name: &str| claims.get(name).and_then(Value::as_i64);
    let now = system_clock()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (Some(nbf), Some(exp)) = (number("nbf"), number("exp")) else {
        return Err(malformed("nbf and exp are required"));
    };
    if nbf > now + SKEW_SECS || exp <= now - SKEW_SECS || exp - nbf > MAX_ASSERTION_SECS {
        return Err(TokenRefusal::client(
            700024,
            "Client assertion is not within its valid time range.",
        ));
    }
    match text("jti") {
        Some(jti) if !jti.is_empty() => Ok(jti.to_owned()),
        _ => Err(malformed("jti is required")),
    }
}
