#!/usr/bin/env bash
# Validates the pubsub interop scenarios (pubsub_slixmpp.py, pubsub_txxmpp.py) against a fresh
# Debian Prosody 0.12 on 127.0.0.1: starts it with prosody/run-prosody.sh in a new temp dir with
# PROSODY_PUBSUB (mod_pubsub as `Component "pubsub.localhost" "pubsub"`, alice its admin: in
# 0.12 only an admin may create nodes; and mod_pep), creates alice/alicepass, bob/bobpass and
# carol/carolpass, runs pubsub_slixmpp.py over STARTTLS and without TLS and pubsub_txxmpp.py,
# stops Prosody by its pid and removes the dir (kept with --keep).
#
#   run_pubsub_against_prosody.sh [--keep] [--strict-errors]
#
# --strict-errors is passed to pubsub_slixmpp.py (Prosody then fails its refusal checks: it
# answers `forbidden` where XEP-0060 names not-allowed/closed-node). Each scenario's JSON line
# goes to $RESULTS (default DIR/results.jsonl); PASS/FAIL lines and "N passed, N failed" go to
# stdout. Exit 0 only when all passed. The same scripts run against any server by hand (see
# Tests/Interop/xmpp/README.md, "Publish-subscribe").
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
py="${PYTHON:-$root/.venv/bin/python}"
KEEP=0 strict=()
for arg in "$@"; do
  case "$arg" in
    --keep) KEEP=1 ;;
    --strict-errors) strict=(--strict-errors) ;;
    *) echo "run_pubsub_against_prosody: unknown argument $arg" >&2; exit 2 ;;
  esac
done
[ -x "$py" ] || { echo "run_pubsub_against_prosody: $py missing (run scripts/install-peers)" >&2; exit 2; }

export PROSODY_PUBSUB="pubsub.localhost:alice@localhost"
. "$here/prosody/throwaway.sh"   # a fresh Prosody, stopped by its pid on exit
dir="$PROSODY_DIR"
echo "prosody $(dpkg-query -W -f='${Version}' prosody) pid $PROSODY_PID on 127.0.0.1:$PROSODY_PORT, dir $dir"
for user in alice bob carol; do "$here/prosody/run-prosody.sh" register "$dir" "$user" "${user}pass"; done
results="${RESULTS:-$dir/results.jsonl}"
conn=(--host 127.0.0.1 --port "$PROSODY_PORT" --domain "$PROSODY_DOMAIN" --service "pubsub.$PROSODY_DOMAIN")
passed=0 failed=0
scenario() {  # scenario LABEL SCRIPT ARGS…: one run, its JSON line kept, PASS or FAIL with its stderr
  local label=$1 script=$2 out err rc
  shift 2
  err="$(mktemp)"
  out="$("$py" "$here/$script" "$@" 2>"$err")"; rc=$?
  [ -n "$out" ] && echo "$out" >>"$results"
  if [ $rc -eq 0 ]; then passed=$((passed + 1)); echo "PASS $label: $(checks_line "$out")"
  else failed=$((failed + 1)); echo "FAIL $label (exit $rc): $(checks_line "$out")"; sed 's/^/    /' "$err"; fi
  rm -f "$err"
}
checks_line() {  # "N checks, N failed" of a scenario's JSON line
  python3 -c 'import json, sys
try: r = json.loads(sys.argv[1])
except ValueError: print("no result line"); sys.exit()
checks, failed = len(r.get("checks", {})), len(r.get("failed", []))
print(f"{checks} checks, {failed} failed")' "$1"
}
for tls in starttls none; do
  scenario "pubsub_slixmpp[$tls]" pubsub_slixmpp.py "${conn[@]}" --tls "$tls" "${strict[@]}"
done
scenario "pubsub_txxmpp" pubsub_txxmpp.py "${conn[@]}"
[ $KEEP -eq 1 ] && echo "results: $results"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
