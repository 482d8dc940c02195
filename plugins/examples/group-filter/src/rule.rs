//! Decides whether a group is written back from its displayName, kind and member count (plain
//! Rust, no plugin types, so native benchmarks can include this file).
#![forbid(unsafe_code)]

use regex::{Regex, RegexBuilder};
use serde::Deserialize;

/// The plugin's `config`, as written in the rules file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// When set, only displayNames matching one of these are written. A pattern is a glob
    /// (`*`, `?`, ASCII case ignored) or, prefixed with `re:`, a regular expression.
    #[serde(default)]
    pub include: Vec<String>,
    /// DisplayNames matching one of these are skipped (same pattern syntax as `include`).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// When set, only these kinds are written: `m365`, `security`, `mail-enabled-security`,
    /// `distribution`.
    #[serde(default)]
    pub kinds: Vec<Kind>,
    /// Skip groups with fewer direct members.
    #[serde(default)]
    pub min_members: Option<u32>,
    /// Skip groups with more direct members.
    #[serde(default)]
    pub max_members: Option<u32>,
}

/// A group kind, as the configuration names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A Microsoft 365 group.
    M365,
    /// A security group that is not mail-enabled.
    Security,
    /// A mail-enabled security group.
    MailEnabledSecurity,
    /// A distribution list.
    Distribution,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Self::M365 => "m365",
            Self::Security => "security",
            Self::MailEnabledSecurity => "mail-enabled-security",
            Self::Distribution => "distribution",
        }
    }
}

/// What the filter looks at for one group.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The displayName.
    pub display_name: Option<&'a str>,
    /// The group's kind.
    pub kind: Kind,
    /// The number of direct members.
    pub member_count: u32,
}

struct Pattern {
    text: String,
    regex: Regex,
}

/// The validated filter.
#[derive(Default)]
pub struct Filter {
    include: Vec<Pattern>,
    exclude: Vec<Pattern>,
    kinds: Vec<Kind>,
    min_members: Option<u32>,
    max_members: Option<u32>,
}

impl Filter {
    /// Compiles the patterns and checks that `min_members` ≤ `max_members`.
    pub fn new(raw: RawConfig) -> Result<Self, String> {
        if let (Some(min), Some(max)) = (raw.min_members, raw.max_members)
            && min > max
        {
            return Err(format!(
                "min_members {min} is greater than max_members {max}"
            ));
        }
        Ok(Self {
            include: patterns("include", raw.include)?,
            exclude: patterns("exclude", raw.exclude)?,
            kinds: raw.kinds,
            min_members: raw.min_members,
            max_members: raw.max_members,
        })
    }

    /// True when the member count matters, so a caller can skip reading it otherwise.
    pub fn needs_member_count(&self) -> bool {
        self.min_members.is_some() || self.max_members.is_some()
    }

    /// `None` to write the group, or the reason to skip it.
    pub fn skip_reason(&self, facts: Facts<'_>) -> Option<String> {
        if !self.kinds.is_empty() && !self.kinds.contains(&facts.kind) {
            let allowed: Vec<_> = self.kinds.iter().map(|k| k.label()).collect();
            return Some(format!(
                "group kind {} is not one of the configured kinds [{}]",
                facts.kind.label(),
                allowed.join(", ")
            ));
        }
        let name = facts.display_name.unwrap_or("");
        if let Some(p) = self.exclude.iter().find(|p| p.regex.is_match(name)) {
            return Some(format!(
                "displayName {name:?} matches exclude pattern {:?}",
                p.text
            ));
        }
        if !self.include.is_empty() && !self.include.iter().any(|p| p.regex.is_match(name)) {
            return Some(format!("displayName {name:?} matches no include pattern"));
        }
        if let Some(min) = self.min_members.filter(|&min| facts.member_count < min) {
            return Some(format!(
                "the group has {} direct members, fewer than min_members {min}",
                facts.member_count
            ));
        }
        if let Some(max) = self.max_members.filter(|&max| facts.member_count > max) {
            return Some(format!(
                "the group has {} direct members, more than max_members {max}",
                facts.member_count
            ));
        }
        None
    }
}

