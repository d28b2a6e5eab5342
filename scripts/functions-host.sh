#!/usr/bin/env bash
# Runs the Azure Functions app (src/Functions) locally without Azure Functions Core Tools: the worker-protocol test host
# (tests/AutoResponder.FunctionsHost) starts the built Function app as its own process, speaks the Functions host <->
# worker gRPC protocol to it, and serves its HTTP functions on http://127.0.0.1:PORT (function key KEY on
# POST /api/alerts), polls the outbox queue and fires the timers.
#
#   scripts/functions-host.sh --port 7071 --key K [--verbose] [--set NAME=VALUE]...
#   scripts/functions-host.sh bench [--alerts N]     (worker vs standalone host; see the README's Benchmarks)
#
# Starts Azurite (scripts/azurite.sh, data in .azurite/) if nothing listens on 10002, builds what it needs (Release),
# uses the Demo profile (src/Cli/appsettings.Demo.json; Graph requests are written to .outbox/graph/) and, like
# run.sh, seeds the demo order store and creates a demo token (.azurite/demo-token) on first start.
# AutoResponder__* environment variables override settings. Ctrl+C stops the worker and the Azurite it started.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

command="serve"
if [ "${1:-}" = "bench" ]; then command="bench"; shift; fi

started=""
if ! (exec 3<>/dev/tcp/127.0.0.1/10002) 2>/dev/null; then
  "$root/scripts/azurite.sh" start; started=1
fi
trap '[ -n "$started" ] && "$root/scripts/azurite.sh" stop' EXIT

for project in src/Functions src/Cli tests/AutoResponder.FunctionsHost; do
  dotnet build "$root/$project" -c Release --nologo -v quiet
done
cli=(dotnet "$root/src/Cli/bin/Release/net10.0/autoresponder.dll")
host=(dotnet "$root/tests/AutoResponder.FunctionsHost/bin/Release/net10.0/AutoResponder.FunctionsHost.dll")
demo=(--settings "$root/src/Cli/appsettings.Demo.json")

if [ "$command" = "bench" ]; then
  "${host[@]}" bench "${demo[@]}" "$@"; exit
fi

if [ ! -f "$root/.azurite/.demo-seeded" ]; then
  ASPNETCORE_ENVIRONMENT=Demo "${cli[@]}" seed orders --orders 20000 --days 2 --incident PriceTampering
  mkdir -p "$root/.azurite" && touch "$root/.azurite/.demo-seeded"
fi
if [ ! -s "$root/.azurite/demo-token" ]; then
  mkdir -p "$root/.azurite"
  (umask 077; "${cli[@]}" tokens create --name "${USER:-you}@localhost" --role responder --role ops --role admin --quiet > "$root/.azurite/demo-token")
fi
echo "API: export TOKEN=\$(cat .azurite/demo-token)   then  curl -H \"authorization: Bearer \$TOKEN\" localhost:PORT/api/incidents"
"${host[@]}" serve "${demo[@]}" --set "AutoResponder__Graph__OutboxFolder=$root/.outbox/graph" "$@"
