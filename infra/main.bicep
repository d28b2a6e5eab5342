// AutoResponder — Azure infrastructure for `azd up`.
//
// Subscription scope: creates the resource group `rg-<env>` and, inside it,
//   user-assigned identity · storage account · Service Bus (queue rca-reminders) · Log Analytics +
//   Application Insights · Key Vault (secrets behind Key Vault references) · Flex Consumption
//   function app (service "api") · role assignments · action group + sample metric alerts.
// No connection strings or keys: every connection is Entra ID with the app's managed identity.
// Tables, queues and blob containers the app uses are created by the app at start.
// See docs/deploy.md for the walkthrough and the settings the app reads.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; seeds the resource group name and the unique resource token.')
param environmentName string

@minLength(1)
@description('Region for every resource. It must offer the Flex Consumption plan (e.g. eastus, eastus2, northeurope, westeurope, swedencentral, uksouth, australiaeast).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the developer running azd (AZURE_PRINCIPAL_ID). Used only when allowUserIdentityPrincipal is true.')
param principalId string = ''

@description('Type of principalId: User when a person runs azd, ServicePrincipal when a pipeline does.')
@allowed([
  'User'
  'ServicePrincipal'
])
param principalType string = 'User'

@description('Grant principalId the same data roles as the app (storage, Service Bus, Key Vault, telemetry) so the app can run locally against these resources.')
param allowUserIdentityPrincipal bool = true

@description('Optional explicit resource group name; default rg-<environmentName>.')
param resourceGroupName string = ''

@description('Create the action group (webhook to /api/alerts with the host default key) and the sample metric alerts.')
param deployAlerting bool = true

@description('Secure webhook: the action group authenticates to the app with an Entra ID token.')
param alertWebhookUseAadAuth bool = false

@description('Secure webhook: object id of the Entra application that protects /api/alerts.')
param alertWebhookAadObjectId string = ''

@description('Secure webhook: identifier URI (App ID URI) of that Entra application.')
param alertWebhookAadIdentifierUri string = ''

@description('Optional e-mail address added to the action group as a fallback receiver.')
param alertEmailAddress string = ''

@description('Graph: tenant id of the app registration the Teams service account signs in to (AutoResponder__Graph__TenantId). Set together with graphClientId, teamsTeamId and teamsChannelId.')
param graphTenantId string = ''

@description('Graph: client (application) id (a GUID) of that app registration (AutoResponder__Graph__ClientId).')
param graphClientId string = ''

@description('Graph: optional app-only client secret, stored in Key Vault and referenced by AutoResponder__Graph__ClientSecret. Empty = app-only calls use the managed identity.')
@secure()
param graphClientSecret string = ''

@description('Graph: the key that encrypts the service account\'s token cache at rest (base64 of 32 random bytes), stored in Key Vault and referenced by AutoResponder__Graph__TokenCacheKey. The preprovision hook generates it once per environment.')
@secure()
param graphTokenCacheKey string = ''

@description('Graph: optional client id of the app registration the client secret belongs to, when it is not graphClientId (AutoResponder__Graph__AppClientId).')
param graphAppClientId string = ''

@description('Teams: id (group id) of the team incidents are posted to when no route matches (AutoResponder__Teams__TeamId).')
param teamsTeamId string = ''

@description('Teams: id of that incident channel, e.g. 19:...@thread.tacv2 (AutoResponder__Teams__ChannelId).')
param teamsChannelId string = ''

@description('Teams: optional person @mentioned while an incident has no owner: a People name, Entra object id or UPN (AutoResponder__Teams__OnCall).')
param teamsOnCall string = ''

@description('Teams posts on or off (AutoResponder__Teams__Enabled): "true", "false", or empty = on when graphClientId is given. On without Graph, posts wait in the outbox (named on /api/health) until Graph is configured.')
@allowed([
  ''
  'true'
  'false'
])
param teamsEnabled string = ''

@description('Status e-mails to managers on or off (AutoResponder__StatusEmails__Enabled): "true", "false", or empty = on when graphClientId is given.')
@allowed([
  ''
  'true'
  'false'
])
param statusEmailsEnabled string = ''

@description('Mailbox that status e-mails are sent from (AutoResponder__Mail__Sender).')
param mailSender string = ''

@description('Managers who get status e-mails when no severity/service list matches; addresses separated by ";" (AutoResponder__Mail__ManagerRecipients__Default).')
param mailManagerRecipientsDefault string = ''

@description('Operations recipients of order-impact exports; addresses separated by ";" (AutoResponder__Mail__OpsRecipients).')
param mailOpsRecipients string = ''

@description('Address used when no other recipient matches (AutoResponder__Mail__FallbackAddress).')
param mailFallbackAddress string = ''

@description('People sign-in: tenant id whose Entra ID access tokens the API accepts (AutoResponder__Access__Entra__TenantId). Flex Consumption offers no App Service authentication, so the app validates tokens itself. Set together with peopleApiAudience.')
param peopleTenantId string = ''

@description('People sign-in: the API app registration\'s application id URI or client id, the audience tokens must carry (AutoResponder__Access__Entra__Audience). App roles: viewer, responder, ops, admin.')
param peopleApiAudience string = ''

