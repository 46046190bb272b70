#!/usr/bin/env bash
# Runs one XMPP federation (server-to-server) scenario across two servers, inside a private
# network + mount + pid namespace that this script makes for itself (nothing on the machine
# changes: no global /etc/hosts, resolv.conf, listener or process survives the run).
#
#   federate.sh [--mode dialback|external] [--srv] [--a prosody|parley] [--b prosody]
#               [--parleyd PATH] [--parley-s2s-option KEY=VALUE]… [--keep] [--verbose]
#               -- SCENARIO [ARGS…]
#
#   --mode dialback   (default) certificates signed by a CA the servers do not trust:
#                     s2s_secure_auth = false, so XEP-0220 dialback authenticates the streams
#   --mode external   both servers trust the harness's CA: s2s_secure_auth = true, so
#                     XEP-0178 SASL EXTERNAL authenticates the streams
#                     (s2s TLS is required in both modes: s2s_require_encryption = true)
#   --srv             run a DNS server (dnsmasq) on 127.0.0.1:53 in the namespace; B's s2s
#                     listens on 5270 only and is found through _xmpp-server._tcp SRV records
#   --a prosody|parley  server A (a.test, 127.0.0.2); parley runs `$PARLEYD --config FILE`
#   --b prosody|ejabberd  server B (b.test, 127.0.0.3): Prosody, or Debian's ejabberd 23.01
#                     (start_ejabberd_b; the harness's auth checks then read ejabberd's log)
#   --parleyd PATH    the parleyd binary for --a parley (default: .build/debug/parleyd)
#   --parley-s2s-option KEY=VALUE  (repeatable; --a parley) one more option of parley's
#                     xmpp-s2s plugin, e.g. negotiation-timeout=3, max-stanzas-per-second=200,
#                     max-stanza=65536, require-valid-certificate=true (also from the
#                     environment: FED_PARLEY_S2S_OPTIONS="k=v,k=v"); the scenario gets them in
#                     FED_PARLEY_S2S_OPTIONS
#   --keep            keep the temp dir (configs, certificates, logs) and print its path
#   --server-cpu LIST / --client-cpu LIST  pin the servers / the scenario with taskset -c LIST
#                     (scripts/bench-s2s: servers on CPU 0, its load generator on CPU 1)
#   --log-level L     Prosody's log level (default debug; the harness's auth and TLS checks need
#                     debug and are skipped otherwise; scripts/bench-s2s uses info); with
#                     --b ejabberd also ejabberd's loglevel (its checks need info or debug;
#                     debug logs every s2s stream's XML in $dir/b.log)
#   --parley-log-level L  parleyd's log-level for --a parley (default debug; the benchmarks use info)
#   --prosody-nagle on|off  Prosody's Nagle algorithm (network_settings.nagle; default on, as
#                     Prosody ships; off: TCP_NODELAY on its sockets, like parleyd's)
#   --b-vhosts N      server B also serves N more VirtualHosts d1.test … dN.test (all on B's
#                     address in the hosts file, all in B's certificate's subjectAltName), for
#                     scripts/bench-s2s's time to a fresh domain (s2s_first.py); default 0
#   --verbose         the harness says what it does on stderr
#   --hard-timeout S  kill the scenario after S seconds (default 600; the scenarios have their
#                     own --timeout, this is the harness's backstop)
#
# SCENARIO is a path (or a file name in this folder, e.g. federation.py); a .py runs with the
# repository's .venv python. It gets the servers through the environment (the federation
# scenarios read them as their argument defaults):
#   FED_A_HOST=127.0.0.2 FED_A_PORT=5222 FED_A_DOMAIN=a.test FED_A_TLS=starttls|none FED_A_KIND
#   FED_B_HOST=127.0.0.3 FED_B_PORT=5222 FED_B_DOMAIN=b.test FED_B_TLS=starttls FED_B_KIND
#   FED_MODE FED_SRV(0|1) FED_DIR (the temp dir)
#   with --a parley also: FED_A_IRC_PORT=6667 (parley's irc-server on 127.0.0.2, #dev is
#   dev@conference.a.test; account carol/carolpass for it), FED_A_S2S_HOST/FED_A_S2S_PORT,
#   FED_PARLEY_S2S_OPTIONS; always FED_EVIL_DOMAIN=evil.test FED_EVIL_IP=127.0.0.4 (a name in
#   the hosts file for hostile scenarios, nothing listens there unless the scenario does;
#   certificates DIR/evil.test.{crt,key} signed by the test CA and DIR/evil.test.self.{crt,key}
#   self-signed)
# and prints one JSON line; this script prints that line again with the harness's own
# observations added (info.harness: which s2s authentication each Prosody's debug log shows,
# whether the SRV records were asked for) and its checks (`harness_*`), and exits with the
# scenario's code (0 all passed, 1 a check failed, 2 timeout/crash/usage), or 1 when only a
# harness check failed. On failure, the tail of each server's log goes to stderr.
#
# Namespace layout (see README.md): lo up; a.test, conference.a.test -> 127.0.0.2 (server A:
# c2s 5222, s2s 5269); b.test, conference.b.test -> 127.0.0.3 (server B: c2s 5222, s2s 5269,
# or 5270 with --srv); the namespace's own /etc/hosts and /etc/resolv.conf (nameserver
# 127.0.0.1) bind-mounted over the machine's; with --srv dnsmasq on 127.0.0.1:53 answers for
# *.test only (authoritative: any other name under .test is NXDOMAIN). nonexistent.test
# resolves nowhere. The inner shell is the namespace's pid 1: when it exits, the kernel kills
# whatever is left in it, but every process is stopped by its own pid before that.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../../.." && pwd)"
# free_port, port_open, stop_pid, spawn_clean
. "$here/../server-lib.sh"

