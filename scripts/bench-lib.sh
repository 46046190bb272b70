# Helpers shared by the benchmark scripts (scripts/bench-muc, scripts/bench-gateway,
# scripts/bench-pubsub): sourced,
# not run. The caller sets BENCH (its name, for log lines), ROOT (the repository) and PIN
# (1: pin servers to CPU 0 and the generator to CPU 1), and runs `set -euo pipefail`.

log() { echo "${BENCH:-bench}: $*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Pinning: servers on CPU 0, the generator on CPU 1, so that "CPU per message" is one
# core's work and the two never migrate onto each other's core.
SERVER_CPU=()
LOAD_CPU=()
pin_cpus() {
  if [ "${PIN:-1}" = 1 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
    SERVER_CPU=(taskset -c 0)
    LOAD_CPU=(taskset -c 1)
  fi
}

stop_pid() {  # stop_pid PID: TERM, up to 10 s, then KILL
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then log "pid $pid ignored SIGTERM, killing it"; kill -KILL "$pid" 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || true
}

# Sockets: N client connections in the generator and as many in each server (which
# inherit the limit). raise_file_limit COUNT fails when the hard limit is too low.
raise_file_limit() {
  ulimit -n "$(ulimit -Hn)"
  if [ "$(ulimit -n)" -lt $(( $1 + 256 )) ]; then
    log "RLIMIT_NOFILE hard limit $(ulimit -Hn) is below the $1 sessions asked for"; exit 1
  fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_listening() {  # wait_listening PID PORT: up to 60 s, while PID lives
  local pid=$1 port=$2 i
  for i in $(seq 600); do
    kill -0 "$pid" 2>/dev/null || { log "server pid $pid exited before listening"; return 1; }
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  log "nothing listens on 127.0.0.1:$port after 60 s"; return 1
}

check_loopback_only() {  # check_loopback_only PID: every listening socket of PID is on loopback
  local pid=$1 bad
  bad=$(ss -ltnpH | grep "pid=$pid," | awk '{print $4}' | grep -v -E '^(127\.0\.0\.1|\[::1\]):' || true)
  if [ -n "$bad" ]; then log "pid $pid listens beyond loopback: $bad"; return 1; fi
}

install_debian() {  # install_debian PACKAGE: apt-get install when missing
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" && return 0
  log "installing $1"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$1" >/dev/null
}

build_xmpp_load() {  # sets LOAD to the release xmpp-load of Benchmarks/
  log "building xmpp-load (release)"
  (cd "$ROOT/Benchmarks" && swift build -c release --scratch-path .build --product xmpp-load 2>&1 | tail -1) >&2
  LOAD=$ROOT/Benchmarks/.build/release/xmpp-load
  [ -x "$LOAD" ] || { log "xmpp-load was not built"; exit 1; }
}

# resolve_parleyd WORK [swift build options…]: PARLEYD (built with the options unless the
# environment gives it) copied to WORK/parleyd, so that one binary serves the whole run even
# if the file is rebuilt meanwhile; PARLEY_LABEL names it, PARLEY_NOTE (for a given binary)
# its file and date.
resolve_parleyd() {
  local work=$1; shift
  PARLEY_NOTE=
  if [ -z "${PARLEYD:-}" ]; then
    log "building parleyd (release)"
    (cd "$ROOT" && swift build -c release "$@" --product parleyd 2>&1 | tail -1) >&2
    PARLEYD="$(cd "$ROOT" && swift build -c release "$@" --show-bin-path)/parleyd"
    PARLEY_LABEL="parleyd $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
  else
    # A given binary: its commit is not known here; the report names the file and its date.
    PARLEY_LABEL="parleyd (PARLEYD)"
    PARLEY_NOTE="Parley binary: PARLEYD=$PARLEYD, file dated $(date -u -r "$PARLEYD" +%Y-%m-%dT%H:%MZ)."
  fi
  [ -x "$PARLEYD" ] || { log "no parleyd at $PARLEYD"; exit 1; }
  cp "$PARLEYD" "$work/parleyd"
  PARLEYD=$work/parleyd
}

# --- Parley --------------------------------------------------------------------------------
# parley_accounts DIR COUNT PASSWORD: accounts load0… in DIR/accounts, written by the
# flat-file store's own code (`parleyd user import`, as scripts/bench-c2s does); 4096
# iterations keeps each first PLAIN login cheap. Needs PARLEYD (resolve_parleyd).
parley_accounts() {
  local dir=$1 count=$2 password=$3 i
  mkdir -p "$dir"
  for ((i = 0; i < count; i++)); do echo "load$i $password"; done |
    "$PARLEYD" user import --storage "$dir" --iterations 4096 >&2
}

# parley_c2s_config DIR PORT DOMAIN: the start of a parley.yaml on stdout, storage and
# accounts in DIR and xmpp-c2s on 127.0.0.1:PORT over plain TCP with PLAIN allowed (as in
# scripts/bench-c2s); the caller appends its other plugins. Parley has no per-client rate
# limit or shaper to turn off.
parley_c2s_config() {
  local dir=$1 port=$2 domain=$3
  cat <<EOF
domain: $domain
storage: $dir
auth: [ "file:$dir" ]
log-level: warning
plugins:
  - plugin: xmpp-c2s
    host: 127.0.0.1
    port: $port
    require-tls: false
    allow-plain-without-tls: true
    registration: false
EOF
}

# disk_sync_rate DIR: how many 4 KiB write + fsync pairs per second a file in DIR takes
# (over 2 s), the ceiling of a store that syncs once per write on that disk.
disk_sync_rate() {
  python3 - "$1" <<'PY'
import os, sys, time
path = os.path.join(sys.argv[1], "fsync-probe")
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
block, count, start = b"x" * 4096, 0, time.monotonic()
while time.monotonic() - start < 2:
    os.write(fd, block)
    os.fsync(fd)
    count += 1
elapsed = time.monotonic() - start
os.close(fd)
os.unlink(path)
print(round(count / elapsed))
PY
}

# --- Prosody 0.12 (Debian) in the foreground, as the prosody user ------------------------
# prosody_accounts DIR COUNT PASSWORD DOMAIN: accounts PREFIX load0…, written directly as
# internal_plain's files (data_path/<host>/accounts/<user>.dat, the file `prosodyctl
# register` would write), and a self-signed certificate for DOMAIN.
prosody_accounts() {
  local dir=$1 count=$2 password=$3 domain=$4 i
  install_debian prosody
  mkdir -p "$dir/data/$domain/accounts"
  for ((i = 0; i < count; i++)); do
    printf 'return {\n\t["password"] = "%s";\n};\n' "$password" >"$dir/data/$domain/accounts/load$i.dat"
  done
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$domain" \
    -keyout "$dir/$domain.key" -out "$dir/$domain.crt" 2>/dev/null
  chown -R prosody:prosody "$dir"
}

# prosody_config DIR PORT DOMAIN COMPONENT_PORT: the c2s part of the configuration on
# stdout (the caller appends its components). Loopback only, no s2s/http, POSIX module off
# (so it stays in the foreground), plain TCP with PLAIN allowed, a lean module set and no
# mod_limits (Debian's default 10 kB/s per client would throttle the load). Prosody's
# c2s_stanza_size_limit (256 KiB) is far above the generators' 200-byte messages.
# COMPONENT_PORT empty: no XEP-0114 port. EXTRA_MODULES (optional, e.g. "carbons mam
# smacks") are added to modules_enabled.
prosody_config() {
  local dir=$1 port=$2 domain=$3 component_port=${4:-} extra_modules=${5:-} m extra=
  for m in $extra_modules; do extra+=", \"$m\""; done
  cat <<EOF
pidfile = "$dir/prosody.pid"
data_path = "$dir/data"
interfaces = { "127.0.0.1" }
c2s_ports = { $port }
c2s_interfaces = { "127.0.0.1" }
c2s_direct_tls_ports = { }
s2s_ports = { }
http_ports = { }
https_ports = { }
component_ports = { $component_port }
component_interfaces = { "127.0.0.1" }
modules_disabled = { "s2s", "posix" }
modules_enabled = { "roster", "saslauth", "tls", "disco", "ping"$extra }
network_backend = "epoll"
authentication = "internal_plain"
storage = "internal"
allow_registration = false
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
ssl = { certificate = "$dir/$domain.crt"; key = "$dir/$domain.key"; }
log = { { levels = { min = "warn" }, to = "file", filename = "$dir/prosody.log" } }
VirtualHost "$domain"
EOF
}

# start_prosody_with DIR PORT: Prosody on DIR/prosody.cfg.lua, pinned with the servers;
# sets PROSODY_PID. Exits when it does not listen on 127.0.0.1:PORT.
start_prosody_with() {
  local dir=$1 port=$2
  chown prosody:prosody "$dir/prosody.cfg.lua"
  "${SERVER_CPU[@]}" setpriv --reuid=prosody --regid=prosody --init-groups \
    prosody -F --config "$dir/prosody.cfg.lua" >>"$dir/stdout.log" 2>&1 &
  PROSODY_PID=$!
  wait_listening "$PROSODY_PID" "$port" || { cat "$dir/stdout.log" "$dir/prosody.log" >&2 || true; exit 1; }
  check_loopback_only "$PROSODY_PID"
}
