#!/usr/bin/env sh
# azd postprovision / postdeploy hook: points the action group's webhook at the deployed alert intake,
#   https://<app>/api/alerts?code=<host default key>  (common alert schema; optionally an Entra-secured webhook).
# The host key exists only once the Functions host has started, so this runs after deployment instead of
# reading it with listKeys during provisioning. After `azd provision` alone (no code deployed yet) it only
# says so; `azd deploy` wires it. Idempotent: the receiver "autoresponder" is replaced.
#
# Sign-in: this hook uses the Azure CLI, which has its own sign-in (not azd's `azd auth login`): run `az login` once
# with an account that may read the function app's keys and update the action group. Every call names azd's
# subscription ($AZURE_SUBSCRIPTION_ID), so the Azure CLI's default subscription does not matter.
set -eu
when="${1:-postdeploy}"
rg="${AZURE_RESOURCE_GROUP:-}"; app="${AZURE_FUNCTION_APP_NAME:-}"; group="${AZURE_ACTION_GROUP_NAME:-}"
if [ -z "$group" ]; then echo "$when: alerting is not deployed (DEPLOY_ALERTING=false); nothing to wire."; exit 0; fi
if [ -z "$rg" ] || [ -z "$app" ]; then echo "$when: AZURE_RESOURCE_GROUP and AZURE_FUNCTION_APP_NAME must be set (azd env get-values)." >&2; exit 1; fi
command -v az >/dev/null 2>&1 || { echo "$when: the Azure CLI (az) is required to wire the action group." >&2; exit 1; }
sub="${AZURE_SUBSCRIPTION_ID:-}"
if [ -z "$sub" ]; then echo "$when: AZURE_SUBSCRIPTION_ID is not set (azd sets it; run the hook through azd: azd hooks run $when)." >&2; exit 1; fi
if ! az account show --subscription "$sub" >/dev/null 2>&1; then
  echo "$when: the Azure CLI is not signed in to subscription $sub. Run: az login  (azd's own sign-in does not cover az), then: azd hooks run $when" >&2
  exit 1
fi

key=""
tries=1; [ "$when" = "postdeploy" ] && tries=20
i=0
while [ $i -lt $tries ]; do
  key="$(az functionapp keys list --subscription "$sub" -g "$rg" -n "$app" --query functionKeys.default -o tsv 2>/dev/null || true)"
  [ -n "$key" ] && break
  i=$((i + 1)); [ $i -lt $tries ] && sleep 15
done
if [ -z "$key" ]; then
  if [ "$when" = "postdeploy" ]; then echo "$when: the host key of $app is not available; run: azd hooks run postdeploy" >&2; exit 1; fi
  echo "$when: $app has no host key yet (no code deployed): the action group is wired after 'azd deploy'."; exit 0
fi

host="$(az functionapp show --subscription "$sub" -g "$rg" -n "$app" --query defaultHostName -o tsv)"
uri="https://$host/api/alerts?code=$key"
az monitor action-group update --subscription "$sub" -g "$rg" -n "$group" --remove-action autoresponder >/dev/null 2>&1 || true
if [ "${AZURE_ALERT_WEBHOOK_USE_AAD:-false}" = "true" ]; then
  az monitor action-group update --subscription "$sub" -g "$rg" -n "$group" --add-action webhook autoresponder "$uri" useaadauth \
    "${AZURE_ALERT_WEBHOOK_AAD_OBJECT_ID:?}" "${AZURE_ALERT_WEBHOOK_AAD_IDENTIFIER_URI:?}" usecommonalertschema >/dev/null
else
  az monitor action-group update --subscription "$sub" -g "$rg" -n "$group" --add-action webhook autoresponder "$uri" usecommonalertschema >/dev/null
fi
echo "$when: action group $group posts alerts to https://$host/api/alerts (common alert schema)."
