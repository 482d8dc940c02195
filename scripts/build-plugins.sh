#!/usr/bin/env bash
# Builds every rule plugin (SDK examples and test plugins) for wasm32-wasip2.
# Output: plugins/target/wasm32-wasip2/release/<crate_name>.wasm
# and the JavaScript plugins (plugins/js, componentize-js): plugins/target/js/<folder>.wasm
set -euo pipefail
cd "$(dirname "$0")/.."
if ! rustup target list --installed | grep -qx wasm32-wasip2; then
    rustup target add wasm32-wasip2
fi
# An explicit --target-dir keeps the output where the host tests look, whatever CARGO_TARGET_DIR says.
cargo build --manifest-path plugins/Cargo.toml --target-dir plugins/target --target wasm32-wasip2 --release "$@"
# The JavaScript plugins, with the tooling scripts/prereqs.sh installs from plugins/js/package-lock.json.
node plugins/js/build.mjs
