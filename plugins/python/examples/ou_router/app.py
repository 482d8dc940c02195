"""ou-router in Python: a naming-stage plugin that picks the target OU by displayName prefix or
regex, or by an extension attribute, with a default OU. Same config and answers as the Rust
`plugins/examples/ou-router`, so one rules file's `[plugins.config]` works with either.

Regexes are Python's `re`, compiled by `gwb_plugin.text.rust_regex`, which refuses what Rust's
`regex` refuses (lookaround, backreferences); its docstring lists the dialect differences that
remain. Keep route regexes to the common core (rules/contoso.toml's `^(ENG|DEV|OPS)-` is).
"""

from typing import Callable, List, Optional, Tuple

from gwb_plugin import RuleError, RulePlugin, Stages, config, export, keep
from gwb_plugin.config import Field
from gwb_plugin.group import extension, is_extension_name, label
from gwb_plugin.text import quote, rust_regex

_CONFIG = {"default_ou": Field(str, default=None), "routes": Field(list, default=[])}
_ROUTE = {
    "prefix": Field(str, default=None),
    "regex": Field(str, default=None),
    "extension_attribute": Field(str, default=None),
    "equals": Field(str, default=None),
    "ou": Field(str),
}

# A matcher: ("prefix", bytes) | ("regex", Pattern) | ("extension", (name, equals or None)).
Route = Tuple[str, object, str]


def _route(n: int, raw: object) -> Route:
    r = config.fields(raw, _ROUTE, f"route {n}")
    if not r["ou"].strip():
        raise RuleError(f"invalid config: route {n}: ou is empty")
    if r["equals"] is not None and r["extension_attribute"] is None:
        raise RuleError(f"invalid config: route {n}: equals needs extension_attribute")
    given = [k for k in ("prefix", "regex", "extension_attribute") if r[k] is not None]
    if len(given) != 1:
        raise RuleError(
            f"invalid config: route {n}: give exactly one of prefix, regex or extension_attribute"
        )
    if r["prefix"] is not None:
        return ("prefix", r["prefix"].encode("utf-8").lower(), r["ou"])
    if r["regex"] is not None:
        pattern = r["regex"]
        try:
            return ("regex", rust_regex(pattern), r["ou"])
        except ValueError as e:
            raise RuleError(
                f"invalid config: route {n}: invalid regex {quote(pattern)}: {e}"
            ) from None
    name = r["extension_attribute"]
    if not is_extension_name(name):
        raise RuleError(
            f"invalid config: route {n}: extension_attribute {quote(name)} is neither "
            "extensionAttribute1..15 nor extension_<appid>_<name>"
        )
    return ("extension", (name, r["equals"]), r["ou"])


def _starts_with_ignore_case(text: str, prefix_lower: bytes) -> bool:
    # ASCII case only, compared on UTF-8 bytes, as the Rust router does.
    head = text.encode("utf-8")[: len(prefix_lower)]
    return len(head) == len(prefix_lower) and head.lower() == prefix_lower


class OuRouter(RulePlugin):
    """Routes each group to the OU of the first matching route, else `default_ou`."""

    NAME = "ou-router"
    VERSION = "0.1.0"
    STAGES = Stages.NAMING

    def __init__(self) -> None:
        self.routes: List[Route] = []
        self.default_ou: Optional[str] = None
        self.configured = False

    def configure(self, config_json: str) -> None:
        raw = config.parse(config_json, _CONFIG)
        self.routes = [_route(i + 1, r) for i, r in enumerate(raw["routes"])]
        default_ou = raw["default_ou"]
        if default_ou is not None and not default_ou.strip():
            raise RuleError("invalid config: default_ou is empty; remove it or give an OU DN")
        self.default_ou = default_ou
        self.configured = True

    def naming(self, group, proposal):
        if not self.configured:
            return keep()
        return keep(parent_dn=self.route(group.display_name(), lambda n: extension(group, n),
                                         lambda: label(group)))

    def route(
        self,
        display_name: Optional[str],
        ext: Callable[[str], Optional[str]],
        name_group: Callable[[], str],
    ) -> str:
        for kind, matcher, ou in self.routes:
            if kind == "prefix":
                hit = display_name is not None and _starts_with_ignore_case(display_name, matcher)
            elif kind == "regex":
                hit = display_name is not None and matcher.search(display_name) is not None
            else:
                name, equals = matcher
                value = ext(name)
                hit = value is not None and (value == equals if equals is not None else value != "")
            if hit:
                return ou
        if self.default_ou is None:
            raise RuleError(
                f"no route matches group {name_group()} and no default_ou is configured"
            )
        return self.default_ou


Plugin = export(OuRouter)
