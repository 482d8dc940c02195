#!/usr/bin/env python3
"""Builds gwb rule plugins written in Python into WebAssembly components.

    python3 plugins/python/build.py [PLUGIN_DIR ...]
    python3 plugins/python/build.py --out COMPONENT.wasm PLUGIN_DIR
    python3 plugins/python/build.py --check-imports COMPONENT.wasm ...

A plugin is a folder with an `app.py` that defines `Plugin = gwb_plugin.export(MyPlugin)`.
Without arguments every folder in plugins/python/examples and plugins/python/test is built.
Each becomes plugins/target/python/<folder name>.wasm (build output, never committed), or the
file `--out` names (one plugin folder only; e.g. a plugin written by `gwb plugin new`).

Steps for each build: (1) generate the `wit_world` bindings from the WIT contract with
componentize-py's `bindings` command into plugins/target/python/bindings (for editors and type
checkers; componentize-py generates the same ones inside the component), (2) componentize the
plugin with the gwb_plugin SDK (the module `gwb_component`, which exports the plugin's
`app.Plugin` as both `gwb:rules/plugin` and `gwb:rules/plugin-facts`), (3) refuse the component unless its imports are only what gwb
links: gwb:rules/types and gwb:rules/log 1.x and WASI 0.2 (checked by reading the component's
import section here: wasm-tools is not a prerequisite, and loading through gwb would need a
built host and a 10-20 s Cranelift compile; `gwb rules test` remains the final check).
"""

import hashlib
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import List, NoReturn, Tuple

# The WIT contract plugins are built against, the frozen 1.1.0 folder (wit/README.md): the one
# place it is named.
WIT = Path("wit/gwb-rules@1.1.0")
# The world in WIT a gwb rule plugin of this SDK implements: `plugin` and `plugin-facts`.
WORLD = "rule-plugin-with-facts"
# The module componentize-py builds: it exports the plugin's app.Plugin under both interfaces.
COMPONENT_MODULE = "gwb_component"
# componentize-py, pinned: scripts/prereqs.sh installs exactly this version.
COMPONENTIZE_PY_VERSION = "0.25.1"

REPO = Path(__file__).resolve().parent.parent.parent
SDK = REPO / "plugins/python"
OUT = REPO / "plugins/target/python"
DEFAULT_DIRS = ["plugins/python/examples", "plugins/python/test"]

# What gwb links for a plugin (crates/gwb-wasm/src/runtime.rs): its own interfaces at major
# version 1 and the WASI 0.2 packages wasmtime-wasi provides. Anything else fails to load.
ALLOWED_GWB = ("gwb:rules/types@1.", "gwb:rules/log@1.")
ALLOWED_WASI = ("cli", "clocks", "filesystem", "io", "random", "sockets")


def fail(message: str) -> NoReturn:
    print(f"build.py: error: {message}", file=sys.stderr)
    sys.exit(1)


def componentize_py() -> str:
    # scripts/prereqs.sh installs it here when PATH has no componentize-py of the pinned version.
    venv = OUT / "venv/bin/componentize-py"
    exe = str(venv) if venv.is_file() else shutil.which("componentize-py")
    if exe is None:
        fail(
            f"componentize-py is not installed; run scripts/prereqs.sh "
            f"(or pip install componentize-py=={COMPONENTIZE_PY_VERSION})"
        )
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.split()
    if version[-1:] != [COMPONENTIZE_PY_VERSION]:
        fail(
            f"componentize-py {' '.join(version[1:]) or '(unknown)'} is installed, gwb pins "
            f"{COMPONENTIZE_PY_VERSION}: pip install componentize-py=={COMPONENTIZE_PY_VERSION}"
        )
    return exe


