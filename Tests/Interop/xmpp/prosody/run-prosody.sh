#!/usr/bin/env bash
# Starts a throwaway Prosody (Debian's 0.12) on 127.0.0.1 for the XMPP interop scenarios.
#
#   run-prosody.sh start [DIR]        create DIR (or a new temp dir) if needed, start Prosody in the
#                                     foreground (prosody -F) as a background child of the caller,
#                                     wait until it accepts connections, print shell assignments:
#                                       PROSODY_PID=… PROSODY_PORT=… PROSODY_DIR=… PROSODY_DOMAIN=…
#                                     Starting again on the same DIR keeps its data and its port
#                                     (that is how the harness "restarts the server").
#   run-prosody.sh stop PID           SIGTERM that pid (and only it), wait up to 10 s, then SIGKILL.
#   run-prosody.sh restart DIR        stop the pid that `start DIR` recorded in DIR/server.pid, start
#                                     again on the same DIR and port (prints the same assignments).
#   run-prosody.sh register DIR USER PASSWORD   create an account (prosodyctl, server may run).
#   run-prosody.sh foreground [DIR]   like start, but exec Prosody in this shell (Ctrl-C stops it).
#
# Environment: PROSODY_DOMAIN (default localhost).
#   PROSODY_COMPONENT=DOMAIN:SECRET[,DOMAIN:SECRET…] (opt-in) also opens a component port (XEP-0114)
#   on a free loopback port, declares `Component "DOMAIN" component_secret = "SECRET"` for each,
#   and prints PROSODY_COMPONENT_PORT=… with the other assignments. DIR remembers it, so a
#   restart keeps the components and the port. Domains and secrets: letters, digits, . _ -
#   PROSODY_MUC=DOMAIN (opt-in) also serves multi-user chat there (XEP-0045, with mod_muc_mam for
#   XEP-0359 stanza-ids, rooms unlocked at creation and persistent); DIR remembers it like the components.
#   PROSODY_PUBSUB=DOMAIN[:JID,JID…] (opt-in) also serves publish-subscribe there (XEP-0060,
#   mod_pubsub as `Component "DOMAIN" "pubsub"`, the JIDs its admins: in Prosody 0.12 only an
#   admin may create nodes) and PEP on every account (XEP-0163, mod_pep); DIR remembers it.
#   PROSODY_MODULES="carbons mam blocklist …" (opt-in) appends these Prosody module names
#   (letters, digits, _ and -, separated by spaces) to modules_enabled; with mam listed, also
#   archive_expires_after = "1w" and default_archive_policy = true (every conversation
#   archived); with smacks listed, also smacks_hibernation_time = PROSODY_SMACKS_HIBERNATION
#   (whole seconds, default 600 as in mod_smacks: how long a dropped session may be resumed).
#   DIR remembers the list and the time like the components. Used by carbons.py, mam.py,
#   blocking.py, smacks.py, vcard.py and private_bookmarks.py (XEP-0280, XEP-0313, XEP-0191,
#   XEP-0198, XEP-0292, XEP-0402), which the default config cannot pass.
# Config: loopback only (c2s on 127.0.0.1:PORT; s2s, http and direct TLS off; components off
# unless PROSODY_COMPONENT is set),
# STARTTLS with a self-signed certificate but not required, PLAIN allowed without TLS,
# SCRAM-SHA-256 stored keys (password_hash = "SHA-256"), open in-band registration,
# offline storage, private XML storage, vcard-temp (vcard_legacy, which loads pep), ping,
# version, disco, uptime, time. No carbons, no MAM, no smacks
# (unless PROSODY_MODULES asks for them): they would change what the scenarios observe.
set -euo pipefail

domain="${PROSODY_DOMAIN:-localhost}"
run_as=(setpriv --reuid=prosody --regid=prosody --init-groups)

die() { echo "run-prosody: $*" >&2; exit 1; }

# free_port, port_open, stop_pid, spawn_clean, read_components
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../server-lib.sh"

