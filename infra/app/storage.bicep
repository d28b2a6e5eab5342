// Storage account for the Functions host (AzureWebJobsStorage: blobs for leases and host keys,
// queues for QueueTrigger) and the Flex Consumption deployment-package container, shared with the
// app. Every table, queue and container either uses is created here, once (main.bicep lists them),
// because the identity's roles are granted on each of them (app/rbac.bicep), not on the account:
// the app's start-up only creates what is missing and, when refused (403), logs it and starts anyway.
//   tables     Incidents, IncidentIndex, AccessTokens, ConsoleSessions, StatusEmailSchedule,
//              ImpactSnapshots, Orders + Catalog, Switches, Watches, PriceGuard, OnCall
//   queues     autoresponder-first-notice, autoresponder-outbox (each + -poison, the QueueTrigger's);
//              rca-reminders is Service Bus here
//   containers exports (CSVs: read only by the app, downloaded through its authenticated route),
//              postmortems, graph-auth (sign-in and token cache, encrypted with a key in Key Vault),
//              azure-webjobs-hosts and azure-webjobs-secrets (the Functions host's leases and keys)
// Shared-key access is off: every caller authenticates with Entra ID (managed identity or user).

@description('Storage account name (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags applied to the account.')
param tags object = {}

@description('Blob container that receives the zipped app package on each `azd deploy`.')
param deploymentContainerName string

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' = {
  parent: storage
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

@description('Tables the app uses (main.bicep: storageLayout.tables).')
param tableNames array

@description('Queues the app and the Functions host use (main.bicep: storageLayout.queues).')
param queueNames array

@description('Private blob containers the app and the Functions host use, besides the deployment container (main.bicep: storageLayout.containers).')
param containerNames array

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2024-01-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2024-01-01' = [for table in tableNames: {
  parent: tableService
  name: table
}]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2024-01-01' = {
  parent: storage
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2024-01-01' = [for queue in queueNames: {
  parent: queueService
  name: queue
}]

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = [for container in containerNames: {
  parent: blobService
  name: container
  properties: {
    publicAccess: 'None'
  }
}]

output name string = storage.name
output id string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
output deploymentContainerName string = deploymentContainer.name
