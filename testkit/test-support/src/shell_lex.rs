//! Small lexers that read a printed command line the way each shell's documented rules read
//! it, for tests that require every value gwb prints for a shell to come back as exactly one
//! literal with the intended text. They are strict: whatever they do not model (an expansion,
//! an operator, a line break) is an error, never a guess.
//!
//! - PowerShell: the language specification's lexical grammar (§2.2–2.3): whitespace
//!   separates; a *verbatim-string-literal* opens and closes with any
//!   *single-quote-character* (`'`, U+2018, U+2019, U+201A, U+201B), two of them in a row
//!   stand for the second; nothing is expanded inside; outside strings the backtick escapes
//!   the next character and `#` at the start of a token comments out the rest of the line.
//! - cmd.exe: phase 1 expands `%…%` anywhere, also inside quotes (refused here: any `%`), and
//!   delayed expansion `!…!` (refused: any `!`); phase 2 toggles quoting at each `"`, outside
//!   quotes `^` escapes the next character and `& | < > ( )` are operators (refused); the
//!   program then splits the line by the Microsoft C runtime's rules (`CommandLineToArgvW`):
//!   spaces and tabs outside quotes separate, `"` toggles quoting (`""` inside quotes is a
//!   literal `"`), 2n backslashes before a `"` are n backslashes, 2n+1 are n and a literal `"`.
//! - POSIX sh (XCU §2.2–2.3): blanks separate; single quotes keep everything up to the next
//!   `'`; outside quotes `\` escapes the next character; adjacent parts join into one word;
//!   `$`, backquote, double quotes, operators, globs, a leading `#` or `~` and line breaks
//!   are refused.

/// A part of a PowerShell line as its tokenizer reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PsWord {
    /// Text outside strings (a command, a parameter, punctuation), up to whitespace or a quote.
    Bare(String),
    /// The value of one single-quoted (verbatim) string.
    Quoted(String),
    /// A comment: `#` at the start of a token, to the end of the line.
    Comment(String),
}

const PS_SINGLE_QUOTES: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];
const PS_DOUBLE_QUOTES: [char; 4] = ['"', '\u{201C}', '\u{201D}', '\u{201E}'];

/// The parts of one PowerShell line; an error for a line break, an expandable (double-quoted)
/// string or an unterminated string.
pub fn powershell_words(line: &str) -> Result<Vec<PsWord>, String> {
    let chars: Vec<char> = line.chars().collect();
    let mut words = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' || c == '\r' {
            return Err(format!("a line break at {i} ends the statement"));
        }
        if c.is_whitespace() {
            i += 1;
        } else if PS_SINGLE_QUOTES.contains(&c) {
            let mut value = String::new();
            i += 1;
            loop {
                let Some(&c) = chars.get(i) else {
                    return Err("an unterminated single-quoted string".into());
                };
                if PS_SINGLE_QUOTES.contains(&c) {
                    match chars.get(i + 1) {
                        Some(&next) if PS_SINGLE_QUOTES.contains(&next) => {
                            value.push(next);
                            i += 2;
                            continue;
                        }
                        _ => {
                            i += 1;
                            break;
                        }
                    }
                }
                value.push(c);
                i += 1;
            }
            words.push(PsWord::Quoted(value));
        } else if c == '#' {
            words.push(PsWord::Comment(chars[i + 1..].iter().collect()));
            break;
        } else {
            let mut bare = String::new();
            while let Some(&c) = chars.get(i) {
                if c.is_whitespace() || PS_SINGLE_QUOTES.contains(&c) {
                    break;
                }
                if PS_DOUBLE_QUOTES.contains(&c) {
                    return Err(format!("an expandable (double-quoted) string at {i}"));
                }
                if c == '`' {
                    let Some(&next) = chars.get(i + 1) else {
                        return Err("a backtick at the end continues the line".into());
                    };
                    bare.push(next);
                    i += 2;
                    continue;
                }
                bare.push(c);
                i += 1;
            }
            words.push(PsWord::Bare(bare));
        }
    }
    Ok(words)
}

/// The arguments (program name first) cmd.exe's command line gives the program; an error for
/// anything cmd.exe would expand or treat as an operator or line break.
pub fn cmd_words(line: &str) -> Result<Vec<String>, String> {
    if let Some(c) = line.chars().find(|c| matches!(c, '%' | '!')) {
        return Err(format!("{c} is expanded by cmd.exe"));
    }
    // Phase 2: quoting, carets and operators; the quotes stay in the program's command line.
    let mut command = String::new();
    let mut quoted = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c.is_control() {
            return Err(format!("control character {c:?} on a cmd.exe line"));
        }
        match c {
            '"' => {
                quoted = !quoted;
                command.push(c);
            }
            '^' if !quoted => match chars.next() {
                Some(next) => command.push(next),
                None => return Err("a caret at the end continues the line".into()),
            },
            '&' | '|' | '<' | '>' | '(' | ')' if !quoted => {
                return Err(format!("{c} is a cmd.exe operator outside quotes"));
            }
            c => command.push(c),
        }
    }
    Ok(argv(&command))
}

