//! Which secret-bearing key a line of a rules file belongs to, found without a TOML parser (the
//! file may not parse): so that an error at such a line names the key and shows nothing of the
//! line, which may hold the secret.
//!
//! A light scan: table headers, `key =` at the start of a statement, and the strings, arrays
//! and inline tables that carry a value over several lines.

use super::secrets::{SECRET_KEYS, SecretKey};

/// The secret-bearing key whose header, key or value is on 1-based `line` of `text`, if any,
/// and the line where its statement (`key = …` or `[table]`) starts.
pub(super) fn secret_key_on_line(text: &str, line: usize) -> Option<(SecretKey, usize)> {
    let mut scan = Scan::default();
    let mut owner = None;
    for (index, content) in text.split('\n').enumerate() {
        owner = scan.line(content, index + 1);
        if index + 1 == line {
            break;
        }
    }
    let (owner, start) = owner?;
    SECRET_KEYS
        .into_iter()
        .find(|secret| {
            let path = format!("{}.{}", secret.table, secret.key);
            owner == path
                || owner
                    .strip_prefix(&path)
                    .is_some_and(|rest| rest.starts_with('.'))
        })
        .map(|secret| (secret, start))
}

/// Where the scan is between lines.
#[derive(Default)]
struct Scan {
    /// The dotted name of the current `[table]`.
    table: String,
    /// The dotted key of the statement in progress, and the line it starts on.
    statement: Option<(String, usize)>,
    /// The closing delimiter of a multi-line string left open.
    open_string: Option<&'static str>,
    /// Arrays and inline tables left open.
    depth: usize,
}

impl Scan {
    /// Reads line `number`; returns the dotted key (or table) it belongs to and the line where
    /// that statement starts.
    fn line(&mut self, content: &str, number: usize) -> Option<(String, usize)> {
        if self.open_string.is_some() || self.depth > 0 {
            self.value(content);
            return self.statement.clone();
        }
        let trimmed = content.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            self.statement = None;
            return None;
        }
        if let Some(header) = trimmed.strip_prefix('[') {
            let header = header.trim_start_matches('[');
            let name = header.split(']').next().unwrap_or(header);
            self.table = dotted(name);
            self.statement = Some((self.table.clone(), number));
            return self.statement.clone();
        }
        let (key, value) = trimmed.split_once('=').unwrap_or((trimmed, ""));
        let key = dotted(key);
        let key = if self.table.is_empty() {
            key
        } else {
            format!("{}.{key}", self.table)
        };
        self.statement = Some((key, number));
        self.value(value);
        self.statement.clone()
    }

    /// Follows strings, arrays and inline tables through a piece of a value.
    fn value(&mut self, text: &str) {
        let mut rest = text;
        loop {
            if let Some(close) = self.open_string {
                match rest.find(close) {
                    Some(end) => {
                        rest = &rest[end + close.len()..];
                        self.open_string = None;
                    }
                    None => return,
                }
            }
            let Some(at) = rest.find(['"', '\'', '[', '{', ']', '}', '#']) else {
                return;
            };
            let (mark, after) = (rest.as_bytes()[at], &rest[at + 1..]);
            rest = match mark {
                b'#' => return,
                b'[' | b'{' => {
                    self.depth += 1;
                    after
                }
                b']' | b'}' => {
                    self.depth = self.depth.saturating_sub(1);
                    after
                }
                quote => {
                    let triple = if quote == b'"' { "\"\"\"" } else { "'''" };
                    if rest[at..].starts_with(triple) {
                        self.open_string = Some(triple);
                        &rest[at + 3..]
                    } else {
                        // A one-line string ends on this line, closed or not.
                        single_string_end(after, quote)
                    }
                }
            };
        }
    }
}

/// What follows a one-line string whose opening quote `quote` came just before `text`.
fn single_string_end(text: &str, quote: u8) -> &str {
    let mut escaped = false;
    for (i, byte) in text.bytes().enumerate() {
        match byte {
            _ if escaped => escaped = false,
            b'\\' if quote == b'"' => escaped = true,
            b if b == quote => return &text[i + 1..],
            _ => {}
        }
    }
    ""
}

/// `"ad" . password` → `ad.password`.
fn dotted(key: &str) -> String {
    key.split('.')
        .map(|part| part.trim().trim_matches(['"', '\'']))
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_on(text: &str, line: usize) -> Option<String> {
        secret_key_on_line(text, line).map(|(key, _)| key.name())
    }

    #[test]
    fn secret_keys_are_found_in_every_spelling_and_over_several_lines() {
        let text = "[defaults]\nou = \"x\"\n[ad]\nurl = \"u\"\npassword = \"oops\n\
                    [graph]\nclient_secret = [\n  \"a # b\",\n  1,\n]\ntenant_id = \"t\"\n\
                    [graph.certificate]\nkey_file = \"k\"\n[sync]\n\"ad\".password = '''\nx = 1\n'''\n";
        let want = [
            None,
            None,
            None,
            None,
            Some("[ad] password"),
            None,
            Some("[graph] client_secret"),
            Some("[graph] client_secret"),
            Some("[graph] client_secret"),
            Some("[graph] client_secret"),
            None,
            Some("[graph] certificate"),
            Some("[graph] certificate"),
            None,
            None,
            None,
            None,
        ];
        for (i, want) in want.iter().enumerate() {
            assert_eq!(key_on(text, i + 1).as_deref(), *want, "line {}", i + 1);
        }
        // At the top level, a dotted key reaches into [ad] too.
        let text = "ad.password = 5\nad . \"password\" . env = \"X\"\nad.url = 1\n";
        assert_eq!(key_on(text, 1).as_deref(), Some("[ad] password"));
        assert_eq!(key_on(text, 2).as_deref(), Some("[ad] password"));
        assert_eq!(key_on(text, 3), None);
        // A value over several lines is the statement's, which starts on its first.
        let text = "[graph]\nclient_secret = \"\"\"\nx\ny = 1\n";
        assert_eq!(
            secret_key_on_line(text, 4).map(|(key, start)| (key.name(), start)),
            Some(("[graph] client_secret".to_owned(), 2))
        );
    }
}
