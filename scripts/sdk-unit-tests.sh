#!/usr/bin/env bash
# The plugin SDKs' unit tests, natively and in seconds (no component is built): the Python and
# JavaScript SDKs' imitations of Rust (`{:?}` quoting, regex, glob) and their config parsing
# against the shared vectors in plugins/sdk-vectors, and Rust's own answers for those vectors
# (the Rust SDK's tests/vectors.rs and the group-filter's rule tests, natively).
# Needs what scripts/prereqs.sh installs (pytest in plugins/target/python/test-venv, node).
# Each runner ends with its own summary: cargo's `test result:`, pytest's `N passed`, and
# node's `# pass N` / `# fail 0`. Exits non-zero when any test fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The plugins workspace sets no default target: a plain cargo test builds for the host.
cargo test --manifest-path plugins/Cargo.toml --target-dir plugins/target --locked \
    -p gwb-plugin-sdk -p group-filter

PYTHONDONTWRITEBYTECODE=1 plugins/target/python/test-venv/bin/python -m pytest \
    -p no:cacheprovider -q plugins/python/unit

node --test plugins/js/unit/vectors.test.mjs
