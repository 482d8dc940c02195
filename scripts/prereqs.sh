#!/usr/bin/env bash
# The one install list for gwb's demo and tests on a fresh Debian machine with Rust: the
# wasm32-wasip2 Rust target, rustfmt and clippy, a Samba AD DC (with winbind, which `samba` execs at start),
# ldap-utils (ldapmodify, ldapsearch), openssl and python3, componentize-py (pinned) for the
# Python rule plugins, pytest (pinned) for the Python SDK's unit tests and, with node (20 or
# newer) on PATH, the JavaScript plugin tooling pinned in plugins/js/package-lock.json
# (componentize-js, jco). `scripts/samba-dc.sh` calls this too.
#
# It installs every listed Debian package that dpkg does not report as installed (checking
# packages, not commands: `samba` alone is no AD DC), then checks that every command the scripts
# call exists and fails naming the missing one. Safe to run again.
set -euo pipefail

# Debian packages. samba-ad-dc pulls samba, samba-dsdb-modules, samba-vfs-modules and winbind.
packages=(
    samba-ad-dc
    samba-ad-provision
    winbind
    ldap-utils
    openssl
    ca-certificates
    python3
    python3-venv
)
# Commands the scripts and tests run, each with the package that brings it.
commands=(
    samba:samba
    samba-tool:samba-common-bin
    winbindd:winbind
    ldapmodify:ldap-utils
    ldapadd:ldap-utils
    ldapsearch:ldap-utils
    openssl:openssl
    python3:python3
)

say() { echo "prereqs: $*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-wasip2; then
    say "adding the wasm32-wasip2 Rust target"
    rustup target add wasm32-wasip2
fi
for component in rustfmt clippy; do
    if ! rustup component list --installed | grep -q "^$component-"; then
        say "adding the $component Rust component"
        rustup component add "$component"
    fi
done

missing=()
for pkg in "${packages[@]}"; do
    status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)"
    [ "${status:0:2}" = ii ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} (apt-get)"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq >&2
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

absent=()
for pair in "${commands[@]}"; do
    command -v "${pair%%:*}" >/dev/null || absent+=("${pair%%:*} (package ${pair#*:})")
done
# samba execs winbindd from its sbin directory whatever PATH says.
[ -x /usr/sbin/winbindd ] || absent+=("/usr/sbin/winbindd (package winbind)")
if [ ${#absent[@]} -gt 0 ]; then
    say "still missing after the install: ${absent[*]}"
    say "install them by hand (apt-get install …) and run this again"
    exit 1
fi

# componentize-py builds the Python rule plugins (plugins/python/build.py). Pinned: another
# version embeds another CPython and runtime, so components differ. Used from PATH when that
# one is the pinned version, else installed into plugins/target/python/venv (Debian's python3
# refuses system-wide pip installs), where build.py looks first.
componentize_py_version=0.25.1
venv="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/plugins/target/python/venv"
cpy_version() { "$1" --version 2>/dev/null | awk '{print $2}'; }
if [ "$(cpy_version "$venv/bin/componentize-py")" != "$componentize_py_version" ] &&
    [ "$(cpy_version componentize-py)" != "$componentize_py_version" ]; then
    say "installing componentize-py==$componentize_py_version into $venv (pip)"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q "componentize-py==$componentize_py_version" >&2 || {
        say "could not install componentize-py==$componentize_py_version from PyPI into $venv"
        say "install it by hand (python3 -m pip install componentize-py==$componentize_py_version) and run this again"
        exit 1
    }
fi

# The JavaScript plugin tooling (plugins/js): exactly the versions in package-lock.json.
js=plugins/js
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -f "$js/node_modules/.package-lock.json" ] || [ "$js/package-lock.json" -nt "$js/node_modules/.package-lock.json" ]; then
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        say "node and npm are missing: install Node.js 20 or newer (https://nodejs.org), then run this again"
        say "(they build the JavaScript rule plugins in $js)"
        exit 1
    fi
    node_major="$(node -p 'process.versions.node.split(".")[0]')"
    if [ "$node_major" -lt 20 ]; then
        say "node $(node --version) is too old for componentize-js: install Node.js 20 or newer"
        exit 1
    fi
    say "installing the JavaScript plugin tooling (npm ci --prefix $js: componentize-js, jco)"
    npm ci --prefix "$js" --no-audit --no-fund >&2
fi

# pytest runs the Python SDK's unit tests (scripts/sdk-unit-tests.sh), pinned, in a venv of its
# own so that the componentize-py install above stays as it is.
pytest_version=9.2.0
test_venv=plugins/target/python/test-venv
if [ "$("$test_venv/bin/python" -m pytest --version 2>/dev/null | awk '{print $2}')" != "$pytest_version" ]; then
    say "installing pytest==$pytest_version into $test_venv (pip)"
    python3 -m venv "$test_venv"
    "$test_venv/bin/python" -m pip install -q "pytest==$pytest_version" >&2 || {
        say "could not install pytest==$pytest_version from PyPI into $test_venv"
        exit 1
    }
fi
