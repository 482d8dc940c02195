#!/usr/bin/env bash
# Runs gwb's whole test suite on a fresh Debian machine: installs what is missing (the
# wasm32-wasip2 target, Samba, ldap-utils, openssl), checks formatting and clippy (host and
# plugin workspaces, warnings are errors), builds the plugins from source, starts two
# throwaway Samba AD DCs on loopback (the base 2012 R2 schema and the Exchange-extended one),
# runs every test, checks both databases with `samba-tool dbcheck`, and stops the DCs.
# Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*" >&2; }

step "toolchain and packages"
scripts/prereqs.sh

step "formatting (cargo fmt --check) and lints (clippy, warnings are errors)"
cargo fmt --all --check
cargo fmt --manifest-path plugins/Cargo.toml --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy --manifest-path plugins/Cargo.toml --target-dir plugins/target --target wasm32-wasip2 \
    --workspace --all-targets --locked -- -D warnings

step "SDK unit tests (Python, JS and Rust against plugins/sdk-vectors)"
scripts/sdk-unit-tests.sh

step "plugins (wasm32-wasip2, from source)"
scripts/build-plugins.sh

step "throwaway Samba AD DCs"
work="$(mktemp -d -t gwb-test.XXXXXX)"
stop_dcs() {
    scripts/samba-dc.sh stop --dir "$work/dc-base" >/dev/null 2>&1 || true
    scripts/samba-dc.sh stop --dir "$work/dc-exchange" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap stop_dcs EXIT
scripts/samba-dc.sh start --ip 127.0.0.2 --dir "$work/dc-base" --profile base >/dev/null &
base_pid=$!
scripts/samba-dc.sh start --ip 127.0.0.3 --dir "$work/dc-exchange" --profile exchange >/dev/null &
exchange_pid=$!
wait "$base_pid"
wait "$exchange_pid"
step "tests (the base 2012 R2 schema DC)"
(
    # shellcheck disable=SC1091
    source "$work/dc-base/env"
    cargo test --workspace --locked
)

step "AD and end-to-end tests again on the Exchange-schema DC (msDS-ExternalDirectoryObjectId, Exchange attributes)"
(
    # shellcheck disable=SC1091
    source "$work/dc-exchange/env"
    cargo test --locked -p gwb-ad --test samba
    cargo test --locked -p gwb --test e2e
)

step "samba-tool dbcheck"
for dc in dc-base dc-exchange; do
    samba-tool dbcheck --cross-ncs -s "$work/$dc/etc/smb.conf"
done
