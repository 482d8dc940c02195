#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks for gwb's tests and demo: the wasm32-wasip2 Rust
# target, Samba (a throwaway AD DC), ldap-utils (ldapmodify, ldapsearch) and openssl.
# Safe to run again: it only installs what is missing.
set -euo pipefail

rustup target list --installed | grep -qx wasm32-wasip2 || rustup target add wasm32-wasip2
missing=()
for pair in samba:samba-tool ldap-utils:ldapmodify openssl:openssl python3:python3; do
    command -v "${pair#*:}" >/dev/null || missing+=("${pair%%:*}")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "prereqs: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi
