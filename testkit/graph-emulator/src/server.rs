//! The HTTP server on loopback: routing, Graph responses and errors, faults, and the control API.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{
    AUTHORIZATION, CONTENT_TYPE, HeaderValue, LOCATION, RETRY_AFTER, TRANSFER_ENCODING,
};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

use crate::auth::{self, Bearer, Tokens};
use crate::delta::{self, Resource, Selection};
use crate::entity;
use crate::faults::{self, Fault, FaultRule};
use crate::members;
use crate::odata;
use crate::paging::{self, DeltaState, Rounds, Snapshot};
use crate::tenant::Tenant;

/// Graph's JSON content type.
const JSON_TYPE: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// How the emulator pages and issues tokens.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Items per page.
    pub page_size: usize,
    /// Member changes per item; a group with more is split over several items (and pages).
    pub members_per_item: usize,
    /// Lifetime of issued access tokens (`expires_in`).
    pub token_lifetime: Duration,
    /// Where to listen; must be a loopback address (port 0 picks a free port).
    pub listen: SocketAddr,
    /// Serve https with this certificate instead of plain http.
    pub tls: Option<TlsIdentity>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            page_size: 100,
            members_per_item: 500,
            token_lifetime: Duration::from_secs(3599),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: None,
        }
    }
}

/// The server certificate of an https emulator (test-certs/tls-server-*.pem are made for it).
#[derive(Debug, Clone)]
pub struct TlsIdentity {
    /// The certificate chain (PEM), the server's certificate first.
    pub cert_chain_pem: String,
    /// Its private key (PEM); a test key, never a real one.
    pub key_pem: String,
}

impl TlsIdentity {
    /// A TLS acceptor serving this identity (HTTP/1.1 only, as the server speaks).
    fn acceptor(&self) -> Result<TlsAcceptor, EmulatorError> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let bad = |e: &dyn std::fmt::Display| EmulatorError::Tls(e.to_string());
        let chain = CertificateDer::pem_slice_iter(self.cert_chain_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(&e))?;
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes()).map_err(|e| bad(&e))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| bad(&e))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| bad(&e))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The listen address is not loopback.
    #[error("the emulator only listens on loopback; {0} is not a loopback address")]
    NotLoopback(SocketAddr),
    /// Binding the socket failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The TLS certificate or key is unusable.
    #[error("cannot serve TLS: {0}")]
    Tls(String),
}

/// One request the emulator received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// HTTP method.
    pub method: String,
    /// Path and query as received.
    pub path_and_query: String,
    /// The status sent; `None` when the connection was dropped.
    pub status: Option<u16>,
}

/// Everything the server and the control API share.
struct State {
    /// The directory.
    tenant: Tenant,
    /// Paging and token configuration.
    config: EmulatorConfig,
    /// Rounds in progress.
    rounds: Rounds,
    /// Issued tokens.
    tokens: Tokens,
    /// Pending faults.
    faults: Vec<FaultRule>,
    /// Every request, in order.
    requests: Vec<RequestRecord>,
    /// Delta tokens issued before this epoch get 410 Gone.
    delta_epoch: u64,
    /// Request counter for `request-id`s.
    request_counter: u64,
}

/// Shared, lockable state plus the base URL.
struct Shared {
    /// The state.
    state: Mutex<State>,
    /// `http://127.0.0.1:<port>`, or `https://…` when serving TLS.
    base_url: String,
}

