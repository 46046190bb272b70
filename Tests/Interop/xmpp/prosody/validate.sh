#!/usr/bin/env bash
# Validates every XMPP interop scenario against a fresh Debian Prosody on 127.0.0.1:
# starts it in a new temp dir (run-prosody.sh), creates alice/alicepass and bob/bobpass, runs
# run-all.sh once with --tls starttls and once with --tls none (restarting Prosody between the
# phases of subscription and offline), stops Prosody by its pid, removes the temp dir
# (kept with --keep). Then the same with a second fresh Prosody started with
# PROSODY_MODULES="carbons mam blocklist smacks csi_simple vcard4 bookmarks" and
# PROSODY_SMACKS_HIBERNATION=5 for carbons.py, blocking.py, mam.py, smacks.py, csi.py, vcard.py and
# private_bookmarks.py (run-all.sh --im; mam.py with --accept-ignored-field: Prosody 0.12
# ignores an unknown MAM form field where XEP-0313 requires feature-not-implemented;
# private_bookmarks.py with --accept-bad-format: Prosody 0.12 refuses an empty private query
# with <bad-format/> where XEP-0049 requires not-acceptable; smacks.py with --resume-timeout 8,
# longer than the 5 s hibernation). The first pass runs without those modules: they would
# change what the other scenarios observe.
# JSON lines go to $RESULTS (default: the first Prosody's DIR/results.jsonl).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
KEEP=0; [ "${1:-}" = "--keep" ] && KEEP=1

. "$here/throwaway.sh"   # a fresh Prosody, stopped by its pid on exit
dir="$PROSODY_DIR"
echo "prosody $(dpkg-query -W -f='${Version}' prosody) pid $PROSODY_PID on 127.0.0.1:$PROSODY_PORT, dir $dir"
"$here/run-prosody.sh" register "$dir" alice alicepass
"$here/run-prosody.sh" register "$dir" bob bobpass
results="${RESULTS:-$dir/results.jsonl}"
rc=0
for tls in starttls none; do
  echo "==== --tls $tls"
  "$here/../run-all.sh" --port "$PROSODY_PORT" --domain "$PROSODY_DOMAIN" --tls "$tls" \
    --restart "'$here/run-prosody.sh' restart '$dir'" --results "$results" || rc=1
done
# The IM scenarios on a Prosody of their own (a subshell: its throwaway.sh trap stops it).
(
  export PROSODY_MODULES="carbons mam blocklist smacks csi_simple vcard4 bookmarks" PROSODY_SMACKS_HIBERNATION=5
  . "$here/throwaway.sh"
  echo "==== PROSODY_MODULES=\"$PROSODY_MODULES\": pid $PROSODY_PID on 127.0.0.1:$PROSODY_PORT, dir $PROSODY_DIR"
  "$here/run-prosody.sh" register "$PROSODY_DIR" alice alicepass
  "$here/run-prosody.sh" register "$PROSODY_DIR" bob bobpass
  im_rc=0
  for tls in starttls none; do
    echo "==== --tls $tls --im"
    "$here/../run-all.sh" --port "$PROSODY_PORT" --domain "$PROSODY_DOMAIN" --tls "$tls" \
      --only carbons,blocking,mam,smacks,csi,vcard,private_bookmarks --im --accept-ignored-field \
      --accept-bad-format --resume-timeout 8 --results "$results" || im_rc=1
  done
  exit $im_rc
) || rc=1
[ $KEEP -eq 1 ] && echo "results: $results"
exit $rc