/// Splits a program's command line by the Microsoft C runtime's rules.
fn argv(command: &str) -> Vec<String> {
    let chars: Vec<char> = command.chars().collect();
    let mut args = Vec::new();
    let mut i = 0;
    loop {
        while matches!(chars.get(i), Some(' ' | '\t')) {
            i += 1;
        }
        if i >= chars.len() {
            return args;
        }
        let mut arg = String::new();
        let mut quoted = false;
        while let Some(&c) = chars.get(i) {
            match c {
                ' ' | '\t' if !quoted => break,
                '\\' => {
                    let run = chars[i..].iter().take_while(|&&c| c == '\\').count();
                    i += run;
                    if chars.get(i) == Some(&'"') {
                        arg.extend(std::iter::repeat_n('\\', run / 2));
                        if run % 2 == 1 {
                            arg.push('"');
                            i += 1;
                        }
                    } else {
                        arg.extend(std::iter::repeat_n('\\', run));
                    }
                }
                '"' if quoted && chars.get(i + 1) == Some(&'"') => {
                    arg.push('"');
                    i += 2;
                }
                '"' => {
                    quoted = !quoted;
                    i += 1;
                }
                c => {
                    arg.push(c);
                    i += 1;
                }
            }
        }
        args.push(arg);
    }
}

/// The words of one POSIX shell command line; an error for any expansion, operator, glob,
/// comment, tilde or line break.
pub fn posix_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => words.extend(word.take()),
            '\'' => {
                let text = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => text.push(c),
                        None => return Err("an unterminated single-quoted string".into()),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') | None => return Err("a backslash continues the line".into()),
                Some(next) => word.get_or_insert_with(String::new).push(next),
            },
            '#' | '~' if word.is_none() => return Err(format!("{c} at the start of a word")),
            '$' | '`' | '"' | ';' | '&' | '|' | '<' | '>' | '(' | ')' | '*' | '?' | '[' | '\n'
            | '\r' => return Err(format!("{c:?} is special to the shell")),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

/// Texts no shell literal may change: the five PowerShell single quotes, expansions, escapes,
/// operators, line breaks, control and bidirectional characters, cmd.exe's variables and
/// operators. Each quoting function must print it as one literal or refuse it.
pub const HOSTILE_NAMES: &[&str] = &[
    "Sales\u{2019} $(New-Item pwned) \u{2018}x",
    "O'Brien'; Remove-Item -Recurse C:\\ #",
    "a\u{201A}b\u{201B}c''d\u{2019}\u{2019}",
    "tick`$(whoami)`n",
    "semi; rm -rf / ; echo",
    "line\nbreak",
    "carriage\rreturn",
    "nul\u{0}bell\u{7}esc\u{1b}[2J",
    "bidi\u{202e}txt.exe",
    "%PATH%",
    "bang!USERNAME!",
    "^&|<>\"",
    "back\\slash\\",
    "$env:USERNAME \"double\" \u{201C}curly\u{201D}",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powershell_reads_every_single_quote_character_as_a_quote() {
        assert_eq!(
            powershell_words("Update-Recipient -Identity 'Sales\u{2019} $(x) \u{2018}y'"),
            Ok(vec![
                PsWord::Bare("Update-Recipient".into()),
                PsWord::Bare("-Identity".into()),
                PsWord::Quoted("Sales".into()),
                PsWord::Bare("$(x)".into()),
                PsWord::Quoted("y".into()),
            ])
        );
        assert_eq!(
            powershell_words("'a''b\u{2019}\u{2019}c' # note"),
            Ok(vec![
                PsWord::Quoted("a'b\u{2019}c".into()),
                PsWord::Comment(" note".into())
            ])
        );
        assert!(powershell_words("'open").is_err());
        assert!(powershell_words("a \"$x\"").is_err());
        assert!(powershell_words("a\nb").is_err());
    }

    #[test]
    fn cmd_expands_percent_inside_quotes_and_splits_like_the_c_runtime() {
        assert_eq!(
            cmd_words(r#"dsacls "OU=a b,DC=x" /G "D\u:CC;group""#),
            Ok(vec![
                "dsacls".to_owned(),
                "OU=a b,DC=x".into(),
                "/G".into(),
                r"D\u:CC;group".into()
            ])
        );
        assert!(cmd_words(r#"dsacls "OU=%PATH%""#).is_err());
        assert!(cmd_words(r#"dsacls "a" & calc"#).is_err());
        assert_eq!(
            cmd_words(r#"x "a&b" c^&d"#),
            Ok(vec!["x".into(), "a&b".into(), "c&d".into()])
        );
        assert_eq!(
            cmd_words(r#"x "a\" b""#),
            Ok(vec!["x".into(), "a\" b".into()])
        );
        assert_eq!(
            cmd_words(r#"x "a\\" b"#),
            Ok(vec!["x".into(), "a\\".into(), "b".into()])
        );
    }

    #[test]
    fn posix_joins_adjacent_parts_and_refuses_expansions() {
        assert_eq!(
            posix_words(r"python3 '/my dir/it'\''s' --out x"),
            Ok(vec![
                "python3".into(),
                "/my dir/it's".into(),
                "--out".into(),
                "x".into()
            ])
        );
        assert!(posix_words("a $(b)").is_err());
        assert!(posix_words("a 'b").is_err());
        assert!(posix_words("a;b").is_err());
    }
}
