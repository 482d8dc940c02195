"""The base class a rule plugin subclasses, and `export`, which turns it into the component's
`gwb:rules/plugin` export and, with the facts of each group passed by value, its
`gwb:rules/plugin-facts` export (contract 1.1: the host calls the stages there). Both call the
same stage code with the same `CloudGroup`.

Every stage has a do-nothing default; the host calls only the stages in `STAGES`. One plugin
object lives per plugin instance: it is made and configured once and then reused for many
groups, so keep per-group state out of it.

At the export boundary, `RuleError` becomes the WIT `rule-error` (reported for that group, not
a crash). Any other exception is a bug: its traceback goes to the host's log (stderr is
discarded by the sandbox) and the call fails as a fault whose message names the exception
type and stage, so the author never sees a bare "unreachable" trap.
"""

import traceback
from typing import Callable, List, Optional, Tuple, Type, TypeVar

from componentize_py_types import Err
from wit_world.exports.plugin import PluginInfo, Stages
from wit_world.imports import types
from wit_world.imports.log import Level, log

from .group import CloudGroup
from .rule_error import RuleError

T = TypeVar("T")


class RulePlugin:
    """A rule plugin. Set `NAME`, `VERSION` and `STAGES`; override the stages you list."""

    NAME: str = ""
    """A short name, e.g. `ou-router`."""
    VERSION: str = ""
    """The plugin's own version, e.g. `1.2.0`."""
    STAGES: Stages = Stages(0)
    """The stages implemented, e.g. `Stages.NAMING | Stages.MAPPING`."""

    def configure(self, config_json: str) -> None:
        """Reads the plugin's `config` table from the rules file, given as JSON text (`{}` when
        absent). The default ignores it. Use `gwb_plugin.config.parse` to refuse unknown keys."""

    def filter(self, group: CloudGroup) -> types.FilterDecision:
        """The filter stage: `write()` (the default) or `skip(reason)`."""
        return types.FilterDecision_Write()

    def naming(self, group: CloudGroup, proposal: types.Proposal) -> types.NamingDecision:
        """The naming stage: cn, parent DN and sAMAccountName; the default changes nothing."""
        return types.NamingDecision(cn=None, parent_dn=None, sam_account_name=None)

    def mapping(
        self, group: CloudGroup, proposal: types.Proposal
    ) -> List[types.AttributeEdit]:
        """The mapping stage: attribute edits; the default makes none."""
        return []


def _boundary(stage: str, call: Callable[[], T]) -> T:
    """Runs one export call: RuleError becomes the WIT rule-error; anything else (a wrong return
    type included) is logged with its traceback and re-raised as a fault the host explains with
    the last error-level log line."""
    try:
        return call()
    except RuleError as e:
        raise Err(types.RuleError(message=e.message)) from None
    except Err:
        raise
    except BaseException as e:  # noqa: BLE001 - the whole point: nothing escapes unexplained
        tb = e.__traceback__
        # The SDK's own frames tell the author nothing; the traceback starts in their code.
        while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
            tb = tb.tb_next
        lines = traceback.format_exception(type(e), e, tb)
        log(Level.ERROR, "".join(lines).rstrip())
        detail = str(e)
        what = type(e).__name__ + (f": {detail}" if detail else "")
        # The host shows the last error-level message starting with "panicked" as the cause.
        log(
            Level.ERROR,
            f"panicked: uncaught Python exception in {stage}: {what} (traceback in the log)",
        )
        raise


def _checked(stage: str, value: T, kinds: Tuple[type, ...], expected: str) -> T:
    """`value` if it is one of `kinds`, else a TypeError saying what the stage should return."""
    if not isinstance(value, kinds):
        raise TypeError(f"the {stage} stage returned {value!r}; expected {expected}")
    return value


_FILTER = (types.FilterDecision_Write, types.FilterDecision_Skip)
_NAMING = (types.NamingDecision,)
_EDITS = (types.AttributeEdit_Replace, types.AttributeEdit_Add, types.AttributeEdit_Remove)


def _edits(edits: object) -> List[types.AttributeEdit]:
    """The mapping stage's answer if it is a list of edits, else a TypeError."""
    expected = "a list of replace(), add() or remove() edits"
    _checked("mapping", edits, (list,), expected)
    for edit in edits:  # type: ignore[attr-defined]
        _checked("mapping", edit, _EDITS, expected)
    return edits  # type: ignore[return-value]


