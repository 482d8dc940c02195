//! Reads an organization's rules file (`rules/<org>.toml`) in two phases: serde structs that
//! mirror what the admin typed, then one validating step that is the only place that fails.

use std::path::{Path, PathBuf};
use std::time::Duration;

use gwb_model::dn::Dn;
use gwb_model::limits::{PLUGIN_MEMORY_MIB, PLUGIN_RECYCLE_AFTER_CALLS, PLUGIN_TIME_MS};
use gwb_model::well_known::{domain_root, system_place};
use serde::Deserialize;
use toml::Spanned;

use crate::defaults::{Defaults, NamingScheme};
use crate::privileges::Privileges;
use crate::scope::{Scope, ScopeKind};
use crate::validate::canonical_name;

mod secret_lines;
mod secrets;
mod sections;

pub use secrets::SecretRef;
pub use sections::{
    AdSection, CertificateAlgorithm, GraphCredential, GraphSection, GuardsSection, RemovalChoice,
    SyncSection,
};

/// What to do when a plugin crashes or hits a limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultPolicy {
    /// Skip that group, report it, and carry on with the next (default).
    #[default]
    SkipGroup,
    /// Stop the run before anything is written.
    Abort,
}

/// Limits of one plugin; absent keys take [`gwb_model::limits`]' defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginLimits {
    /// Wall-clock budget per call.
    pub time: Duration,
    /// Fuel (wasm instructions, roughly) per call, when set: deterministic but slower.
    pub fuel: Option<u64>,
    /// Maximum linear memory of one instance, in bytes.
    pub memory_bytes: u64,
    /// Calls one instance serves before a fresh one replaces it.
    pub recycle_after_calls: u64,
}

/// One plugin of the chain, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginEntry {
    /// The name used in reports and logs.
    pub name: String,
    /// The component file, resolved against the rules file's folder.
    pub path: PathBuf,
    /// The expected SHA-256 of the file (lower-case hex), when pinned.
    pub sha256: Option<String>,
    /// Limits per call and instance.
    pub limits: PluginLimits,
    /// The plugin's `config` table as JSON text (`{}` when absent).
    pub config_json: String,
    /// What the plugin may do within the global rules (`attributes`, `ous`, `may_set_cn`,
    /// `may_set_sam_account_name`). An absent `attributes` grants no attribute; absent `ous`
    /// and `may_set_*` keys restrict nothing.
    pub privileges: Privileges,
    /// The entry has an `attributes` key: a plugin that implements the mapping stage must
    /// (see [`PluginEntry::check_mapping_grant`]).
    pub lists_attributes: bool,
    /// Where the entry starts in the rules file, for messages: `file:line`.
    pub location: String,
}

impl PluginEntry {
    /// Refuses a plugin that implements the mapping stage (`implements_mapping`, which only its
    /// `describe` export tells, so this runs when the plugin is loaded) while its entry has no
    /// `attributes` key: what it may write must be listed, never assumed, as `[scope]` must be.
    pub fn check_mapping_grant(&self, implements_mapping: bool) -> Result<(), ConfigError> {
        if !implements_mapping || self.lists_attributes {
            return Ok(());
        }
        Err(ConfigError::Invalid {
            location: self.location.clone(),
            message: format!(
                "plugin `{}` implements the mapping stage, but its [[plugins]] entry has no \
                 `attributes` key: gwb does not guess which attributes a plugin may write",
                self.name
            ),
            hint: MAPPING_GRANT_HINT.into(),
        })
    }
}

const MAPPING_GRANT_HINT: &str = "add attributes = [...] to the entry (before its \
                                  [plugins.config]) listing, by lDAPDisplayName, each attribute \
                                  its mapping stage may edit, e.g. attributes = \
                                  [\"extensionAttribute1\"]; attributes = [] grants none. \
                                  Rights-bearing attributes (managedBy, gidNumber, \
                                  proxyAddresses, mail, …) are granted only by name, and \
                                  membership (member, memberUid, msSFU30PosixMember, \
                                  nonSecurityMember, …) never";