prepare() {
  local dir="$1"
  mkdir -p "$dir/data" "$dir/certs"
  dir="$(cd "$dir" && pwd)"
  [ -s "$dir/port" ] || free_port >"$dir/port"
  [ -s "$dir/domain" ] || echo "$domain" >"$dir/domain"
  domain="$(cat "$dir/domain")"
  local port; port="$(cat "$dir/port")"
  # XEP-0114 components (opt-in): remembered in DIR like the domain.
  if [ -n "${PROSODY_COMPONENT:-}" ] && [ ! -s "$dir/components" ]; then
    echo "$PROSODY_COMPONENT" >"$dir/components"
  fi
  local component_port="" component_blocks=""
  if [ -s "$dir/components" ]; then
    while [ ! -s "$dir/component_port" ] || [ "$(cat "$dir/component_port")" = "$port" ]; do
      free_port >"$dir/component_port"
    done
    component_port="$(cat "$dir/component_port")"
    read_components "$dir/components" PROSODY_COMPONENT
    local i
    for i in "${!component_names[@]}"; do
      component_blocks+=$'\n'"Component \"${component_names[$i]}\""
      component_blocks+=$'\n'"  component_secret = \"${component_secrets[$i]}\""
    done
  fi
  if [ -n "${PROSODY_MUC:-}" ] && [ ! -s "$dir/muc" ]; then
    [[ "$PROSODY_MUC" =~ ^[A-Za-z0-9._-]+$ ]] || die "PROSODY_MUC: expected a domain, got '$PROSODY_MUC'"
    echo "$PROSODY_MUC" >"$dir/muc"
  fi
  if [ -n "${PROSODY_PUBSUB:-}" ] && [ ! -s "$dir/pubsub" ]; then
    [[ "$PROSODY_PUBSUB" =~ ^[A-Za-z0-9._-]+(:[A-Za-z0-9._@-]+(,[A-Za-z0-9._@-]+)*)?$ ]] \
      || die "PROSODY_PUBSUB: expected DOMAIN[:JID,JID…], got '$PROSODY_PUBSUB'"
    echo "$PROSODY_PUBSUB" >"$dir/pubsub"
  fi
  if [ -n "${PROSODY_MODULES:-}" ] && [ ! -s "$dir/modules" ]; then
    [[ "$PROSODY_MODULES" =~ ^[[:space:]]*[A-Za-z0-9_-]+([[:space:]]+[A-Za-z0-9_-]+)*[[:space:]]*$ ]] \
      || die "PROSODY_MODULES: expected module names separated by spaces, got '$PROSODY_MODULES'"
    echo $PROSODY_MODULES >"$dir/modules"
  fi
  if [ -n "${PROSODY_SMACKS_HIBERNATION:-}" ] && [ ! -s "$dir/smacks_hibernation" ]; then
    [[ "$PROSODY_SMACKS_HIBERNATION" =~ ^[0-9]+$ ]] \
      || die "PROSODY_SMACKS_HIBERNATION: expected whole seconds, got '$PROSODY_SMACKS_HIBERNATION'"
    echo "$PROSODY_SMACKS_HIBERNATION" >"$dir/smacks_hibernation"
  fi
  [ -s "$dir/smacks_hibernation" ] || echo 600 >"$dir/smacks_hibernation"
  local extra_modules="" extra_settings="" m
  if [ -s "$dir/modules" ]; then
    for m in $(cat "$dir/modules"); do
      extra_modules+=" \"$m\";"
      if [ "$m" = mam ]; then extra_settings+=$'\n'"archive_expires_after = \"1w\""$'\n'"default_archive_policy = true"; fi
      if [ "$m" = smacks ]; then extra_settings+=$'\n'"smacks_hibernation_time = $(cat "$dir/smacks_hibernation")"; fi
    done
  fi
  local pep="" spec admins
  if [ -s "$dir/pubsub" ]; then
    spec=$(cat "$dir/pubsub")
    admins=$([[ "$spec" == *:* ]] && tr ',' '\n' <<<"${spec#*:}" | sed 's/.*/"&";/' | tr '\n' ' ' || true)
    component_blocks+=$'\n'"Component \"${spec%%:*}\" \"pubsub\""$'\n'"  admins = { $admins}"
    pep='"pep";'
  fi
  if [ -s "$dir/muc" ]; then
    component_blocks+=$'\n'"Component \"$(cat "$dir/muc")\" \"muc\""$'\n'"  modules_enabled = { \"muc_mam\" }"
    component_blocks+=$'\n'"  muc_room_locking = false"$'\n'"  muc_log_by_default = true"
    component_blocks+=$'\n'"  muc_room_default_persistent = true"
  fi
  if [ ! -s "$dir/certs/$domain.key" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$domain" \
      -addext "subjectAltName=DNS:$domain" \
      -keyout "$dir/certs/$domain.key" -out "$dir/certs/$domain.crt" 2>/dev/null \
      || die "openssl could not make a certificate"
  fi
  cat >"$dir/prosody.cfg.lua" <<CFG
-- Generated by run-prosody.sh: loopback-only throwaway server for interop tests.
data_path = "$dir/data"
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_interfaces = { "127.0.0.1" }
c2s_ports = { $port }
c2s_direct_tls_ports = {}
legacy_ssl_ports = {}
s2s_interfaces = { "127.0.0.1" }
s2s_ports = {}
component_interfaces = { "127.0.0.1" }
component_ports = { $component_port }
http_interfaces = { "127.0.0.1" }
https_interfaces = { "127.0.0.1" }
http_ports = {}
https_ports = {}
modules_enabled = {
  "roster"; "saslauth"; "tls"; "disco"; "ping"; "version"; "uptime"; "time";
  "register"; "offline"; "private"; "vcard_legacy"; $pep$extra_modules
}
modules_disabled = { "s2s"; "posix" }
allow_registration = true
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_hashed"
password_hash = "SHA-256"
storage = "internal"
log = { { levels = { min = "info" }, to = "console" } }
ssl = { certificate = "$dir/certs/$domain.crt"; key = "$dir/certs/$domain.key" }$extra_settings
VirtualHost "$domain"
$component_blocks
CFG
  chown -R prosody:prosody "$dir"
  echo "$dir"
}

cmd="${1:-}"; shift || true
case "$cmd" in
  start|foreground)
    command -v prosody >/dev/null || die "prosody is not installed (scripts/install-peers)"
    dir="${1:-}"
    [ -n "$dir" ] || dir="$(mktemp -d /tmp/parley-prosody.XXXXXX)"
    dir="$(prepare "$dir")"
    port="$(cat "$dir/port")"
    port_open "$port" && die "port $port on 127.0.0.1 is already in use (is a Prosody for $dir still running?)"
    if [ "$cmd" = foreground ]; then
      echo "PROSODY_DIR=$dir PROSODY_PORT=$port PROSODY_DOMAIN=$domain" \
        "${PROSODY_COMPONENT:+PROSODY_COMPONENT_PORT=$(cat "$dir/component_port" 2>/dev/null)}" >&2
      exec "${run_as[@]}" prosody -F --config "$dir/prosody.cfg.lua"
    fi
    # The subshell execs python, which execs setpriv, which execs prosody, so the pid is
    # Prosody's own; spawn_clean (server-lib.sh) says why it closes descriptors and unblocks signals.
    spawn_clean "$dir/prosody.log" "${run_as[@]}" prosody -F --config "$dir/prosody.cfg.lua"
    pid=$spawned
    echo "$pid" >"$dir/server.pid"
    for _ in $(seq 1 100); do
      port_open "$port" && break
      kill -0 "$pid" 2>/dev/null || { tail -20 "$dir/prosody.log" >&2; die "prosody exited during start-up"; }
      sleep 0.1
    done
    port_open "$port" || { kill "$pid" 2>/dev/null || true; die "prosody did not listen on 127.0.0.1:$port within 10 s"; }
    echo "PROSODY_PID=$pid"
    echo "PROSODY_PORT=$port"
    echo "PROSODY_DIR=$dir"
    echo "PROSODY_DOMAIN=$domain"
    if [ -s "$dir/component_port" ] && [ -s "$dir/components" ]; then
      cport="$(cat "$dir/component_port")"
      for _ in $(seq 1 50); do port_open "$cport" && break; sleep 0.1; done
      port_open "$cport" || die "prosody did not open its component port 127.0.0.1:$cport"
      echo "PROSODY_COMPONENT_PORT=$cport"
    fi
    ;;
  stop)
    pid="${1:-}"; [[ "$pid" =~ ^[0-9]+$ ]] || die "usage: run-prosody.sh stop PID"
    stop_pid "$pid"
    ;;
  restart)
    dir="${1:-}"; [ -s "$dir/server.pid" ] || die "usage: run-prosody.sh restart DIR (DIR/server.pid missing)"
    stop_pid "$(cat "$dir/server.pid")"
    exec "$0" start "$dir"
    ;;
  register)
    [ $# -eq 3 ] || die "usage: run-prosody.sh register DIR USER PASSWORD"
    dir="$(cd "$1" && pwd)"; domain="$(cat "$dir/domain")"
    "${run_as[@]}" prosodyctl --config "$dir/prosody.cfg.lua" register "$2" "$domain" "$3" >/dev/null
    ;;
  *)
    sed -n '2,40p' "$0" >&2; exit 2 ;;
esac
