# azd preprovision hook (Windows): see preprovision.sh. Registers the resource providers Flex Consumption needs.
$ErrorActionPreference = 'Stop'
if (-not (Get-Command az -ErrorAction SilentlyContinue)) { throw "preprovision: the Azure CLI (az) is required: az provider register --namespace Microsoft.App --wait" }
foreach ($ns in 'Microsoft.App','Microsoft.Web','Microsoft.Storage','Microsoft.ServiceBus','Microsoft.Insights','Microsoft.OperationalInsights','Microsoft.KeyVault','Microsoft.AlertsManagement') {
  $state = az provider show --namespace $ns --query registrationState -o tsv 2>$null
  if ($state -ne 'Registered') { Write-Host "preprovision: registering $ns (was: $state) …"; az provider register --namespace $ns --wait }
}
Write-Host 'preprovision: resource providers registered.'