die() {
  echo "federate: $*" >&2
  # Inside the namespace the run has started: still one JSON line on stdout, like a scenario.
  [ -z "${FEDERATE_INSIDE:-}" ] || python3 -c 'import json, sys; print(json.dumps({"scenario": "federate",
    "ok": False, "checks": {}, "failed": [], "info": {}, "error": sys.argv[1]}))' "federate: $*"
  exit 2
}
say() { [ "$verbose" = 1 ] && echo "federate: $*" >&2 || true; }

parley_s2s_options="${FED_PARLEY_S2S_OPTIONS:-}"
mode=dialback srv=0 a_kind=prosody b_kind=prosody keep=0 verbose=0 log_level=debug server_cpu="" client_cpu="" hard_timeout=600 parley_log_level=debug b_vhosts=0 prosody_nagle=on
parleyd="${PARLEYD:-$repo/.build/debug/parleyd}"
usage() { sed -n '2,/^set -euo/p' "$0" | grep '^#' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --mode) mode="${2:-}"; shift 2 ;;
    --srv) srv=1; shift ;;
    --a) a_kind="${2:-}"; shift 2 ;;
    --b) b_kind="${2:-}"; shift 2 ;;
    --parleyd) parleyd="${2:-}"; shift 2 ;;
    --parley-s2s-option) parley_s2s_options="${parley_s2s_options:+$parley_s2s_options,}${2:-}"; shift 2 ;;
    --keep) keep=1; shift ;;
    --log-level) log_level="${2:-}"; shift 2 ;;
    --server-cpu) server_cpu="${2:-}"; shift 2 ;;
    --client-cpu) client_cpu="${2:-}"; shift 2 ;;
    --hard-timeout) hard_timeout="${2:-}"; shift 2 ;;
    --parley-log-level) parley_log_level="${2:-}"; shift 2 ;;
    --b-vhosts) b_vhosts="${2:-}"; shift 2 ;;
    --prosody-nagle) prosody_nagle="${2:-}"; shift 2 ;;
    --verbose) verbose=1; shift ;;
    --) shift; break ;;
    -h|--help) usage ;;
    *) die "unknown option '$1' (scenario goes after --)" ;;
  esac
done
[ $# -ge 1 ] || usage
case "$mode" in dialback|external) ;; *) die "--mode: dialback or external, not '$mode'" ;; esac
case "$a_kind" in prosody|parley) ;; *) die "--a: prosody or parley, not '$a_kind'" ;; esac
case "$b_kind" in prosody|ejabberd) ;; *) die "--b: prosody or ejabberd, not '$b_kind'" ;; esac
case "$log_level" in debug|info|warn|error) ;; *) die "--log-level: debug, info, warn or error" ;; esac
[[ "$hard_timeout" =~ ^[0-9]+$ ]] || die "--hard-timeout: seconds"
if [ -n "$parley_s2s_options" ]; then
  IFS=',' read -r -a _opts <<<"$parley_s2s_options"
  for _o in "${_opts[@]}"; do
    [[ "$_o" =~ ^[a-z][a-z0-9-]*=[A-Za-z0-9._:/=-]+$ ]] || die "--parley-s2s-option: KEY=VALUE (letters, digits, . _ : / = -), got '$_o'"
  done
