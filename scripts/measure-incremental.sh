#!/usr/bin/env bash
# Measures the incremental cost of `gwb sync` (host/benches/incremental.rs): a full sync of a
# tenant of N groups (10,000 by default) into a throwaway Samba AD DC, then syncs with no
# cloud change, one changed group and one deleted group. Prints wall time, Graph requests and
# pages, and LDAP writes per run. Usage: N=2000 scripts/measure-incremental.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N=${N:-10000}
dir="${TMPDIR:-/tmp}/gwb-measure-dc"
scripts/samba-dc.sh stop --dir "$dir" >/dev/null 2>&1 || true
eval "$(scripts/samba-dc.sh start --ip 127.0.0.5 --dir "$dir")"
trap 'scripts/samba-dc.sh stop --dir "$dir" >/dev/null 2>&1' EXIT
GWB_BENCH_GROUPS=$N cargo bench -p gwb --bench incremental --locked
