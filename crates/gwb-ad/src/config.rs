//! Connection settings for the AD target, with the bind password kept in a redacting wrapper.

use std::path::PathBuf;
use std::time::Duration;

use gwb_model::Secret;

use crate::AdError;

/// How to reach and bind to a domain controller.
#[derive(Debug, Clone)]
pub struct AdConfig {
    /// `ldaps://host:636` or `ldap://host:389`.
    pub url: String,
    /// The DN to bind as.
    pub bind_dn: String,
    /// The bind password.
    pub password: Secret,
    /// A PEM file of CA certificates to trust; `None` trusts the system roots.
    pub ca_file: Option<PathBuf>,
    /// Upgrade an `ldap://` connection with StartTLS.
    pub starttls: bool,
    /// Allow a simple bind over plain `ldap://` without StartTLS (labs only).
    pub allow_plaintext: bool,
    /// Timeout for connecting and for each operation.
    pub timeout: Duration,
}

impl AdConfig {
    /// A configuration with StartTLS off, plaintext refused, system roots and a 30 s timeout.
    pub fn new(url: impl Into<String>, bind_dn: impl Into<String>, password: Secret) -> Self {
        Self {
            url: url.into(),
            bind_dn: bind_dn.into(),
            password,
            ca_file: None,
            starttls: false,
            allow_plaintext: false,
            timeout: Duration::from_secs(30),
        }
    }

    /// True when the connection is encrypted (LDAPS or StartTLS).
    pub fn is_encrypted(&self) -> bool {
        self.url.to_ascii_lowercase().starts_with("ldaps://") || self.starttls
    }

    /// Refuses a plaintext simple bind unless explicitly allowed.
    pub fn check_transport(&self) -> Result<(), AdError> {
        if self.is_encrypted() || self.allow_plaintext {
            Ok(())
        } else {
            Err(AdError::Plaintext {
                url: self.url.clone(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2");
        let cfg = AdConfig::new("ldaps://dc:636", "CN=a", s);
        assert!(!format!("{cfg:?}").contains("hunter2"));
    }

    #[test]
    fn plaintext_is_refused_unless_allowed() {
        let mut cfg = AdConfig::new("ldap://dc:389", "CN=a", Secret::new("pw"));
        let err = cfg.check_transport().unwrap_err().to_string();
        assert!(
            err.contains("refusing a plaintext simple bind to ldap://dc:389"),
            "{err}"
        );
        assert!(err.contains("allow_plaintext"), "{err}");
        assert!(!err.contains("pw"));
        cfg.starttls = true;
        cfg.check_transport().unwrap();
        cfg.starttls = false;
        cfg.allow_plaintext = true;
        cfg.check_transport().unwrap();
        let ldaps = AdConfig::new("LDAPS://dc", "CN=a", Secret::new("pw"));
        ldaps.check_transport().unwrap();
    }
}
