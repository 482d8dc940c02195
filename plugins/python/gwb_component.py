"""The module componentize-py builds a plugin from (plugins/python/build.py names it): the
plugin's `app.Plugin` (`Plugin = gwb_plugin.export(MyPlugin)`) as the `gwb:rules/plugin`
export, and the same plugin's stages with the facts as `gwb:rules/plugin-facts`
(contract 1.1), so a plugin's `app.py` names only `Plugin`."""

from app import Plugin

if not isinstance(getattr(Plugin, "FACTS", None), type):
    raise TypeError(
        "app.py must assign Plugin = gwb_plugin.export(MyPlugin), "
        f"not {Plugin!r}"
    )

PluginFacts = Plugin.FACTS