fi
[[ "$b_vhosts" =~ ^[0-9]+$ ]] || die "--b-vhosts: a count"
case "$prosody_nagle" in on|off) ;; *) die "--prosody-nagle: on or off" ;; esac
case "$parley_log_level" in trace|debug|info|notice|warning|error|critical) ;;
  *) die "--parley-log-level: trace, debug, info, notice, warning, error or critical" ;; esac

A_DOMAIN=a.test A_IP=127.0.0.2
B_DOMAIN=b.test B_IP=127.0.0.3
C2S_PORT=5222
A_S2S_PORT=5269
if [ "$srv" = 1 ]; then B_S2S_PORT=5270; else B_S2S_PORT=5269; fi
A_IRC_PORT=6667
EVIL_DOMAIN=evil.test EVIL_IP=127.0.0.4   # for hostile scenarios (s2s_hostile.py)

# ----------------------------------------------------------------------------- outside
if [ -z "${FEDERATE_INSIDE:-}" ]; then
  [ "$(id -u)" -eq 0 ] || die "must run as root (it makes a private network/mount namespace with unshare)"
  command -v unshare >/dev/null || die "unshare (util-linux) is missing"
  command -v openssl >/dev/null || die "openssl is missing (scripts/install-peers)"
  command -v prosody >/dev/null || die "prosody is missing (scripts/install-peers)"
  [ "$b_kind" != ejabberd ] || [ -x /usr/sbin/ejabberdctl ] || die "--b ejabberd: ejabberd is missing (apt-get install ejabberd)"
  [ "$srv" = 0 ] || command -v dnsmasq >/dev/null || die "dnsmasq is missing (scripts/install-peers installs dnsmasq-base)"
  [ "$a_kind" != parley ] || [ -x "$parleyd" ] || die "--a parley: no executable parleyd at $parleyd (--parleyd PATH)"
  [ -x "$repo/.venv/bin/python" ] || die "no $repo/.venv (scripts/install-peers)"
  dir="$(mktemp -d /tmp/parley-s2s.XXXXXX)"
  chmod 755 "$dir"   # the servers run as the prosody user and must reach their files
  if [ "$keep" = 1 ]; then trap 'echo "federate: kept $dir" >&2' EXIT; else trap 'rm -rf "$dir"' EXIT; fi
  set +e
  FEDERATE_INSIDE=1 FED_DIR="$dir" PARLEYD="$parleyd" FED_PARLEY_S2S_OPTIONS="$parley_s2s_options" \
    unshare --net --mount --pid --fork --kill-child --mount-proc --propagation private \
    bash "$0" --mode "$mode" $([ "$srv" = 1 ] && echo --srv) --a "$a_kind" --b "$b_kind" \
      --parleyd "$parleyd" --log-level "$log_level" --server-cpu "$server_cpu" --client-cpu "$client_cpu" --hard-timeout "$hard_timeout" \
      --parley-log-level "$parley_log_level" --b-vhosts "$b_vhosts" --prosody-nagle "$prosody_nagle" \
      $([ "$keep" = 1 ] && echo --keep) $([ "$verbose" = 1 ] && echo --verbose) -- "$@"
  rc=$?
  set -e
  exit "$rc"
fi

# ----------------------------------------------------------------------------- inside
dir="$FED_DIR"
[ "$$" = 1 ] || die "internal: the inner shell should be the namespace's pid 1"
pids=()          # every process we start, stopped by pid (in reverse order) on exit
names=()

