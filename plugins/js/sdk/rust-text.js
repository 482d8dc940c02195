// Answering as the Rust plugins do: Rust's `{:?}` quoting, and regular expressions and globs
// compiled as close to Rust's `regex` crate as a RegExp gets. No host imports: plugins/js/unit
// tests them in Node against the shared vectors in plugins/sdk-vectors (which Rust itself
// checks). gwb-plugin.js re-exports them.

import { RUST_ESCAPED_RANGES } from "./rust-escaped.js";

// Characters Rust's `{:?}` writes as `\u{hex}`: not printable (control, format, surrogate,
// private-use, unassigned, separators but the ASCII space) or grapheme extenders. From a table:
// the engine has no Unicode property classes (`\p{..}` does not compile in a component).
const RUST_ESCAPED = (() => {
  const numbers = RUST_ESCAPED_RANGES.split(",").map((n) => parseInt(n, 36));
  const starts = [];
  const ends = [];
  let last = -1;
  for (let i = 0; i < numbers.length; i += 2) {
    const start = last + 1 + numbers[i];
    last = start + numbers[i + 1];
    starts.push(start);
    ends.push(last);
  }
  return { starts, ends };
})();

function rustEscapes(codePoint) {
  const { starts, ends } = RUST_ESCAPED;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (codePoint < starts[mid]) hi = mid - 1;
    else if (codePoint > ends[mid]) lo = mid + 1;
    else return true;
  }
  return false;
}

const SHORT_ESCAPES = { "\0": "\\0", "\t": "\\t", "\r": "\\r", "\n": "\\n", "\\": "\\\\" };

function rustEscaped(c, quoteMark) {
  if (Object.hasOwn(SHORT_ESCAPES, c)) return SHORT_ESCAPES[c];
  if (c === quoteMark) return `\\${c}`;
  if (rustEscapes(c.codePointAt(0))) return `\\u{${c.codePointAt(0).toString(16)}}`;
  return c;
}

/**
 * `text` as Rust's `{:?}` shows a string (`"a \"b\"\n"`, `"e\u{301}"`), so a port's messages
 * are byte for byte the Rust plugin's. JSON.stringify differs for control characters, DEL,
 * combining marks and non-ASCII spaces. The Unicode version (this engine's against the Rust
 * build's) matters only for characters assigned in between.
 * @param {string} text
 */
export function quote(text) {
  let out = '"';
  for (const c of text) out += rustEscaped(c, '"');
  return `${out}"`;
}

/** One character as Rust's `{:?}` shows a `char`: `'x'`, `'\''`. @param {string} c */
export function quoteChar(c) {
  return `'${rustEscaped(c, "'")}'`;
}

/**
 * Compiles a regular expression as close to Rust's `regex` crate as a RegExp gets, for `test`
 * (Rust's `is_match`: a match anywhere): the `u` flag, and a leading `(?i)` read as the `i`
 * flag. Throws the engine's SyntaxError when it does not compile; lookaround and
 * backreferences, which Rust refuses, are refused too.
 *
 * What still differs (keep patterns to the common core: literals, anchors, explicit ranges
 * like `[A-Z0-9]`, groups, `|`, quantifiers): `\d`, `\w` and `\b` are ASCII-only here,
 * Unicode-aware in Rust; `\s` also matches U+FEFF here; `\p{..}` classes do not compile in a
 * component (the engine has no Unicode property tables); mid-pattern flags exist only in Rust;
 * under `i`, Rust folds a few more characters (the Kelvin sign K with k).
 * @param {string} source
 */
export function rustRegex(source) {
  if (/\(\?<?[=!]|\\[1-9]/.test(source)) {
    throw new SyntaxError(
      "lookaround and backreferences are not supported (Rust's regex, which the Rust plugins use, refuses them too)",
    );
  }
  const caseless = source.startsWith("(?i)");
  return new RegExp(caseless ? source.slice(4) : source, caseless ? "iu" : "u");
}

/**
 * A glob (`*` any run, `?` any one character, neither matching a line break; everything else
 * literal) as the Rust group-filter compiles it: anchored, case ignored (RegExp's `iu`; Rust folds
 * a few more characters, e.g. the Kelvin sign K with k, which this engine does not). `.` is not used: in JS it also
 * stops at `\r`, U+2028 and U+2029, in Rust only at `\n`.
 * @param {string} glob
 */
export function rustGlob(glob) {
  let source = "^";
  for (const c of glob) {
    if (c === "*") source += "[^\\n]*";
    else if (c === "?") source += "[^\\n]";
    else source += /[\\^$.|?*+()[\]{}\/]/.test(c) ? `\\${c}` : c;
  }
  return new RegExp(`${source}$`, "iu");
}
