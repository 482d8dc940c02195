//! HTTP that cannot be turned against gwb: no redirect is followed (the secret and the token
//! stay home), links off the Graph endpoint are refused, bodies and link chains are capped, and
//! ids cannot change a `$filter`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use graph_emulator::{Emulator, Fault, FaultRule, RequestRecord};
use gwb_graph::{GraphClient, GraphError, RequestStats, RoundOptions, SourceError};
use gwb_model::clock::system_clock;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::common::*;

/// A second listener on loopback standing for another host: it counts the connections it gets
/// and never answers.
struct Trap {
    /// `http://127.0.0.1:<port>`.
    url: String,
    /// Connections accepted.
    connections: Arc<AtomicUsize>,
    /// The accept loop.
    task: JoinHandle<()>,
}

impl Trap {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&connections);
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                held.push(stream);
            }
        });
        Self {
            url,
            connections,
            task,
        }
    }

    /// Connections accepted, after giving a late one time to arrive.
    async fn connections(&self) -> usize {
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Trap {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// GETs one Graph URL (`path` under the emulator) with a fresh client.
async fn get(emu: &Emulator, path: &str) -> Result<serde_json::Value, GraphError> {
    let mut config = config(emu);
    // Room for the 64 MiB bodies of the cap tests.
    config.timeouts.request = Duration::from_secs(30);
    let client = GraphClient::new(config, system_clock).unwrap();
    client
        .get_json(
            &format!("{}{path}", emu.base_url()),
            &mut RequestStats::default(),
        )
        .await
}

/// The token endpoint's path in the emulator.
fn token_path() -> String {
    format!("/{TENANT_ID}/oauth2/v2.0/token")
}

/// A record of a request the emulator answered with `status`.
fn record(method: &str, path_and_query: &str, status: u16) -> RequestRecord {
    RequestRecord {
        method: method.into(),
        path_and_query: path_and_query.into(),
        status: Some(status),
    }
}

/// The Graph error of a failed round.
fn graph_error(err: SourceError) -> GraphError {
    match err {
        SourceError::Graph(graph) => graph,
        other => panic!("not a Graph error: {other}"),
    }
}

/// The Graph error of a first round against `emu` that must fail.
async fn failed_round(emu: &Emulator) -> GraphError {
    let (_dir, path) = state_dir();
    let err = source(config(emu), &path)
        .read_round(RoundOptions::default())
        .await
        .unwrap_err();
    graph_error(err)
}

#[tokio::test]
async fn a_redirect_of_the_token_request_is_an_error_and_the_secret_stays_home() {
    let trap = Trap::start().await;
    for status in [301, 302, 303, 307, 308] {
        let emu = emulator(tenant(0), 2, 500).await;
        emu.inject(
            FaultRule::next(
                1,
                Fault::Redirect {
                    status,
                    location: format!("{}{}", trap.url, token_path()),
                },
            )
            .on_path("oauth2"),
        );
        let err = get(&emu, "/v1.0/users/delta").await.unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}{} answered with a redirect (HTTP {status}) to {}; gwb follows no \
                 redirects: check `[graph] authority` and `[graph] endpoint`",
                emu.base_url(),
                token_path(),
                trap.url
            )
        );
        // Not retried, and no Graph request without a token.
        assert_eq!(emu.requests(), [record("POST", &token_path(), status)]);
    }
    assert_eq!(
        trap.connections().await,
        0,
        "the credential went to the redirect target"
    );
}

#[tokio::test]
async fn a_redirect_of_a_graph_request_is_an_error_and_the_token_stays_home() {
    let trap = Trap::start().await;
    let emu = emulator(tenant(0), 2, 500).await;
    emu.inject(
        FaultRule::next(
            1,
            Fault::Redirect {
                status: 307,
                location: format!("{}/v1.0/users/delta?$skiptoken=a", trap.url),
            },
        )
        .on_path("users/delta"),
    );
    let err = failed_round(&emu).await;
    assert!(
        matches!(&err, GraphError::Redirect { url, status: 307, target }
            if *url == format!("{}/v1.0/users/delta", emu.base_url()) && *target == trap.url),
        "{err}"
    );
    let graph: Vec<RequestRecord> = emu
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .collect();
    assert_eq!(graph.len(), 1, "not retried: {graph:?}");
    assert_eq!(graph[0].status, Some(307));
    assert_eq!(trap.connections().await, 0, "the token went to the target");

    // A relative Location names the endpoint's own origin; still not followed.
    emu.inject(
        FaultRule::next(
            1,
            Fault::Redirect {
                status: 302,
                location: "/v1.0/groups/delta".into(),
            },
        )
        .on_path("users/delta"),
    );
    let err = get(&emu, "/v1.0/users/delta?$select=id").await.unwrap_err();
    assert!(
        matches!(&err, GraphError::Redirect { url, status: 302, target }
            if *url == format!("{}/v1.0/users/delta", emu.base_url()) && target == emu.base_url()),
        "{err}"
    );
}

