"""{{name}}: a gwb rule plugin (naming stage) that puts its `cn_prefix` in front of every
group's cn. Written by `gwb plugin new`; README.md has the build command and the loop."""

from gwb_plugin import RuleError, RulePlugin, Stages, config, export, keep, label
from gwb_plugin.config import Field
from gwb_plugin.text import quote

# The longest cn AD accepts, in characters.
MAX_CN = 64


class {{Type}}(RulePlugin):
    """Puts the configured prefix in front of every group's cn."""

    NAME = "{{name}}"
    VERSION = "0.1.0"
    STAGES = Stages.NAMING

    def __init__(self) -> None:
        self.cn_prefix = ""

    def configure(self, config_json: str) -> None:
        # The plugin's `config` table in the rules file; an unknown key is refused by name.
        values = config.parse(config_json, {"cn_prefix": Field(str)})
        if not values["cn_prefix"]:
            raise RuleError("invalid config: cn_prefix must not be empty")
        self.cn_prefix = values["cn_prefix"]

    def naming(self, group, proposal):
        cn = self.cn_prefix + proposal.cn()
        if len(cn) > MAX_CN:
            # An expected failure: reported for this group, the run goes on.
            raise RuleError(
                f"the cn {quote(cn)} of group {label(group)} would be {len(cn)} characters "
                f"long; AD allows {MAX_CN} (shorten cn_prefix)"
            )
        return keep(cn=cn)


Plugin = export({{Type}})
