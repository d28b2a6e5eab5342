# azd postprovision / postdeploy hook (Windows): see wire-action-group.sh. Needs the Azure CLI signed in (`az login`,
# separate from azd's sign-in); every call names azd's subscription ($env:AZURE_SUBSCRIPTION_ID).
param([string]$When = 'postdeploy')
$ErrorActionPreference = 'Stop'
$rg = $env:AZURE_RESOURCE_GROUP; $app = $env:AZURE_FUNCTION_APP_NAME; $group = $env:AZURE_ACTION_GROUP_NAME
if (-not $group) { Write-Host "${When}: alerting is not deployed; nothing to wire."; exit 0 }
$sub = $env:AZURE_SUBSCRIPTION_ID
if (-not $sub) { throw "${When}: AZURE_SUBSCRIPTION_ID is not set (azd sets it; run: azd hooks run $When)." }
az account show --subscription $sub 2>$null | Out-Null
if ($LASTEXITCODE -ne 0) { throw "${When}: the Azure CLI is not signed in to subscription $sub. Run: az login (azd's own sign-in does not cover az), then: azd hooks run $When" }
$tries = if ($When -eq 'postdeploy') { 20 } else { 1 }
$key = $null
for ($i = 0; $i -lt $tries -and -not $key; $i++) {
  $key = az functionapp keys list --subscription $sub -g $rg -n $app --query functionKeys.default -o tsv 2>$null
  if (-not $key -and $i -lt $tries - 1) { Start-Sleep -Seconds 15 }
}
if (-not $key) {
  if ($When -eq 'postdeploy') { throw "${When}: the host key of $app is not available; run: azd hooks run postdeploy" }
  Write-Host "${When}: $app has no host key yet: the action group is wired after 'azd deploy'."; exit 0
}
$hostName = az functionapp show --subscription $sub -g $rg -n $app --query defaultHostName -o tsv
$uri = "https://$hostName/api/alerts?code=$key"
az monitor action-group update --subscription $sub -g $rg -n $group --remove-action autoresponder 2>$null | Out-Null
if ($env:AZURE_ALERT_WEBHOOK_USE_AAD -eq 'true') {
  az monitor action-group update --subscription $sub -g $rg -n $group --add-action webhook autoresponder $uri useaadauth $env:AZURE_ALERT_WEBHOOK_AAD_OBJECT_ID $env:AZURE_ALERT_WEBHOOK_AAD_IDENTIFIER_URI usecommonalertschema | Out-Null
} else {
  az monitor action-group update --subscription $sub -g $rg -n $group --add-action webhook autoresponder $uri usecommonalertschema | Out-Null
}
Write-Host "${When}: action group $group posts alerts to https://$hostName/api/alerts."