impl Shared {
    /// Locks the state (a panic in another holder does not make it unusable).
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A running emulator; dropping it stops the server.
pub struct Emulator {
    /// Shared state.
    shared: Arc<Shared>,
    /// The accept loop.
    task: JoinHandle<()>,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Emulator {
    /// Starts serving `tenant` on loopback.
    pub async fn start(tenant: Tenant, config: EmulatorConfig) -> Result<Self, EmulatorError> {
        if !config.listen.ip().is_loopback() {
            return Err(EmulatorError::NotLoopback(config.listen));
        }
        let tls = config.tls.as_ref().map(TlsIdentity::acceptor).transpose()?;
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| EmulatorError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let addr = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind {
                addr: config.listen,
                source,
            })?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                tenant,
                config,
                rounds: Rounds::default(),
                tokens: Tokens::default(),
                faults: Vec::new(),
                requests: Vec::new(),
                delta_epoch: 0,
                request_counter: 0,
            }),
            base_url: format!("{}://{addr}", if tls.is_some() { "https" } else { "http" }),
        });
        let task = tokio::spawn(accept_loop(listener, tls, Arc::clone(&shared)));
        Ok(Self { shared, task })
    }

    /// The base URL, e.g. `http://127.0.0.1:41234` (`https://` with [`EmulatorConfig::tls`]):
    /// both the authority and the Graph endpoint.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The tenant id to put in token URLs.
    pub fn tenant_id(&self) -> String {
        self.shared.lock().tenant.tenant_id().to_owned()
    }

    /// Reads or changes the tenant (changes show up in the next delta round).
    pub fn tenant<R>(&self, change: impl FnOnce(&mut Tenant) -> R) -> R {
        change(&mut self.shared.lock().tenant)
    }

    /// Adds a fault rule (rules are matched in the order they were added).
    pub fn inject(&self, rule: FaultRule) {
        self.shared.lock().faults.push(rule);
    }

    /// Makes every access token issued so far expire now.
    pub fn expire_tokens(&self) {
        self.shared.lock().tokens.expire_all();
    }

    /// Invalidates every delta token issued so far: using one gets 410 Gone.
    pub fn invalidate_delta_tokens(&self) {
        self.shared.lock().delta_epoch += 1;
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.lock().requests.clone()
    }
}

/// Accepts connections (TLS ones when `tls` is set) until the task is aborted.
async fn accept_loop(listener: TcpListener, tls: Option<TlsAcceptor>, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        // Without it, delayed ACKs stall every response on loopback by tens of milliseconds.
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                Some(tls) => {
                    // A client that refuses the certificate ends the handshake: nothing to serve.
                    if let Ok(stream) = tls.accept(stream).await {
                        serve(stream, shared).await;
                    }
                }
                None => serve(stream, shared).await,
            }
        });
    }
}

/// Serves HTTP/1.1 on one connection until it closes.
async fn serve(io: impl AsyncRead + AsyncWrite + Unpin + Send + 'static, shared: Arc<Shared>) {
    let service = service_fn(move |req| handle(Arc::clone(&shared), req));
    // A dropped connection ends here with an error, which is the point of the fault.
    let _ = http1::Builder::new()
        .serve_connection(TokioIo::new(io), service)
        .await;
}

/// The error a handler returns to make hyper drop the connection without a response.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by fault injection")]
struct Dropped;

/// Handles one request: faults first, then routing.
async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let method = req.method().clone();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_default();
    let (fault, request_id) = {
        let mut state = shared.lock();
        state.request_counter += 1;
        (
            faults::take(&mut state.faults, &path_and_query),
            format!("00000000-0000-4000-8000-{:012x}", state.request_counter),
        )
    };
    let record = |status: Option<u16>| {
        shared.lock().requests.push(RequestRecord {
            method: method.to_string(),
            path_and_query: path_and_query.clone(),
            status,
        });
    };
    let response = match fault {
        Some(Fault::DropConnection) => {
            record(None);
            return Err(Dropped);
        }
        Some(Fault::Slow(delay)) => {
            tokio::time::sleep(delay).await;
            route(&shared, req, &path_and_query, &request_id).await
        }
        Some(Fault::ReplayPage) => {
            let response = route(&shared, req, &path_and_query, &request_id).await;
            replay(response, &format!("{}{path_and_query}", shared.base_url)).await
        }
        Some(fault) => fault_response(&shared, &fault, &path_and_query, &request_id),
        None => route(&shared, req, &path_and_query, &request_id).await,
    };
    record(Some(response.status().as_u16()));
    Ok(response)
}

