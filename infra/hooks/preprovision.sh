#!/usr/bin/env sh
# azd preprovision hook: Flex Consumption apps need the Microsoft.App resource provider registered on the
# subscription. Registering is idempotent; this waits until it is done.
# Sign-in: the Azure CLI's own (`az login`, separate from azd's `azd auth login`), with an account that may register
# resource providers on azd's subscription; every call names it ($AZURE_SUBSCRIPTION_ID), whatever az's default is.
# `azd env get-value` / `azd env set` below need azd 1.10 or later (azure.yaml requires it).
set -eu
if ! command -v az >/dev/null 2>&1; then
  echo "preprovision: the Azure CLI (az) is required to register the Microsoft.App resource provider." >&2
  echo "preprovision: install it, or run once: az provider register --namespace Microsoft.App --wait" >&2
  exit 1
fi
sub="${AZURE_SUBSCRIPTION_ID:-}"
if [ -z "$sub" ]; then echo "preprovision: AZURE_SUBSCRIPTION_ID is not set (azd sets it; run through azd: azd provision)." >&2; exit 1; fi
if ! az account show --subscription "$sub" >/dev/null 2>&1; then
  echo "preprovision: the Azure CLI is not signed in to subscription $sub. Run: az login  (azd's own sign-in does not cover az)" >&2
  exit 1
fi
for ns in Microsoft.App Microsoft.Web Microsoft.Storage Microsoft.ServiceBus Microsoft.Insights Microsoft.OperationalInsights Microsoft.KeyVault Microsoft.AlertsManagement; do
  state="$(az provider show --namespace "$ns" --subscription "$sub" --query registrationState -o tsv 2>/dev/null || echo unknown)"
  if [ "$state" != "Registered" ]; then
    echo "preprovision: registering resource provider $ns (was: $state) …"
    az provider register --namespace "$ns" --subscription "$sub" --wait
  fi
done
echo "preprovision: resource providers registered."

# The key that encrypts the Graph service account's token cache at rest (AutoResponder:Graph:TokenCacheKey).
# Generated once per azd environment, kept in its .env, passed to Key Vault by main.bicep; the app reads it through a
# Key Vault reference. Rotating it (set a new value, `azd provision`) means one `autoresponder graph login` again.
key="$(azd env get-value AUTORESPONDER_GRAPH_TOKEN_CACHE_KEY 2>/dev/null || true)"
case "$key" in
  ''|*"not found"*|*ERROR*) key="" ;;
esac
if [ -z "$key" ]; then
  azd env set AUTORESPONDER_GRAPH_TOKEN_CACHE_KEY "$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
  echo "preprovision: generated AUTORESPONDER_GRAPH_TOKEN_CACHE_KEY (token cache encryption key)."
fi
