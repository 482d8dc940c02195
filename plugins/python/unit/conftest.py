"""Loads the SDK's pure modules (text, config, rule_error) natively, without the component.

`gwb_plugin/__init__.py` imports the `wit_world` bindings, which exist only inside a component
built by componentize-py. These tests register `gwb_plugin` as a bare package (its folder, its
`__init__` not run), so `import gwb_plugin.text` loads just that module: a pure module that
started importing the bindings would fail here with ModuleNotFoundError.
"""

import importlib.machinery
import importlib.util
import json
import sys
from pathlib import Path

PYTHON_SDK = Path(__file__).resolve().parent.parent
VECTORS = PYTHON_SDK.parent / "sdk-vectors"

_spec = importlib.machinery.ModuleSpec("gwb_plugin", None, is_package=True)
_spec.submodule_search_locations = [str(PYTHON_SDK / "gwb_plugin")]
sys.modules.setdefault("gwb_plugin", importlib.util.module_from_spec(_spec))


def vectors(name: str):
    """The shared test vectors plugins/sdk-vectors/<name>.json."""
    return json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))
