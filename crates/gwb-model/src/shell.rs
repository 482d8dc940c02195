//! Text gwb prints for a person to paste into a shell (an `Update-Recipient` line, the
//! `dsacls` and PowerShell lines of `gwb delegation`, a plugin's build command): every value
//! from the cloud, the directory or the rules file becomes exactly one literal of that shell,
//! under the shell's own documented quoting rules, or is refused with the reason.
//!
//! No literal carries a character [`printable`](crate::printable::printable) would escape
//! (control characters, line breaks, bidirectional controls): a line printed for a shell is one
//! line, shown as it runs.

use std::fmt;

use crate::printable::{needs_escape, printable};

/// The shells gwb prints lines for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    /// Windows PowerShell and PowerShell 7, single-quoted (verbatim) strings.
    PowerShell,
    /// cmd.exe, a double-quoted argument of a program that splits its command line the
    /// Microsoft C runtime's way (`dsacls`).
    Cmd,
    /// A POSIX shell (sh, bash, dash, zsh).
    Posix,
}

impl fmt::Display for Shell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::PowerShell => "PowerShell",
            Self::Cmd => "cmd.exe",
            Self::Posix => "POSIX shell",
        })
    }
}

/// A text that cannot be printed as one literal of a shell, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{}` cannot be printed as one {shell} literal: it carries {} (U+{:04X}), {}",
    printable(text),
    printable(&character.to_string()),
    u32::from(*character),
    reason(*shell, *character)
)]
pub struct Unquotable {
    /// The text.
    pub text: String,
    /// The shell.
    pub shell: Shell,
    /// The first character at fault.
    pub character: char,
}

/// Why `c` is refused in a literal of `shell`.
fn reason(shell: Shell, c: char) -> &'static str {
    match (shell, c) {
        (_, c) if needs_escape(c) => {
            "a control or bidirectional character, which would break or reorder the printed line"
        }
        (Shell::Cmd, '"') => "which cmd.exe cannot escape inside a double-quoted argument",
        (Shell::Cmd, '%') => "which cmd.exe expands as a variable even inside double quotes",
        (Shell::Cmd, '!') => {
            "which cmd.exe expands as a variable inside double quotes when delayed expansion is on"
        }
        (Shell::Cmd, '\\') => {
            "at the end, where the program would read it with the closing quote as an escaped quote"
        }
        (Shell::Cmd, _) => {
            "a cmd.exe operator or escape, refused so the line never depends on its quotes"
        }
        _ => "which has no literal form",
    }
}

/// The characters PowerShell reads as a single quote: the apostrophe and the four typographic
/// single quotation marks (PowerShell language specification, §2.3.5.2,
/// *single-quote-character*).
pub const POWERSHELL_SINGLE_QUOTES: [char; 5] =
    ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

