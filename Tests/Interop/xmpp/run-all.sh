#!/usr/bin/env bash
# Runs every XMPP interop scenario, in order, against one running server.
#
#   run-all.sh --port N [--host 127.0.0.1] [--domain localhost] [--tls starttls|none]
#              [--mechanism MECH] [--restart 'CMD'] [--results FILE] [--only NAME,NAME]
#              [--im [--accept-ignored-field] [--accept-bad-format] [--resume-timeout S]]
#
# The server must already have the accounts alice/alicepass and bob/bobpass, allow in-band
# registration, and keep rosters and offline messages across a restart. --restart CMD is run
# (by bash -c) between `subscription --phase handshake` and `--phase verify`, and between
# `offline --phase send` and `--phase receive`; it must return once the server accepts
# connections again on the same port. Without --restart those pairs run without a restart.
# login runs four times (SCRAM-SHA-256 and PLAIN, over STARTTLS and without TLS) whatever
# --tls/--mechanism say; every other scenario uses --tls/--mechanism.
# --im also runs carbons, blocking, mam, smacks, csi, vcard and private_bookmarks (XEP-0280, XEP-0191,
# XEP-0313, XEP-0198, XEP-0352, XEP-0054/0292/0398, XEP-0049/0402/0411, which the server must offer);
# --accept-ignored-field is passed to mam.py (Prosody 0.12 ignores an unknown form field),
# --accept-bad-format to private_bookmarks.py (Prosody 0.12 refuses an empty private query with
# <bad-format/>), --resume-timeout S to smacks.py (how long the server keeps a dropped session).
# Each scenario's JSON line goes to --results (JSON lines); a summary goes to stdout, ending
# with "N passed, N failed". Exit 0 only when all passed.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
py="${PYTHON:-$root/.venv/bin/python}"

host=127.0.0.1 port= domain=localhost tls=starttls mech= restart= results=/dev/null only= im=0 mam_args=()
private_args=() smacks_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --host) host="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --domain) domain="$2"; shift 2 ;;
    --tls) tls="$2"; shift 2 ;;
    --mechanism) mech="$2"; shift 2 ;;
    --restart) restart="$2"; shift 2 ;;
    --results) results="$2"; shift 2 ;;
    --only) only=",$2,"; shift 2 ;;
    --im) im=1; shift ;;
    --accept-ignored-field) mam_args+=(--accept-ignored-field); shift ;;
    --accept-bad-format) private_args+=(--accept-bad-format); shift ;;
    --resume-timeout) smacks_args+=(--resume-timeout "$2"); shift 2 ;;
    *) echo "run-all: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$port" ] || { echo "run-all: --port is required" >&2; exit 2; }
[ -x "$py" ] || { echo "run-all: $py missing (run scripts/install-peers)" >&2; exit 2; }

conn=(--host "$host" --port "$port" --domain "$domain")
common=("${conn[@]}" --tls "$tls")
[ -n "$mech" ] && common+=(--mechanism "$mech")
passed=0 failed=0

want() { [ -z "$only" ] || [[ "$only" == *",$1,"* ]]; }

# run LABEL SCRIPT ARGS... : runs one scenario, records its JSON, prints PASS/FAIL.
run() {
  local label="$1" script="$2"; shift 2
  local out err rc
  err="$(mktemp)"
  out="$("$py" "$here/$script" "$@" 2>"$err")"; rc=$?
  [ -n "$out" ] && echo "$out" >>"$results"
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1)); echo "PASS $label"
  else
    failed=$((failed + 1)); echo "FAIL $label (exit $rc)"; sed 's/^/    /' "$err"
  fi
  rm -f "$err"
  LAST_JSON="$out"
}

do_restart() {
  [ -n "$restart" ] || return 0
  echo "---- restarting the server"
  bash -c "$restart" >/dev/null || { echo "FAIL restart command"; failed=$((failed + 1)); }
}

if want login; then
  for t in starttls none; do
    for m in SCRAM-SHA-256 PLAIN; do
      run "login[$m,$t]" login.py "${conn[@]}" --tls "$t" --mechanism "$m"
    done
  done
fi
want roster_push && run "roster_push[$tls]" roster_push.py "${common[@]}"
if want subscription; then
  run "subscription[handshake,$tls]" subscription.py "${common[@]}" --phase handshake
  do_restart
  run "subscription[verify,$tls]" subscription.py "${common[@]}" --phase verify
fi
want presence && run "presence[$tls]" presence.py "${common[@]}"
want chat && run "chat[$tls]" chat.py "${common[@]}"
want priority && run "priority[$tls]" priority.py "${common[@]}"
if want offline; then
  nonce="run$$-$RANDOM"
  run "offline[send,$tls]" offline.py "${common[@]}" --phase send --nonce "$nonce"
  do_restart
  run "offline[receive,$tls]" offline.py "${common[@]}" --phase receive --nonce "$nonce"
fi
want register && run "register[$tls]" register.py "${common[@]}"
want ping_disco && run "ping_disco[$tls]" ping_disco.py "${common[@]}"
want sendxmpp && run "sendxmpp[$tls]" sendxmpp.py "${common[@]}"
if [ "$im" -eq 1 ]; then
  want carbons && run "carbons[$tls]" carbons.py "${common[@]}"
  want blocking && run "blocking[$tls]" blocking.py "${common[@]}"
  want mam && run "mam[$tls]" mam.py "${common[@]}" "${mam_args[@]}"
  want smacks && run "smacks[$tls]" smacks.py "${common[@]}" "${smacks_args[@]}"
  want csi && run "csi[$tls]" csi.py "${common[@]}"
  want vcard && run "vcard[$tls]" vcard.py "${common[@]}"
  want private_bookmarks && run "private_bookmarks[$tls]" private_bookmarks.py "${common[@]}" "${private_args[@]}"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