stop_all() {
  local i
  for ((i=${#pids[@]}-1; i>=0; i--)); do
    say "stopping ${names[$i]} (pid ${pids[$i]})"
    stop_pid "${pids[$i]}" 50
  done
  pids=(); names=()
}
trap stop_all EXIT

tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
wait_tcp() {  # wait_tcp NAME PID HOST PORT [TENTHS]
  local n="$1" pid="$2" host="$3" port="$4" tenths="${5:-300}"
  for _ in $(seq 1 "$tenths"); do
    tcp_open "$host" "$port" && return 0
    kill -0 "$pid" 2>/dev/null || { tail -30 "$dir/$n.log" >&2 || true; die "$n exited during start-up"; }
    sleep 0.1
  done
  tail -30 "$dir/$n.log" >&2 || true
  die "$n did not listen on $host:$port within $((tenths / 10)) s"
}

# --- the network: loopback only; each server has its own 127.x address (all of 127/8 is local)
ip link set lo up

# --- name resolution: the namespace's own hosts file and resolv.conf
mkdir -p "$dir/etc"
cat >"$dir/etc/hosts" <<EOF
127.0.0.1 localhost
$A_IP $A_DOMAIN conference.$A_DOMAIN
$B_IP $B_DOMAIN conference.$B_DOMAIN
$EVIL_IP $EVIL_DOMAIN
EOF
# --b-vhosts N: d1.test … dN.test, more domains served by B
b_extra=()
for ((i = 1; i <= b_vhosts; i++)); do b_extra+=("d$i.test"); done
for x in "${b_extra[@]}"; do echo "$B_IP $x"; done >>"$dir/etc/hosts"
# With no DNS server running, queries to 127.0.0.1:53 are refused at once (no waiting).
echo "nameserver 127.0.0.1" >"$dir/etc/resolv.conf"
chmod 644 "$dir/etc/hosts" "$dir/etc/resolv.conf"
mount --bind "$dir/etc/hosts" /etc/hosts
mount --bind "$dir/etc/resolv.conf" /etc/resolv.conf

# --- test CA and one certificate per domain (SAN: the domain and *.domain, for conference.)
make_certs() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Parley s2s test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null || die "openssl: CA"
  local d
  for d in "$A_DOMAIN" "$B_DOMAIN" "$EVIL_DOMAIN"; do
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$d" -keyout "$dir/$d.key" -out "$dir/$d.csr" 2>/dev/null \
      || die "openssl: key for $d"
    local san="DNS:$d,DNS:*.$d" x
    if [ "$d" = "$B_DOMAIN" ]; then for x in "${b_extra[@]}"; do san+=",DNS:$x"; done; fi
    printf '%s\n' "subjectAltName=$san" "basicConstraints=CA:FALSE" \
      "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth,clientAuth" >"$dir/$d.ext"
    openssl x509 -req -in "$dir/$d.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
      -days 2 -extfile "$dir/$d.ext" -out "$dir/$d.crt" 2>/dev/null || die "openssl: certificate for $d"
    openssl verify -CAfile "$dir/ca.crt" "$dir/$d.crt" >/dev/null || die "openssl: $d.crt does not verify"
    chown prosody:prosody "$dir/$d.key"; chmod 600 "$dir/$d.key"
  done
  # A hostile server's self-signed certificate (s2s_hostile.py), no CA behind it.
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$EVIL_DOMAIN" \
    -addext "subjectAltName=DNS:$EVIL_DOMAIN" -keyout "$dir/$EVIL_DOMAIN.self.key" \
    -out "$dir/$EVIL_DOMAIN.self.crt" 2>/dev/null || die "openssl: self-signed $EVIL_DOMAIN"
  chmod 644 "$dir"/*.crt
}
make_certs
say "CA and certificates in $dir"

# --- optional DNS server for SRV
if [ "$srv" = 1 ]; then
  # Authoritative for .test (--local): names it does not know are NXDOMAIN, not REFUSED.
  spawn_clean "$dir/dnsmasq.log" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
    --listen-address=127.0.0.1 --bind-interfaces --port=53 --user=root --pid-file= \
    --log-queries --log-facility=- --local=/test/ \
    --host-record="$A_DOMAIN,$A_IP" --host-record="conference.$A_DOMAIN,$A_IP" \
    --host-record="$B_DOMAIN,$B_IP" --host-record="conference.$B_DOMAIN,$B_IP" \
    --srv-host="_xmpp-server._tcp.$B_DOMAIN,$B_DOMAIN,$B_S2S_PORT" \
    --srv-host="_xmpp-server._tcp.conference.$B_DOMAIN,$B_DOMAIN,$B_S2S_PORT"
  pids+=("$spawned"); names+=(dnsmasq)
  for _ in $(seq 1 50); do
    grep -q "started, version" "$dir/dnsmasq.log" 2>/dev/null && break
    kill -0 "$spawned" 2>/dev/null || { cat "$dir/dnsmasq.log" >&2; die "dnsmasq exited"; }
    sleep 0.1
  done
  say "dnsmasq (pid $spawned) on 127.0.0.1:53: SRV _xmpp-server._tcp.$B_DOMAIN -> $B_DOMAIN:$B_S2S_PORT"
fi

# --- Prosody
# write_prosody NAME DOMAIN IP S2S_PORT: config in $dir/NAME/prosody.cfg.lua
write_prosody() {
  local name="$1" domain="$2" ip="$3" s2s_port="$4" sdir="$dir/$1"
  mkdir -p "$sdir/data"
  local secure_auth=false cafile=""
  if [ "$mode" = external ]; then
    secure_auth=true
    cafile="; cafile = \"$dir/ca.crt\""
  fi
  # COMPAT (Prosody 0.12): its libunbound resolver (net.unbound) turns the hosts file off by
  # default (hoststxt = false); it must be turned back on for the namespace's /etc/hosts.
  # COMPAT (libunbound): ".test" is one of unbound's default local zones (RFC 6761), answered
  # NXDOMAIN without asking any server; with --srv it is made transparent so that the SRV
  # queries reach dnsmasq (names from the hosts file are still answered locally).
  local unbound="unbound = { hoststxt = true }"
  if [ "$srv" = 1 ]; then
    unbound="unbound = { hoststxt = true; options = { [\"local-zone:\"] = \"test. transparent\" } }"
  fi
  cat >"$sdir/prosody.cfg.lua" <<CFG
-- Generated by federate.sh: server $name ($domain) of a federation test, inside a private namespace.
data_path = "$sdir/data"
interfaces = { "$ip" }
local_interfaces = { "$ip" }
c2s_interfaces = { "$ip" }
c2s_ports = { $C2S_PORT }
c2s_direct_tls_ports = {}
legacy_ssl_ports = {}
s2s_interfaces = { "$ip" }
s2s_ports = { $s2s_port }
s2s_direct_tls_ports = {}
component_ports = {}
http_ports = {}
https_ports = {}
modules_enabled = {
  "roster"; "saslauth"; "tls"; "dialback"; "disco"; "ping"; "version"; "uptime"; "time";
  "private"; "vcard_legacy";
}
modules_disabled = { "posix" }
-- s2s under test
s2s_require_encryption = true
s2s_secure_auth = $secure_auth
ssl = { certificate = "$dir/$domain.crt"; key = "$dir/$domain.key"$cafile }
$unbound
-- c2s is not under test: STARTTLS offered but not required, PLAIN allowed
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_hashed"
storage = "internal"
log = { { levels = { min = "$log_level" }, to = "console" } }
network_settings = { nagle = $([ "$prosody_nagle" = on ] && echo true || echo false) }
VirtualHost "$domain"
Component "conference.$domain" "muc"
  muc_room_locking = false
CFG
  if [ "$name" = b ]; then
    local x
    for x in "${b_extra[@]}"; do echo "VirtualHost \"$x\"" >>"$sdir/prosody.cfg.lua"; done
  fi
  chown -R prosody:prosody "$sdir"
}

run_as=(setpriv --reuid=prosody --regid=prosody --init-groups)
server_pin=(); client_pin=()
[ -z "$server_cpu" ] || server_pin=(taskset -c "$server_cpu")
[ -z "$client_cpu" ] || client_pin=(taskset -c "$client_cpu")

# start_prosody NAME DOMAIN IP S2S_PORT USER PASSWORD
start_prosody() {
  local name="$1" domain="$2" ip="$3" s2s_port="$4" user="$5" password="$6"
  write_prosody "$name" "$domain" "$ip" "$s2s_port"
  "${run_as[@]}" prosodyctl --config "$dir/$name/prosody.cfg.lua" register "$user" "$domain" "$password" \
    >>"$dir/$name.log" 2>&1 || { tail "$dir/$name.log" >&2; die "prosodyctl register $user@$domain failed"; }
  spawn_clean "$dir/$name.log" "${server_pin[@]}" "${run_as[@]}" prosody -F --config "$dir/$name/prosody.cfg.lua"
  pids+=("$spawned"); names+=("$name")
  echo "$spawned" >"$dir/$name.pid"
  say "$name: prosody (pid $spawned) $domain c2s $ip:$C2S_PORT s2s $ip:$s2s_port"
}

# ============================================================================ start_parley_a
# Server A = parleyd with its xmpp-s2s plugin (which does not exist yet: this is where it
# gets plugged in). Writes $dir/parley.yaml, creates alice, starts `$PARLEYD --config FILE`.
# Its resolver honours the namespace's /etc/hosts (and /etc/resolv.conf: dnsmasq with --srv).
start_parley_a() {
  local cfg="$dir/parley.yaml" ca_line=""
  [ "$mode" = external ] && ca_line="
    ca-file: $dir/ca.crt          # in external mode; in dialback mode leave ca-file out"
  mkdir -p "$dir/parley-storage"
  cat >"$cfg" <<YAML
domain: $A_DOMAIN
storage: $dir/parley-storage
auth: [file]
log-level: $parley_log_level
plugins:
  - plugin: xmpp-c2s
    host: $A_IP
    port: $C2S_PORT
    require-tls: false
    allow-plain-without-tls: true
  - plugin: muc
  - plugin: irc-server            # IRC channel #dev is dev@conference.$A_DOMAIN
    host: $A_IP
    port: $A_IRC_PORT
    tls-port: 0
    allow-plain-without-tls: true
  - plugin: xmpp-s2s
    host: $A_IP
    port: $A_S2S_PORT
    tls-certificate: $dir/$A_DOMAIN.crt
    tls-key: $dir/$A_DOMAIN.key$ca_line
    hosts: ""                     # e.g. "b.test=127.0.0.3:5269"; leave empty when DNS/hosts file is used
YAML
  # --parley-s2s-option KEY=VALUE: more lines of the xmpp-s2s plugin (the last plugin above)
  if [ -n "$parley_s2s_options" ]; then
    local o
    IFS=',' read -r -a _opts <<<"$parley_s2s_options"
    for o in "${_opts[@]}"; do echo "    ${o%%=*}: ${o#*=}" >>"$cfg"; done
  fi
  echo alicepass | "$PARLEYD" user add --storage "$dir/parley-storage" alice >>"$dir/a.log" 2>&1 \
    || { tail "$dir/a.log" >&2; die "parleyd user add alice failed"; }
  # carol: the IRC user of federation_muc.py (PASS carol:carolpass on the irc-server)
  echo carolpass | "$PARLEYD" user add --storage "$dir/parley-storage" carol >>"$dir/a.log" 2>&1 \
    || { tail "$dir/a.log" >&2; die "parleyd user add carol failed"; }
  spawn_clean "$dir/a.log" "${server_pin[@]}" "$PARLEYD" --config "$cfg"
  pids+=("$spawned"); names+=(a)
  echo "$spawned" >"$dir/a.pid"
  say "a: parleyd (pid $spawned) $A_DOMAIN c2s $A_IP:$C2S_PORT s2s $A_IP:$A_S2S_PORT"
}
# ===========================================================================================

# ============================================================================ start_ejabberd_b
# Server B = Debian's ejabberd 23.01 (--b ejabberd) on b.test / 127.0.0.3, like Prosody's B: c2s
# 5222 with STARTTLS offered (not required), s2s on $B_S2S_PORT with STARTTLS required
# (s2s_use_starttls: required), MUC conference.b.test, bob/bobpass. Everything lives in
# $dir/b (config, ejabberdctl.cfg, vm.args, inetrc, mnesia spool, logs, the Erlang cookie with
# HOME=$dir/b, copies of b.test's certificate and key owned by the ejabberd user); $dir/b.log
# is a link to its log file ($dir/b/logs/ejabberd.log), $dir/b.console.log its console.
#   dialback: mod_s2s_dialback on (access: all, so outgoing streams do not verify the peer's
#     certificate), ca_file left at its default (the system store: the test CA is not trusted);
#   external: no mod_s2s_dialback, ca_file = the test CA: both directions SASL EXTERNAL (the
#     outgoing stream verifies the peer's certificate, the incoming one accepts EXTERNAL only
#     when the client certificate verifies).
# Like ../ejabberd/run-ejabberd.sh: no epmd (ERL_DIST_PORT: the Erlang distribution, which
# ejabberdctl needs, listens on one loopback port itself), run as the ejabberd user (setpriv),
# `ejabberdctl foreground` (spawned: its shell; the VM's own pid comes from the pid file and is
# the one stopped). Inside the namespace nothing else listens, so fixed ports are fine.
ejabberd_ctl() {  # ejabberd_ctl ARGS…: ejabberdctl with B's config dir, as the ejabberd user
  local edir="$dir/b"
  (cd "$edir/spool" && exec env HOME="$edir" ERL_EPMD_ADDRESS=127.0.0.1 \
    setpriv --reuid=ejabberd --regid=ejabberd --init-groups /usr/sbin/ejabberdctl \
    --config-dir "$edir/conf" --spool "$edir/spool" --logs "$edir/logs" "$@")
}

write_ejabberd_b() {
  local edir="$dir/b" loglevel="$log_level" ca_line="" dialback_module=""
  [ "$loglevel" = warn ] && loglevel=warning
  mkdir -p "$edir/conf" "$edir/spool" "$edir/logs"
  cp "$dir/$B_DOMAIN.crt" "$dir/$B_DOMAIN.key" "$dir/ca.crt" "$edir/"
  if [ "$mode" = external ]; then
    # The test CA for both directions (ejabberd_s2s: s2s_cafile, else ca_file).
    ca_line="ca_file: \"$edir/ca.crt\""
  else
    # COMPAT (ejabberd 23.01): without mod_s2s_dialback there is no dialback at all, and with
    # it (access: all) outgoing streams skip certificate verification (s2s_out_tls_verify).
    dialback_module="  mod_s2s_dialback: {}"
    ca_line="# ca_file: default (the system store), so the test CA is not trusted"
  fi
  cat >"$edir/conf/ejabberd.yml" <<CFG
# Generated by federate.sh: server B ($B_DOMAIN) of a federation test, inside a private namespace.
hosts:
  - "$B_DOMAIN"
loglevel: $loglevel
log_rotate_count: 0
hide_sensitive_log_data: false
certfiles:
  - "$edir/$B_DOMAIN.crt"
  - "$edir/$B_DOMAIN.key"
$ca_line
acme:
  auto: false
# s2s under test
s2s_use_starttls: required
s2s_access: all
# short DNS waits: nothing answers on 127.0.0.1:53 without --srv (refused at once anyway)
s2s_dns_timeout: 2
s2s_dns_retries: 1
# COMPAT (ejabberd 23.01): ipv4/ipv6 here (not inet/inet6); the names resolve to IPv4 only.
outgoing_s2s_families:
  - ipv4
auth_method: internal
auth_password_format: scram
disable_sasl_mechanisms:
  - "digest-md5"
  - "x-oauth2"
listen:
  - port: $C2S_PORT
    ip: "$B_IP"
    module: ejabberd_c2s
    starttls: true
    starttls_required: false
  - port: $B_S2S_PORT
    ip: "$B_IP"
    module: ejabberd_s2s_in
acl:
  local:
    user_regexp: ""
access_rules:
  local:
    allow: local
  c2s:
    allow: all
api_permissions:
  "console commands":
    from:
      - ejabberd_ctl
    who: all
    what: "*"
modules:
  mod_disco: {}
  mod_ping: {}
  mod_roster: {}
  mod_version:
    show_os: false
  mod_muc:
    host: "conference.$B_DOMAIN"
    access: all
    access_create: all
    access_persistent: all
$dialback_module
CFG
  cat >"$edir/conf/ejabberdctl.cfg" <<CFG
ERLANG_NODE=fed-b@localhost
ERL_DIST_PORT=4370
ERL_OPTIONS="-env ERL_CRASH_DUMP_BYTES 0"
EJABBERD_PID_PATH=$edir/ejabberd.pid
CONTRIB_MODULES_PATH=$edir/contrib
CONTRIB_MODULES_CONF_DIR=$edir/contrib/conf
EJABBERD_BYPASS_WARNINGS=true
CFG
  echo '-kernel inet_dist_use_interface {127,0,0,1}' >"$edir/conf/vm.args"
  # Debian's inetrc: the hosts file first (the namespace's /etc/hosts), then the system resolver.
  cp /etc/ejabberd/inetrc "$edir/conf/inetrc" 2>/dev/null \
    || printf '{lookup,["file","native"]}.\n{host,{127,0,0,1}, ["localhost"]}.\n' >"$edir/conf/inetrc"
  chown -R ejabberd:ejabberd "$edir"
  chmod 600 "$edir/$B_DOMAIN.key"
  touch "$edir/logs/ejabberd.log"; chown ejabberd:ejabberd "$edir/logs/ejabberd.log"
  ln -sf "$edir/logs/ejabberd.log" "$dir/b.log"
}

start_ejabberd_b() {
  local edir="$dir/b" vm=""
  write_ejabberd_b
  spawn_clean "$dir/b.console.log" "${server_pin[@]}" env HOME="$edir" ERL_EPMD_ADDRESS=127.0.0.1 \
    bash -c 'cd "$1" && shift && exec "$@"' _ "$edir/spool" \
    setpriv --reuid=ejabberd --regid=ejabberd --init-groups /usr/sbin/ejabberdctl \
    --config-dir "$edir/conf" --spool "$edir/spool" --logs "$edir/logs" foreground
  pids+=("$spawned"); names+=(b-ejabberdctl)
  echo "$spawned" >"$dir/b.pid"
  # A few seconds on an idle machine; much longer while a build shares the CPUs.
  for _ in $(seq 1 1200); do
    vm="$(cat "$edir/ejabberd.pid" 2>/dev/null || true)"
    [[ "$vm" =~ ^[0-9]+$ ]] && tcp_open "$B_IP" "$B_S2S_PORT" && tcp_open "$B_IP" "$C2S_PORT" && break
    kill -0 "$spawned" 2>/dev/null || { tail -n 30 "$dir/b.console.log" "$dir/b.log" >&2 || true; die "b (ejabberd) exited during start-up"; }
    sleep 0.1
  done
  [[ "$vm" =~ ^[0-9]+$ ]] || { tail -n 30 "$dir/b.console.log" "$dir/b.log" >&2 || true; die "b (ejabberd) wrote no pid file within 120 s"; }
  pids+=("$vm"); names+=(b)   # stopped first (reverse order): SIGTERM to the VM ends ejabberdctl too
  echo "$vm" >"$dir/b.pid"
  ejabberd_ctl register bob "$B_DOMAIN" bobpass >>"$dir/b.console.log" 2>&1 \
    || { tail "$dir/b.console.log" >&2; die "ejabberdctl register bob@$B_DOMAIN failed"; }
  say "b: ejabberd (VM pid $vm) $B_DOMAIN c2s $B_IP:$C2S_PORT s2s $B_IP:$B_S2S_PORT, MUC conference.$B_DOMAIN"
}
# ===========================================================================================

if [ "$b_kind" = ejabberd ]; then
  start_ejabberd_b
else
  start_prosody b "$B_DOMAIN" "$B_IP" "$B_S2S_PORT" bob bobpass
fi
if [ "$a_kind" = parley ]; then
  start_parley_a
  a_tls=none   # parley's c2s runs without a certificate here (require-tls: false)
else
  start_prosody a "$A_DOMAIN" "$A_IP" "$A_S2S_PORT" alice alicepass
  a_tls=starttls
fi
wait_tcp b "$(cat "$dir/b.pid")" "$B_IP" "$C2S_PORT"
wait_tcp b "$(cat "$dir/b.pid")" "$B_IP" "$B_S2S_PORT"
wait_tcp a "$(cat "$dir/a.pid")" "$A_IP" "$C2S_PORT"
wait_tcp a "$(cat "$dir/a.pid")" "$A_IP" "$A_S2S_PORT"
[ "$a_kind" != parley ] || wait_tcp a "$(cat "$dir/a.pid")" "$A_IP" "$A_IRC_PORT"
say "both servers accept connections"

# --- the scenario
scenario="$1"; shift
[ -f "$scenario" ] || [ ! -f "$here/$scenario" ] || scenario="$here/$scenario"
[ -f "$scenario" ] || die "no scenario $scenario"
runner=()
case "$scenario" in *.py) runner=("$repo/.venv/bin/python") ;; esac
export FED_A_HOST="$A_IP" FED_A_PORT="$C2S_PORT" FED_A_DOMAIN="$A_DOMAIN" FED_A_TLS="$a_tls" FED_A_KIND="$a_kind"
export FED_B_HOST="$B_IP" FED_B_PORT="$C2S_PORT" FED_B_DOMAIN="$B_DOMAIN" FED_B_TLS=starttls FED_B_KIND="$b_kind"
export FED_MODE="$mode" FED_SRV="$srv" FED_DIR="$dir"
export FED_EVIL_DOMAIN="$EVIL_DOMAIN" FED_EVIL_IP="$EVIL_IP" FED_A_S2S_HOST="$A_IP" FED_A_S2S_PORT="$A_S2S_PORT"
if [ "$a_kind" = parley ]; then
  export FED_A_IRC_PORT="$A_IRC_PORT" FED_PARLEY_S2S_OPTIONS="$parley_s2s_options"
else
  unset FED_A_IRC_PORT FED_PARLEY_S2S_OPTIONS
fi
say "running ${runner[*]} $scenario $*"
set +e
timeout -k 5 "$hard_timeout" "${client_pin[@]}" "${runner[@]}" "$scenario" "$@" >"$dir/scenario.out"
rc=$?
set -e
stop_all

# --- what the logs show, added to the scenario's JSON line
set +e
"$repo/.venv/bin/python" "$here/harness_report.py" --dir "$dir" --mode "$mode" --srv "$srv" \
  --a-kind "$a_kind" --b-kind "$b_kind" --log-level "$log_level" --rc "$rc" <"$dir/scenario.out"
rc=$?
set -e
if [ "$rc" != 0 ]; then
  for n in a b dnsmasq; do
    [ -s "$dir/$n.log" ] || continue
    echo "---- federate: last lines of $n's log ($dir/$n.log)" >&2
    tail -25 "$dir/$n.log" >&2
  done
  [ "$keep" = 1 ] || echo "federate: rerun with --keep to keep every log" >&2
fi
exit "$rc"
