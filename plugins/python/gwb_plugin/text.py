"""Text helpers that make a Python port answer byte for byte as a Rust plugin.

- `quote(text)` is Rust's `format!("{text:?}")`: double quotes, `\\0 \\t \\r \\n \\\\ \\"` escaped,
  and every character Rust does not print as is (control, format, private-use, unassigned,
  separators other than the ASCII space, and grapheme extenders such as combining accents)
  written as `\\u{hex}`. `quote_char(c)` is Rust's `format!("{c:?}")` for one character.
- `rust_regex(pattern)` compiles a regular expression for `search`, refusing what Rust's
  `regex` crate refuses and Python's `re` would accept (lookaround, backreferences).

Dialect differences that remain (keep configs to the common core): `re` and Rust's `regex`
agree on literals, `^`, `|`, groups, classes, repetition, a leading `(?i)` and Unicode-aware
`\\d \\w \\s \\b` for ASCII text; `$` in `re` also matches before a final line break, in Rust
only at the very end (`rust_glob` anchors with `\\Z`, so globs agree); `\\p{..}`
classes and mid-pattern flags exist only in Rust (`re` refuses them when loading); under
`(?i)`, `re` also folds 'İ' and 'ı' with 'i', Rust does not; `\\w` in Rust includes combining
marks, in `re` not. The Unicode version may differ too (this CPython's against the Rust
build's), which matters only for characters assigned in between.
"""

import re
import unicodedata

# Grapheme_Extend characters that are not of category Mn or Me (Unicode 17), which Rust's
# Debug escapes along with all Mn and Me.
_OTHER_GRAPHEME_EXTEND = frozenset(
    [
        0x9BE, 0x9D7, 0xB3E, 0xB57, 0xBBE, 0xBD7, 0xCC0, 0xCC2, 0xCC7, 0xCC8, 0xCCA, 0xCCB,
        0xCD5, 0xCD6, 0xD3E, 0xD57, 0xDCF, 0xDDF, 0x1715, 0x1734, 0x1B35, 0x1B3B, 0x1B3D,
        0x1B43, 0x1B44, 0x1BAA, 0x1BF2, 0x1BF3, 0x200C, 0x302E, 0x302F, 0xA953, 0xA9C0,
        0xFF9E, 0xFF9F, 0x111C0, 0x11235, 0x1133E, 0x1134D, 0x11357, 0x113B8, 0x113C2,
        0x113C5, 0x113C7, 0x113C8, 0x113C9, 0x113CF, 0x114B0, 0x114BD, 0x115AF, 0x116B6,
        0x11930, 0x1193D, 0x11F41, 0x16FF0, 0x16FF1, 0x1D165, 0x1D166,
        *range(0x1D16D, 0x1D173),
        *range(0xE0020, 0xE0080),
    ]
)

_SHORT = {"\0": "\\0", "\t": "\\t", "\r": "\\r", "\n": "\\n", "\\": "\\\\"}


def _escaped(c: str, quote_mark: str) -> str:
    if c in _SHORT:
        return _SHORT[c]
    if c == quote_mark:
        return "\\" + c
    if (
        not c.isprintable()
        or unicodedata.category(c) in ("Mn", "Me")
        or ord(c) in _OTHER_GRAPHEME_EXTEND
    ):
        return f"\\u{{{ord(c):x}}}"
    return c


def quote(text: str) -> str:
    """`text` as Rust's `{:?}` shows a string: `"a \\"b\\"\\n"`."""
    return '"' + "".join(_escaped(c, '"') for c in text) + '"'


def quote_char(c: str) -> str:
    """One character as Rust's `{:?}` shows a `char`: `'x'`, `'\\''`, `'\\u{301}'`."""
    return "'" + _escaped(c, "'") + "'"


# Constructs Python's `re` accepts and Rust's `regex` refuses.
_RUST_REFUSES = re.compile(r"\(\?<?[=!]|\\[1-9]")


def rust_regex(pattern: str, flags: int = 0) -> "re.Pattern[str]":
    """Compiles `pattern` (use `.search`, as Rust's `is_match`); raises ValueError with the
    reason when Rust's `regex` or `re` refuses it."""
    if _RUST_REFUSES.search(pattern):
        raise ValueError(
            "lookaround and backreferences are not supported (Rust's regex, which the Rust "
            "plugins use, refuses them too)"
        )
    try:
        return re.compile(pattern, flags)
    except re.error as e:
        raise ValueError(str(e)) from None


def rust_glob(glob: str) -> "re.Pattern[str]":
    """A glob (`*` any run, `?` any one character, neither matching a line break; everything
    else literal) compiled as the Rust group-filter does, case ignored by Unicode simple case
    folding; use `.search`."""
    parts = ["[^\\n]*" if c == "*" else "[^\\n]" if c == "?" else re.escape(c) for c in glob]
    return re.compile("^" + "".join(parts) + "\\Z", re.IGNORECASE)
