#!/usr/bin/env bash
# Runs every test. Integration tests start their own Azurite (in memory, on free ports) from
# node_modules, so this installs it first, and the system Chromium for the browser tests. Extra arguments go to `dotnet test`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -x "$root/node_modules/.bin/azurite" ]; then
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error)
fi
# The console's browser tests drive the system Chromium through Playwright (no browser download).
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo -n"
  echo "Installing chromium (Debian package) for the browser tests"
  { $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends chromium; } >/dev/null 2>&1 \
    || echo "could not install chromium with apt-get; the browser tests will fail"
fi
dotnet test "$root/AutoResponder.sln" "$@"
