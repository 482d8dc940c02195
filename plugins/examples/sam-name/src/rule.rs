//! Builds a deterministic, valid sAMAccountName of at most 20 characters from a prefix, the
//! displayName and a short hash of the object id (plain Rust, no plugin types, so native
//! benchmarks can include this file).
#![forbid(unsafe_code)]

use serde::Deserialize;

/// The longest sAMAccountName older clients accept, and the most this rule emits.
pub const MAX_LEN: usize = 20;
/// Hex digits of the object-id hash that make names unique.
const HASH_LEN: usize = 6;
/// The longest prefix, so at least a few characters of the displayName remain.
pub const MAX_PREFIX_LEN: usize = 8;

/// The plugin's `config`, as written in the rules file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// Text put in front of every name, e.g. `g-`; at most 8 of `A-Z a-z 0-9 - _ .`.
    #[serde(default)]
    pub prefix: String,
}

/// The validated generator.
#[derive(Debug, Default)]
pub struct SamName {
    prefix: String,
}

impl SamName {
    /// Checks the prefix: at most [`MAX_PREFIX_LEN`] characters, each allowed in a name.
    pub fn new(raw: RawConfig) -> Result<Self, String> {
        if raw.prefix.chars().count() > MAX_PREFIX_LEN {
            return Err(format!(
                "prefix {:?} is longer than {MAX_PREFIX_LEN} characters",
                raw.prefix
            ));
        }
        if let Some(c) = raw.prefix.chars().find(|&c| !is_kept(c)) {
            return Err(format!(
                "prefix {:?} contains {c:?}; use only A-Z, a-z, 0-9, '-', '_' and '.'",
                raw.prefix
            ));
        }
        Ok(Self { prefix: raw.prefix })
    }

    /// The name for a group: `<prefix><displayName, sanitized and cut>-<hash>`, or
    /// `<prefix><hash>` when nothing of the displayName survives. Deterministic: the same
    /// inputs always give the same name; different object ids almost always differ.
    pub fn name(&self, display_name: Option<&str>, object_id: &str) -> String {
        let hash = format!(
            "{:0width$x}",
            fnv1a(object_id.as_bytes()) & 0xff_ffff,
            width = HASH_LEN
        );
        let room = MAX_LEN - self.prefix.len() - HASH_LEN - 1;
        let body: String = display_name
            .unwrap_or("")
            .chars()
            .filter(|&c| is_kept(c))
            .take(room)
            .collect();
        // A name may not end with a period (AD refuses it); the hash follows, but keep the
        // body clean of leading/trailing dots anyway so names read well.
        let body = body.trim_matches('.');
        if body.is_empty() {
            format!("{}{hash}", self.prefix)
        } else {
            format!("{}{body}-{hash}", self.prefix)
        }
    }
}

/// Characters kept from a displayName: ASCII letters, digits, `-`, `_` and `.` — none of
/// `" / \ [ ] : ; | = , + * ? < >`, no spaces, no control characters.
fn is_kept(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// 32-bit FNV-1a: small, stable across platforms and versions (unlike std's hasher).
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "02bd9fd6-8f93-4758-87c3-1fb73740a315";

    fn generator(prefix: &str) -> SamName {
        SamName::new(RawConfig {
            prefix: prefix.into(),
        })
        .unwrap()
    }

    #[test]
    fn names_are_prefixed_sanitized_cut_and_hashed() {
        let hash = format!("{:06x}", fnv1a(ID.as_bytes()) & 0xff_ffff);
        assert_eq!(
            generator("g-").name(Some("Sales & Marketing [EU]"), ID),
            format!("g-SalesMarket-{hash}")
        );
        assert_eq!(generator("").name(Some("HR"), ID), format!("HR-{hash}"));
        assert_eq!(generator("g-").name(Some("***"), ID), format!("g-{hash}"));
        assert_eq!(generator("g-").name(None, ID), format!("g-{hash}"));
    }

    #[test]
    fn names_are_valid_short_and_deterministic() {
        let forbidden = "\"/\\[]:;|=,+*?<> ";
        for dn in [
            "a\u{0}b\tc",
            "Ünïcödé groüp ñame",
            "x/y\\z[1]:2;3|4=5,6+7*8?9<0>",
            ".dots.",
            "",
        ] {
            let name = generator("grp.").name(Some(dn), ID);
            assert!(name.len() <= MAX_LEN, "{name}");
            assert!(
                !name
                    .chars()
                    .any(|c| c.is_control() || forbidden.contains(c)),
                "{name}"
            );
            assert!(!name.ends_with('.'), "{name}");
            assert_eq!(name, generator("grp.").name(Some(dn), ID));
        }
        assert_ne!(
            generator("").name(Some("Same"), ID),
            generator("").name(Some("Same"), "another-id")
        );
    }

    #[test]
    fn bad_prefixes_are_refused() {
        assert!(
            SamName::new(RawConfig {
                prefix: "toolongprefix".into()
            })
            .is_err()
        );
        assert_eq!(
            SamName::new(RawConfig {
                prefix: "a b".into()
            })
            .unwrap_err(),
            "prefix \"a b\" contains ' '; use only A-Z, a-z, 0-9, '-', '_' and '.'"
        );
    }
}
