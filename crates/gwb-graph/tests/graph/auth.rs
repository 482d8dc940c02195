//! Client credentials against the emulator's token endpoint: secret, certificate (PS256, RS256).

use std::time::{Duration, SystemTime};

use graph_emulator::App;
use gwb_graph::{
    Credential, GraphClient, GraphError, RequestStats, RoundOptions, Secret, SignatureAlg, Source,
    SourceError, SourceOptions,
};
use gwb_model::clock::system_clock;

use crate::common::*;

/// Reads one users page with a credential.
async fn first_page(
    emu: &graph_emulator::Emulator,
    credential: Credential,
) -> Result<(), GraphError> {
    let mut config = config(emu);
    config.credential = credential;
    let client = GraphClient::new(config, system_clock)?;
    let url = format!("{}/v1.0/users/delta", emu.base_url());
    let mut stats = RequestStats::default();
    let page = client.get_json(&url, &mut stats).await?;
    assert_eq!(page["value"].as_array().unwrap().len(), 2);
    Ok(())
}

fn certificate(cert: &str, key: &str, alg: SignatureAlg) -> Credential {
    Credential::Certificate {
        cert_pem: cert_file(cert),
        key_pem: Secret::new(cert_file(key)),
        alg,
    }
}

#[tokio::test]
async fn certificate_assertions_with_ps256_and_rs256_are_accepted() {
    let emu = emulator(tenant(0), 2, 500).await;
    first_page(
        &emu,
        certificate("app-cert.pem", "app-key.pem", SignatureAlg::Ps256),
    )
    .await
    .unwrap();
    first_page(
        &emu,
        certificate("app-cert.pem", "app-key.pem", SignatureAlg::Rs256),
    )
    .await
    .unwrap();
    // A whole round with the certificate credential.
    let (_dir, path) = state_dir();
    let mut config = config(&emu);
    config.credential = certificate("app-cert.pem", "app-key.pem", SignatureAlg::Ps256);
    let round = source(config, &path)
        .read_round(RoundOptions::default())
        .await
        .unwrap();
    assert_eq!(round.groups.len(), 7);
}

/// A clock a day behind: far outside an assertion's five minutes and Entra's clock skew.
fn a_day_behind() -> SystemTime {
    system_clock() - Duration::from_secs(86_400)
}

#[tokio::test]
async fn the_injected_clock_dates_the_certificate_assertion() {
    let emu = emulator(tenant(0), 2, 500).await;
    let (_dir, path) = state_dir();
    let mut config = config(&emu);
    config.credential = certificate("app-cert.pem", "app-key.pem", SignatureAlg::Ps256);
    let behind = SourceOptions {
        clock: a_day_behind,
        ..SourceOptions::default()
    };
    let err = Source::open(config.clone(), &path, behind)
        .unwrap()
        .read_round(RoundOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SourceError::Graph(GraphError::Auth { description, .. })
            if description.starts_with("AADSTS700024") && description.contains("valid time range")),
        "{err}"
    );
    let round = source(config, &path)
        .read_round(RoundOptions::default())
        .await
        .unwrap();
    assert_eq!(
        round.groups.len(),
        7,
        "the system clock's assertion is accepted"
    );
}

#[tokio::test]
async fn a_pkcs1_key_works_for_an_app_registered_with_its_certificate() {
    let emu = emulator(tenant(0), 2, 500).await;
    emu.tenant(|t| {
        t.register_app(App {
            app_id: APP_ID.into(),
            client_secret: None,
            certificate_pem: Some(cert_file("other-cert.pem")),
        })
    });
    first_page(
        &emu,
        certificate("other-cert.pem", "other-key-pkcs1.pem", SignatureAlg::Rs256),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn an_unregistered_certificate_is_refused_with_entras_code() {
    let emu = emulator(tenant(0), 2, 500).await;
    let err = first_page(
        &emu,
        certificate("other-cert.pem", "other-key.pem", SignatureAlg::Ps256),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, GraphError::Auth { status: 401, error, description, .. }
            if error == "invalid_client" && description.starts_with("AADSTS700027")),
        "{err}"
    );
    // A key that does not match the presented certificate fails the signature check.
    let err = first_page(
        &emu,
        certificate("app-cert.pem", "other-key.pem", SignatureAlg::Ps256),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("signature validation"), "{err}");
}

#[tokio::test]
async fn a_wrong_secret_is_refused_and_never_printed() {
    let emu = emulator(tenant(0), 2, 500).await;
    let wrong = "wrong-secret-value-7c1e";
    let credential = Credential::Secret(Secret::new(wrong));
    let mut config = config(&emu);
    config.credential = credential.clone();
    assert!(!format!("{config:?}").contains(wrong));
    assert!(!format!("{config:?}").contains(SECRET));
    let err = first_page(&emu, credential).await.unwrap_err();
    assert!(
        matches!(&err, GraphError::Auth { status: 401, description, .. } if description.starts_with("AADSTS7000215")),
        "{err}"
    );
    assert!(!err.to_string().contains(wrong));
    assert!(!format!("{err:?}").contains(wrong));
}

#[tokio::test]
async fn a_request_without_a_token_gets_graphs_401_body() {
    let emu = emulator(tenant(0), 2, 500).await;
    let http = reqwest::Client::new();
    let response = http
        .get(format!("{}/v1.0/groups/delta", emu.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let body: serde_json::Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    assert!(body["error"]["innerError"]["request-id"].is_string());
}

#[tokio::test]
async fn a_bad_certificate_file_is_a_clear_configuration_error() {
    let emu = emulator(tenant(0), 2, 500).await;
    let mut config = config(&emu);
    config.credential = Credential::Certificate {
        cert_pem: "not a certificate".into(),
        key_pem: Secret::new(cert_file("app-key.pem")),
        alg: SignatureAlg::Ps256,
    };
    let Err(err) = GraphClient::new(config, system_clock) else {
        panic!("expected an error");
    };
    assert!(err.to_string().contains("not a PEM CERTIFICATE"), "{err}");
}

#[tokio::test]
async fn a_token_is_renewed_before_it_expires() {
    let mut tenant = tenant(0);
    tenant.register_app(App {
        app_id: APP_ID.into(),
        client_secret: Some(SECRET.into()),
        certificate_pem: None,
    });
    let emu = graph_emulator::Emulator::start(
        tenant,
        graph_emulator::EmulatorConfig {
            token_lifetime: std::time::Duration::from_secs(2),
            ..graph_emulator::EmulatorConfig::default()
        },
    )
    .await
    .unwrap();
    let (_dir, path) = state_dir();
    let mut source = source(config(&emu), &path);
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert_eq!(round.stats.token_requests, 1);
    source.commit(round.checkpoint).await.unwrap();
    // Past the renewal point (a tenth before expiry), still before expiry.
    tokio::time::sleep(std::time::Duration::from_millis(1_850)).await;
    let round = source.read_round(RoundOptions::default()).await.unwrap();
    assert_eq!(round.stats.token_requests, 1);
    assert!(emu.requests().iter().all(|r| r.status != Some(401)));
}
