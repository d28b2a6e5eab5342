# azd preprovision hook (Windows): see preprovision.sh. Registers the resource providers Flex Consumption needs.
$ErrorActionPreference = 'Stop'
if (-not (Get-Command az -ErrorAction SilentlyContinue)) { throw "preprovision: the Azure CLI (az) is required: az provider register --namespace Microsoft.App --wait" }
# Sign-in: the Azure CLI's own (`az login`, separate from azd's); every call names azd's subscription.
$sub = $env:AZURE_SUBSCRIPTION_ID
if (-not $sub) { throw 'preprovision: AZURE_SUBSCRIPTION_ID is not set (azd sets it; run through azd: azd provision).' }
az account show --subscription $sub 2>$null | Out-Null
if ($LASTEXITCODE -ne 0) { throw "preprovision: the Azure CLI is not signed in to subscription $sub. Run: az login (azd's own sign-in does not cover az)" }
foreach ($ns in 'Microsoft.App','Microsoft.Web','Microsoft.Storage','Microsoft.ServiceBus','Microsoft.Insights','Microsoft.OperationalInsights','Microsoft.KeyVault','Microsoft.AlertsManagement') {
  $state = az provider show --namespace $ns --subscription $sub --query registrationState -o tsv 2>$null
  if ($state -ne 'Registered') { Write-Host "preprovision: registering $ns (was: $state) …"; az provider register --namespace $ns --subscription $sub --wait }
}
Write-Host 'preprovision: resource providers registered.'

# The key that encrypts the Graph token cache at rest (AutoResponder:Graph:TokenCacheKey): generated once per azd
# environment (see preprovision.sh).
$existing = azd env get-value AUTORESPONDER_GRAPH_TOKEN_CACHE_KEY 2>$null
if ($LASTEXITCODE -ne 0 -or [string]::IsNullOrWhiteSpace($existing)) {
  $bytes = [byte[]]::new(32); [System.Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
  azd env set AUTORESPONDER_GRAPH_TOKEN_CACHE_KEY ([Convert]::ToBase64String($bytes))
  Write-Host 'preprovision: generated AUTORESPONDER_GRAPH_TOKEN_CACHE_KEY (token cache encryption key).'
}
