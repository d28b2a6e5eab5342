// Least-privilege data-plane role assignments for one principal: the app's user-assigned
// identity, or (optionally) the developer who ran `azd up`, so the app can be run locally against
// the cloud resources with DefaultAzureCredential.
//
// Storage roles are granted on each container, table and queue the app and its Functions host use
// (storage.bicep creates every one of them), not on the account: the identity cannot read or write
// anything else in the account, and nothing it holds can mint a SAS (no generateUserDelegationKey at
// account scope; the app signs no links). storageRolesOnAccount = true falls back to account scope.
//
//   Storage Blob Data Owner          each container   Functions host: deployment package, host keys
//                                                     (azure-webjobs-secrets), leases and timers
//                                                     (azure-webjobs-hosts); app: exports, postmortems,
//                                                     graph-auth (encrypted token cache)
//   Storage Table Data Contributor   each table       incident store and every other app table
//                                    table service    only with hostDiagnosticEventsTables: the host's monthly
//                                                     AzureFunctionsDiagnosticEvents<yyyyMM> tables
//   Storage Queue Data Contributor   each queue       QueueTrigger: autoresponder-outbox (+ -poison)
//   Azure Service Bus Data Sender    namespace        schedule / cancel RCA reminders
//   Azure Service Bus Data Receiver  namespace        reminder pump (peek-lock, complete, dead-letter)
//   Key Vault Secrets User           vault            app: resolve Key Vault references in app settings
//     or Key Vault Secrets Officer                    developer: also set secrets (manageKeyVaultSecrets)
//   Monitoring Metrics Publisher     App Insights     Entra-authenticated telemetry ingestion

@description('Object (principal) id that receives the roles.')
param principalId string

@description('Stable string that names the assignments (known before deployment, unlike a new identity\'s principal id).')
param assignmentSeed string

@description('Kind of principal: the managed identity is a ServicePrincipal, a developer a User.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param principalType string

@description('Name of the storage account in this resource group.')
param storageAccountName string

@description('Name of the Service Bus namespace in this resource group.')
param serviceBusNamespaceName string

@description('Name of the Key Vault in this resource group.')
param keyVaultName string

@description('Name of the Application Insights component in this resource group.')
param applicationInsightsName string

@description('Key Vault Secrets Officer (read and write secrets) instead of Key Vault Secrets User (read only).')
param manageKeyVaultSecrets bool = false

@description('Blob containers (existing, in the storage account) the principal reads and writes.')
param containerNames array

@description('Tables (existing) the principal reads and writes.')
param tableNames array

@description('Queues (existing) the principal reads and writes.')
param queueNames array

@description('Grant the storage roles on the whole account instead of on each container, table and queue.')
param storageRolesOnAccount bool = false

@description('Grant Storage Table Data Contributor on the table service (every table), so the Functions host can list tables and create its monthly AzureFunctionsDiagnosticEvents<yyyyMM> tables. Off: the host gets a 403 on its first check and turns diagnostic events off by itself; nothing else is affected.')
param hostDiagnosticEventsTables bool = false

// Built-in role definition ids (identical in every tenant).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

var storageRoles = [
  roles.storageBlobDataOwner
  roles.storageTableDataContributor
  roles.storageQueueDataContributor
]

var keyVaultRole = manageKeyVaultSecrets ? roles.keyVaultSecretsOfficer : roles.keyVaultSecretsUser

var serviceBusRoles = [
  roles.serviceBusDataSender
  roles.serviceBusDataReceiver
]

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource storageAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in storageRoles: if (storageRolesOnAccount) {
    name: guid(storage.id, assignmentSeed, roleId)
    scope: storage
    properties: {
      principalId: principalId
      principalType: principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    }
  }
]

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' existing = {
  parent: storage
  name: 'default'
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2024-01-01' existing = {
  parent: storage
  name: 'default'
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2024-01-01' existing = {
  parent: storage
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' existing = [
  for container in containerNames: {
    parent: blobService
    name: container
  }
]

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2024-01-01' existing = [
  for table in tableNames: {
    parent: tableService
    name: table
  }
]

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2024-01-01' existing = [
  for queue in queueNames: {
    parent: queueService
    name: queue
  }
]

resource containerAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (container, i) in containerNames: if (!storageRolesOnAccount) {
    name: guid(storage.id, 'container', container, assignmentSeed, roles.storageBlobDataOwner)
    scope: containers[i]
    properties: {
      principalId: principalId
      principalType: principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    }
  }
]

resource tableAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (table, i) in tableNames: if (!storageRolesOnAccount) {
    name: guid(storage.id, 'table', table, assignmentSeed, roles.storageTableDataContributor)
    scope: tables[i]
    properties: {
      principalId: principalId
      principalType: principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    }
  }
]

// The host's diagnostic events table has a new name every month (AzureFunctionsDiagnosticEvents202612 …) and the host
// checks its permission by listing tables and creating AzureFunctionsDiagnosticEventsCheck: no per-table grant can cover
// that, so it is the table service or nothing.
resource diagnosticEventsAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (hostDiagnosticEventsTables && !storageRolesOnAccount) {
  name: guid(storage.id, 'tableService', assignmentSeed, roles.storageTableDataContributor)
  scope: tableService
  properties: {
    principalId: principalId
    principalType: principalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
  }
}

resource queueAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (queue, i) in queueNames: if (!storageRolesOnAccount) {
    name: guid(storage.id, 'queue', queue, assignmentSeed, roles.storageQueueDataContributor)
    scope: queues[i]
    properties: {
      principalId: principalId
      principalType: principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    }
  }
]

resource serviceBusAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in serviceBusRoles: {
    name: guid(serviceBus.id, assignmentSeed, roleId)
    scope: serviceBus
    properties: {
      principalId: principalId
      principalType: principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    }
  }
]

resource keyVaultAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, assignmentSeed, keyVaultRole)
  scope: vault
  properties: {
    principalId: principalId
    principalType: principalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultRole)
  }
}

resource metricsPublisherAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, assignmentSeed, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    principalId: principalId
    principalType: principalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}
