//! Reading a plugin's JSON configuration into a serde type.

use serde::de::DeserializeOwned;

use crate::RuleError;

/// Parses the plugin's `config` JSON into `T`. An empty text is read as `{}`. The error names the
/// plugin crate, the line and column, and what serde expected, e.g.
/// `invalid config: unknown field "rotues", expected "default_ou" or "routes" at line 1 column 9`.
pub fn parse<T: DeserializeOwned>(config_json: &str) -> Result<T, RuleError> {
    let text = if config_json.trim().is_empty() {
        "{}"
    } else {
        config_json
    };
    serde_json::from_str(text).map_err(|e| RuleError::new(format!("invalid config: {e}")))
}
