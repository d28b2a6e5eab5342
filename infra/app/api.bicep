// The AutoResponder function app on a Flex Consumption (FC1) plan, running as the user-assigned
// identity. All connections are identity-based: the app settings below carry endpoints and the
// identity's client id, never a key or a connection string. The only secret the app may get (the
// optional Graph client secret) arrives as a Key Vault reference, resolved with the same identity.

@description('Function app name (also the default host name prefix).')
param name string

@description('Flex Consumption plan name.')
param planName string

@description('Azure region (must offer Flex Consumption).')
param location string

@description('Tags applied to plan and app; the app additionally gets azd-service-name.')
param tags object = {}

@description('azd service name in azure.yaml; azd finds the app to deploy to by this tag.')
param serviceName string = 'api'

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity (AZURE_CLIENT_ID, AzureWebJobsStorage__clientId, AutoResponder__Graph__ManagedIdentityClientId, ...).')
param identityClientId string

@description('Blob endpoint of the storage account (AzureWebJobsStorage + deployment container).')
param blobEndpoint string

@description('Queue endpoint of the storage account (QueueTrigger, outbox queues).')
param queueEndpoint string

@description('Table endpoint of the storage account (incident store).')
param tableEndpoint string

@description('Blob container for the deployment package.')
param deploymentContainerName string

@description('Application Insights connection string (endpoint locator only; local auth is disabled).')
param applicationInsightsConnectionString string

@description('Service Bus namespace host name, e.g. sb-xyz.servicebus.windows.net.')
param serviceBusFullyQualifiedNamespace string

@description('Extra app settings (name -> value) merged over the identity-based defaults; empty values are dropped.')
param appSettings object = {}

@description('Instance memory size in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Upper bound on scale-out instances.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Always-ready instances of the HTTP function group (alerts, API, console): 0 = scale to zero, so the first request after idle pays a cold start. Each one is billed all the time (docs/deploy.md).')
@minValue(0)
@maxValue(20)
param httpAlwaysReadyInstances int = 0

@description('.NET isolated worker version.')
param runtimeVersion string = '10.0'

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

// Identity-based host storage: the Functions host builds its blob/queue/table clients from these
// service URIs with the managed identity named by clientId (no AzureWebJobsStorage connection string).
var identitySettings = {
  AZURE_CLIENT_ID: identityClientId
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: blobEndpoint
  AzureWebJobsStorage__queueServiceUri: queueEndpoint
  AzureWebJobsStorage__tableServiceUri: tableEndpoint
  ServiceBus__fullyQualifiedNamespace: serviceBusFullyQualifiedNamespace
  ServiceBus__credential: 'managedidentity'
  ServiceBus__clientId: identityClientId
  // App-only Graph calls (mail) without a client secret use this identity. Unset, the app would ask
  // for a system-assigned identity, which this app does not have.
  AutoResponder__Graph__ManagedIdentityClientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // GET / answers 404 instead of the Functions landing page (nothing to advertise; the console is at /incidents).
  AzureWebJobsDisableHomepage: 'true'
}

// Optional settings whose values are unknown at provision time (Graph ids, Teams channel, mail
// addresses, Key Vault references) arrive in appSettings; an empty one is left out so the app sees
// "not configured" rather than "". siteConfig.appSettings is the complete list: `azd provision` replaces
// whatever was set by hand, so every setting a person chooses is a parameter of main.bicep (an azd env value).
var optionalSettings = filter(items(appSettings), setting => !empty(setting.value))

var allSettings = union(
  toObject(optionalSettings, setting => setting.key, setting => setting.value),
  identitySettings
)

resource functionApp 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        alwaysReady: httpAlwaysReadyInstances == 0 ? [] : [
          {
            name: 'http'
            instanceCount: httpAlwaysReadyInstances
          }
        ]
      }
      runtime: {
        name: 'dotnet-isolated'
        version: runtimeVersion
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: [
        for setting in items(allSettings): {
          name: setting.key
          value: setting.value
        }
      ]
    }
  }
}

// No publishing passwords: azd deploys with an Entra token.
resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

output name string = functionApp.name
output id string = functionApp.id
output defaultHostName string = functionApp.properties.defaultHostName
output uri string = 'https://${functionApp.properties.defaultHostName}'
