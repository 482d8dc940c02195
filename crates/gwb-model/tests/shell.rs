//! Every shell literal gwb prints reads back, under that shell's documented rules (the lexers
//! of `test_support::shell_lex`), as exactly one literal with the original text, or the text is
//! refused: on hostile names, and for arbitrary strings (proptest).

use gwb_model::shell::{self, Shell};
use proptest::prelude::*;
use test_support::shell_lex::{HOSTILE_NAMES, PsWord, cmd_words, posix_words, powershell_words};

/// True for what no printed literal may carry: controls, line breaks, bidi controls.
fn unprintable(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
}

/// The PowerShell literal of `text`, read back from a whole command line.
fn powershell_round_trip(text: &str) -> Option<Vec<PsWord>> {
    let literal = shell::powershell(text).ok()?;
    Some(powershell_words(&format!("Update-Recipient -Identity {literal}")).expect("lexes"))
}

fn cmd_round_trip(text: &str) -> Option<Vec<String>> {
    let literal = shell::cmd(text).ok()?;
    Some(cmd_words(&format!("dsacls {literal} /I:T")).expect("lexes"))
}

fn posix_round_trip(text: &str) -> Option<Vec<String>> {
    let literal = shell::posix(text).ok()?;
    Some(posix_words(&format!("python3 {literal} --out x.wasm .")).expect("lexes"))
}

fn ps_expected(text: &str) -> Vec<PsWord> {
    vec![
        PsWord::Bare("Update-Recipient".into()),
        PsWord::Bare("-Identity".into()),
        PsWord::Quoted(text.into()),
    ]
}

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|w| (*w).to_owned()).collect()
}

#[test]
fn hostile_names_are_one_literal_or_refused() {
    for &name in HOSTILE_NAMES {
        match powershell_round_trip(name) {
            Some(read) => assert_eq!(read, ps_expected(name), "{name:?}"),
            None => assert!(unprintable(name), "PowerShell refused {name:?}"),
        }
        match cmd_round_trip(name) {
            Some(read) => assert_eq!(read, words(&["dsacls", name, "/I:T"]), "{name:?}"),
            None => {
                let error = shell::cmd(name).expect_err("refused");
                assert_eq!(error.shell, Shell::Cmd);
                assert!(
                    unprintable(name)
                        || "\"%!^&|<>".contains(error.character)
                        || name.ends_with('\\'),
                    "cmd refused {name:?}: {error}"
                );
            }
        }
        match posix_round_trip(name) {
            Some(read) => assert_eq!(read, words(&["python3", name, "--out", "x.wasm", "."])),
            None => assert!(unprintable(name), "POSIX refused {name:?}"),
        }
    }
    // The attack of the issue: the typographic quotes no longer end the string.
    let attack = "Sales\u{2019} $(New-Item pwned) \u{2018}x";
    assert_eq!(powershell_round_trip(attack), Some(ps_expected(attack)));
    // What is refused, is refused for the right reason in each shell.
    for name in ["%PATH%", "bang!USERNAME!", "^&|<>\""] {
        assert!(shell::cmd(name).is_err(), "{name}");
        assert!(shell::powershell(name).is_ok(), "{name}");
    }
}

/// Arbitrary text, biased toward the characters the shells treat specially.
fn text() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        '\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}', '"', '\u{201C}', '`', '$', '(', ')',
        ';', '&', '|', '<', '>', '^', '%', '!', '\\', ' ', '\t', '\n', '\r', '\u{0}', '\u{1b}',
        '\u{202e}', '#', '~', '*', '?', '[', 'é', '日',
    ]);
    let any = any::<char>();
    prop::collection::vec(prop_oneof![3 => special, 2 => any], 0..24)
        .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn powershell_literals_read_back_as_the_text(text in text()) {
        match powershell_round_trip(&text) {
            Some(read) => prop_assert_eq!(read, ps_expected(&text)),
            None => prop_assert!(unprintable(&text)),
        }
    }

    #[test]
    fn cmd_literals_read_back_as_the_text(text in text()) {
        match cmd_round_trip(&text) {
            Some(read) => prop_assert_eq!(read, words(&["dsacls", text.as_str(), "/I:T"])),
            None => prop_assert!(
                unprintable(&text)
                    || text.contains(['"', '%', '!', '^', '&', '|', '<', '>'])
                    || text.ends_with('\\')
            ),
        }
    }

    #[test]
    fn posix_words_read_back_as_the_text(text in text()) {
        match posix_round_trip(&text) {
            Some(read) => prop_assert_eq!(read, words(&["python3", text.as_str(), "--out", "x.wasm", "."])),
            None => prop_assert!(unprintable(&text)),
        }
    }
}
