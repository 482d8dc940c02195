//! Values against the length AD's schema allows: the `rangeUpper` of a Unicode-string
//! attribute, which AD counts in UTF-16 code units (a character outside the Basic Multilingual
//! Plane, such as an emoji, counts 2). What the defaults take from the cloud is cut, as the
//! default cn is; a plugin's value over the limit fails its group, before anything is written.

use gwb_model::{AttributeEdit, AttributeNames, Attributes};

/// The length of `value` as AD counts it.
fn units(value: &str) -> usize {
    value.encode_utf16().count()
}

/// Refuses a value `edit` sets or adds that is longer than the schema allows for its
/// attribute, naming the attribute, the value's length and the limit. Without a schema (`gwb
/// rules test` reads no AD) nothing is refused.
pub fn within_schema(edit: &AttributeEdit, schema: Option<&AttributeNames>) -> Result<(), String> {
    let Some(limit) = schema.and_then(|s| s.max_length(edit.name())) else {
        return Ok(());
    };
    if matches!(edit, AttributeEdit::Remove { .. }) {
        return Ok(());
    }
    match edit.values().iter().map(|v| units(v)).find(|n| *n > limit) {
        Some(length) => Err(format!(
            "a value of `{}` is {length} characters long; AD's schema allows at most {limit} \
             (its rangeUpper, counted in UTF-16 code units: an emoji counts 2)",
            edit.name()
        )),
        None => Ok(()),
    }
}

/// Cuts every value of `attributes` longer than the schema allows to the longest prefix of
/// whole characters that fits; returns one warning per attribute cut.
pub fn cut_to_schema(attributes: &mut Attributes, schema: Option<&AttributeNames>) -> Vec<String> {
    let Some(schema) = schema else {
        return Vec::new();
    };
    let too_long: Vec<(String, usize, Vec<String>)> = attributes
        .iter()
        .filter_map(|(name, values)| {
            let limit = schema.max_length(name)?;
            values
                .iter()
                .any(|v| units(v) > limit)
                .then(|| (name.to_owned(), limit, values.to_vec()))
        })
        .collect();
    let mut warnings = Vec::new();
    for (name, limit, values) in too_long {
        let longest = values.iter().map(|v| units(v)).max().unwrap_or_default();
        let cut = values.iter().map(|v| cut(v, limit)).collect();
        attributes.set(&name, cut);
        warnings.push(format!(
            "{name} cut from {longest} to {limit} characters (AD's rangeUpper for {name})"
        ));
    }
    warnings
}

/// The longest prefix of `value`, in whole characters, at most `limit` UTF-16 code units long.
fn cut(value: &str, limit: usize) -> String {
    let mut used = 0;
    value
        .chars()
        .take_while(|c| {
            used += c.len_utf16();
            used <= limit
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> AttributeNames {
        let mut names = AttributeNames::default();
        names.set_max_length("displayName", 4);
        names
    }

    #[test]
    fn values_are_cut_between_characters_counted_as_ad_counts_them() {
        let mut attributes = Attributes::new();
        attributes.set_one("displayName", "ab😀c");
        attributes.set_one("description", "longer than four");
        let warnings = cut_to_schema(&mut attributes, Some(&schema()));
        assert_eq!(
            attributes.first("displayName"),
            Some("ab😀"),
            "the emoji is 2 units"
        );
        assert_eq!(attributes.first("description"), Some("longer than four"));
        assert_eq!(
            warnings,
            vec!["displayName cut from 5 to 4 characters (AD's rangeUpper for displayName)"]
        );
        attributes.set_one("displayName", "abc😀");
        cut_to_schema(&mut attributes, Some(&schema()));
        assert_eq!(
            attributes.first("displayName"),
            Some("abc"),
            "never half an emoji"
        );
        attributes.set_one("displayName", "é".repeat(9));
        assert!(cut_to_schema(&mut attributes, None).is_empty(), "no schema");
    }

    #[test]
    fn a_plugin_value_over_the_limit_is_refused_naming_length_and_limit() {
        let set = |value: &str| AttributeEdit::Replace {
            name: "displayName".into(),
            values: vec!["ok".into(), value.into()],
        };
        assert_eq!(
            within_schema(&set("abcde"), Some(&schema())).unwrap_err(),
            "a value of `displayName` is 5 characters long; AD's schema allows at most 4 (its \
             rangeUpper, counted in UTF-16 code units: an emoji counts 2)"
        );
        assert!(within_schema(&set("abcd"), Some(&schema())).is_ok());
        assert!(
            within_schema(&set("éééé"), Some(&schema())).is_ok(),
            "characters"
        );
        assert!(within_schema(&set("abc😀"), Some(&schema())).is_err());
        assert!(within_schema(&set("abcde"), None).is_ok());
        let remove = AttributeEdit::Remove {
            name: "displayName".into(),
            values: vec!["abcde".into()],
        };
        assert!(within_schema(&remove, Some(&schema())).is_ok());
    }
}