/// Routes a request that no fault intercepted.
async fn route(
    shared: &Shared,
    req: Request<Incoming>,
    path_and_query: &str,
    request_id: &str,
) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    let query = odata::query(req.uri().query());
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (req.method(), segments.as_slice()) {
        (&Method::POST, [tenant, "oauth2", "v2.0", "token"]) => {
            let tenant = (*tenant).to_owned();
            let body = match req.into_body().collect().await {
                Ok(body) => body.to_bytes(),
                Err(_) => return graph_error(400, "BadRequest", "Unreadable body.", request_id),
            };
            token(shared, &tenant, &path, &body, request_id)
        }
        (
            &Method::GET,
            [
                version @ ("v1.0" | "beta"),
                resource @ ("groups" | "users"),
                rest @ ..,
            ],
        ) => {
            let authorization = req
                .headers()
                .get(AUTHORIZATION)
                .and_then(|h| h.to_str().ok());
            let mut state = shared.lock();
            match state.tokens.check(authorization) {
                Bearer::Valid => {}
                Bearer::Missing => {
                    return graph_error(
                        401,
                        "InvalidAuthenticationToken",
                        "Access token is empty.",
                        request_id,
                    );
                }
                Bearer::Expired => {
                    return graph_error(
                        401,
                        "InvalidAuthenticationToken",
                        "Access token has expired or is not yet valid.",
                        request_id,
                    );
                }
            }
            let resource = if *resource == "groups" {
                Resource::Groups
            } else {
                Resource::Users
            };
            match (*version, rest) {
                ("v1.0", [function]) if odata::is_delta_function(function) => {
                    delta_page(&mut state, &shared.base_url, resource, &query, request_id)
                }
                (version, []) if resource == Resource::Groups => groups_page(
                    &mut state,
                    &shared.base_url,
                    version == "beta",
                    &query,
                    request_id,
                ),
                (version, [id, "members"]) if resource == Resource::Groups => members_page(
                    &mut state,
                    &shared.base_url,
                    version,
                    id,
                    &query,
                    request_id,
                ),
                (version, [id]) if resource == Resource::Groups => match entity::group(
                    &state.tenant,
                    &shared.base_url,
                    version == "beta",
                    id,
                    query.get("$select").map(String::as_str),
                ) {
                    Some(group) => json_response(200, &group, request_id),
                    None => resource_not_found(id, request_id),
                },
                _ => not_found(path_and_query, request_id),
            }
        }
        _ => not_found(path_and_query, request_id),
    }
}

/// Serves the token endpoint.
fn token(
    shared: &Shared,
    tenant: &str,
    path: &str,
    body: &[u8],
    request_id: &str,
) -> Response<Full<Bytes>> {
    let form: BTreeMap<String, String> = form_urlencoded::parse(body).into_owned().collect();
    let token_url = format!("{}{path}", shared.base_url);
    let mut state = shared.lock();
    let lifetime = state.config.token_lifetime;
    let State {
        tenant: t, tokens, ..
    } = &mut *state;
    match auth::token_request(t, tokens, tenant, &form, &token_url, lifetime) {
        Ok(access_token) => json_response(
            200,
            &json!({
                "token_type": "Bearer",
                "expires_in": lifetime.as_secs(),
                "ext_expires_in": lifetime.as_secs(),
                "access_token": access_token,
            }),
            request_id,
        ),
        Err(refusal) => json_response(refusal.status, &refusal.body(request_id), request_id),
    }
}

/// Serves one page of `/v1.0/{groups|users}/delta` (by any of its names, see
/// [`odata::is_delta_function`]); its links always name it `delta`.
fn delta_page(
    state: &mut State,
    base_url: &str,
    resource: Resource,
    query: &BTreeMap<String, String>,
    request_id: &str,
) -> Response<Full<Bytes>> {
    let path = format!("/v1.0/{}/delta", resource.segment());
    if let Some(skip) = query.get("$skiptoken") {
        return match paging::parse_skip_token(skip)
            .and_then(|(round, page)| state.rounds.get(round).map(|snap| (round, snap, page)))
        {
            Some((round, snapshot, page)) if page < snapshot.pages() => {
                render_page(base_url, round, &snapshot, page, request_id)
            }
            _ => sync_state_not_found(request_id),
        };
    }
    // `$deltatoken=latest` ("sync from now"): no items, a delta link that tracks changes from
    // now on, as a full round ending now would give.
    let latest = query
        .get("$deltatoken")
        .is_some_and(|token| token.eq_ignore_ascii_case("latest"));
    let (since, selection) = match query.get("$deltatoken") {
        Some(token) if !token.is_empty() && !latest => match paging::parse_delta_token(token) {
            Some(delta) if delta.resource == resource && delta.epoch == state.delta_epoch => {
                (Some(delta.seq), delta.selection)
            }
            Some(delta) if delta.resource == resource => {
                return gone(base_url, &path, request_id);
            }
            _ => return sync_state_not_found(request_id),
        },
        _ => (
            None,
            Selection::parse(query.get("$select").map(String::as_str)),
        ),
    };
    if selection
        .props
        .as_ref()
        .is_some_and(|p| p.contains("writebackConfiguration"))
    {
        return graph_error(
            400,
            "Request_BadRequest",
            "Could not find a property named 'writebackConfiguration' on type 'microsoft.graph.group'.",
            request_id,
        );
    }
    let items = match resource {
        _ if latest => Vec::new(),
        Resource::Groups => delta::group_items(
            &state.tenant,
            since,
            &selection,
            state.config.members_per_item,
        ),
        Resource::Users => delta::user_items(&state.tenant, since, &selection),
    };
    let delta_token = paging::delta_token(&DeltaState {
        resource,
        seq: state.tenant.seq(),
        epoch: state.delta_epoch,
        selection,
    });
    let (round, snapshot) = state.rounds.start(Snapshot {
        path,
        context: resource.segment().into(),
        items,
        page_size: state.config.page_size,
        delta_token: Some(delta_token),
    });
    render_page(base_url, round, &snapshot, 0, request_id)
}

