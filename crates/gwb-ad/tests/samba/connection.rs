//! Connection: LDAPS with a CA file, StartTLS, bad passwords, plaintext refusal, reconnect.

use gwb_ad::{AdConfig, AdError, Directory, Secret};

use crate::common::dc;

#[tokio::test]
async fn ldaps_with_the_ca_binds_and_reads_the_root_dse() {
    let dc = dc();
    let mut dir = dc.connect().await;
    let d = dir.discover().await.unwrap();
    assert_eq!(d.default_naming_context, dc.base_dn);
}

#[tokio::test]
async fn starttls_on_389_binds() {
    let dc = dc();
    let mut cfg = dc.config();
    cfg.url = dc
        .url
        .replace("ldaps://", "ldap://")
        .replace(":636", ":389");
    cfg.starttls = true;
    let mut dir = Directory::connect(&cfg).await.unwrap();
    assert_eq!(
        dir.discover().await.unwrap().default_naming_context,
        dc.base_dn
    );
}

#[tokio::test]
async fn a_wrong_password_is_a_bind_error_without_the_password() {
    let dc = dc();
    let mut cfg = dc.config();
    cfg.password = Secret::new("Wrong-Secret-123");
    let err = Directory::connect(&cfg).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, AdError::Bind { .. }), "{text}");
    assert!(text.contains(&dc.bind_dn), "{text}");
    assert!(!text.contains("Wrong-Secret-123"), "{text}");
}

#[tokio::test]
async fn the_server_certificate_must_chain_to_the_given_ca() {
    let dc = dc();
    let mut cfg = dc.config();
    // The system roots do not know the throwaway CA: verification must fail.
    cfg.ca_file = None;
    let err = Directory::connect(&cfg).await.unwrap_err();
    assert!(matches!(err, AdError::Connect { .. }), "{err}");
}

#[tokio::test]
async fn plaintext_simple_binds_are_refused_before_connecting() {
    let dc = dc();
    let cfg = AdConfig::new(
        dc.url
            .replace("ldaps://", "ldap://")
            .replace(":636", ":389"),
        &dc.bind_dn,
        Secret::from_file(&dc.password_file).unwrap(),
    );
    let err = Directory::connect(&cfg).await.unwrap_err();
    assert!(matches!(err, AdError::Plaintext { .. }), "{err}");
}

#[tokio::test]
async fn reconnect_replaces_a_closed_connection() {
    let dc = dc();
    let mut dir = dc.connect().await;
    dir.reconnect().await.unwrap();
    assert_eq!(
        dir.discover().await.unwrap().default_naming_context,
        dc.base_dn
    );
}

/// A TCP forwarder to the DC whose connections the test can cut, as a network drop would.
struct Proxy {
    port: u16,
    conns: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Proxy {
    async fn start(target: String) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let conns = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let list = conns.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                let task = tokio::spawn(async move {
                    let mut outbound = tokio::net::TcpStream::connect(target).await.unwrap();
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                });
                list.lock().unwrap().push(task.abort_handle());
            }
        });
        Self { port, conns }
    }

    fn cut(&self) {
        for conn in self.conns.lock().unwrap().drain(..) {
            conn.abort();
        }
    }
}

#[tokio::test]
async fn a_dropped_connection_is_reopened_and_the_call_retried() {
    let dc = dc();
    let target = dc.url.trim_start_matches("ldaps://").to_string();
    let proxy = Proxy::start(target).await;
    let mut cfg = dc.config();
    // The test certificate names DNS:localhost as well as the DC's address.
    cfg.url = format!("ldaps://localhost:{}", proxy.port);
    let mut dir = Directory::connect(&cfg).await.unwrap();
    assert_eq!(
        dir.discover().await.unwrap().default_naming_context,
        dc.base_dn
    );
    proxy.cut();
    assert_eq!(
        dir.discover().await.unwrap().default_naming_context,
        dc.base_dn,
        "the second call reconnects"
    );
}