/// A validated rules file.
#[derive(Debug, Clone)]
pub struct RulesFile {
    /// The file it came from.
    pub path: PathBuf,
    /// The built-in defaults' settings.
    pub defaults: Defaults,
    /// `[scope]`: the kinds of cloud group written back.
    pub scope: Scope,
    /// Every OU gwb may write into (the default OU is always one of them).
    pub managed_ous: Vec<Dn>,
    /// The plugin chain, in order.
    pub plugins: Vec<PluginEntry>,
    /// What a plugin fault does to the run.
    pub on_plugin_fault: FaultPolicy,
    /// Where compiled plugins are cached, when set.
    pub cache_dir: Option<PathBuf>,
    /// `[graph]`, when present (needed to read from Microsoft Graph).
    pub graph: Option<GraphSection>,
    /// `[ad]`, when present (needed to read or write Active Directory).
    pub ad: Option<AdSection>,
    /// `[sync]` with its defaults filled in.
    pub sync: SyncSection,
    /// `[guards]` with its defaults filled in.
    pub guards: GuardsSection,
}

/// Why a rules file could not be used. Every message starts with `file:line`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: cannot read the rules file: {source}")]
    Read {
        /// The rules file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TOML is malformed, has unknown keys or wrong types.
    #[error("{path}:{line}: {message}\n  hint: {hint}")]
    Syntax {
        /// The rules file.
        path: String,
        /// 1-based line of the problem.
        line: usize,
        /// The parser's message.
        message: String,
        /// What to do about it.
        hint: String,
    },
    /// The values are well-formed TOML but not usable.
    #[error("{location}: {message}\n  hint: {hint}")]
    Invalid {
        /// `file:line` of the offending key.
        location: String,
        /// What is wrong.
        message: String,
        /// What to do about it.
        hint: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    defaults: RawDefaults,
    scope: Option<RawScope>,
    #[serde(default)]
    runtime: RawRuntime,
    #[serde(default)]
    plugins: Vec<Spanned<RawPlugin>>,
    graph: Option<sections::RawGraph>,
    ad: Option<sections::RawAd>,
    #[serde(default)]
    sync: sections::RawSync,
    #[serde(default)]
    guards: sections::RawGuards,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    #[serde(default)]
    naming: NamingScheme,
    ou: Spanned<String>,
    #[serde(default)]
    managed_ous: Vec<Spanned<String>>,
    routing_domain: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScope {
    kinds: Spanned<Vec<ScopeKind>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRuntime {
    #[serde(default)]
    on_plugin_fault: FaultPolicy,
    cache_dir: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlugin {
    name: String,
    path: Spanned<PathBuf>,
    sha256: Option<Spanned<String>>,
    #[serde(default)]
    limits: RawLimits,
    attributes: Option<Vec<Spanned<String>>>,
    ous: Option<Vec<Spanned<String>>>,
    may_set_cn: Option<bool>,
    may_set_sam_account_name: Option<bool>,
    config: Option<toml::Table>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    time_ms: Option<Spanned<u64>>,
    fuel: Option<u64>,
    memory_mib: Option<Spanned<u64>>,
    recycle_after_calls: Option<Spanned<u64>>,
}

impl RulesFile {
    /// Reads and validates a rules file.
    pub fn load(path: &Path) -> Result<RulesFile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// Validates rules-file text; `path` names it in messages and anchors relative paths.
    pub fn parse(path: &Path, text: &str) -> Result<RulesFile, ConfigError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| syntax_error(path, text, &e))?;
        let at = |offset: usize| format!("{}:{}", path.display(), line_of(text, offset));
        let base = path.parent().unwrap_or(Path::new("."));

        let parse_ou = |value: &Spanned<String>| {
            Dn::parse(value.get_ref()).map_err(|e| ConfigError::Invalid {
                location: at(value.span().start),
                message: e.to_string(),
                hint:
                    "write OUs as distinguished names, e.g. \"OU=Cloud Groups,DC=example,DC=com\""
                        .into(),
            })
        };
        let managed_ou = |value: &Spanned<String>, key: &str| {
            let dn = parse_ou(value)?;
            refuse_system_place(&dn, key).map_err(|(message, hint)| ConfigError::Invalid {
                location: at(value.span().start),
                message,
                hint,
            })?;
            Ok(dn)
        };
        let default_ou = managed_ou(&raw.defaults.ou, "ou")?;
        let mut managed_ous = vec![default_ou.clone()];
        for ou in &raw.defaults.managed_ous {
            let dn = managed_ou(ou, "managed_ous")?;
            if !managed_ous.contains(&dn) {
                managed_ous.push(dn);
            }
        }

        let routing_domain = raw
            .defaults
            .routing_domain
            .as_ref()
            .map(|value| {
                routing_domain(value.get_ref()).map_err(|message| ConfigError::Invalid {
                    location: at(value.span().start),
                    message: format!("[defaults] routing_domain: {message}"),
                    hint: "write the tenant's hybrid routing domain, e.g. \
                           \"contoso.mail.onmicrosoft.com\""
                        .into(),
                })
            })
            .transpose()?;

        let scope = scope(raw.scope, path, &at)?;

        let mut plugins: Vec<PluginEntry> = Vec::new();
        for spanned in &raw.plugins {
            let entry = plugin_entry(spanned, base, &managed_ous, &at)?;
            if plugins.iter().any(|p| p.name == entry.name) {
                return Err(ConfigError::Invalid {
                    location: entry.location,
                    message: format!("a second plugin is named `{}`", entry.name),
                    hint: "give every plugin a unique name; reports refer to plugins by name"
                        .into(),
                });
            }
            plugins.push(entry);
        }

        let context = sections::Context {
            base,
            at: &at,
            file: path.display().to_string(),
        };
        let graph = raw.graph.map(|g| context.graph(g)).transpose()?;
        let ad = raw.ad.map(|a| context.ad(a)).transpose()?;
        let sync = context.sync(raw.sync, &managed_ous)?;
        let guards = context.guards(raw.guards)?;

        Ok(RulesFile {
            path: path.to_owned(),
            defaults: Defaults {
                naming: raw.defaults.naming,
                ou: default_ou.to_string(),
                routing_domain,
            },
            scope,
            managed_ous,
            plugins,
            on_plugin_fault: raw.runtime.on_plugin_fault,
            cache_dir: raw.runtime.cache_dir.map(|dir| base.join(dir)),
            graph,
            ad,
            sync,
            guards,
        })
    }
}

/// `[scope]`, which every rules file must have: which kinds of cloud group are written back is
/// the admin's decision, not a default's.
fn scope(
    raw: Option<RawScope>,
    path: &Path,
    at: &impl Fn(usize) -> String,
) -> Result<Scope, ConfigError> {
    let Some(raw) = raw else {
        return Err(ConfigError::Invalid {
            location: format!("{}:1", path.display()),
            message: "the rules file does not say which cloud groups to write back: it has \
                      no [scope] table"
                .into(),
            hint: SCOPE_HINT.into(),
        });
    };
    if raw.kinds.get_ref().is_empty() {
        return Err(ConfigError::Invalid {
            location: at(raw.kinds.span().start),
            message: "[scope] kinds is empty: no cloud group would be written back".into(),
            hint: SCOPE_HINT.into(),
        });
    }
    Ok(Scope::of(raw.kinds.into_inner()))
}

const SCOPE_HINT: &str = "add [scope] kinds = [...] naming one or more of \"microsoft365\" \
                          (Entra Connect's group writeback), \"security\" (Cloud Sync's), \
                          \"mail-enabled-security\"; filter plugins narrow it further";

fn plugin_entry(
    spanned: &Spanned<RawPlugin>,
    base: &Path,
    managed_ous: &[Dn],
    at: &impl Fn(usize) -> String,
) -> Result<PluginEntry, ConfigError> {
    let raw = spanned.get_ref();
    let location = at(spanned.span().start);
    let invalid = |offset: usize, message: String, hint: &str| ConfigError::Invalid {
        location: at(offset),
        message,
        hint: hint.into(),
    };
    if raw.name.trim().is_empty() {
        return Err(invalid(
            spanned.span().start,
            "a plugin has an empty name".into(),
            "set name = \"…\", used in reports and logs",
        ));
    }
    let path = base.join(raw.path.get_ref());
    if !path.is_file() {
        return Err(invalid(
            raw.path.span().start,
            format!(
                "plugin `{}`: file {} does not exist",
                raw.name,
                path.display()
            ),
            "build the bundled plugins with scripts/build-plugins.sh, or fix `path` \
             (relative paths start at the rules file's folder)",
        ));
    }
    let sha256 = match &raw.sha256 {
        Some(pin) => {
            let hex = pin.get_ref().trim().to_ascii_lowercase();
            if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid(
                    pin.span().start,
                    format!(
                        "plugin `{}`: sha256 `{}` is not 64 hex digits",
                        raw.name,
                        pin.get_ref()
                    ),
                    "use the output of `sha256sum <plugin.wasm>`",
                ));
            }
            Some(hex)
        }
        None => None,
    };
    let positive = |value: &Option<Spanned<u64>>, default: u64, key: &str| match value {
        Some(v) if *v.get_ref() == 0 => Err(invalid(
            v.span().start,
            format!("plugin `{}`: limits.{key} must be greater than 0", raw.name),
            "remove the key to use the default",
        )),
        Some(v) => Ok(*v.get_ref()),
        None => Ok(default),
    };
    let time_ms = positive(&raw.limits.time_ms, PLUGIN_TIME_MS, "time_ms")?;
    let memory_mib = positive(&raw.limits.memory_mib, PLUGIN_MEMORY_MIB, "memory_mib")?;
    let recycle_after_calls = positive(
        &raw.limits.recycle_after_calls,
        PLUGIN_RECYCLE_AFTER_CALLS,
        "recycle_after_calls",
    )?;
    let config_json = match &raw.config {
        Some(table) => serde_json::to_string(table).map_err(|e| {
            invalid(
                spanned.span().start,
                format!("plugin `{}`: config cannot be passed on: {e}", raw.name),
                "use only strings, numbers, booleans, arrays and tables in [plugins.config]",
            )
        })?,
        None => "{}".into(),
    };
    Ok(PluginEntry {
        name: raw.name.clone(),
        path,
        sha256,
        limits: PluginLimits {
            time: Duration::from_millis(time_ms),
            fuel: raw.limits.fuel,
            memory_bytes: memory_mib * 1024 * 1024,
            recycle_after_calls,
        },
        config_json,
        privileges: privileges(raw, managed_ous, at)?,
        lists_attributes: raw.attributes.is_some(),
        location,
    })
}

