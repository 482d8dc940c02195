//! Chooses a group's target OU from its displayName or an extension attribute (plain Rust, no
//! plugin types, so native benchmarks can include this file).
#![forbid(unsafe_code)]

use regex::Regex;
use serde::Deserialize;

/// The plugin's `config`, as written in the rules file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// The OU for groups no route matches; without it such a group is a rule error.
    #[serde(default)]
    pub default_ou: Option<String>,
    /// Routes, tried in order; the first match wins.
    #[serde(default)]
    pub routes: Vec<RawRoute>,
}

/// One route as written: exactly one of `prefix`, `regex` or `extension_attribute`, and `ou`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoute {
    /// Matches displayNames starting with this text (ASCII case ignored).
    #[serde(default)]
    pub prefix: Option<String>,
    /// Matches displayNames this regular expression finds a match in.
    #[serde(default)]
    pub regex: Option<String>,
    /// Matches on an extension attribute: `extensionAttribute1`..`15` or
    /// `extension_<appid>_<name>`.
    #[serde(default)]
    pub extension_attribute: Option<String>,
    /// With `extension_attribute`: the value it must equal (exactly); without, any set value.
    #[serde(default)]
    pub equals: Option<String>,
    /// The DN of the OU for matching groups.
    pub ou: String,
}

enum Matcher {
    Prefix(String),
    Regex(Regex),
    Extension {
        name: String,
        equals: Option<String>,
    },
}

struct Route {
    matcher: Matcher,
    ou: String,
}

/// The validated routes.
pub struct Router {
    routes: Vec<Route>,
    default_ou: Option<String>,
}

impl Router {
    /// Validates the configuration: each route has exactly one matcher and a non-empty `ou`,
    /// and every regex compiles.
    pub fn new(raw: RawConfig) -> Result<Self, String> {
        let routes = raw
            .routes
            .into_iter()
            .enumerate()
            .map(|(i, r)| route(i + 1, r))
            .collect::<Result<_, _>>()?;
        if raw
            .default_ou
            .as_deref()
            .is_some_and(|ou| ou.trim().is_empty())
        {
            return Err("default_ou is empty; remove it or give an OU DN".into());
        }
        Ok(Self {
            routes,
            default_ou: raw.default_ou,
        })
    }

    /// The OU DN for a group. `extension` looks up an extension attribute by the name a route
    /// gives. `label` names the group in the error when no route matches and there is no default.
    pub fn route(
        &self,
        display_name: Option<&str>,
        mut extension: impl FnMut(&str) -> Option<String>,
        label: impl FnOnce() -> String,
    ) -> Result<&str, String> {
        for r in &self.routes {
            let hit = match &r.matcher {
                Matcher::Prefix(p) => display_name.is_some_and(|n| starts_with_ignore_case(n, p)),
                Matcher::Regex(re) => display_name.is_some_and(|n| re.is_match(n)),
                Matcher::Extension { name, equals } => match (extension(name), equals) {
                    (Some(v), Some(want)) => v == *want,
                    (Some(v), None) => !v.is_empty(),
                    (None, _) => false,
                },
            };
            if hit {
                return Ok(&r.ou);
            }
        }
        self.default_ou.as_deref().ok_or_else(|| {
            format!(
                "no route matches group {} and no default_ou is configured",
                label()
            )
        })
    }
}

fn route(n: usize, raw: RawRoute) -> Result<Route, String> {
    if raw.ou.trim().is_empty() {
        return Err(format!("route {n}: ou is empty"));
    }
    if raw.equals.is_some() && raw.extension_attribute.is_none() {
        return Err(format!("route {n}: equals needs extension_attribute"));
    }
    let matcher = match (raw.prefix, raw.regex, raw.extension_attribute) {
        (Some(p), None, None) => Matcher::Prefix(p),
        (None, Some(re), None) => Matcher::Regex(
            Regex::new(&re).map_err(|e| format!("route {n}: invalid regex {re:?}: {e}"))?,
        ),
        (None, None, Some(name)) => {
            if !is_extension_name(&name) {
                return Err(format!(
                    "route {n}: extension_attribute {name:?} is neither extensionAttribute1..15 \
                     nor extension_<appid>_<name>"
                ));
            }
            Matcher::Extension {
                name,
                equals: raw.equals,
            }
        }
        _ => {
            return Err(format!(
                "route {n}: give exactly one of prefix, regex or extension_attribute"
            ));
        }
    };
    Ok(Route {
        matcher,
        ou: raw.ou,
    })
}

fn is_extension_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    match lower.strip_prefix("extensionattribute") {
        Some(index) => matches!(index.parse::<u8>(), Ok(1..=15)),
        None => lower.starts_with("extension_") && lower.len() > "extension_".len(),
    }
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router(json: &str) -> Router {
        Router::new(serde_json::from_str(json).unwrap()).unwrap()
    }

    const CONFIG: &str = r#"{
        "default_ou": "OU=Groups,DC=contoso,DC=com",
        "routes": [
            {"prefix": "FIN-", "ou": "OU=Finance,DC=contoso,DC=com"},
            {"regex": "^HR", "ou": "OU=HR,DC=contoso,DC=com"},
            {"extension_attribute": "extensionAttribute1", "equals": "Sales", "ou": "OU=Sales,DC=contoso,DC=com"}
        ]}"#;

    #[test]
    fn first_matching_route_wins() {
        let r = router(CONFIG);
        let none = |_: &str| None;
        assert_eq!(
            r.route(Some("fin-Payroll"), none, String::new),
            Ok("OU=Finance,DC=contoso,DC=com")
        );
        assert_eq!(
            r.route(Some("HR Team"), none, String::new),
            Ok("OU=HR,DC=contoso,DC=com")
        );
        let sales = |n: &str| (n == "extensionAttribute1").then(|| "Sales".to_string());
        assert_eq!(
            r.route(Some("Team"), sales, String::new),
            Ok("OU=Sales,DC=contoso,DC=com")
        );
        assert_eq!(
            r.route(None, none, String::new),
            Ok("OU=Groups,DC=contoso,DC=com")
        );
    }

    #[test]
    fn no_route_and_no_default_names_the_group() {
        let r = router(r#"{"routes": [{"prefix": "FIN-", "ou": "OU=F"}]}"#);
        assert_eq!(
            r.route(Some("Other"), |_| None, || "\"Other\" (42)".into()),
            Err("no route matches group \"Other\" (42) and no default_ou is configured".into())
        );
    }

    #[test]
    fn bad_routes_are_refused() {
        let bad = |json: &str| {
            Router::new(serde_json::from_str(json).unwrap())
                .err()
                .unwrap()
        };
        assert_eq!(
            bad(r#"{"routes": [{"ou": "OU=X"}]}"#),
            "route 1: give exactly one of prefix, regex or extension_attribute"
        );
        assert!(
            bad(r#"{"routes": [{"regex": "(", "ou": "OU=X"}]}"#)
                .starts_with("route 1: invalid regex \"(\"")
        );
        assert!(
            bad(r#"{"routes": [{"extension_attribute": "extensionAttribute16", "ou": "OU=X"}]}"#)
                .contains("neither")
        );
    }
}
