"""A Python plugin that misbehaves on purpose, for gwb's tests: for the group whose displayName
is `only`, its naming stage does what `mode` says; every other group gets the cn `ok <id>`.

Modes: `raise` (an unexpected KeyError deep in a helper), `rule-error` (a RuleError),
`wrong-return` (a string instead of a naming decision),
`configure-raise` (an unexpected ZeroDivisionError in configure, for every load).
"""

from gwb_plugin import RuleError, RulePlugin, Stages, config, export, keep, label
from gwb_plugin.config import Field

_CONFIG = {"mode": Field(str), "only": Field(str, default="")}


def _cost_center(group) -> str:
    routes = {"finance": "4711"}
    return routes[group.display_name().lower()]


class Misbehave(RulePlugin):
    NAME = "py-misbehave"
    VERSION = "0.1.0"
    STAGES = Stages.NAMING

    def __init__(self) -> None:
        self.mode = ""
        self.only = ""

    def configure(self, config_json: str) -> None:
        c = config.parse(config_json, _CONFIG)
        self.mode, self.only = c["mode"], c["only"]
        if self.mode == "configure-raise":
            print(1 / 0)

    def naming(self, group, proposal):
        if group.display_name() == self.only:
            if self.mode == "raise":
                return keep(cn=_cost_center(group))
            if self.mode == "rule-error":
                raise RuleError(f"no cost center is known for group {label(group)}")
            if self.mode == "wrong-return":
                return "OU=Somewhere"
        return keep(cn=f"ok {group.id()}")


Plugin = export(Misbehave)