def export(cls: Type[RulePlugin]) -> type:
    """The class componentize-py exports as `gwb:rules/plugin`: assign it to `Plugin` in the
    plugin's `app.py` (`Plugin = export(MyPlugin)`). Its `FACTS` is the class exported as
    `gwb:rules/plugin-facts` (by the module `gwb_component`); both run the same stages."""
    if not (isinstance(cls, type) and issubclass(cls, RulePlugin)):
        raise TypeError(f"export() takes a RulePlugin subclass, not {cls!r}")
    for attr in ("NAME", "VERSION"):
        if not isinstance(getattr(cls, attr), str) or not getattr(cls, attr):
            raise TypeError(f"{cls.__name__}.{attr} must be a non-empty string")
    if not isinstance(cls.STAGES, Stages):
        raise TypeError(f"{cls.__name__}.STAGES must be gwb_plugin.Stages flags")

    # componentize-py may make a new Plugin object per call, so the plugin lives here.
    slot: List[Optional[RulePlugin]] = [None]

    def current() -> RulePlugin:
        # The host always configures first; a default object keeps another host working.
        if slot[0] is None:
            slot[0] = cls()
        return slot[0]

    def configure_new(config_json: str) -> None:
        plugin = cls()
        plugin.configure(config_json)
        slot[0] = plugin

    Facts = Optional[types.GroupFacts]

    def filter_stage(facts: Facts, group: types.CloudGroup) -> types.FilterDecision:
        return _boundary(
            "the filter stage",
            lambda: _checked(
                "filter",
                current().filter(CloudGroup(facts, group)),
                _FILTER,
                "write() or skip(reason)",
            ),
        )

    def naming_stage(
        facts: Facts, group: types.CloudGroup, proposal: types.Proposal
    ) -> types.NamingDecision:
        return _boundary(
            "the naming stage",
            lambda: _checked(
                "naming",
                current().naming(CloudGroup(facts, group), proposal),
                _NAMING,
                "a NamingDecision such as keep(parent_dn=...)",
            ),
        )

    def mapping_stage(
        facts: Facts, group: types.CloudGroup, proposal: types.Proposal
    ) -> List[types.AttributeEdit]:
        return _boundary(
            "the mapping stage",
            lambda: _edits(current().mapping(CloudGroup(facts, group), proposal)),
        )

    class PluginFacts:
        """The `gwb:rules/plugin-facts` export of this component: the stages with the group's
        facts (contract 1.1)."""

        def filter(
            self, facts: types.GroupFacts, group: types.CloudGroup
        ) -> types.FilterDecision:
            return filter_stage(facts, group)

        def naming(
            self, facts: types.GroupFacts, group: types.CloudGroup, proposal: types.Proposal
        ) -> types.NamingDecision:
            return naming_stage(facts, group, proposal)

        def mapping(
            self, facts: types.GroupFacts, group: types.CloudGroup, proposal: types.Proposal
        ) -> List[types.AttributeEdit]:
            return mapping_stage(facts, group, proposal)

    class Plugin:
        """The `gwb:rules/plugin` export of this component (the stages without the facts, as
        contract 1.0 calls them)."""

        FACTS = PluginFacts
        """The `gwb:rules/plugin-facts` export, which `gwb_component` hands componentize-py."""

        def describe(self) -> PluginInfo:
            return PluginInfo(name=cls.NAME, version=cls.VERSION, stages=cls.STAGES)

        def configure(self, config: str) -> None:
            _boundary("configure", lambda: configure_new(config))

        def filter(self, group: types.CloudGroup) -> types.FilterDecision:
            return filter_stage(None, group)

        def naming(
            self, group: types.CloudGroup, proposal: types.Proposal
        ) -> types.NamingDecision:
            return naming_stage(None, group, proposal)

        def mapping(
            self, group: types.CloudGroup, proposal: types.Proposal
        ) -> List[types.AttributeEdit]:
            return mapping_stage(None, group, proposal)

    Plugin.__qualname__ = Plugin.__name__ = "Plugin"
    PluginFacts.__qualname__ = PluginFacts.__name__ = "PluginFacts"
    return Plugin
