#!/usr/bin/env bash
# A throwaway Samba AD DC on a loopback address, for gwb's tests, CI and demos.
#
#   eval "$(scripts/samba-dc.sh start [--ip 127.0.0.2] [--dir DIR] [--profile base|exchange])"
#   scripts/samba-dc.sh env  [--dir DIR]       # print the exports of a running DC again
#   scripts/samba-dc.sh stop [--dir DIR]       # stop it (by its pid file) and remove DIR
#
# `start` installs what is missing (scripts/prereqs.sh: Debian/Ubuntu, apt-get), provisions a domain into DIR,
# gives it a certificate with a subjectAltName (Samba's own has none, which rustls rejects),
# starts it on the loopback address, waits until LDAPS answers (up to GWB_SAMBA_START_TIMEOUT
# seconds, default 300; on failure it prints the tail of the DC's log), and prints shell exports:
# GWB_TEST_LDAP_URL, GWB_TEST_BASE_DN, GWB_TEST_BIND_DN, GWB_TEST_BIND_PASSWORD_FILE,
# GWB_TEST_CA_FILE, GWB_TEST_SAMBA_DIR (also written to DIR/env). Everything else goes to
# stderr. Several DCs may run at once on different addresses (127.0.0.2, 127.0.0.3, ...).
#
# Profiles:
#   base      Samba's default 2012 R2 schema: adminDescription, mail, proxyAddresses, but no
#             msDS-ExternalDirectoryObjectId and no Exchange attributes.
#   exchange  base plus msDS-ExternalDirectoryObjectId (Windows Server 2016 schema) and the
#             Exchange recipient attributes gwb writes (scripts/samba-exchange-schema.ldif),
#             made optional on mailRecipient, the auxiliary class of group and user; and
#             proxyAddresses in the Global Catalog, as Exchange's schema puts it.
set -euo pipefail

cmd="${1:-}"
shift || true
ip=127.0.0.2
dir=""
profile=base
while [ $# -gt 0 ]; do
    case "$1" in
        --ip) ip="$2"; shift 2 ;;
        --dir) dir="$2"; shift 2 ;;
        --profile) profile="$2"; shift 2 ;;
        *) echo "samba-dc.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
case "$ip" in
    127.*) ;;
    *) echo "samba-dc.sh: --ip must be a loopback address (127.x.y.z), got $ip" >&2; exit 2 ;;
esac
case "$profile" in
    base|exchange) ;;
    *) echo "samba-dc.sh: --profile must be base or exchange, got $profile" >&2; exit 2 ;;
esac
[ -n "$dir" ] || dir="${TMPDIR:-/tmp}/gwb-samba-$ip"
script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

realm=GWB.TEST
domain=GWB
base_dn="DC=gwb,DC=test"

log() { echo "samba-dc: $*" >&2; }

print_env() {
    if [ ! -f "$dir/env" ]; then
        echo "samba-dc.sh: no DC in $dir (start one with: eval \$(scripts/samba-dc.sh start))" >&2
        exit 1
    fi
    cat "$dir/env"
}

install_samba() {
    # The one install list (samba-ad-dc with winbind, ldap-utils, openssl, ...) lives there.
    "$script_dir/prereqs.sh"
}

# The last lines of the DC's logs, for a start that failed: the cause (a missing winbindd, a
# port in use, a schema error) is there and nowhere else.
dc_log_tail() {
    local f
    for f in "$dir/log" "$dir"/log.*; do
        [ -s "$f" ] || continue
        echo "---- last 40 lines of $f ----" >&2
        tail -n 40 "$f" >&2
    done
}

make_certs() {
    local tls="$dir/private/tls"
    mkdir -p "$tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=gwb test CA $ip" \
        -keyout "$tls/ca-key.pem" -out "$tls/ca.pem" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
        -keyout "$tls/key.pem" -out "$tls/server.csr" 2>/dev/null
    printf '%s\n' "subjectAltName=DNS:localhost,IP:$ip" "basicConstraints=CA:FALSE" \
        "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" \
        >"$tls/server.ext"
    openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca-key.pem" \
        -CAcreateserial -days 30 -extfile "$tls/server.ext" -out "$tls/cert.pem" 2>/dev/null
    chmod 600 "$tls/key.pem" "$tls/ca-key.pem"
    rm -f "$tls/server.csr" "$tls/server.ext"
}

# How long a start may take before it counts as failed: a busy 2-core machine (CI compiling
# alongside) can take well over a minute to bring up a fresh DC. GWB_SAMBA_START_TIMEOUT overrides.
start_timeout="${GWB_SAMBA_START_TIMEOUT:-300}"

