//! What a directory's schema calls its attributes: the lDAPDisplayName of every attribute type,
//! by attributeID (numeric OID) and by name in any case.

use std::collections::{BTreeMap, BTreeSet};

/// The attribute names a directory's schema defines (attributeID ↔ lDAPDisplayName), as
/// discovered at connect. The rule pipeline maps plugin-written names through it, so an OID or
/// an odd spelling of a name comes out as the one name AD answers with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttributeNames {
    /// lDAPDisplayName by attributeID.
    by_oid: BTreeMap<String, String>,
    /// lDAPDisplayName by its lower-cased self.
    by_lower_name: BTreeMap<String, String>,
    /// The multi-valued attributes (no `SINGLE-VALUE`), lower case.
    multi_valued: BTreeSet<String>,
    /// The longest value of each Unicode-string attribute with a `rangeUpper`, in UTF-16 code
    /// units, by lower-cased name.
    max_lengths: BTreeMap<String, usize>,
}

impl FromIterator<(String, String)> for AttributeNames {
    /// The names of these `(attributeID, lDAPDisplayName)` pairs.
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        let mut names = Self::default();
        for (oid, name) in pairs {
            names
                .by_lower_name
                .insert(name.to_ascii_lowercase(), name.clone());
            names.by_oid.insert(oid, name);
        }
        names
    }
}

impl AttributeNames {
    /// The lDAPDisplayName of the attribute whose attributeID is `oid`.
    pub fn by_oid(&self, oid: &str) -> Option<&str> {
        self.by_oid.get(oid).map(String::as_str)
    }

    /// Records that the schema lets `name` hold several values.
    pub fn set_multi_valued(&mut self, name: &str) {
        self.multi_valued.insert(name.to_ascii_lowercase());
    }

    /// True when the schema lets `name` (any case) hold several values; false for
    /// single-valued attributes and for names the schema does not define.
    pub fn is_multi_valued(&self, name: &str) -> bool {
        self.multi_valued.contains(&name.to_ascii_lowercase())
    }

    /// Records that a value of the Unicode-string attribute `name` may be at most `units`
    /// UTF-16 code units long (its `rangeUpper`).
    pub fn set_max_length(&mut self, name: &str, units: usize) {
        self.max_lengths.insert(name.to_ascii_lowercase(), units);
    }

    /// The most UTF-16 code units a value of `name` (any case) may hold, when the schema
    /// limits it: AD counts a Unicode string's `rangeUpper` in UTF-16 code units, so a
    /// character outside the Basic Multilingual Plane (an emoji) counts 2.
    pub fn max_length(&self, name: &str) -> Option<usize> {
        self.max_lengths.get(&name.to_ascii_lowercase()).copied()
    }

    /// The schema's spelling of the attribute `name` (matched case-insensitively).
    pub fn by_name(&self, name: &str) -> Option<&str> {
        self.by_lower_name
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_by_oid_and_by_name_in_any_case() {
        let names: AttributeNames = [("2.5.4.13", "description"), ("2.5.4.31", "member")]
            .into_iter()
            .map(|(oid, name)| (oid.to_owned(), name.to_owned()))
            .collect();
        assert_eq!(names.by_oid("2.5.4.31"), Some("member"));
        assert_eq!(names.by_oid("2.5.4.031"), None);
        assert_eq!(names.by_name("DESCRIPTION"), Some("description"));
        assert_eq!(names.by_name("descriptions"), None);
    }

    #[test]
    fn max_lengths_are_told_in_any_case() {
        let mut names = AttributeNames::default();
        names.set_max_length("displayName", 256);
        assert_eq!(names.max_length("DISPLAYNAME"), Some(256));
        assert_eq!(names.max_length("description"), None);
    }

    #[test]
    fn multi_valued_attributes_are_told_in_any_case() {
        let mut names = AttributeNames::default();
        names.set_multi_valued("proxyAddresses");
        assert!(names.is_multi_valued("PROXYADDRESSES"));
        assert!(!names.is_multi_valued("mail"));
    }
}
