#!/usr/bin/env bash
# Builds every rule plugin from source: the Rust ones (SDK examples and test plugins) for
# wasm32-wasip2, the Python ones with componentize-py (plugins/python/build.py) and the
# JavaScript ones with componentize-js (plugins/js/build.mjs).
# Output: plugins/target/wasm32-wasip2/release/<crate_name>.wasm,
# plugins/target/python/<folder>.wasm and plugins/target/js/<folder>.wasm. Arguments go to cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! rustup target list --installed | grep -qx wasm32-wasip2; then
    rustup target add wasm32-wasip2
fi
# An explicit --target-dir keeps the output where the host tests look, whatever CARGO_TARGET_DIR says.
cargo build --manifest-path plugins/Cargo.toml --target-dir plugins/target --target wasm32-wasip2 --release "$@"
python3 plugins/python/build.py
# The JavaScript plugins, with the tooling scripts/prereqs.sh installs from plugins/js/package-lock.json.
node plugins/js/build.mjs
