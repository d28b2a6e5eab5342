#!/usr/bin/env bash
# Runs the product: Azurite (from package.json) plus the standalone host on http://127.0.0.1:7071.
# Uses the Demo profile (src/Cli/appsettings.Demo.json: impact rules, demo recipients; Graph traffic is
# written to .outbox/graph) unless ASPNETCORE_ENVIRONMENT says otherwise, and seeds a demo order store
# with a price-tampering incident on first start. People sign in with a personal access token: on first
# start (Demo profile) run.sh creates one for you (roles responder, ops, admin), stores it in
# .azurite/demo-token (local, git-ignored, next to the data it opens) and prints how to use it: paste it into
# the console's sign-in page (http://127.0.0.1:7071/), or send it as Authorization: Bearer to the API.
# Extra arguments go to `autoresponder serve`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
started=""
if ! (exec 3<>/dev/tcp/127.0.0.1/10002) 2>/dev/null; then
  "$root/scripts/azurite.sh" start; started=1
fi
trap '[ -n "$started" ] && "$root/scripts/azurite.sh" stop' EXIT

export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Demo}"
dotnet build "$root/src/Cli" -c Release --nologo -v quiet
cli=(dotnet "$root/src/Cli/bin/Release/net10.0/autoresponder.dll")
if [ "$ASPNETCORE_ENVIRONMENT" = "Demo" ] && [ ! -f "$root/.azurite/.demo-seeded" ]; then
  "${cli[@]}" seed orders --orders 20000 --days 2 --incident PriceTampering
  mkdir -p "$root/.azurite" && touch "$root/.azurite/.demo-seeded"
fi
if [ "$ASPNETCORE_ENVIRONMENT" = "Demo" ] && [ ! -s "$root/.azurite/demo-token" ]; then
  mkdir -p "$root/.azurite"
  (umask 077; "${cli[@]}" tokens create --name "${USER:-you}@localhost" --role responder --role ops --role admin --quiet > "$root/.azurite/demo-token")
fi
if [ -s "$root/.azurite/demo-token" ]; then
  echo "Console: open http://127.0.0.1:7071/ and sign in with the token in .azurite/demo-token  (cat .azurite/demo-token)"
  echo "API:     export TOKEN=\$(cat .azurite/demo-token)   then  curl -H \"authorization: Bearer \$TOKEN\" localhost:7071/api/incidents"
fi
"${cli[@]}" serve "$@"