@description('People sign-in: the app registration\'s application (client) id the console\'s "Sign in with Microsoft" uses (AutoResponder__Access__Entra__ClientId). Id tokens only, no client secret. Needs peopleTenantId and peopleApiAudience. Empty: the console takes personal access tokens only.')
param peopleClientId string = ''

@description('Address people open the console at, used for the links in Teams cards and manager e-mails (AutoResponder__PublicBaseUrl). Empty: the function app\'s own https://<name>.azurewebsites.net. Set it when a custom domain fronts the app.')
param publicBaseUrl string = ''

@description('Upper bound on Flex Consumption instances.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Flex Consumption instance memory size in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Always-ready instances for the HTTP function group (alerts, API, console). 0 = scale to zero (the first alert after idle pays a cold start); each instance is billed around the clock (docs/deploy.md).')
@minValue(0)
@maxValue(20)
param httpAlwaysReadyInstances int = 0

@description('Let the Functions host write its diagnostic events (tables AzureFunctionsDiagnosticEvents<yyyyMM>, shown by the portal\'s "Diagnose and solve problems"): grants Storage Table Data Contributor on the whole table service. Off: the host turns them off after one 403.')
param hostDiagnosticEventsTables bool = false

@description('Turn on Key Vault purge protection (irreversible; `azd down --purge` then cannot purge the vault).')
param keyVaultEnablePurgeProtection bool = false

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
// Teams and status e-mails follow Graph unless chosen: on when a Graph client id is given, off otherwise.
var teamsOn = empty(teamsEnabled) ? !empty(graphClientId) : teamsEnabled == 'true'
var statusEmailsOn = empty(statusEmailsEnabled) ? !empty(graphClientId) : statusEmailsEnabled == 'true'
var tags = {
  'azd-env-name': environmentName
  application: 'autoresponder'
}

var names = {
  resourceGroup: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  identity: 'id-api-${resourceToken}'
  storage: 'st${resourceToken}'
  serviceBus: 'sb-${resourceToken}'
  keyVault: 'kv-${resourceToken}'
  logAnalytics: 'log-${resourceToken}'
  applicationInsights: 'appi-${resourceToken}'
  plan: 'plan-${resourceToken}'
  functionApp: 'func-api-${resourceToken}'
  deploymentContainer: 'app-package-${resourceToken}'
  actionGroup: 'ag-autoresponder-${resourceToken}'
}

// Every table, queue and container the app and its Functions host use: storage.bicep creates them and
// rbac.bicep grants the storage roles on each of them (not on the account). A new table in the app
// needs a line here, or its start-up creation is refused (403) in Azure.
var storageLayout = {
  tables: [
    'Incidents'
    'IncidentIndex'
    'AccessTokens'
    'ConsoleSessions'
    'StatusEmailSchedule'
    'ImpactSnapshots'
    'Orders'
    'Catalog'
    'Switches'
    'Watches'
    'PriceGuard'
    'Changes'
    'ActionItems'
    'OnCall'
  ]
  queues: [
    'autoresponder-outbox'
    'autoresponder-outbox-poison'
    'autoresponder-first-notice'
    'autoresponder-first-notice-poison'
  ]
  containers: [
    'exports'
    'postmortems'
    'graph-auth'
    'azure-webjobs-hosts'
    'azure-webjobs-secrets'
  ]
}

@description('Grant the storage roles on the whole account instead of on each table, queue and container (a fallback if a host needs storage storageLayout misses).')
param storageRolesOnAccount bool = false

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: tags
    deploymentContainerName: names.deploymentContainer
    tableNames: storageLayout.tables
    queueNames: storageLayout.queues
    containerNames: storageLayout.containers
  }
}

module serviceBus 'app/servicebus.bicep' = {
  name: 'servicebus'
  scope: rg
  params: {
    name: names.serviceBus
    location: location
    tags: tags
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: names.keyVault
    location: location
    tags: tags
    enablePurgeProtection: keyVaultEnablePurgeProtection
    graphClientSecret: graphClientSecret
    graphTokenCacheKey: graphTokenCacheKey
  }
}

module appRoles 'app/rbac.bicep' = {
  name: 'rbac-app'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    principalType: 'ServicePrincipal'
    assignmentSeed: names.identity
    storageAccountName: names.storage
    serviceBusNamespaceName: names.serviceBus
    keyVaultName: names.keyVault
    applicationInsightsName: names.applicationInsights
    containerNames: concat(storageLayout.containers, [names.deploymentContainer])
    tableNames: storageLayout.tables
    queueNames: storageLayout.queues
    storageRolesOnAccount: storageRolesOnAccount
    hostDiagnosticEventsTables: hostDiagnosticEventsTables
  }
  dependsOn: [
    storage
    serviceBus
    keyVault
    monitoring
  ]
}

