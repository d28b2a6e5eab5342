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
