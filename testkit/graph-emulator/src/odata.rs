//! How Graph reads the OData forms of a request URL that clients write differently: the `delta`
//! function by any of its names, and system query options (`$select`, `$deltatoken`, ...) in any
//! case, percent-encoded or not.

use std::collections::BTreeMap;

/// Whether a path segment names the `delta` function. The docs write `delta`; Microsoft's
/// Kiota-generated SDKs send `delta()` (msgraph-sdk-python, -go, -dotnet: `{+baseurl}/groups/delta()`);
/// the docs also name the fully qualified `microsoft.graph.delta`. Graph serves all of them.
pub(crate) fn is_delta_function(segment: &str) -> bool {
    let name = segment.strip_suffix("()").unwrap_or(segment);
    name == "delta" || name == "microsoft.graph.delta"
}

/// The query of a request as name → value, percent-decoded (Kiota sends `%24select=`), with
/// system query option names (`$…`) lower-cased: Graph's docs write `$deltaToken` and
/// `$skipToken`, its links `$deltatoken` and `$skiptoken`, and it accepts either.
pub(crate) fn query(raw: Option<&str>) -> BTreeMap<String, String> {
    raw.map(|q| {
        form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .map(|(name, value)| match name.strip_prefix('$') {
                Some(option) => (format!("${}", option.to_ascii_lowercase()), value),
                None => (name, value),
            })
            .collect()
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_is_named_four_ways_and_nothing_else_is_delta() {
        for name in [
            "delta",
            "delta()",
            "microsoft.graph.delta",
            "microsoft.graph.delta()",
        ] {
            assert!(is_delta_function(name), "{name}");
        }
        for name in ["Delta", "delta(", "delta()()", "graph.delta", "deltas", ""] {
            assert!(!is_delta_function(name), "{name}");
        }
    }

    #[test]
    fn system_query_options_are_decoded_and_lower_cased() {
        let q = query(Some(
            "%24select=id,displayName&$deltaToken=latest&$SkipToken=abc&%24filter=id%20in%20%28%27a%27%2C%27b%27%29&other=X",
        ));
        let expected: BTreeMap<String, String> = [
            ("$select", "id,displayName"),
            ("$deltatoken", "latest"),
            ("$skiptoken", "abc"),
            ("$filter", "id in ('a','b')"),
            ("other", "X"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(q, expected);
        assert!(query(None).is_empty());
    }
}