/// Serves one page of `/v1.0/groups` or `/beta/groups` (`writebackConfiguration` on beta only),
/// with `$select` and optionally `$filter=id in (...)`.
fn groups_page(
    state: &mut State,
    base_url: &str,
    beta: bool,
    query: &BTreeMap<String, String>,
    request_id: &str,
) -> Response<Full<Bytes>> {
    if let Some(skip) = query.get("$skiptoken") {
        return listing_page(state, base_url, skip, request_id);
    }
    let selection = Selection::parse(query.get("$select").map(String::as_str));
    let wanted: Option<Vec<String>> = query.get("$filter").map(|f| filter_ids(f));
    let items = state
        .tenant
        .groups
        .iter()
        .filter(|(id, g)| !g.soft_deleted && wanted.as_ref().is_none_or(|w| w.contains(id)))
        .map(|(id, g)| Value::Object(selection.project(id, &g.props, beta)))
        .collect();
    let (round, snapshot) = state.rounds.start(Snapshot {
        path: if beta { "/beta/groups" } else { "/v1.0/groups" }.into(),
        context: "groups".into(),
        items,
        page_size: state.config.page_size,
        delta_token: None,
    });
    render_page(base_url, round, &snapshot, 0, request_id)
}

/// Serves one page of `/{version}/groups/{id}/members`: the group's direct members as
/// directoryObjects (see [`members::items`]), paged with `@odata.nextLink`; 404
/// `Request_ResourceNotFound` for a group the tenant does not have (or has deleted).
fn members_page(
    state: &mut State,
    base_url: &str,
    version: &str,
    id: &str,
    query: &BTreeMap<String, String>,
    request_id: &str,
) -> Response<Full<Bytes>> {
    if let Some(skip) = query.get("$skiptoken") {
        return listing_page(state, base_url, skip, request_id);
    }
    let select = query.get("$select").map(String::as_str);
    let Some(items) = members::items(&state.tenant, id, select) else {
        return resource_not_found(id, request_id);
    };
    let (round, snapshot) = state.rounds.start(Snapshot {
        path: format!("/{version}/groups/{id}/members"),
        context: members::context(select),
        items,
        page_size: state.config.page_size,
        delta_token: None,
    });
    render_page(base_url, round, &snapshot, 0, request_id)
}

/// A later page of a plain listing (groups, members) by its `$skiptoken`.
fn listing_page(
    state: &State,
    base_url: &str,
    skip: &str,
    request_id: &str,
) -> Response<Full<Bytes>> {
    match paging::parse_skip_token(skip)
        .and_then(|(round, page)| state.rounds.get(round).map(|snap| (round, snap, page)))
    {
        Some((round, snapshot, page)) if page < snapshot.pages() => {
            render_page(base_url, round, &snapshot, page, request_id)
        }
        _ => graph_error(400, "Request_BadRequest", "Invalid skip token.", request_id),
    }
}

/// The string literals of `id in ('a','b')` (or `id eq 'a'`), with OData's `''` read as a quote
/// inside a literal.
fn filter_ids(filter: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut chars = filter.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut id = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    id.push('\'');
                }
                '\'' => break,
                c => id.push(c),
            }
        }
        ids.push(id);
    }
    ids
}

