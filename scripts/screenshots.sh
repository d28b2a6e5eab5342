#!/usr/bin/env bash
# Re-takes the console screenshots in docs/ (console-list.png, console-incident.png, console-incident-phone.png):
# the browser tests save them when AUTORESPONDER_SCREENSHOTS names a folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
AUTORESPONDER_SCREENSHOTS="$root/docs" dotnet test "$root/tests/AutoResponder.Tests" --filter "FullyQualifiedName~WebConsole.ConsoleBrowserTests" "$@"
