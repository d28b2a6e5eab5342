#!/usr/bin/env bash
# Starts or stops the Azurite storage emulator installed from package.json.
#   scripts/azurite.sh start [DIR]   persist under DIR (default .azurite), ports 10000-10002 on 127.0.0.1
#   scripts/azurite.sh start-memory [DIR]  the same, but data lives in memory only (large benchmarks: Azurite's
#                                    on-disk file is one JSON string, which Node cannot write past ~512 MB)
#   scripts/azurite.sh stop  [DIR]   stops the Azurite this script started (by PID), nothing else
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cmd="${1:-start}"
dir="${2:-$root/.azurite}"
pidfile="$dir/azurite.pid"

ensure_npm() {
  if [ ! -x "$root/node_modules/.bin/azurite" ]; then
    echo "Installing Azurite from package.json (npm ci)…"
    (cd "$root" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

case "$cmd" in
  start|start-memory)
    ensure_npm
    mkdir -p "$dir"
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "Azurite already running (pid $(cat "$pidfile"))."; exit 0
    fi
    if [ "$cmd" = start-memory ]; then persistence=(--inMemoryPersistence); else persistence=(--location "$dir"); fi
    "$root/node_modules/.bin/azurite" --silent --skipApiVersionCheck --loose "${persistence[@]}" \
      --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 >"$dir/azurite.log" 2>&1 &
    echo $! >"$pidfile"
    for _ in $(seq 1 100); do
      if (exec 3<>/dev/tcp/127.0.0.1/10002) 2>/dev/null; then echo "Azurite ready (pid $(cat "$pidfile"), data in $dir)."; exit 0; fi
      sleep 0.1
    done
    echo "Azurite did not start; see $dir/azurite.log" >&2; exit 1 ;;
  stop)
    [ -f "$pidfile" ] || exit 0
    pid="$(cat "$pidfile")"
    # One SIGTERM closes the ports; node lingers until a second one.
    kill -TERM "$pid" 2>/dev/null || true; sleep 0.5; kill -TERM "$pid" 2>/dev/null || true
    rm -f "$pidfile"; echo "Azurite stopped." ;;
  *) echo "usage: $0 start|start-memory|stop [DIR]" >&2; exit 2 ;;
esac
