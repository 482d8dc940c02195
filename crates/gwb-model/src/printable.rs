//! Text from the cloud or from a plugin (a displayName, a skip reason, a log line) made safe to
//! show a person: it cannot move the cursor, recolour or clear the terminal, ring the bell,
//! reorder what follows (bidirectional overrides), or start a line of its own that reads like
//! gwb's.

use std::borrow::Cow;
use std::fmt::Write;

/// True for what must not reach a terminal as is: every control character (C0, DEL, C1, line
/// breaks and tabs included) and the bidirectional embedding, override and isolate marks.
pub(crate) fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every character [`needs_escape`] names written as a Rust-style escape
/// (`\u{1b}`, `\n`, `\t`): one line, shown exactly as it is stored.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Like [`printable`], but a message that spans lines (a fault with its backtrace) keeps its
/// line breaks, each following line indented by `indent`, so no line of it starts where the
/// output's own lines do.
pub fn printable_lines(text: &str, indent: &str) -> String {
    text.split('\n')
        .map(|line| printable(line.strip_suffix('\r').unwrap_or(line)).into_owned())
        .collect::<Vec<_>>()
        .join(&format!("\n{indent}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_sequences_become_visible_escapes() {
        assert_eq!(printable("Sales"), "Sales");
        assert!(matches!(printable("Sales"), Cow::Borrowed(_)));
        assert_eq!(
            printable("\u{1b}[2J\u{1b}[31mred\u{7}\r\nFAKE\u{9b}0m\tx"),
            r"\u{1b}[2J\u{1b}[31mred\u{7}\r\nFAKE\u{9b}0m\tx"
        );
        assert_eq!(printable("abc\u{202e}fed"), r"abc\u{202e}fed");
        assert_eq!(printable("Équipe 日本"), "Équipe 日本");
    }

    #[test]
    fn multi_line_messages_keep_their_lines_indented() {
        assert_eq!(
            printable_lines("panicked\r\nframe 1\u{1b}[1A\nframe 2", "    "),
            "panicked\n    frame 1\\u{1b}[1A\n    frame 2"
        );
    }
}
