#!/usr/bin/env bash
# The one install list for gwb's demo and tests on a fresh Debian machine with Rust: the
# wasm32-wasip2 Rust target, rustfmt and clippy, a Samba AD DC (with winbind, which `samba` execs at start),
# ldap-utils (ldapmodify, ldapsearch), openssl and python3. `scripts/samba-dc.sh` calls this too.
# With node (20 or newer) on PATH it also installs the JavaScript plugin tooling pinned in
# plugins/js/package-lock.json (componentize-js, jco) when it is missing.
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
