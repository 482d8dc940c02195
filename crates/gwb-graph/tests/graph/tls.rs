//! The client over TLS against the emulator served with a test CA's certificate: `ca_file`
//! trusts that CA besides the system roots, verification stays on without it, and a bad CA
//! file is an error naming the file.

use std::path::PathBuf;

use graph_emulator::{Emulator, EmulatorConfig, TlsIdentity};
use gwb_graph::{Credential, GraphClient, GraphConfig, GraphError, RequestStats, RoundOptions};
use gwb_graph::{Secret, Source, SourceOptions};
use gwb_model::clock::system_clock;

use crate::common::*;

/// The emulator on https with test-certs/tls-server-*.pem (signed by test-certs/tls-ca.pem).
async fn https_emulator() -> Emulator {
    let tls = TlsIdentity {
        cert_chain_pem: cert_file("tls-server-cert.pem"),
        key_pem: cert_file("tls-server-key.pem"),
    };
    let config = EmulatorConfig {
        tls: Some(tls),
        ..EmulatorConfig::default()
    };
    Emulator::start(tenant(0), config).await.unwrap()
}

/// Reads the first users page with `ca_file`.
async fn first_page(emu: &Emulator, ca_file: Option<PathBuf>) -> Result<RequestStats, GraphError> {
    let mut config = config(emu);
    config.ca_file = ca_file;
    let client = GraphClient::new(config, system_clock)?;
    let mut stats = RequestStats::default();
    client
        .get_json(&format!("{}/v1.0/users/delta", emu.base_url()), &mut stats)
        .await?;
    Ok(stats)
}

#[tokio::test]
async fn a_round_over_tls_trusts_the_ca_file() {
    let emu = https_emulator().await;
    assert!(emu.base_url().starts_with("https://127.0.0.1:"));
    let (_dir, path) = state_dir();
    let mut config = config(&emu);
    config.ca_file = Some(certs().join("tls-ca.pem"));
    let round = Source::open(config, &path, SourceOptions::default())
        .unwrap()
        .read_round(RoundOptions::default())
        .await
        .unwrap();
    assert_eq!(round.groups.len(), 7);
}

#[tokio::test]
async fn every_certificate_of_a_bundle_is_trusted() {
    let emu = https_emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle.pem");
    // The emulator's CA second, after an unrelated certificate.
    let pem = cert_file("app-cert.pem") + &cert_file("tls-ca.pem");
    std::fs::write(&bundle, pem).unwrap();
    first_page(&emu, Some(bundle)).await.unwrap();
}

#[tokio::test]
async fn without_the_emulators_ca_its_certificate_is_refused_at_once() {
    let emu = https_emulator().await;
    for ca_file in [None, Some(certs().join("other-cert.pem"))] {
        let err = first_page(&emu, ca_file.clone()).await.unwrap_err();
        assert!(
            matches!(&err, GraphError::Tls { reason, .. } if reason.contains("UnknownIssuer")),
            "{ca_file:?}: {err}"
        );
        assert!(
            err.to_string().contains("ca_file"),
            "names the way out: {err}"
        );
    }
    assert!(
        emu.requests().is_empty(),
        "no request went over an unverified connection, and none was retried"
    );
}

#[test]
fn a_bad_ca_file_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let corrupt = dir.path().join("corrupt.pem");
    std::fs::write(
        &corrupt,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let cases = [
        (dir.path().join("missing.pem"), "cannot read it"),
        // A key, not a certificate.
        (
            certs().join("app-key.pem"),
            "no PEM certificate in the file",
        ),
        (corrupt, "certificate 1 is unusable"),
    ];
    for (path, reason) in cases {
        let mut config =
            GraphConfig::public(TENANT_ID, APP_ID, Credential::Secret(Secret::new(SECRET)));
        config.ca_file = Some(path.clone());
        let Err(err) = GraphClient::new(config, system_clock) else {
            panic!("{}: expected an error", path.display());
        };
        let message = err.to_string();
        assert!(
            message.starts_with(&format!("CA file {}: {reason}", path.display())),
            "{message}"
        );
    }
}
