# Sourced (not run) by the scripts that validate scenarios against a fresh Prosody
# (validate.sh, ../run_pubsub_against_prosody.sh): starts one with run-prosody.sh in a new
# temp dir (with the PROSODY_* options the caller exported), sets PROSODY_PID, PROSODY_PORT,
# PROSODY_DIR and PROSODY_DOMAIN, and on exit stops it by the pid its dir records (a
# `run-prosody.sh restart` records the new one) and removes the dir, or keeps it when KEEP=1.
throwaway_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
eval "$("$throwaway_here/run-prosody.sh" start)" || exit 1
stop_throwaway_prosody() {
  "$throwaway_here/run-prosody.sh" stop "$(cat "$PROSODY_DIR/server.pid")"
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $PROSODY_DIR"; else rm -rf "$PROSODY_DIR"; fi
}
trap stop_throwaway_prosody EXIT