/// Renders page `page` of a round with its next or delta link.
fn render_page(
    base_url: &str,
    round: u64,
    snapshot: &Snapshot,
    page: usize,
    request_id: &str,
) -> Response<Full<Bytes>> {
    let api = if snapshot.path.starts_with("/beta") {
        "beta"
    } else {
        "v1.0"
    };
    let mut body = serde_json::Map::new();
    body.insert(
        "@odata.context".into(),
        Value::String(format!("{base_url}/{api}/$metadata#{}", snapshot.context)),
    );
    if page + 1 < snapshot.pages() {
        body.insert(
            "@odata.nextLink".into(),
            Value::String(format!(
                "{base_url}{}?$skiptoken={}",
                snapshot.path,
                paging::skip_token(round, page + 1)
            )),
        );
    } else if let Some(token) = &snapshot.delta_token {
        body.insert(
            "@odata.deltaLink".into(),
            Value::String(format!("{base_url}{}?$deltatoken={token}", snapshot.path)),
        );
    }
    body.insert("value".into(), Value::Array(snapshot.page(page).to_vec()));
    json_response(200, &Value::Object(body), request_id)
}

/// The response for an injected fault.
fn fault_response(
    shared: &Shared,
    fault: &Fault,
    path_and_query: &str,
    request_id: &str,
) -> Response<Full<Bytes>> {
    match fault {
        Fault::Throttle { retry_after } => with_retry_after(
            graph_error(
                429,
                "TooManyRequests",
                "Too many requests, please retry later.",
                request_id,
            ),
            retry_after.as_deref(),
        ),
        Fault::Unavailable { retry_after } => with_retry_after(
            graph_error(
                503,
                "serviceNotAvailable",
                "Service unavailable.",
                request_id,
            ),
            retry_after.as_deref(),
        ),
        Fault::GatewayTimeout => graph_error(504, "UnknownError", "Gateway timeout.", request_id),
        Fault::Gone => {
            let path = path_and_query.split('?').next().unwrap_or(path_and_query);
            gone(&shared.base_url, path, request_id)
        }
        Fault::SyncStateNotFound => sync_state_not_found(request_id),
        Fault::ResyncRequired => graph_error(
            400,
            "resyncRequired",
            "Resync required. Replace any local state with the results of a new full round.",
            request_id,
        ),
        Fault::ExpiredToken => graph_error(
            401,
            "InvalidAuthenticationToken",
            "Access token has expired or is not yet valid.",
            request_id,
        ),
        Fault::AccessDenied => graph_error(
            403,
            "ErrorAccessDenied",
            "Access is denied. Check credentials and try again.",
            request_id,
        ),
        Fault::NotFound => {
            let path = path_and_query.split('?').next().unwrap_or(path_and_query);
            resource_not_found(path.rsplit('/').next().unwrap_or(path), request_id)
        }
        Fault::MalformedJson => raw_response(
            200,
            Bytes::from_static(b"{\"@odata.context\":\"x\",\"value\":[{\"id\":\"0000"),
            request_id,
        ),
        Fault::MissingId => json_response(
            200,
            &json!({
                "@odata.context": format!("{}/v1.0/$metadata#groups", shared.base_url),
                "@odata.nextLink": format!("{}{path_and_query}", shared.base_url),
                "value": [{"displayName": "No Id", "description": null}],
            }),
            request_id,
        ),
        Fault::EmptyPage => json_response(
            200,
            &json!({
                "@odata.context": format!("{}/v1.0/$metadata#groups", shared.base_url),
                "@odata.nextLink": format!("{}{path_and_query}", shared.base_url),
                "value": [],
            }),
            request_id,
        ),
        Fault::Redirect { status, location } => {
            let mut response = raw_response(*status, Bytes::new(), request_id);
            if let Ok(location) = HeaderValue::from_str(location) {
                response.headers_mut().insert(LOCATION, location);
            }
            response
        }
        Fault::NextLink(link) => json_response(
            200,
            &json!({
                "@odata.context": format!("{}/v1.0/$metadata#groups", shared.base_url),
                "@odata.nextLink": link,
                "value": [],
            }),
            request_id,
        ),
        Fault::DeltaLink(link) => json_response(
            200,
            &json!({
                "@odata.context": format!("{}/v1.0/$metadata#groups", shared.base_url),
                "@odata.deltaLink": link,
                "value": [],
            }),
            request_id,
        ),
        Fault::HugeBody { bytes, chunked } => {
            let mut response = raw_response(200, Bytes::from(vec![b' '; *bytes]), request_id);
            if *chunked {
                // hyper then encodes the body in chunks and sends no Content-Length.
                response
                    .headers_mut()
                    .insert(TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
            }
            response
        }
        // Handled before a response is built.
        Fault::Slow(_) | Fault::DropConnection | Fault::ReplayPage => {
            graph_error(500, "generalException", "Unexpected fault.", request_id)
        }
    }
}

/// Points a page's next link back at the page itself, so it is delivered again.
async fn replay(response: Response<Full<Bytes>>, url: &str) -> Response<Full<Bytes>> {
    let (parts, body) = response.into_parts();
    let bytes = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(never) => match never {},
    };
    let Ok(Value::Object(mut page)) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Full::new(bytes));
    };
    page.remove("@odata.deltaLink");
    page.insert("@odata.nextLink".into(), Value::String(url.to_owned()));
    Response::from_parts(
        parts,
        Full::new(Bytes::from(Value::Object(page).to_string())),
    )
}

