#!/usr/bin/env bash
# The main job on the bundled example: the Graph emulator serves
# testkit/graph-emulator/tenants/example.json, a throwaway Samba AD DC holds the on-premises
# users, and gwb runs rules/example.toml — first `gwb plan` (the LDIF it would apply and a
# summary), then `gwb sync`, then lists the resulting groups as AD sees them. Everything it
# starts is stopped when it ends; its files live in .demo/ (git-ignored).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*" >&2; }
demo="$PWD/.demo"  # absolute: Samba wants absolute paths
dc_ip=127.0.0.4
graph_listen=127.0.0.1:8950
tenant=testkit/graph-emulator/tenants/example.json

step "prerequisites and build"
scripts/prereqs.sh
scripts/build-plugins.sh
cargo build --locked -p gwb -p graph-emulator
bin="${CARGO_TARGET_DIR:-target}/debug"
gwb="$bin/gwb"

cleanup() {
    [ -n "${emulator_pid:-}" ] && kill "$emulator_pid" 2>/dev/null || true
    scripts/samba-dc.sh stop --dir "$demo/dc" >/dev/null 2>&1 || true
}
trap cleanup EXIT
scripts/samba-dc.sh stop --dir "$demo/dc" >/dev/null 2>&1 || true
rm -rf "$demo"
mkdir -p "$demo"

step "throwaway Samba AD DC on $dc_ip with the tenant's on-premises users"
scripts/samba-dc.sh start --ip "$dc_ip" --dir "$demo/dc" --profile base >/dev/null
# shellcheck disable=SC1091
source "$demo/dc/env"
export LDAPTLS_CACERT="$GWB_TEST_CA_FILE"
ldap() { local tool=$1; shift; "$tool" -x -H "$GWB_TEST_LDAP_URL" -D "$GWB_TEST_BIND_DN" -y "$GWB_TEST_BIND_PASSWORD_FILE" "$@"; }
python3 - "$tenant" > "$demo/users.ldif" <<'PY'
import json, sys
tenant = json.load(open(sys.argv[1]))
print("dn: OU=Cloud Groups,DC=gwb,DC=test\nobjectClass: organizationalUnit\n")
for user in tenant["users"]:
    dn = user.get("onPremisesDistinguishedName")
    if not user.get("onPremisesSyncEnabled") or not dn:
        continue  # cloud-only users have no AD account: gwb reports them as skipped members
    print(f"dn: {dn}\nobjectClass: user\nsAMAccountName: {user['onPremisesSamAccountName']}")
    print(f"userPrincipalName: {user['userPrincipalName']}\ndisplayName: {user['displayName']}")
    # onPremisesImmutableId is base64 of the GUID stored in mS-DS-ConsistencyGuid.
    print(f"mS-DS-ConsistencyGuid:: {user['onPremisesImmutableId']}\n")
PY
ldap ldapadd -f "$demo/users.ldif" >/dev/null

step "Graph emulator on $graph_listen serving $tenant"
"$bin/graph-emulator" --tenant "$tenant" --listen "$graph_listen" > "$demo/emulator.out" &
emulator_pid=$!
for _ in $(seq 50); do
    grep -q http "$demo/emulator.out" 2>/dev/null && break
    sleep 0.2
done
export GWB_DEMO_GRAPH_SECRET=demo-only-not-a-secret

step "gwb plan: what would be written (LDIF on stdout, summary below it)"
"$gwb" --rules rules/example.toml plan --report "$demo/plan-report.json"

step "gwb sync: write it"
"$gwb" --rules rules/example.toml sync --report "$demo/sync-report.json"

step "the groups as AD sees them"
ldap ldapsearch -LLL -o ldif-wrap=no -b "OU=Cloud Groups,DC=gwb,DC=test" "(objectClass=group)" \
    cn sAMAccountName groupType description member

step "a second gwb sync: nothing changed in the cloud, so nothing is written"
"$gwb" --rules rules/example.toml sync
