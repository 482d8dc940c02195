//! Errors of the Graph client (never containing secrets or tokens).

use std::path::PathBuf;

use crate::assertion::AssertionError;
use crate::config::ConfigError;
use crate::wire::WireError;

/// Why talking to Graph failed.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// The configuration is invalid.
    #[error("invalid Graph configuration: {0}")]
    Config(#[from] ConfigError),
    /// The certificate credential cannot sign.
    #[error("certificate credential: {0}")]
    Assertion(#[from] AssertionError),
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(String),
    /// The CA file (`ca_file`) cannot be read or holds no usable certificate.
    #[error("CA file {}: {reason}", path.display())]
    CaFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The server's TLS certificate did not verify (not retried: it would not change).
    #[error(
        "the TLS certificate of {url} was refused ({reason}); it must verify against the system \
         roots or the CA file (ca_file)"
    )]
    Tls {
        /// The request URL.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// The token endpoint refused the credential.
    #[error(
        "the token endpoint {url} refused the credential (HTTP {status}, {error}): {description}; \
         check the tenant id, client id and secret or certificate"
    )]
    Auth {
        /// The token URL.
        url: String,
        /// HTTP status.
        status: u16,
        /// OAuth `error`.
        error: String,
        /// Entra's `error_description` (AADSTS code and text).
        description: String,
    },
    /// The token endpoint answered 200 without a usable token.
    #[error(
        "the token endpoint {url} answered without `access_token`/`expires_in`; is it an Entra token endpoint?"
    )]
    TokenResponse {
        /// The token URL.
        url: String,
    },
    /// Graph refused a fresh token too.
    #[error(
        "Graph refused the access token for {url} even after renewing it (HTTP 401, {code}); \
         check the app's permissions (Group.Read.All, User.Read.All) and admin consent"
    )]
    Unauthorized {
        /// The request URL.
        url: String,
        /// Graph's error code.
        code: String,
    },
    /// Graph asks for a full round (410 Gone, `syncStateNotFound`, `resyncRequired`).
    #[error("Graph asks for a full resync at {url}: {reason}")]
    Resync {
        /// The request URL.
        url: String,
        /// Why (`410 Gone`, the error code).
        reason: String,
    },
    /// Graph answered with an error that is not retried.
    #[error("Graph answered HTTP {status} ({code}: {message}) for {url}")]
    Status {
        /// The request URL.
        url: String,
        /// HTTP status.
        status: u16,
        /// Graph's error code.
        code: String,
        /// Graph's error message.
        message: String,
    },
    /// The body is not the JSON Graph sends.
    #[error(
        "the response of {url} is not valid Graph JSON ({reason}); nothing from this round is saved"
    )]
    Malformed {
        /// The request URL.
        url: String,
        /// The parse error.
        reason: String,
    },
    /// An item of a page is unusable.
    #[error(
        "an item in the response of {url} is unusable: {source}; nothing from this round is saved"
    )]
    Item {
        /// The request URL.
        url: String,
        /// What is wrong with it.
        source: WireError,
    },
    /// A link points away from the configured Graph endpoint's origin.
    #[error(
        "refusing to follow {url}: its origin {origin} is not the origin {endpoint} of the \
         configured Graph endpoint (`[graph] endpoint`), and the access token must not leave it"
    )]
    ForeignLink {
        /// The link, without its query.
        url: String,
        /// The link's origin (scheme, host, port).
        origin: String,
        /// The configured endpoint's origin.
        endpoint: String,
    },
    /// A server answered with a redirect: gwb follows none, since a redirect could carry the
    /// credential or the access token to another host.
    #[error(
        "{url} answered with a redirect (HTTP {status}) to {target}; gwb follows no redirects: \
         check `[graph] authority` and `[graph] endpoint`"
    )]
    Redirect {
        /// The request URL, without its query.
        url: String,
        /// The 3xx status.
        status: u16,
        /// The origin the `Location` header points to (or that it has none).
        target: String,
    },
    /// A response body is larger than gwb reads (not retried: it would not shrink).
    #[error(
        "the response of {url} is larger than {limit} bytes, gwb's cap for it; nothing from \
         this round is saved"
    )]
    TooLarge {
        /// The request URL, without its query.
        url: String,
        /// The cap, in bytes.
        limit: usize,
    },
    /// A chain of `@odata.nextLink`s is longer than gwb follows.
    #[error(
        "{url}: more than {limit} pages in one chain of @odata.nextLink, gwb's cap (far above \
         any real tenant); nothing from this round is saved"
    )]
    TooManyPages {
        /// The last page's URL, without its query.
        url: String,
        /// The cap, in pages.
        limit: u64,
    },
    /// A chain of `@odata.nextLink`s loops.
    #[error(
        "{url}: its @odata.nextLink {reason}, so the chain would never end; nothing from this \
         round is saved"
    )]
    LinkLoop {
        /// The page's URL, without its query.
        url: String,
        /// How it loops.
        reason: String,
    },
    /// The request could not be built (e.g. a bad URL in a link).
    #[error("cannot send a request to {url}: {reason}")]
    Request {
        /// The request URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// Throttling or transient failures outlasted the retry policy.
    #[error(
        "{url} still failed after {attempts} attempts (last: {last}); Graph may be throttling or unreachable, try again later"
    )]
    RetriesExhausted {
        /// The request URL.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: String,
    },
}
