//! The shared SDK test vectors (plugins/sdk-vectors) are Rust's own answers: the Python and JS
//! SDKs imitate Rust's `{:?}` quoting and its `regex` crate and are tested against these files
//! (plugins/python/unit, plugins/js/unit), so here Rust proves every expected value. Runs on the
//! host target: `cargo test --manifest-path plugins/Cargo.toml --target <host> -p gwb-plugin-sdk`.

use regex::Regex;
use serde::Deserialize;

/// plugins/sdk-vectors/text.json.
#[derive(Deserialize)]
struct TextVectors {
    strings: Vec<QuotedString>,
    chars: Vec<QuotedChar>,
}

#[derive(Deserialize)]
struct QuotedString {
    why: String,
    text: String,
    debug: String,
}

#[derive(Deserialize)]
struct QuotedChar {
    why: String,
    char: char,
    debug: String,
}

/// plugins/sdk-vectors/regex.json.
#[derive(Deserialize)]
struct RegexVectors {
    patterns: Vec<Pattern>,
}

#[derive(Deserialize)]
struct Pattern {
    why: String,
    pattern: String,
    #[serde(default)]
    refused: bool,
    #[serde(default)]
    matches: Vec<String>,
    #[serde(default)]
    rejects: Vec<String>,
}

fn vectors<T: for<'de> Deserialize<'de>>(json: &str) -> T {
    serde_json::from_str(json).expect("the vectors file is valid")
}

#[test]
fn text_vectors_are_rusts_debug_quoting() {
    let text: TextVectors = vectors(include_str!("../../sdk-vectors/text.json"));
    assert!(text.strings.len() > 20 && text.chars.len() > 5);
    for s in &text.strings {
        assert_eq!(format!("{:?}", s.text), s.debug, "{}", s.why);
    }
    for c in &text.chars {
        assert_eq!(format!("{:?}", c.char), c.debug, "{}", c.why);
    }
}

#[test]
fn regex_vectors_are_the_regex_crates_answers() {
    let regex: RegexVectors = vectors(include_str!("../../sdk-vectors/regex.json"));
    assert!(regex.patterns.iter().any(|p| p.refused));
    for p in &regex.patterns {
        match Regex::new(&p.pattern) {
            Err(e) => assert!(
                p.refused,
                "{}: {:?} is refused by Rust: {e}",
                p.why, p.pattern
            ),
            Ok(re) => {
                assert!(!p.refused, "{}: {:?} compiles in Rust", p.why, p.pattern);
                let missed: Vec<_> = p.matches.iter().filter(|t| !re.is_match(t)).collect();
                let wrong: Vec<_> = p.rejects.iter().filter(|t| re.is_match(t)).collect();
                assert!(
                    missed.is_empty(),
                    "{}: {:?} misses {missed:?}",
                    p.why,
                    p.pattern
                );
                assert!(
                    wrong.is_empty(),
                    "{}: {:?} matches {wrong:?}",
                    p.why,
                    p.pattern
                );
            }
        }
    }
}
