"""A Python plugin that misbehaves on purpose, for gwb's tests: for the group whose displayName
is `only`, its `stage` (filter, naming or mapping; naming unless set) does what `mode` says.
Every other group is written with the cn `ok <id>`, the description `ok <id>` and the info
`from python`, which exercises the SDK's decision builders.

Modes: `raise` (an unexpected KeyError deep in a helper), `rule-error` (a RuleError),
`wrong-return` (a string instead of the stage's answer), `configure-raise` (an unexpected
ZeroDivisionError in configure, for every load).
"""

from gwb_plugin import (
    RuleError,
    RulePlugin,
    Stages,
    add,
    config,
    export,
    keep,
    label,
    replace,
    write,
)
from gwb_plugin.config import Field

_CONFIG = {
    "mode": Field(str),
    "only": Field(str, default=""),
    "stage": Field(str, default="naming"),
}


def _cost_center(group) -> str:
    routes = {"finance": "4711"}
    return routes[group.display_name().lower()]


class Misbehave(RulePlugin):
    NAME = "py-misbehave"
    VERSION = "0.1.0"
    STAGES = Stages.FILTER | Stages.NAMING | Stages.MAPPING

    def __init__(self) -> None:
        self.mode = ""
        self.only = ""
        self.stage = ""

    def configure(self, config_json: str) -> None:
        c = config.parse(config_json, _CONFIG)
        self.mode, self.only, self.stage = c["mode"], c["only"], c["stage"]
        if self.mode == "configure-raise":
            print(1 / 0)

    def misbehave(self, stage: str, group):
        """The misbehaviour for this stage and group, or None to answer normally."""
        if stage != self.stage or group.display_name() != self.only:
            return None
        if self.mode == "raise":
            return _cost_center(group)
        if self.mode == "rule-error":
            raise RuleError(f"no cost center is known for group {label(group)}")
        if self.mode == "wrong-return":
            return "OU=Somewhere"
        return None

    def filter(self, group):
        bad = self.misbehave("filter", group)
        return write() if bad is None else bad

    def naming(self, group, proposal):
        bad = self.misbehave("naming", group)
        return keep(cn=f"ok {group.id()}") if bad is None else bad

    def mapping(self, group, proposal):
        bad = self.misbehave("mapping", group)
        if bad is not None:
            return bad
        return [replace("description", [f"ok {group.id()}"]), add("info", ["from python"])]


Plugin = export(Misbehave)