module userRoles 'app/rbac.bicep' = if (allowUserIdentityPrincipal && !empty(principalId)) {
  name: 'rbac-user'
  scope: rg
  params: {
    principalId: principalId
    principalType: principalType
    assignmentSeed: principalId
    storageAccountName: names.storage
    serviceBusNamespaceName: names.serviceBus
    keyVaultName: names.keyVault
    applicationInsightsName: names.applicationInsights
    // The developer may set secrets (e.g. rotate the Graph client secret); the app only reads them.
    manageKeyVaultSecrets: true
    containerNames: concat(storageLayout.containers, [names.deploymentContainer])
    tableNames: storageLayout.tables
    queueNames: storageLayout.queues
    storageRolesOnAccount: storageRolesOnAccount
  }
  dependsOn: [
    storage
    serviceBus
    keyVault
    monitoring
  ]
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    serviceName: 'api'
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    httpAlwaysReadyInstances: httpAlwaysReadyInstances
    // Empty values are not written (the app then uses its default / "not configured").
    appSettings: {
      AutoResponder__Graph__TenantId: graphTenantId
      AutoResponder__Graph__ClientId: graphClientId
      AutoResponder__Graph__AppClientId: graphAppClientId
      AutoResponder__Graph__ClientSecret: empty(keyVault.outputs.graphClientSecretUri)
        ? ''
        : '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.graphClientSecretUri})'
      AutoResponder__Graph__TokenCacheKey: empty(keyVault.outputs.graphTokenCacheKeyUri)
        ? ''
        : '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.graphTokenCacheKeyUri})'
      AutoResponder__Teams__Enabled: teamsOn ? 'true' : 'false'
      AutoResponder__StatusEmails__Enabled: statusEmailsOn ? 'true' : 'false'
      AutoResponder__Teams__TeamId: teamsTeamId
      AutoResponder__Teams__ChannelId: teamsChannelId
      AutoResponder__Teams__OnCall: teamsOnCall
      AutoResponder__Mail__Sender: mailSender
      AutoResponder__Mail__ManagerRecipients__Default: mailManagerRecipientsDefault
      AutoResponder__Mail__OpsRecipients: mailOpsRecipients
      AutoResponder__Mail__FallbackAddress: mailFallbackAddress
      AutoResponder__Reminders__QueueName: serviceBus.outputs.reminderQueueName
      AutoResponder__Access__Entra__TenantId: peopleTenantId
      AutoResponder__Access__Entra__Audience: peopleApiAudience
      AutoResponder__Access__Entra__ClientId: peopleClientId
      // The app's own address (its default host name; a site cannot read its own host name in its settings).
      AutoResponder__PublicBaseUrl: empty(publicBaseUrl) ? 'https://${names.functionApp}.azurewebsites.net' : publicBaseUrl
      // Timer schedules (six-field NCRONTAB, UTC): each TimerTrigger reads its own as %AutoResponder:…%, and the
      // Functions host has no default for it, so each is written with the app's default (the standalone host's too).
      AutoResponder__Outbox__SweepSchedule: '0 */1 * * * *'
      AutoResponder__StatusEmails__SweepSchedule: '0 */1 * * * *'
      AutoResponder__Reminders__PumpSchedule: '30 */1 * * * *'
      AutoResponder__PriceGuard__Schedule: '0 */1 * * * *'
      AutoResponder__Watch__Schedule: '0 */1 * * * *'
      AutoResponder__Switches__NudgeSchedule: '0 */5 * * * *'
      AutoResponder__ActionItems__ReminderSchedule: '0 */5 * * * *'
      AutoResponder__Console__SessionSweepSchedule: '0 0 * * * *'
    }
  }
  // The host must be able to reach its storage (identity roles) the first time it starts.
  dependsOn: [
    appRoles
  ]
}

module alerting 'app/alerting.bicep' = if (deployAlerting) {
  name: 'alerting'
  scope: rg
  params: {
    functionAppName: names.functionApp
    actionGroupName: names.actionGroup
    alertEmailAddress: alertEmailAddress
    applicationInsightsName: names.applicationInsights
    storageAccountName: names.storage
    tags: tags
  }
  dependsOn: [
    api
  ]
}

// Outputs become azd environment values (`azd env get-values`). None of them is a secret.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output AUTORESPONDER_ALERTS_ENDPOINT string = '${api.outputs.uri}/api/alerts'
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_STORAGE_QUEUE_ENDPOINT string = storage.outputs.queueEndpoint
output AZURE_STORAGE_TABLE_ENDPOINT string = storage.outputs.tableEndpoint
output SERVICEBUS_FULLY_QUALIFIED_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output SERVICEBUS_REMINDER_QUEUE string = serviceBus.outputs.reminderQueueName
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_URI string = keyVault.outputs.uri
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.applicationInsightsConnectionString
output AZURE_ACTION_GROUP_NAME string = deployAlerting ? names.actionGroup : ''
// Read by infra/hooks/wire-action-group.sh, which adds the webhook receiver after deployment.
output AZURE_ALERT_WEBHOOK_USE_AAD bool = alertWebhookUseAadAuth
output AZURE_ALERT_WEBHOOK_AAD_OBJECT_ID string = alertWebhookAadObjectId
output AZURE_ALERT_WEBHOOK_AAD_IDENTIFIER_URI string = alertWebhookAadIdentifierUri