/// `text` as one PowerShell single-quoted (verbatim) string: `'…'`, in which nothing is
/// expanded and each single-quote character is written twice (any of the five
/// [`POWERSHELL_SINGLE_QUOTES`] ends the string unless another follows it).
pub fn powershell(text: &str) -> Result<String, Unquotable> {
    refuse(text, Shell::PowerShell, needs_escape)?;
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if POWERSHELL_SINGLE_QUOTES.contains(&c) {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    Ok(out)
}

/// The characters refused in a cmd.exe argument: `"` cannot be escaped inside quotes, `%` and
/// (with delayed expansion) `!` are expanded inside them, and `^ & | < >` are refused too,
/// although quotes make them literal, so no line depends on its quotes being paired.
const CMD_REFUSED: &[char] = &['"', '%', '!', '^', '&', '|', '<', '>'];

/// `text` as one double-quoted argument on a cmd.exe command line: `"…"`, for a program that
/// splits its command line by the Microsoft C runtime's rules. Refused: what
/// [`CMD_REFUSED`] lists, control and bidirectional characters, and a trailing `\` (which
/// the program would read, with the closing quote, as an escaped quote).
pub fn cmd(text: &str) -> Result<String, Unquotable> {
    refuse(text, Shell::Cmd, |c| {
        needs_escape(c) || CMD_REFUSED.contains(&c)
    })?;
    if text.ends_with('\\') {
        return Err(Unquotable {
            text: text.to_owned(),
            shell: Shell::Cmd,
            character: '\\',
        });
    }
    Ok(format!("\"{text}\""))
}

/// `text` as one word of a POSIX shell: as is when it holds only letters, digits and
/// `/ . _ - + : @ ,`, else in single quotes, inside which nothing is special, with each `'`
/// written as `'\''` (close, an escaped quote, open again).
pub fn posix(text: &str) -> Result<String, Unquotable> {
    refuse(text, Shell::Posix, needs_escape)?;
    let bare = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@,".contains(c));
    Ok(if bare {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    })
}

/// The first character of `text` that `refused` names, as an error.
fn refuse(text: &str, shell: Shell, refused: impl Fn(char) -> bool) -> Result<(), Unquotable> {
    match text.chars().find(|&c| refused(c)) {
        Some(character) => Err(Unquotable {
            text: text.to_owned(),
            shell,
            character,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powershell_doubles_every_single_quote_character() {
        assert_eq!(powershell("O'Brien").unwrap(), "'O''Brien'");
        assert_eq!(
            powershell("Sales\u{2019} $(New-Item pwned) \u{2018}x").unwrap(),
            "'Sales\u{2019}\u{2019} $(New-Item pwned) \u{2018}\u{2018}x'"
        );
        assert_eq!(
            powershell("\u{201A}\u{201B}").unwrap(),
            "'\u{201A}\u{201A}\u{201B}\u{201B}'"
        );
        assert_eq!(powershell("").unwrap(), "''");
    }

    /// One of the quoting functions.
    type Quoter = fn(&str) -> Result<String, Unquotable>;

    #[test]
    fn control_and_bidi_characters_are_refused_in_every_shell() {
        let quoters: [Quoter; 3] = [powershell, cmd, posix];
        for quote in quoters {
            for text in ["a\nb", "a\rb", "a\u{0}b", "a\u{1b}[2Jb", "abc\u{202e}fed"] {
                assert!(quote(text).is_err(), "{text:?}");
            }
        }
        let error = powershell("CN=x\u{202e},DC=y").expect_err("bidi");
        assert_eq!(
            error.to_string(),
            r"`CN=x\u{202e},DC=y` cannot be printed as one PowerShell literal: it carries \u{202e} (U+202E), a control or bidirectional character, which would break or reorder the printed line"
        );
    }

    #[test]
    fn cmd_refuses_what_it_expands_or_cannot_escape() {
        assert_eq!(cmd("OU=O'Brien,DC=x").unwrap(), "\"OU=O'Brien,DC=x\"");
        assert_eq!(
            cmd(r"EXAMPLE\svc:CC;group").unwrap(),
            r#""EXAMPLE\svc:CC;group""#
        );
        for c in ['"', '%', '!', '^', '&', '|', '<', '>'] {
            let error = cmd(&format!("OU=a{c}b")).expect_err("refused");
            assert_eq!(error.character, c);
        }
        assert_eq!(
            cmd("OU=100%").expect_err("percent").to_string(),
            "`OU=100%` cannot be printed as one cmd.exe literal: it carries % (U+0025), which \
             cmd.exe expands as a variable even inside double quotes"
        );
        assert_eq!(cmd(r"OU=a\").expect_err("trailing").character, '\\');
    }

    #[test]
    fn posix_words_are_bare_only_when_nothing_in_them_is_special() {
        assert_eq!(posix("/a/b.py").unwrap(), "/a/b.py");
        assert_eq!(posix("/my dir/it's").unwrap(), r"'/my dir/it'\''s'");
        assert_eq!(posix("").unwrap(), "''");
        assert_eq!(posix("=x").unwrap(), "'=x'");
    }
}
