"""sam-name in Python: a naming-stage plugin that sets a valid, deterministic sAMAccountName of
at most 20 characters (prefix + displayName + short hash of the object id). Same config, names
and error texts as the Rust `plugins/examples/sam-name`: the hash is the same 32-bit FNV-1a of
the object id's UTF-8 bytes, its low 24 bits as 6 lower-case hex digits, so a group gets the
same name from either. No dialect difference: everything kept is ASCII.
"""

from typing import Optional

from gwb_plugin import RuleError, RulePlugin, Stages, config, export, keep
from gwb_plugin.config import Field
from gwb_plugin.text import quote, quote_char

MAX_LEN = 20
"""The longest sAMAccountName older clients accept, and the most this rule emits."""
HASH_LEN = 6
"""Hex digits of the object-id hash that make names unique."""
MAX_PREFIX_LEN = 8
"""The longest prefix, so at least a few characters of the displayName remain."""

_KEPT = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def fnv1a(data: bytes) -> int:
    """32-bit FNV-1a, as the Rust rule computes it."""
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def sam_name(prefix: str, display_name: Optional[str], object_id: str) -> str:
    """`<prefix><displayName, sanitized and cut>-<hash>`, or `<prefix><hash>` when nothing of
    the displayName survives."""
    digest = f"{fnv1a(object_id.encode('utf-8')) & 0xFFFFFF:0{HASH_LEN}x}"
    room = MAX_LEN - len(prefix) - HASH_LEN - 1
    body = "".join(c for c in (display_name or "") if c in _KEPT)[:room].strip(".")
    return f"{prefix}{body}-{digest}" if body else f"{prefix}{digest}"


class SamName(RulePlugin):
    """Names every group `<prefix><displayName>-<hash>`."""

    NAME = "sam-name"
    VERSION = "0.1.0"
    STAGES = Stages.NAMING

    def __init__(self) -> None:
        self.prefix = ""

    def configure(self, config_json: str) -> None:
        prefix = config.parse(config_json, {"prefix": Field(str, default="")})["prefix"]
        if len(prefix) > MAX_PREFIX_LEN:
            raise RuleError(
                f"invalid config: prefix {quote(prefix)} is longer than {MAX_PREFIX_LEN} characters"
            )
        bad = next((c for c in prefix if c not in _KEPT), None)
        if bad is not None:
            raise RuleError(
                f"invalid config: prefix {quote(prefix)} contains {quote_char(bad)}; "
                "use only A-Z, a-z, 0-9, '-', '_' and '.'"
            )
        self.prefix = prefix

    def naming(self, group, proposal):
        return keep(sam_account_name=sam_name(self.prefix, group.display_name(), group.id()))


Plugin = export(SamName)
