"""group-filter in Python: a filter-stage plugin that skips groups by displayName pattern, group
kind and member count, with a reason reports show. Same config, answers and error texts as the
Rust `plugins/examples/group-filter`. It reads `member_count()` only when a bound is set.

Patterns: a glob (`*`, `?`, case ignored) becomes the same anchored regex as in Rust
(`gwb_plugin.text.rust_glob`); a `re:` pattern is Python's `re` through
`gwb_plugin.text.rust_regex`, whose docstring lists the dialect differences from Rust's `regex`
(keep `re:` patterns to the common core, as rules/contoso.toml's are). Case folding: Rust and
this port both fold Unicode case, except that `re` also folds 'İ' and 'ı' with 'i'.
"""

from typing import List, Optional, Tuple

from gwb_plugin import GroupKind, RuleError, RulePlugin, Stages, config, export, kind, skip, write
from gwb_plugin.config import Field
from gwb_plugin.text import quote, rust_glob, rust_regex

# The kinds as the configuration names them, in the Rust enum's order.
_KINDS = {
    GroupKind.MICROSOFT365: "m365",
    GroupKind.SECURITY: "security",
    GroupKind.MAIL_ENABLED_SECURITY: "mail-enabled-security",
    GroupKind.DISTRIBUTION: "distribution",
}
_U32_MAX = 0xFFFFFFFF

Pattern = Tuple[str, object]


def _strings(key: str, values: list) -> List[str]:
    for v in values:
        if not isinstance(v, str):
            raise RuleError(f"invalid config: {key} must be a list of strings, not {v!r}")
    return values


def _patterns(key: str, texts: List[str]) -> List[Pattern]:
    out = []
    for text in _strings(key, texts):
        if text.startswith("re:"):
            try:
                regex = rust_regex(text[3:])
            except ValueError as e:
                raise RuleError(
                    f"invalid config: {key} pattern {quote(text)} is invalid: {e}"
                ) from None
        else:
            regex = rust_glob(text)
        out.append((text, regex))
    return out


def _count(key: str, value: Optional[int]) -> Optional[int]:
    if value is not None and not 0 <= value <= _U32_MAX:
        raise RuleError(
            f"invalid config: {key} must be an integer from 0 to {_U32_MAX}, not {value}"
        )
    return value


class GroupFilter(RulePlugin):
    """Skips groups by kind, exclude and include patterns and member count, in that order."""

    NAME = "group-filter"
    VERSION = "0.1.0"
    STAGES = Stages.FILTER

    def __init__(self) -> None:
        self.include: List[Pattern] = []
        self.exclude: List[Pattern] = []
        self.kinds: List[str] = []
        self.min_members: Optional[int] = None
        self.max_members: Optional[int] = None

    def configure(self, config_json: str) -> None:
        raw = config.parse(
            config_json,
            {
                "include": Field(list, default=[]),
                "exclude": Field(list, default=[]),
                "kinds": Field(list, default=[]),
                "min_members": Field(int, default=None),
                "max_members": Field(int, default=None),
            },
        )
        allowed = ", ".join(f"`{k}`" for k in _KINDS.values())
        for k in _strings("kinds", raw["kinds"]):
            if k not in _KINDS.values():
                raise RuleError(
                    f"invalid config: kinds: unknown variant `{k}`, expected one of {allowed}"
                )
        lo = _count("min_members", raw["min_members"])
        hi = _count("max_members", raw["max_members"])
        if lo is not None and hi is not None and lo > hi:
            raise RuleError(f"invalid config: min_members {lo} is greater than max_members {hi}")
        self.include = _patterns("include", raw["include"])
        self.exclude = _patterns("exclude", raw["exclude"])
        self.kinds = raw["kinds"]
        self.min_members, self.max_members = lo, hi

    def filter(self, group):
        reason = self.skip_reason(group)
        return write() if reason is None else skip(reason)

    def skip_reason(self, group) -> Optional[str]:
        """None to write the group, or the reason to skip it."""
        group_kind = _KINDS[kind(group)]
        if self.kinds and group_kind not in self.kinds:
            return (
                f"group kind {group_kind} is not one of the configured kinds "
                f"[{', '.join(self.kinds)}]"
            )
        name = group.display_name() or ""
        for text, regex in self.exclude:
            if regex.search(name):
                return f"displayName {quote(name)} matches exclude pattern {quote(text)}"
        if self.include and not any(regex.search(name) for _, regex in self.include):
            return f"displayName {quote(name)} matches no include pattern"
        if self.min_members is None and self.max_members is None:
            return None
        count = group.member_count()
        if self.min_members is not None and count < self.min_members:
            return (
                f"the group has {count} direct members, fewer than min_members {self.min_members}"
            )
        if self.max_members is not None and count > self.max_members:
            return (
                f"the group has {count} direct members, more than max_members {self.max_members}"
            )
        return None


Plugin = export(GroupFilter)
