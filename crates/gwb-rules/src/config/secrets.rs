//! The rules file's secret-bearing keys (`[ad] password`, `[graph] client_secret`,
//! `[graph] certificate`), read from raw TOML values so that no parser message, which would
//! quote the value, is ever shown for them: every refusal names the key and the fix, never what
//! was written there. A pasted secret is the likeliest mistake in these keys.

use std::path::PathBuf;

use gwb_model::{ENV_NAME_RULE, Secret, is_env_name};
use toml::Value;

use super::sections::CertificateAlgorithm;

/// Where a secret comes from. Inline values are refused unless the table says
/// `allow_inline_secret = true`, because rules files get copied, committed and mailed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// An environment variable's name (checked to look like one).
    Env(String),
    /// A file holding the secret (one trailing newline is ignored).
    File(PathBuf),
    /// The secret itself, written in the rules file (never printed).
    Inline(Secret),
}

/// A key whose value holds or locates a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SecretKey {
    /// Its table.
    pub table: &'static str,
    /// Its name in the table.
    pub key: &'static str,
    /// The fix for any mistake in it: where the secret belongs and how to point at it.
    pub fix: &'static str,
}

/// `[ad] password`.
pub(super) const AD_PASSWORD: SecretKey = SecretKey {
    table: "ad",
    key: "password",
    fix: "put the password in a file readable only by gwb's user and write password = \
          { file = \"/etc/gwb/ad-password\" }, or set it in an environment variable and write \
          password = { env = \"GWB_AD_PASSWORD\" }",
};

/// `[graph] client_secret`.
pub(super) const CLIENT_SECRET: SecretKey = SecretKey {
    table: "graph",
    key: "client_secret",
    fix: "put the client secret in a file readable only by gwb's user and write client_secret \
          = { file = \"/etc/gwb/graph-client-secret\" }, or set it in an environment variable \
          and write client_secret = { env = \"GWB_GRAPH_SECRET\" }",
};

/// `[graph] certificate`.
pub(super) const CERTIFICATE: SecretKey = SecretKey {
    table: "graph",
    key: "certificate",
    fix: "put the certificate and its private key in PEM files (the key readable only by gwb's \
          user) and write certificate = { cert_file = \"/etc/gwb/app.pem\", key_file = \
          \"/etc/gwb/app.key\" }",
};

/// Every secret-bearing key, for recognising their lines in a file that does not parse.
pub(super) const SECRET_KEYS: [SecretKey; 3] = [AD_PASSWORD, CLIENT_SECRET, CERTIFICATE];

/// A refusal: the message (naming the key, never the value) and the fix.
pub(super) type Refusal = (String, &'static str);

impl SecretKey {
    /// `[ad] password`, for messages.
    pub(super) fn name(&self) -> String {
        format!("[{}] {}", self.table, self.key)
    }

    /// The refusal `problem` (which follows the key's name) with this key's fix.
    fn refuse(&self, problem: &str) -> Refusal {
        (format!("{} {problem}", self.name()), self.fix)
    }

    /// Reads a secret reference: a table with exactly one of `env`, `file` or `value` (the
    /// last only when `allow_inline`).
    pub(super) fn secret(&self, value: &Value, allow_inline: bool) -> Result<SecretRef, Refusal> {
        let table = self.table_of(value)?;
        if table
            .keys()
            .any(|k| !["env", "file", "value"].contains(&k.as_str()))
        {
            return Err(self
                .refuse("has a key other than env, file and value (what it holds is not shown)"));
        }
        let mut entries = table.iter();
        let (Some((which, value)), None) = (entries.next(), entries.next()) else {
            return Err(self.refuse("must have exactly one of env, file or value"));
        };
        match (which.as_str(), value) {
            ("env", Value::String(name)) if is_env_name(name) => Ok(SecretRef::Env(name.clone())),
            ("env", Value::String(_)) => Err(self.refuse(&format!(
                "= {{ env = … }} is not an environment variable name ({ENV_NAME_RULE}); it may \
                 be the secret itself, so it is not shown"
            ))),
            ("file", Value::String(path)) if is_path(path) => Ok(SecretRef::File(path.into())),
            ("file", _) => Err(self.refuse(
                "= { file = … } is not the path of a file holding the secret (the value is not \
                 shown)",
            )),
            ("value", Value::String(secret)) if allow_inline => {
                Ok(SecretRef::Inline(Secret::new(secret.clone())))
            }
            ("value", Value::String(_)) => Err((
                format!(
                    "[{}] {} holds a secret inline (not shown), which needs allow_inline_secret = true",
                    self.table, self.key
                ),
                self.fix,
            )),
            (which, other) => Err(self.refuse(&format!(
                "= {{ {which} = … }} is {}, not a string (the value is not shown)",
                kind(other)
            ))),
        }
    }

    /// Reads a certificate credential: `cert_file`, `key_file` and an optional `algorithm`.
    pub(super) fn certificate(
        &self,
        value: &Value,
    ) -> Result<(PathBuf, PathBuf, CertificateAlgorithm), Refusal> {
        let table = self.table_of(value)?;
        if table
            .keys()
            .any(|k| !["cert_file", "key_file", "algorithm"].contains(&k.as_str()))
        {
            return Err(self.refuse(
                "has a key other than cert_file, key_file and algorithm (what it holds is not \
                 shown)",
            ));
        }
        let file = |key: &str| match table.get(key) {
            Some(Value::String(path)) if is_path(path) => Ok(PathBuf::from(path)),
            Some(_) => Err(self.refuse(&format!(
                "{key} is not the path of a PEM file: the file's content, which is not shown, \
                 belongs in the file"
            ))),
            None => Err(self.refuse(&format!("has no {key}"))),
        };
        let algorithm = match table.get("algorithm").map(Value::as_str) {
            None => CertificateAlgorithm::default(),
            Some(Some("ps256")) => CertificateAlgorithm::Ps256,
            Some(Some("rs256")) => CertificateAlgorithm::Rs256,
            Some(_) => {
                return Err((
                    format!("{} algorithm is not \"ps256\" or \"rs256\"", self.name()),
                    "remove algorithm for ps256 (Microsoft's default), or write \"rs256\" for \
                     older SDKs' certificates",
                ));
            }
        };
        Ok((file("cert_file")?, file("key_file")?, algorithm))
    }

    /// The value as a table, refused (unshown) when it is anything else.
    fn table_of<'v>(&self, value: &'v Value) -> Result<&'v toml::Table, Refusal> {
        match value {
            Value::Table(table) => Ok(table),
            Value::String(_) => Err(self.refuse(
                "is written as a string, as if it were the secret itself: gwb reads secrets only \
                 from a file or an environment variable, and the value is not shown",
            )),
            other => Err(self.refuse(&format!(
                "is {}, not a table (the value is not shown)",
                kind(other)
            ))),
        }
    }
}

/// Whether `text` can be a file's path: not empty, one line, no NUL and no PEM armour (which
/// would be a key or certificate pasted where its file's path belongs).
fn is_path(text: &str) -> bool {
    !text.trim().is_empty() && !text.contains(['\n', '\r', '\0']) && !text.contains("-----BEGIN")
}

/// What kind of TOML value `value` is, for messages that must not show it.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Integer(_) | Value::Float(_) => "a number",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a date",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}
