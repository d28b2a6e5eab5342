// User-assigned managed identity the function app runs as. Every data-plane permission
// (storage, Service Bus, Key Vault, Application Insights ingestion) is granted to this
// identity in rbac.bicep; the app never holds a key or a connection string.

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region.')
param location string

@description('Tags applied to the identity.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
