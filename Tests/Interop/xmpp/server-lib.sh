# Sourced (not run) by the scripts that start a throwaway server for the interop scenarios
# (prosody/run-prosody.sh, ejabberd/run-ejabberd.sh): free loopback ports, waiting for one,
# stopping a process by its pid only, and starting one detached from a Swift test's process.

free_port() {
  # Ask the kernel for a free loopback port (a small race with other binders is accepted).
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# stop_pid PID [TENTHS]: SIGTERM that pid (and only it), wait up to TENTHS tenths of a second
# (default 100), then SIGKILL.
stop_pid() {
  local pid="$1" tenths="${2:-100}"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 "$tenths"); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

# spawn_clean LOG COMMAND…: runs COMMAND in the background with its output appended to LOG
# and stdin from /dev/null; sets `spawned` to its pid (COMMAND is exec'ed, so the pid is
# COMMAND's own). It starts clean when the caller is a Swift test (Foundation's Process):
# - no descriptor of ours beyond 0-2: Foundation hands its child a socket whose last copy
#   closing is how it learns that the child exited; a daemon keeping one would make the
#   caller wait for it forever;
# - no blocked signals: the spawning thread's mask (SIGTERM blocked) survives exec, and
#   `stop_pid` would then wait and SIGKILL.
spawn_clean() {
  local log="$1"; shift
  (
    for fd in /proc/self/fd/*; do
      fd="${fd##*/}"
      [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
    done
    exec python3 -c 'import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execvp(sys.argv[1], sys.argv[1:])' \
      "$@" >>"$log" 2>&1 </dev/null
  ) &
  spawned=$!
}

# read_components FILE VARIABLE: fills component_names and component_secrets from FILE, which
# holds VARIABLE's DOMAIN:SECRET[,DOMAIN:SECRET…] (letters, digits, . _ -); dies (the
# caller's `die`) naming VARIABLE on any other entry.
read_components() {
  local spec
  local -a specs
  component_names=(); component_secrets=()
  IFS=',' read -r -a specs <"$1"
  for spec in "${specs[@]}"; do
    [[ "$spec" =~ ^([A-Za-z0-9._-]+):([A-Za-z0-9._-]+)$ ]] \
      || die "$2: expected DOMAIN:SECRET[,…] (letters, digits, . _ -), got '$spec'"
    component_names+=("${BASH_REMATCH[1]}"); component_secrets+=("${BASH_REMATCH[2]}")
  done
}
