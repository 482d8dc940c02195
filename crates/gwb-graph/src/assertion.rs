//! The signed JWT client assertion for certificate credentials (PS256 + `x5t#S256`, or RS256 + `x5t`).

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::RsaPrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::rand_core::{OsRng, RngCore};
use rsa::signature::{RandomizedSigner, SignatureEncoding, Signer};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::config::SignatureAlg;
use gwb_model::Secret;

/// How long an assertion is valid (Entra accepts at most 10 minutes).
const LIFETIME_SECS: u64 = 300;

/// Why a certificate credential cannot sign (never contains key material).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssertionError {
    /// The certificate is not a PEM `CERTIFICATE`.
    #[error("the certificate is not a PEM CERTIFICATE block; give the app's public certificate")]
    Certificate,
    /// The key is not an unencrypted RSA key in PEM.
    #[error(
        "the private key is not an unencrypted RSA key in PEM (PKCS#8 `PRIVATE KEY` or PKCS#1 \
         `RSA PRIVATE KEY`); convert it with `openssl pkcs8 -topk8 -nocrypt`"
    )]
    Key,
    /// Signing failed.
    #[error("signing the client assertion failed; check that the key matches the certificate")]
    Sign,
}

/// A loaded certificate credential.
#[derive(Clone)]
pub(crate) struct Signer256 {
    /// The certificate in DER (for the thumbprint).
    cert_der: Vec<u8>,
    /// The private key.
    key: RsaPrivateKey,
    /// The algorithm.
    alg: SignatureAlg,
}

impl std::fmt::Debug for Signer256 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer256")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl Signer256 {
    /// Loads the certificate and key.
    pub(crate) fn new(
        cert_pem: &str,
        key_pem: &Secret,
        alg: SignatureAlg,
    ) -> Result<Self, AssertionError> {
        let (label, cert_der) = rsa::pkcs8::der::pem::decode_vec(cert_pem.trim().as_bytes())
            .map_err(|_| AssertionError::Certificate)?;
        if label != "CERTIFICATE" {
            return Err(AssertionError::Certificate);
        }
        let pem = key_pem.expose();
        let key = RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
            .map_err(|_| AssertionError::Key)?;
        Ok(Self { cert_der, key, alg })
    }

    /// A fresh assertion for `client_id` at `token_url`, valid from `now` for five minutes.
    pub(crate) fn assertion(
        &self,
        client_id: &str,
        token_url: &str,
        now: SystemTime,
    ) -> Result<String, AssertionError> {
        let header = match self.alg {
            SignatureAlg::Ps256 => json!({
                "alg": "PS256",
                "typ": "JWT",
                "x5t#S256": URL_SAFE_NO_PAD.encode(Sha256::digest(&self.cert_der)),
            }),
            SignatureAlg::Rs256 => json!({
                "alg": "RS256",
                "typ": "JWT",
                "x5t": URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(&self.cert_der)),
            }),
        };
        let now = now
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut jti = [0u8; 16];
        OsRng.fill_bytes(&mut jti);
        let claims = json!({
            "aud": token_url,
            "iss": client_id,
            "sub": client_id,
            "jti": URL_SAFE_NO_PAD.encode(jti),
            "nbf": now,
            "iat": now,
            "exp": now + LIFETIME_SECS,
        });
        let message = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = match self.alg {
            SignatureAlg::Ps256 => rsa::pss::BlindedSigningKey::<Sha256>::new(self.key.clone())
                .try_sign_with_rng(&mut OsRng, message.as_bytes())
                .map_err(|_| AssertionError::Sign)?
                .to_vec(),
            SignatureAlg::Rs256 => rsa::pkcs1v15::SigningKey::<Sha256>::new(self.key.clone())
                .try_sign(message.as_bytes())
                .map_err(|_| AssertionError::Sign)?
                .to_vec(),
        };
        Ok(format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}
