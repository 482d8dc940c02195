//! LDAP attributes of a proposed AD object, with case-insensitive names.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The attributes of a proposed AD object.
///
/// LDAP attribute names are case-insensitive: lookups ignore case, while the spelling first
/// used for a name is kept for output. Iteration is sorted by the lower-cased name, so plans and
/// LDIF come out in a stable order. An attribute with no values is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attributes {
    entries: BTreeMap<String, (String, Vec<String>)>,
}

impl Attributes {
    /// An empty set of attributes.
    pub fn new() -> Self {
        Self::default()
    }

    /// The values of `name` (empty when absent).
    pub fn get(&self, name: &str) -> &[String] {
        self.entries
            .get(&name.to_ascii_lowercase())
            .map(|(_, values)| values.as_slice())
            .unwrap_or(&[])
    }

    /// The first value of `name`, if any.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.get(name).first().map(String::as_str)
    }

    /// True when `name` has at least one value.
    pub fn contains(&self, name: &str) -> bool {
        !self.get(name).is_empty()
    }

    /// Replaces all values of `name`; an empty `values` removes the attribute.
    pub fn set(&mut self, name: &str, values: Vec<String>) {
        let key = name.to_ascii_lowercase();
        if values.is_empty() {
            self.entries.remove(&key);
            return;
        }
        match self.entries.get_mut(&key) {
            Some(entry) => entry.1 = values,
            None => {
                self.entries.insert(key, (name.to_owned(), values));
            }
        }
    }

    /// Sets `name` to the single value `value`.
    pub fn set_one(&mut self, name: &str, value: impl Into<String>) {
        self.set(name, vec![value.into()]);
    }

    /// Adds values to `name`, skipping values already present.
    pub fn add(&mut self, name: &str, values: impl IntoIterator<Item = String>) {
        let key = name.to_ascii_lowercase();
        let entry = self
            .entries
            .entry(key)
            .or_insert_with(|| (name.to_owned(), Vec::new()));
        for value in values {
            if !entry.1.contains(&value) {
                entry.1.push(value);
            }
        }
        if entry.1.is_empty() {
            self.entries.remove(&name.to_ascii_lowercase());
        }
    }

    /// Removes the given values of `name`; an empty `values` removes the attribute.
    pub fn remove(&mut self, name: &str, values: &[String]) {
        let key = name.to_ascii_lowercase();
        if values.is_empty() {
            self.entries.remove(&key);
            return;
        }
        if let Some(entry) = self.entries.get_mut(&key) {
            entry.1.retain(|v| !values.contains(v));
            if entry.1.is_empty() {
                self.entries.remove(&key);
            }
        }
    }

    /// Iterates `(name as first written, values)`, sorted by lower-cased name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.entries
            .values()
            .map(|(name, values)| (name.as_str(), values.as_slice()))
    }

    /// The number of attributes present.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no attribute is present.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive_and_keep_first_spelling() {
        let mut attrs = Attributes::new();
        attrs.set_one("displayName", "Sales");
        assert_eq!(attrs.first("DISPLAYNAME"), Some("Sales"));
        attrs.set_one("displayname", "Sales EU");
        let all: Vec<_> = attrs.iter().collect();
        assert_eq!(all, vec![("displayName", &["Sales EU".to_string()][..])]);
    }

    #[test]
    fn add_dedups_and_remove_drops_empty() {
        let mut attrs = Attributes::new();
        attrs.add("proxyAddresses", ["a".to_string(), "b".to_string()]);
        attrs.add("proxyaddresses", ["b".to_string(), "c".to_string()]);
        assert_eq!(attrs.get("proxyAddresses"), ["a", "b", "c"]);
        attrs.remove("proxyAddresses", &["a".into(), "b".into(), "c".into()]);
        assert!(!attrs.contains("proxyAddresses"));
        attrs.add("x", Vec::new());
        assert!(attrs.is_empty());
    }
}
