# azd postprovision / postdeploy hook (Windows): see wire-action-group.sh.
param([string]$When = 'postdeploy')
$ErrorActionPreference = 'Stop'
$rg = $env:AZURE_RESOURCE_GROUP; $app = $env:AZURE_FUNCTION_APP_NAME; $group = $env:AZURE_ACTION_GROUP_NAME
if (-not $group) { Write-Host "${When}: alerting is not deployed; nothing to wire."; exit 0 }
$tries = if ($When -eq 'postdeploy') { 20 } else { 1 }
$key = $null
for ($i = 0; $i -lt $tries -and -not $key; $i++) {
  $key = az functionapp keys list -g $rg -n $app --query functionKeys.default -o tsv 2>$null
  if (-not $key -and $i -lt $tries - 1) { Start-Sleep -Seconds 15 }
}
if (-not $key) {
  if ($When -eq 'postdeploy') { throw "${When}: the host key of $app is not available; run: azd hooks run postdeploy" }
  Write-Host "${When}: $app has no host key yet: the action group is wired after 'azd deploy'."; exit 0
}
$hostName = az functionapp show -g $rg -n $app --query defaultHostName -o tsv
$uri = "https://$hostName/api/alerts?code=$key"
az monitor action-group update -g $rg -n $group --remove-action autoresponder 2>$null | Out-Null
if ($env:AZURE_ALERT_WEBHOOK_USE_AAD -eq 'true') {
  az monitor action-group update -g $rg -n $group --add-action webhook autoresponder $uri useaadauth $env:AZURE_ALERT_WEBHOOK_AAD_OBJECT_ID $env:AZURE_ALERT_WEBHOOK_AAD_IDENTIFIER_URI usecommonalertschema | Out-Null
} else {
  az monitor action-group update -g $rg -n $group --add-action webhook autoresponder $uri usecommonalertschema | Out-Null
}
Write-Host "${When}: action group $group posts alerts to https://$hostName/api/alerts."
