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
