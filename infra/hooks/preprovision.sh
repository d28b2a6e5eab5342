#!/usr/bin/env sh
# azd preprovision hook: Flex Consumption apps need the Microsoft.App resource provider registered on the
# subscription. Registering is idempotent; this waits until it is done. Needs the Azure CLI signed in to the
# same subscription as azd (`az login`, `az account set --subscription "$AZURE_SUBSCRIPTION_ID"`).
set -eu
if ! command -v az >/dev/null 2>&1; then
  echo "preprovision: the Azure CLI (az) is required to register the Microsoft.App resource provider." >&2
  echo "preprovision: install it, or run once: az provider register --namespace Microsoft.App --wait" >&2
  exit 1
fi
sub="${AZURE_SUBSCRIPTION_ID:-}"
for ns in Microsoft.App Microsoft.Web Microsoft.Storage Microsoft.ServiceBus Microsoft.Insights Microsoft.OperationalInsights Microsoft.KeyVault Microsoft.AlertsManagement; do
  state="$(az provider show --namespace "$ns" ${sub:+--subscription "$sub"} --query registrationState -o tsv 2>/dev/null || echo unknown)"
  if [ "$state" != "Registered" ]; then
    echo "preprovision: registering resource provider $ns (was: $state) …"
    az provider register --namespace "$ns" ${sub:+--subscription "$sub"} --wait
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
