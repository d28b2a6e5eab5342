#!/usr/bin/env bash
# Runs the product: Azurite (from package.json) plus the standalone host on http://127.0.0.1:7071.
# Extra arguments go to `autoresponder serve` (e.g. --urls http://0.0.0.0:7071 with AutoResponder__ApiKey set).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
started=""
if ! (exec 3<>/dev/tcp/127.0.0.1/10002) 2>/dev/null; then
  "$root/scripts/azurite.sh" start; started=1
fi
trap '[ -n "$started" ] && "$root/scripts/azurite.sh" stop' EXIT
dotnet run --project "$root/src/Cli" -c Release -- serve "$@"