#[tokio::test]
async fn a_next_or_delta_link_to_another_origin_is_refused() {
    let trap = Trap::start().await;
    let emu = emulator(tenant(0), 2, 500).await;
    let (_dir, path) = state_dir();
    let cases = [
        (
            Fault::NextLink(format!("{}/v1.0/groups/delta?$skiptoken=steal", trap.url)),
            "groups/delta",
            "/v1.0/groups/delta",
        ),
        (
            Fault::DeltaLink(format!("{}/v1.0/users/delta?$deltatoken=steal", trap.url)),
            "users/delta",
            "/v1.0/users/delta",
        ),
    ];
    for (fault, on_path, link_path) in cases {
        emu.inject(FaultRule::next(1, fault).on_path(on_path));
        let err = source(config(&emu), &path)
            .read_round(RoundOptions::default())
            .await
            .unwrap_err();
        assert_eq!(
            graph_error(err).to_string(),
            format!(
                "refusing to follow {}{link_path}: its origin {} is not the origin {} of the \
                 configured Graph endpoint (`[graph] endpoint`), and the access token must not \
                 leave it",
                trap.url,
                trap.url,
                emu.base_url()
            )
        );
    }
    assert_eq!(trap.connections().await, 0);
    // The refused deltaLink was not saved: the next round starts from nothing and succeeds.
    let mut source = source(config(&emu), &path);
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert!(round.full);
    assert_eq!(round.groups.len(), 7);
    source.commit(round.checkpoint).await.unwrap();
}

#[tokio::test]
async fn a_token_response_over_64_kib_is_refused() {
    let emu = emulator(tenant(0), 2, 500).await;
    // The hook sends a chunked body without Content-Length: the cap holds while reading.
    emu.inject(
        FaultRule::next(
            1,
            Fault::HugeBody {
                bytes: 10,
                chunked: true,
            },
        )
        .on_path("oauth2"),
    );
    let mut stream = TcpStream::connect(emu.base_url().trim_start_matches("http://"))
        .await
        .unwrap();
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        token_path()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let head = response.split("\r\n\r\n").next().unwrap().to_lowercase();
    assert!(
        head.contains("transfer-encoding: chunked") && !head.contains("content-length"),
        "{head}"
    );

    let token_url = format!("{}{}", emu.base_url(), token_path());
    for chunked in [true, false] {
        emu.inject(
            FaultRule::next(
                1,
                Fault::HugeBody {
                    bytes: (64 << 10) + 1,
                    chunked,
                },
            )
            .on_path("oauth2"),
        );
        let err = get(&emu, "/v1.0/users/delta").await.unwrap_err();
        assert!(
            matches!(&err, GraphError::TooLarge { url, limit: 65_536 } if *url == token_url),
            "chunked {chunked}: {err}"
        );
    }
    // At the cap the body is read (and is no token).
    emu.inject(
        FaultRule::next(
            1,
            Fault::HugeBody {
                bytes: 64 << 10,
                chunked: true,
            },
        )
        .on_path("oauth2"),
    );
    let err = get(&emu, "/v1.0/users/delta").await.unwrap_err();
    assert!(matches!(&err, GraphError::TokenResponse { .. }), "{err}");
}

