//! What gwb last wrote to a group, kept on the group itself: gwb removes only values it
//! wrote, like `kubectl apply`'s last-applied record.
//!
//! Beside the ownership mark, every group gwb writes carries one [`OWNER_ATTRIBUTE`](crate::OWNER_ATTRIBUTE) value per
//! attribute value gwb set: `gwb:wrote=<attribute, lower case>=<digest of the value>`. The
//! record changes in the same modify as the values it describes, so AD and the record cannot
//! drift apart (no state file to lose or to restore out of step). A value someone else wrote
//! (Exchange's Update-Recipient, an email address policy, an admin, Entra Connect before an
//! adoption) has no record entry and survives every run; a value gwb wrote and no longer wants
//! is removed. The digest (the first 128 bits of SHA-256, hex) keeps each entry within
//! `extensionName`'s 255 characters whatever the value, and cannot be steered by a cloud
//! value onto a value gwb did not write.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

/// The prefix of every record entry.
const RECORD_PREFIX: &str = "gwb:wrote=";

/// Hex digits of the value digest kept per entry (128 bits).
const DIGEST_HEX: usize = 32;

/// The record entry saying gwb wrote `value` to `attribute`.
pub fn entry(attribute: &str, value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{RECORD_PREFIX}{}={}",
        attribute.to_ascii_lowercase(),
        &hex[..DIGEST_HEX]
    )
}

/// Is this [`OWNER_ATTRIBUTE`](crate::OWNER_ATTRIBUTE) value a record entry (rather than an ownership mark)?
pub fn is_entry(value: &str) -> bool {
    value
        .get(..RECORD_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(RECORD_PREFIX))
}

/// A group's record, read from its [`OWNER_ATTRIBUTE`](crate::OWNER_ATTRIBUTE) values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// The entries as AD holds them, by their lower-cased text (AD compares these values
    /// without regard to case).
    entries: BTreeMap<String, String>,
    /// The attributes named by an entry, lower case.
    attributes: BTreeSet<String>,
}

impl Applied {
    /// The record among a group's [`OWNER_ATTRIBUTE`](crate::OWNER_ATTRIBUTE) values; other values are ignored.
    pub fn from_marks(marks: &[String]) -> Self {
        let mut applied = Self::default();
        for mark in marks.iter().filter(|m| is_entry(m)) {
            let lower = mark.trim().to_ascii_lowercase();
            if let Some((attribute, _)) = lower[RECORD_PREFIX.len()..].split_once('=') {
                applied.attributes.insert(attribute.to_owned());
            }
            applied.entries.insert(lower, mark.clone());
        }
        applied
    }

    /// Did gwb write `value` to `attribute`?
    pub fn wrote(&self, attribute: &str, value: &str) -> bool {
        self.entries.contains_key(&entry(attribute, value))
    }

    /// The attributes gwb wrote a value to, lower case.
    pub fn attributes(&self) -> &BTreeSet<String> {
        &self.attributes
    }

    /// The changes to [`OWNER_ATTRIBUTE`](crate::OWNER_ATTRIBUTE) that make the record say exactly `written` (every
    /// attribute and value gwb holds on the group after the modify): the entries to add and
    /// the entries to delete, the latter as AD holds them.
    pub fn update<'a>(
        &self,
        written: impl IntoIterator<Item = (&'a str, &'a [String])>,
    ) -> (Vec<String>, Vec<String>) {
        let wanted = entry_set(written);
        let add = wanted
            .iter()
            .filter(|e| !self.entries.contains_key(*e))
            .cloned()
            .collect();
        let delete = self
            .entries
            .iter()
            .filter(|(lower, _)| !wanted.contains(*lower))
            .map(|(_, held)| held.clone())
            .collect();
        (add, delete)
    }
}

/// The record entries of a new group that gets `attributes`, sorted.
pub fn entries_for<'a>(
    attributes: impl IntoIterator<Item = (&'a str, &'a [String])>,
) -> Vec<String> {
    entry_set(attributes).into_iter().collect()
}

/// One record entry per value of `attributes`.
fn entry_set<'a>(
    attributes: impl IntoIterator<Item = (&'a str, &'a [String])>,
) -> BTreeSet<String> {
    attributes
        .into_iter()
        .flat_map(|(attribute, values)| values.iter().map(move |v| entry(attribute, v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn entries_name_the_attribute_and_digest_the_value_within_255_characters() {
        let e = entry("proxyAddresses", "SMTP:sales@contoso.com");
        assert!(e.starts_with("gwb:wrote=proxyaddresses="), "{e}");
        assert_eq!(e.len(), "gwb:wrote=proxyaddresses=".len() + 32);
        // Values that differ only in case are different values to gwb.
        assert_ne!(e, entry("proxyAddresses", "smtp:sales@contoso.com"));
        let long = "x".repeat(100_000);
        assert!(entry("msExchRecipientTypeDetails", &long).len() < 255);
        assert!(is_entry(&e) && is_entry(&e.to_uppercase()));
        assert!(!is_entry("gwb:tenant=contoso"));
    }

    #[test]
    fn the_record_is_read_back_whatever_case_ad_returns_and_ignores_the_mark() {
        let marks = vec![
            "gwb:tenant=contoso".to_owned(),
            entry("mail", "a@x").to_uppercase(),
            entry("proxyAddresses", "SMTP:a@x"),
        ];
        let applied = Applied::from_marks(&marks);
        assert!(applied.wrote("mail", "a@x"));
        assert!(applied.wrote("ProxyAddresses", "SMTP:a@x"));
        assert!(!applied.wrote("proxyAddresses", "smtp:b@x"));
        assert_eq!(
            applied.attributes().iter().collect::<Vec<_>>(),
            ["mail", "proxyaddresses"]
        );
    }

    #[test]
    fn an_update_adds_new_entries_and_deletes_stale_ones_as_ad_holds_them() {
        let held = entry("mail", "old@x").to_uppercase();
        let kept = entry("proxyAddresses", "SMTP:a@x");
        let applied = Applied::from_marks(&[held.clone(), kept.clone()]);
        let proxies = values(&["SMTP:a@x", "smtp:b@x"]);
        let mail = values(&["new@x"]);
        let (add, delete) = applied.update([("proxyAddresses", &proxies[..]), ("mail", &mail[..])]);
        assert_eq!(
            add,
            [entry("mail", "new@x"), entry("proxyAddresses", "smtp:b@x")]
        );
        assert_eq!(delete, [held]);
        let (add, delete) = Applied::from_marks(&[kept]).update([]);
        assert!(add.is_empty());
        assert_eq!(delete, [entry("proxyAddresses", "SMTP:a@x")]);
    }

    #[test]
    fn a_new_group_records_every_value() {
        let proxies = values(&["SMTP:a@x", "smtp:b@x"]);
        let entries = entries_for([("proxyAddresses", &proxies[..])]);
        assert_eq!(entries.len(), 2);
        assert!(entries.iter().all(|e| is_entry(e)));
    }
}
