"""Write gwb rule plugins in Python: subclass `RulePlugin`, then `Plugin = export(MyPlugin)`.

    from gwb_plugin import RulePlugin, Stages, export, skip, write

    class SkipEmpty(RulePlugin):
        NAME = "skip-empty"
        VERSION = "0.1.0"
        STAGES = Stages.FILTER

        def filter(self, group):
            if group.member_count() == 0:
                return skip("the group has no members")
            return write()

    Plugin = export(SkipEmpty)

The `wit_world` bindings this package uses are generated from the WIT contract at build time by
`plugins/python/build.py` (componentize-py's `bindings` command); they are not committed.
"""

from wit_world.exports.plugin import Stages
from wit_world.imports.types import (
    Attribute,
    KeyValue,
    Member,
    MemberKind,
    NamingDecision,
    Proposal,
    TargetCapabilities,
    WritebackConfiguration,
)

from . import config, log
from .group import CloudGroup, GroupKind, extension, kind, label
from .output import add, keep, remove, replace, skip, write
from .plugin import RulePlugin, export
from .rule_error import RuleError

__all__ = [
    "Attribute",
    "CloudGroup",
    "GroupKind",
    "KeyValue",
    "Member",
    "MemberKind",
    "NamingDecision",
    "Proposal",
    "RuleError",
    "RulePlugin",
    "Stages",
    "TargetCapabilities",
    "WritebackConfiguration",
    "add",
    "config",
    "export",
    "extension",
    "keep",
    "kind",
    "label",
    "log",
    "remove",
    "replace",
    "skip",
    "write",
]
