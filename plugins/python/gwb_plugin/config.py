"""Reading a plugin's JSON configuration with clear errors; unknown keys are refused.

    spec = {"default_ou": Field(str), "routes": Field(list, default=[])}
    values = config.parse(config_json, spec)

A misspelt key is an error naming it and the keys that are allowed, as the Rust SDK does:
`invalid config: unknown field "rotues", expected one of "default_ou", "routes"`.
"""

import json
from typing import Any, Dict, Mapping, Optional

from .rule_error import RuleError

_REQUIRED = object()

_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
               list: "a list", dict: "a table"}


class Field:
    """One allowed key: its JSON type (str, int, float, bool, list or dict) and its default.

    Without a default the key is required. A default of None also accepts JSON null.
    """

    def __init__(self, type_: type, default: Any = _REQUIRED) -> None:
        self.type = type_
        self.default = default

    def read(self, key: str, value: Any, where: str) -> Any:
        """The value, checked against the type (bool is not an integer, as in serde)."""
        if value is None and self.default is None:
            return None
        ok = isinstance(value, self.type) and not (
            self.type in (int, float) and isinstance(value, bool)
        )
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            ok, value = True, float(value)
        if not ok:
            raise RuleError(
                f"invalid config: {where}{key} must be {_TYPE_NAMES.get(self.type, self.type.__name__)}, "
                f"not {json.dumps(value)}"
            )
        return value


def parse(config_json: str, spec: Mapping[str, Field]) -> Dict[str, Any]:
    """Parses the plugin's `config` JSON (an empty text is `{}`) and checks it against `spec`."""
    text = config_json if config_json.strip() else "{}"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise RuleError(f"invalid config: {e}") from None
    return fields(value, spec)


def fields(value: Any, spec: Mapping[str, Field], where: Optional[str] = None) -> Dict[str, Any]:
    """Checks one JSON object against `spec`: no unknown key, every required key, each of its
    type. `where` names the object in messages, e.g. `route 2`."""
    prefix = f"{where}: " if where else ""
    if not isinstance(value, dict):
        raise RuleError(f"invalid config: {prefix}expected a table, not {json.dumps(value)}")
    expected = ", ".join(f'"{k}"' for k in spec)
    for key in value:
        if key not in spec:
            raise RuleError(
                f'invalid config: {prefix}unknown field "{key}", expected one of {expected}'
            )
    out: Dict[str, Any] = {}
    for key, field in spec.items():
        if key in value:
            out[key] = field.read(key, value[key], prefix)
        elif field.default is _REQUIRED:
            raise RuleError(f'invalid config: {prefix}missing field "{key}"')
        else:
            default = field.default
            out[key] = list(default) if isinstance(default, list) else default
    return out
