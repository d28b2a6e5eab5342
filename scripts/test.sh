#!/usr/bin/env bash
# Runs every test. Integration tests start their own Azurite (in memory, on free ports) from
# node_modules, so this installs it first. Extra arguments go to `dotnet test`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -x "$root/node_modules/.bin/azurite" ]; then
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error)
fi
dotnet test "$root/AutoResponder.sln" "$@"