wait_ldaps() {
    local pid deadline=$((SECONDS + start_timeout))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if LDAPTLS_CACERT="$dir/private/tls/ca.pem" ldapsearch -LLL -x -H "ldaps://$ip:636" \
            -o nettimeout=5 -s base -b "" defaultNamingContext >/dev/null 2>&1; then
            return 0
        fi
        pid="$(cat "$dir/pid/samba.pid" 2>/dev/null || true)"
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            log "samba (pid $pid) exited before LDAPS on $ip:636 answered"
            dc_log_tail
            return 1
        fi
        sleep 0.5
    done
    log "LDAPS on $ip:636 did not answer within $start_timeout s (GWB_SAMBA_START_TIMEOUT)"
    dc_log_tail
    return 1
}

ldapmodify_admin() {
    LDAPTLS_CACERT="$dir/private/tls/ca.pem" ldapmodify -x -H "ldaps://$ip:636" \
        -D "CN=Administrator,CN=Users,$base_dn" -y "$dir/password" "$@" >/dev/null
}

extend_schema() {
    local schema_dn="CN=Schema,CN=Configuration,$base_dn"
    sed "s/@SCHEMA_DN@/$schema_dn/g" "$script_dir/samba-exchange-schema.ldif" >"$dir/exchange-schema.ldif"
    ldapmodify_admin -f "$dir/exchange-schema.ldif"
}

start() {
    if [ -f "$dir/env" ]; then
        echo "samba-dc.sh: a DC already lives in $dir; stop it first (scripts/samba-dc.sh stop --dir $dir)" >&2
        exit 1
    fi
    install_samba
    local t0 t1
    t0=$(date +%s.%N)
    mkdir -p "$dir"
    chmod 700 "$dir"
    # A random password that satisfies AD's complexity rules (upper, lower, digit, symbol).
    local password
    password="Gwb-$(openssl rand -hex 12)-x9Q"
    (umask 077 && printf '%s' "$password" >"$dir/password")
    log "provisioning $realm ($profile schema) into $dir"
    samba-tool domain provision --server-role=dc --dns-backend=NONE \
        --realm="$realm" --domain="$domain" --adminpass="$password" \
        --targetdir="$dir" \
        --option="interfaces=$ip/8" --option="bind interfaces only=yes" \
        --option="pid directory=$dir/pid" --option="ncalrpc dir=$dir/ncalrpc" \
        --option="winbindd socket directory=$dir/winbindd" \
        --option="ntp signd socket directory=$dir/ntp_signd" \
        --option="log file=$dir/log" \
        --option="server services=-dns -nbt -wrepl -ntp_signd -kcc -dnsupdate -s3fs -rpc" \
        --option="dcerpc endpoint servers=-winreg -srvsvc" \
        --option="tls keyfile=$dir/private/tls/key.pem" \
        --option="tls certfile=$dir/private/tls/cert.pem" \
        --option="tls cafile=$dir/private/tls/ca.pem" \
        --option="dsdb:schema update allowed=true" \
        >"$dir/provision.log" 2>&1 || { cat "$dir/provision.log" >&2; exit 1; }
    make_certs
    mkdir -p "$dir/pid"
    samba -s "$dir/etc/smb.conf" -D || { log "samba did not start"; dc_log_tail; exit 1; }
    wait_ldaps
    if [ "$profile" = exchange ]; then
        extend_schema
    fi
    t1=$(date +%s.%N)
    log "ready on ldaps://$ip:636 in $(echo "$t1 - $t0" | bc 2>/dev/null || awk "BEGIN{print $t1-$t0}") s"
    cat >"$dir/env" <<EOF
export GWB_TEST_LDAP_URL=ldaps://$ip:636
export GWB_TEST_BASE_DN=$base_dn
export GWB_TEST_BIND_DN=CN=Administrator,CN=Users,$base_dn
export GWB_TEST_BIND_PASSWORD_FILE=$dir/password
export GWB_TEST_CA_FILE=$dir/private/tls/ca.pem
export GWB_TEST_SAMBA_DIR=$dir
export GWB_TEST_SAMBA_PROFILE=$profile
EOF
    cat "$dir/env"
}

stop() {
    local pidfile="$dir/pid/samba.pid"
    if [ -f "$pidfile" ]; then
        local pid
        pid="$(cat "$pidfile")"
        if kill "$pid" 2>/dev/null; then
            local i
            for i in $(seq 1 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
        fi
    elif [ ! -d "$dir" ]; then
        echo "samba-dc.sh: no DC in $dir" >&2
        exit 1
    fi
    case "$dir" in
        /|"") echo "samba-dc.sh: refusing to remove '$dir'" >&2; exit 1 ;;
    esac
    rm -rf "$dir"
    log "stopped and removed $dir"
}

case "$cmd" in
    start) start ;;
    stop) stop ;;
    env) print_env ;;
    *) echo "usage: samba-dc.sh start|stop|env [--dir DIR] [--ip 127.0.0.N] [--profile base|exchange]" >&2; exit 2 ;;
esac