def leb(data: bytes, at: int) -> Tuple[int, int]:
    """An unsigned LEB128 number at `at`, and the offset after it."""
    value = shift = 0
    while True:
        if at >= len(data):
            raise ValueError("truncated number")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def component_imports(data: bytes) -> List[str]:
    """The names of a component's top-level imports (component-model binary format: section 10
    of the outer component; nested modules and components are skipped by their size)."""
    if data[:8] != b"\0asm\x0d\x00\x01\x00":
        raise ValueError("not a WebAssembly component (wrong header)")
    names = []
    at = 8
    while at < len(data):
        section, at = data[at], at + 1
        size, at = leb(data, at)
        end = at + size
        if section == 10:
            count, p = leb(data, at)
            for _ in range(count):
                form, p = data[p], p + 1
                length, p = leb(data, p)
                names.append(data[p : p + length].decode("utf-8"))
                p += length
                if form == 0x01:  # a version suffix follows the name
                    length, p = leb(data, p)
                    p += length
                tag, p = data[p], p + 1
                if tag == 0x00:  # core module: 0x11 typeidx
                    _, p = leb(data, p + 1)
                elif tag in (0x02, 0x03):  # value or type bound: kind byte (+ index)
                    kind, p = data[p], p + 1
                    if not (tag == 0x03 and kind == 0x01):
                        _, p = leb(data, p)
                else:  # func, component, instance: a type index
                    _, p = leb(data, p)
        at = end
    return names


def refused_imports(names: List[str]) -> List[str]:
    """The imports gwb does not link."""
    def allowed(name: str) -> bool:
        if name.startswith(ALLOWED_GWB):
            return True
        package, _, rest = name.partition("/")
        return (
            package in tuple(f"wasi:{p}" for p in ALLOWED_WASI)
            and "@0.2." in rest
        )
    return [n for n in names if not allowed(n)]


def check_imports(path: Path) -> List[str]:
    """The component's imports; fails naming any that gwb does not link."""
    try:
        names = component_imports(path.read_bytes())
    except (OSError, ValueError, IndexError, UnicodeDecodeError) as e:
        fail(f"{path}: cannot read its imports: {e}")
    refused = refused_imports(names)
    if refused:
        fail(
            f"{path}: the component imports {', '.join(refused)}, which gwb does not provide "
            "(a plugin may import only gwb:rules/types, gwb:rules/log and WASI 0.2); "
            "remove the Python module that needs it"
        )
    return names


def build(exe: str, plugin: Path, out: Path) -> None:
    if not (plugin / "app.py").is_file():
        fail(f"{plugin} has no app.py (a plugin folder holds app.py defining Plugin = export(...))")
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    result = subprocess.run(
        [exe, "-d", str(REPO / WIT), "-w", WORLD, "componentize",
         "-p", str(plugin), "-p", str(SDK), COMPONENT_MODULE, "-o", str(out)],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        fail(f"componentize-py could not build {plugin} (its output is above)")
    seconds = time.monotonic() - started
    try:
        names = check_imports(out)
    except SystemExit:
        out.unlink()
        raise
    data = out.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    shown = out.relative_to(REPO) if out.is_relative_to(REPO) else out
    print(
        f"{shown}: {len(data) / 1e6:.1f} MB in {seconds:.0f} s, "
        f"{len(names)} imports allowed, sha256 {digest}"
    )


def main(args: List[str]) -> None:
    if args[:1] == ["--check-imports"]:
        for path in args[1:]:
            print(f"{path}: {len(check_imports(Path(path)))} imports, all linked by gwb")
        return
    out = None
    if args[:1] == ["--out"]:
        if len(args) != 3:
            fail("--out FILE builds one plugin: give --out FILE PLUGIN_DIR")
        out, args = Path(args[1]).resolve(), args[2:]
    exe = componentize_py()
    if not (REPO / WIT).exists():
        fail(f"the WIT contract {REPO / WIT} is missing (the WIT constant in build.py names it)")
    OUT.mkdir(parents=True, exist_ok=True)
    bindings = OUT / "bindings"
    shutil.rmtree(bindings, ignore_errors=True)
    result = subprocess.run(
        [exe, "-d", str(REPO / WIT), "-w", WORLD, "bindings", str(bindings)],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        fail(f"componentize-py could not generate bindings from {REPO / WIT} (world {WORLD})")
    if args:
        plugins = [Path(a).resolve() for a in args]
    else:
        plugins = sorted(
            p for d in DEFAULT_DIRS for p in (REPO / d).iterdir() if (p / "app.py").is_file()
        )
    for plugin in plugins:
        build(exe, plugin, out or OUT / f"{plugin.name}.wasm")


if __name__ == "__main__":
    main(sys.argv[1:])