/// 410 Gone with a `Location` that starts a fresh round.
fn gone(base_url: &str, path: &str, request_id: &str) -> Response<Full<Bytes>> {
    let mut response = graph_error(
        410,
        "syncStateInvalid",
        "The delta token is no longer valid; start a new round.",
        request_id,
    );
    if let Ok(location) = HeaderValue::from_str(&format!("{base_url}{path}?$deltatoken=")) {
        response.headers_mut().insert(LOCATION, location);
    }
    response
}

/// 400 `syncStateNotFound`.
fn sync_state_not_found(request_id: &str) -> Response<Full<Bytes>> {
    graph_error(
        400,
        "syncStateNotFound",
        "The sync state generation is not found. Start a new round.",
        request_id,
    )
}

/// 404 in Graph's shape.
fn not_found(path_and_query: &str, request_id: &str) -> Response<Full<Bytes>> {
    graph_error(
        404,
        "Request_ResourceNotFound",
        &format!("Resource not found for the segment in '{path_and_query}'."),
        request_id,
    )
}

/// Graph's 404 for an object id it does not have.
fn resource_not_found(id: &str, request_id: &str) -> Response<Full<Bytes>> {
    graph_error(
        404,
        "Request_ResourceNotFound",
        &format!(
            "Resource '{id}' does not exist or one of its queried reference-property objects \
             are not present."
        ),
        request_id,
    )
}

/// Adds `Retry-After` when given.
fn with_retry_after(
    mut response: Response<Full<Bytes>>,
    value: Option<&str>,
) -> Response<Full<Bytes>> {
    if let Some(value) = value.and_then(|v| HeaderValue::from_str(v).ok()) {
        response.headers_mut().insert(RETRY_AFTER, value);
    }
    response
}

/// A Graph error body: `{"error":{"code","message","innerError":{...}}}`.
fn graph_error(status: u16, code: &str, message: &str, request_id: &str) -> Response<Full<Bytes>> {
    json_response(
        status,
        &json!({"error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": crate::tenant::now_iso(),
                "request-id": request_id,
                "client-request-id": request_id,
            }
        }}),
        request_id,
    )
}

/// A JSON response with Graph's headers.
fn json_response(status: u16, body: &Value, request_id: &str) -> Response<Full<Bytes>> {
    raw_response(status, Bytes::from(body.to_string()), request_id)
}

/// A response with a JSON content type and the given bytes.
fn raw_response(status: u16, body: Bytes, request_id: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON_TYPE));
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert("request-id", id.clone());
        headers.insert("client-request-id", id);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_literals_read_doubled_quotes_as_quotes() {
        assert_eq!(filter_ids("id in ('g1','g2')"), ["g1", "g2"]);
        assert_eq!(filter_ids("id eq 'g1'"), ["g1"]);
        assert_eq!(
            filter_ids("id in ('x'') or true or (''','g1')"),
            ["x') or true or ('", "g1"]
        );
    }
}
