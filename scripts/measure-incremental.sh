#!/usr/bin/env bash
# Measures a full `gwb sync` of a generated tenant (N groups; N=2000 by default) into a
# throwaway Samba DC, then an incremental sync with no cloud change. Members have no AD
# account (only groups are written). Usage: N=10000 scripts/measure-incremental.sh
# Needs target/debug/gwb and graph-emulator: cargo build -p gwb -p graph-emulator.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N=${N:-2000}
d="${TMPDIR:-/tmp}/gwb-measure-$N"; rm -rf $d; mkdir -p $d
scripts/samba-dc.sh start --ip 127.0.0.5 --dir $d/dc >/dev/null 2>&1
export MEASURE_SECRET=measure-only
"${CARGO_TARGET_DIR:-target}"/debug/graph-emulator --generate seed=7,groups=$N,users=200 --listen 127.0.0.1:8951 --page-size 999 \
  --client-id 22222222-0000-4000-8000-000000000000 --client-secret-env MEASURE_SECRET > $d/emu.out &
emu=$!
trap 'kill $emu; scripts/samba-dc.sh stop --dir '$d'/dc >/dev/null 2>&1' EXIT
sleep 3
tenant=$(sed -n 2p $d/emu.out | awk '{print $2}')
printf 'dn: OU=Cloud,DC=gwb,DC=test\nchangetype: add\nobjectClass: organizationalUnit\n' | LDAPTLS_CACERT=$d/dc/private/tls/ca.pem ldapmodify -x -H ldaps://127.0.0.5 -D CN=Administrator,CN=Users,DC=gwb,DC=test -y $d/dc/password >/dev/null
cat > $d/rules.toml <<R
[defaults]
ou = "OU=Cloud,DC=gwb,DC=test"
[graph]
tenant_id = "$tenant"
client_id = "22222222-0000-4000-8000-000000000000"
client_secret = { env = "MEASURE_SECRET" }
authority = "http://127.0.0.1:8951"
endpoint = "http://127.0.0.1:8951"
state_dir = "state"
[ad]
url = "ldaps://127.0.0.5:636"
bind_dn = "CN=Administrator,CN=Users,DC=gwb,DC=test"
password = { file = "$d/dc/password" }
ca_file = "$d/dc/private/tls/ca.pem"
R
/usr/bin/time -f "full sync: %e s" "${CARGO_TARGET_DIR:-target}"/debug/gwb --quiet --rules $d/rules.toml sync --max-delete-percent 100 | head -3 || true
/usr/bin/time -f "incremental sync (no change): %e s" "${CARGO_TARGET_DIR:-target}"/debug/gwb --quiet --rules $d/rules.toml sync | head -3