/// The entry's privileges: `attributes` (canonicalised as plugin edits are, without a schema:
/// no OID, no option, nothing protected; absent: none), `ous` and the `may_set_*` flags (absent:
/// unrestricted).
fn privileges(
    raw: &RawPlugin,
    managed_ous: &[Dn],
    at: &impl Fn(usize) -> String,
) -> Result<Privileges, ConfigError> {
    let invalid =
        |value: &Spanned<String>, key: &str, problem: String, hint: &str| ConfigError::Invalid {
            location: at(value.span().start),
            message: format!("plugin `{}`: {key}: {problem}", raw.name),
            hint: hint.into(),
        };
    let attributes = raw
        .attributes
        .as_deref()
        .map(|names| {
            names
                .iter()
                .map(|name| {
                    canonical_name(name.get_ref(), None)
                        .map_err(|problem| invalid(name, "attributes", problem, ATTRIBUTES_HINT))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    let ous = raw
        .ous
        .as_deref()
        .map(|ous| {
            ous.iter()
                .map(|ou| {
                    permitted_ou(ou.get_ref(), managed_ous)
                        .map_err(|problem| invalid(ou, "ous", problem, OUS_HINT))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    Ok(Privileges {
        attributes: Some(attributes),
        ous,
        may_set_cn: raw.may_set_cn.unwrap_or(true),
        may_set_sam_account_name: raw.may_set_sam_account_name.unwrap_or(true),
    })
}

const ATTRIBUTES_HINT: &str = "list the attributes its mapping stage may edit by \
                               lDAPDisplayName, e.g. attributes = [\"extensionAttribute1\"]";
const OUS_HINT: &str = "list OUs inside managed_ous that its naming stage may route to, e.g. \
                        ous = [\"OU=Finance,OU=Cloud Groups,DC=example,DC=com\"]";

/// Refuses a managed OU (`key` is `ou` or `managed_ous`) that is a domain root or a
/// well-known container (or inside one), by its DN alone: gwb creates, changes and deletes
/// groups in its managed OUs, and must never do so among AD's own objects. The message and
/// hint of the error.
fn refuse_system_place(dn: &Dn, key: &str) -> Result<(), (String, String)> {
    let Some(place) = system_place(dn) else {
        return Ok(());
    };
    let root = domain_root(dn).map_or_else(|| "DC=example,DC=com".to_owned(), |r| r.to_string());
    Err((
        format!(
            "{key}: `{dn}` is {place}, where AD keeps its own objects; gwb creates, changes and \
             deletes groups in its managed OUs and must never manage those"
        ),
        format!(
            "create an OU for gwb, e.g. \"OU=Cloud Groups,{root}\", and {}",
            if key == "ou" {
                "make it [defaults] ou"
            } else {
                "list it in managed_ous instead"
            }
        ),
    ))
}

/// An `ous` entry: a DN inside one of the managed OUs.
fn permitted_ou(text: &str, managed_ous: &[Dn]) -> Result<Dn, String> {
    let dn = Dn::parse(text).map_err(|e| e.to_string())?;
    if managed_ous.iter().any(|m| dn.is_within(m)) {
        Ok(dn)
    } else {
        Err(format!(
            "`{text}` is outside the managed OUs; a plugin may only route inside managed_ous"
        ))
    }
}

/// A DNS domain name as `[defaults] routing_domain` takes it: labels of letters, digits and
/// hyphens, at least two of them; `Err` says what is wrong.
fn routing_domain(value: &str) -> Result<String, String> {
    let labels: Vec<&str> = value.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if labels.len() < 2 || !labels.iter().all(label_ok) || value.len() > 253 {
        return Err(format!("`{value}` is not a domain name"));
    }
    Ok(value.to_ascii_lowercase())
}

/// The error of a file that does not parse or deserialize. The parser's message is shown
/// (never its snippet of the line) with any string value it quotes left out, and not at all at
/// a line of a secret-bearing key: the key is named instead, since the line may hold the secret.
fn syntax_error(path: &Path, text: &str, error: &toml::de::Error) -> ConfigError {
    let line = error.span().map(|s| line_of(text, s.start)).unwrap_or(1);
    if let Some((key, start)) = secret_lines::secret_key_on_line(text, line) {
        return ConfigError::Syntax {
            path: path.display().to_string(),
            line: start,
            message: format!(
                "{} is not valid TOML here (the line is not shown: it may hold the secret)",
                key.name()
            ),
            hint: format!("check its quotes and braces; {}", key.fix),
        };
    }
    let message = without_strings(error.message().trim());
    let hint = if message.contains("unknown field") {
        "remove or correct the key; docs/rules-file.md lists every key"
    } else if message.contains("missing field") {
        "add the key; docs/rules-file.md lists every key with its default"
    } else {
        "check the TOML syntax at that line (quotes around strings, [table] headers)"
    };
    ConfigError::Syntax {
        path: path.display().to_string(),
        line,
        message,
        hint: hint.into(),
    }
}

/// `message` with every string value it quotes (serde's `string "…"`) left out: a value
/// written at the wrong key may be a secret.
fn without_strings(message: &str) -> String {
    const QUOTED: &str = "string \"";
    let mut out = String::new();
    let mut rest = message;
    while let Some(at) = rest.find(QUOTED) {
        out.push_str(&rest[..at]);
        out.push_str("string (not shown)");
        let after = &rest[at + QUOTED.len()..];
        let mut escaped = false;
        let end = after
            .char_indices()
            .find(|&(_, c)| {
                let closes = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                closes
            })
            .map_or(after.len(), |(i, _)| i + 1);
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The 1-based line holding byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests;
