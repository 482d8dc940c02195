//! Secrets (client secrets, private keys, bind passwords): loaded from an environment variable
//! or a file, never printed (nor is a variable "name" that may be a pasted secret). Shared by the Graph and AD sides so there is one redacting type.

use std::fmt;
use std::path::PathBuf;

/// A secret value whose `Debug` and `Display` print `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Loads a secret from a file (one trailing newline is ignored).
    pub fn from_file(path: impl Into<PathBuf>) -> Result<Self, SecretError> {
        SecretSource::File(path.into()).load()
    }

    /// Loads a secret from an environment variable.
    pub fn from_env(name: &str) -> Result<Self, SecretError> {
        SecretSource::Env(name.to_owned()).load()
    }

    /// The value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The longest environment variable name gwb takes a secret from.
pub const MAX_ENV_NAME: usize = 64;

/// What an environment variable name must look like ([`is_env_name`]), for messages.
pub const ENV_NAME_RULE: &str =
    "only letters, digits and _, not starting with a digit, at most 64 characters";

/// Whether `name` looks like an environment variable name: letters, digits and `_`, not
/// starting with a digit, at most [`MAX_ENV_NAME`] characters. Anything else may be a secret
/// pasted where its variable's name belongs, so callers refuse it without printing it.
pub fn is_env_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_ENV_NAME
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Where a secret comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// An environment variable, by name.
    Env(String),
    /// A file; one trailing newline is ignored.
    File(PathBuf),
}

/// Why a secret could not be loaded (never contains the secret).
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The variable is unset or not UTF-8.
    #[error("environment variable {0} is not set (or not UTF-8); set it to the secret value")]
    EnvMissing(String),
    /// The variable's name is not one ([`is_env_name`]); it is not kept, as it may be the
    /// secret itself.
    #[error(
        "the environment variable name given is not a variable name ({ENV_NAME_RULE}); it may be \
         the secret itself, so it is not shown: put the secret in a variable and give the \
         variable's name"
    )]
    EnvName,
    /// The file cannot be read.
    #[error("cannot read secret file {path}: {source}; check the path and its permissions")]
    File {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The value is empty.
    #[error("the secret from {0} is empty")]
    Empty(String),
}

impl SecretSource {
    /// Loads the secret.
    pub fn load(&self) -> Result<Secret, SecretError> {
        let value = match self {
            Self::Env(name) if !is_env_name(name) => return Err(SecretError::EnvName),
            Self::Env(name) => {
                std::env::var(name).map_err(|_| SecretError::EnvMissing(name.clone()))?
            }
            Self::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| SecretError::File {
                    path: path.clone(),
                    source,
                })?;
                text.strip_suffix('\n')
                    .map(|t| t.strip_suffix('\r').unwrap_or(t))
                    .unwrap_or(&text)
                    .to_owned()
            }
        };
        if value.is_empty() {
            return Err(SecretError::Empty(self.describe()));
        }
        Ok(Secret(value))
    }

    /// `env FOO` or `file /path`, for messages.
    fn describe(&self) -> String {
        match self {
            Self::Env(name) => format!("environment variable {name}"),
            Self::File(path) => format!("file {}", path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("hunter2");
        assert_eq!(
            format!("{secret:?} {secret}"),
            "Secret(<redacted>) <redacted>"
        );
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn file_secrets_drop_one_trailing_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        std::fs::write(&path, "abc\r\n").unwrap();
        assert_eq!(SecretSource::File(path).load().unwrap().expose(), "abc");
        let err = SecretSource::Env("GWB_TEST_SURELY_UNSET_VAR".into())
            .load()
            .unwrap_err();
        assert!(err.to_string().contains("GWB_TEST_SURELY_UNSET_VAR"));
    }

    #[test]
    fn a_name_that_is_no_variable_name_is_refused_unprinted() {
        for good in ["GWB_AD_PASSWORD", "_x", "a1", &"A".repeat(MAX_ENV_NAME)] {
            assert!(is_env_name(good), "{good}");
        }
        let long = "A".repeat(MAX_ENV_NAME + 1);
        for bad in [
            "",
            "1ABC",
            "S3cret!",
            "pass word",
            "a-b",
            "é",
            long.as_str(),
        ] {
            assert!(!is_env_name(bad), "{bad}");
            let err = SecretSource::Env(bad.into())
                .load()
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("the environment variable name given is not"),
                "{err}"
            );
            assert!(bad.is_empty() || !err.contains(bad), "{err}");
        }
    }
}