fn patterns(key: &str, texts: Vec<String>) -> Result<Vec<Pattern>, String> {
    texts
        .into_iter()
        .map(|text| {
            let regex = match text.strip_prefix("re:") {
                Some(re) => Regex::new(re),
                None => RegexBuilder::new(&glob_to_regex(&text))
                    .case_insensitive(true)
                    .build(),
            }
            .map_err(|e| format!("{key} pattern {text:?} is invalid: {e}"))?;
            Ok(Pattern { text, regex })
        })
        .collect()
}

/// `FIN-*` → `^FIN\-.*$`: `*` any run, `?` any one character, everything else literal.
fn glob_to_regex(glob: &str) -> String {
    let mut re = String::from("^");
    for c in glob.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
        }
    }
    re.push('$');
    re
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(json: &str) -> Filter {
        Filter::new(serde_json::from_str(json).unwrap()).unwrap()
    }

    fn facts(name: &str, kind: Kind, members: u32) -> Facts<'_> {
        Facts {
            display_name: Some(name),
            kind,
            member_count: members,
        }
    }

    #[test]
    fn patterns_kinds_and_counts_give_reasons() {
        let f = filter(
            r#"{"include": ["FIN-*", "re:^HR\\b"], "exclude": ["*-test"], "kinds": ["security", "m365"],
                "min_members": 1, "max_members": 100}"#,
        );
        assert_eq!(f.skip_reason(facts("fin-payroll", Kind::Security, 5)), None);
        assert_eq!(f.skip_reason(facts("HR team", Kind::M365, 5)), None);
        assert_eq!(
            f.skip_reason(facts("hr team", Kind::M365, 5)).unwrap(),
            "displayName \"hr team\" matches no include pattern"
        );
        assert_eq!(
            f.skip_reason(facts("FIN-x-TEST", Kind::Security, 5))
                .unwrap(),
            "displayName \"FIN-x-TEST\" matches exclude pattern \"*-test\""
        );
        assert_eq!(
            f.skip_reason(facts("FIN-a", Kind::Distribution, 5))
                .unwrap(),
            "group kind distribution is not one of the configured kinds [security, m365]"
        );
        assert_eq!(
            f.skip_reason(facts("FIN-a", Kind::Security, 0)).unwrap(),
            "the group has 0 direct members, fewer than min_members 1"
        );
        assert_eq!(
            f.skip_reason(facts("FIN-a", Kind::Security, 101)).unwrap(),
            "the group has 101 direct members, more than max_members 100"
        );
    }

    #[test]
    fn bad_config_is_refused() {
        let bad = |json: &str| {
            Filter::new(serde_json::from_str(json).unwrap())
                .err()
                .unwrap()
        };
        assert_eq!(
            bad(r#"{"min_members": 5, "max_members": 1}"#),
            "min_members 5 is greater than max_members 1"
        );
        assert!(bad(r#"{"exclude": ["re:("]}"#).starts_with("exclude pattern \"re:(\" is invalid"));
    }

    /// The shared glob vectors (plugins/sdk-vectors/glob.json), which the Python and JS SDKs'
    /// `rust_glob` / `rustGlob` are tested against, are this filter's answers.
    #[test]
    fn glob_vectors_are_this_filters_answers() {
        let vectors: serde_json::Value =
            serde_json::from_str(include_str!("../../../sdk-vectors/glob.json")).unwrap();
        let globs = vectors["globs"].as_array().unwrap();
        assert!(globs.len() > 10);
        let texts = |case: &serde_json::Value, key: &str| -> Vec<String> {
            serde_json::from_value(case[key].clone()).unwrap()
        };
        for case in globs {
            let glob = case["glob"].as_str().unwrap();
            let pattern = &patterns("include", vec![glob.to_owned()]).unwrap()[0];
            let missed: Vec<_> = texts(case, "matches")
                .into_iter()
                .filter(|t| !pattern.regex.is_match(t))
                .collect();
            let wrong: Vec<_> = texts(case, "rejects")
                .into_iter()
                .filter(|t| pattern.regex.is_match(t))
                .collect();
            assert!(missed.is_empty(), "{glob:?} misses {missed:?}");
            assert!(wrong.is_empty(), "{glob:?} matches {wrong:?}");
        }
    }
}