#[tokio::test]
async fn a_graph_response_over_64_mib_is_refused_and_not_retried() {
    let emu = emulator(tenant(0), 2, 500).await;
    for chunked in [true, false] {
        emu.inject(
            FaultRule::next(
                1,
                Fault::HugeBody {
                    bytes: (64 << 20) + 1,
                    chunked,
                },
            )
            .on_path("users/delta"),
        );
        let before = emu.requests().len();
        let err = get(&emu, "/v1.0/users/delta?$deltatoken=x")
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "the response of {}/v1.0/users/delta is larger than 67108864 bytes, gwb's cap \
                 for it; nothing from this round is saved",
                emu.base_url()
            ),
            "chunked {chunked}"
        );
        let gets = emu.requests()[before..]
            .iter()
            .filter(|r| r.method == "GET")
            .count();
        assert_eq!(gets, 1, "chunked {chunked}: not retried");
    }
}

#[tokio::test]
async fn a_page_naming_itself_forever_ends_the_round() {
    let emu = emulator(tenant(0), 2, 500).await;
    emu.inject(FaultRule::next(1000, Fault::EmptyPage).on_path("users/delta"));
    assert_eq!(
        failed_round(&emu).await.to_string(),
        format!(
            "{}/v1.0/users/delta: its @odata.nextLink named the same page 6 times in a row, so \
             the chain would never end; nothing from this round is saved",
            emu.base_url()
        )
    );
    // The first read and five replays, tolerated; the sixth replay ends it.
    let gets = emu
        .requests()
        .iter()
        .filter(|r| r.path_and_query.starts_with("/v1.0/users/delta"))
        .count();
    assert_eq!(gets, 6);
}

#[tokio::test]
async fn a_next_link_back_to_an_earlier_page_ends_the_round() {
    let emu = emulator(tenant(0), 2, 500).await;
    let link = |token: &str| format!("{}/v1.0/users/delta?$skiptoken={token}", emu.base_url());
    for (on_path, next) in [
        ("users/delta?$select", link("loop-x")),
        ("skiptoken=loop-x", link("loop-y")),
        ("skiptoken=loop-y", link("loop-x")),
    ] {
        emu.inject(FaultRule::next(1, Fault::NextLink(next)).on_path(on_path));
    }
    let err = failed_round(&emu).await;
    assert!(
        matches!(&err, GraphError::LinkLoop { url, reason }
            if *url == format!("{}/v1.0/users/delta", emu.base_url())
                && reason == "leads back to a page already read in this chain"),
        "{err}"
    );
    let gets: Vec<String> = emu
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.path_and_query)
        .collect();
    assert_eq!(gets.len(), 3, "loop-x is not read twice: {gets:?}");
    assert!(gets[2].ends_with("$skiptoken=loop-y"), "{gets:?}");
}

#[tokio::test]
async fn a_crafted_id_is_read_by_id_as_itself_and_cannot_change_the_filter() {
    const CRAFTED: &str = "x') or true or ('";
    let emu = emulator(tenant(0), 3, 500).await;
    emu.tenant(|t| {
        t.create_group(json!({"id": CRAFTED, "displayName": "Crafted", "securityEnabled": true}))
            .unwrap();
        t.add_member(CRAFTED, "u1").unwrap();
    });
    let (_dir, path) = state_dir();
    let mut source = source(config(&emu), &path);
    let mut round = source.read_round(RoundOptions::default()).await.unwrap();
    assert_eq!(member_ids(group(&round.groups, CRAFTED)), ["u1"]);
    round.checkpoint.read_again_next_round([CRAFTED.to_owned()]);
    source.commit(round.checkpoint).await.unwrap();

    let before = emu.requests().len();
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert!(!round.full);
    assert_eq!(ids(&round.groups), [CRAFTED]);
    assert_eq!(member_ids(&round.groups[0]), ["u1"]);
    assert_eq!(round.stats.read_again, 1);
    let by_id: Vec<String> = emu.requests()[before..]
        .iter()
        .map(|r| r.path_and_query.clone())
        .filter(|p| p.starts_with("/v1.0/groups?"))
        .collect();
    assert_eq!(by_id.len(), 1, "{by_id:?}");
    let (select, filter) = by_id[0].split_once("&$filter=").unwrap();
    assert!(
        select.starts_with("/v1.0/groups?$select=id,displayName,")
            && !select.contains(['\'', '(', ')', ' ', '&']),
        "{select}"
    );
    assert_eq!(
        filter,
        "id%20in%20%28%27x%27%27%29%20or%20true%20or%20%28%27%27%27%29"
    );
}
