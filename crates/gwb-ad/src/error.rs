//! The errors of the AD target: configuration, connection, operations and directory data.

use std::path::PathBuf;

/// Everything that can go wrong talking to Active Directory.
///
/// Messages name the thing at fault and what to do; they never contain the bind password.
#[derive(Debug, thiserror::Error)]
pub enum AdError {
    /// A simple bind over an unencrypted connection was refused.
    #[error(
        "refusing a plaintext simple bind to {url}: the password would cross the network in clear; \
         use ldaps:// or StartTLS (starttls = true), or set allow_plaintext = true for a lab"
    )]
    Plaintext {
        /// The LDAP URL.
        url: String,
    },
    /// The CA certificate file could not be used.
    #[error("cannot use the CA file {path}: {reason}")]
    CaFile {
        /// The file.
        path: PathBuf,
        /// Why it failed.
        reason: String,
    },
    /// The connection could not be opened.
    #[error(
        "cannot connect to {url}: {reason} (check the URL, that the DC is up, and its TLS certificate)"
    )]
    Connect {
        /// The LDAP URL.
        url: String,
        /// The cause.
        reason: String,
    },
    /// The simple bind failed.
    #[error("bind as {bind_dn} failed: {reason} (check the bind DN and password)")]
    Bind {
        /// The bind DN.
        bind_dn: String,
        /// The cause reported by the server.
        reason: String,
    },
    /// An LDAP operation failed.
    #[error("LDAP {operation} of {dn} failed: {reason}")]
    Operation {
        /// The operation: search, add, modify, modrdn, delete.
        operation: &'static str,
        /// The entry (or search base).
        dn: String,
        /// The LDAP result code, when the server answered.
        rc: Option<u32>,
        /// The server's diagnostic or the transport error.
        reason: String,
    },
    /// An attribute to read is not named by its lDAPDisplayName alone (a numeric OID, or a
    /// name with options): AD would answer under another name and it would look absent.
    #[error(
        "will not read `{name}`: attributes are read by lDAPDisplayName, without options (the \
         rule pipeline names every attribute so)"
    )]
    AttributeName {
        /// The attribute as it was asked for.
        name: String,
    },
    /// Managed OUs that are AD's own places: the run is refused before it reads or writes.
    #[error(transparent)]
    UnsafeScope(#[from] crate::scope::UnsafeScope),
    /// The directory returned data gwb cannot use.
    #[error("unexpected data at {dn}: {reason}")]
    Data {
        /// The entry.
        dn: String,
        /// What is wrong.
        reason: String,
    },
}

impl AdError {
    /// The LDAP result code of a failed operation, if the server answered.
    pub fn rc(&self) -> Option<u32> {
        match self {
            Self::Operation { rc, .. } => *rc,
            _ => None,
        }
    }
}
