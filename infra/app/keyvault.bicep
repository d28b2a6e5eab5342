// Key Vault (RBAC authorization, no access policies) for secrets the function app reads through
// Key Vault references in its app settings (`@Microsoft.KeyVault(SecretUri=...)`, resolved with the
// user-assigned identity): the optional Graph app-only client secret and the key that encrypts the Graph
// service account's token cache. The app itself never calls the vault. The sign-in (AuthenticationRecord +
// MSAL token cache, encrypted with that key) lives in the `graph-auth` blob container.

@description('Key Vault name (3-24 characters, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags applied to the vault.')
param tags object = {}

@description('Turn on purge protection. Once on it cannot be turned off, and `azd down --purge` can no longer purge the vault.')
param enablePurgeProtection bool = false

@description('Optional Graph app-only client secret (AutoResponder:Graph:ClientSecret). Empty = no secret is created.')
@secure()
param graphClientSecret string = ''

@description('Name of the secret that holds graphClientSecret.')
param graphClientSecretName string = 'graph-client-secret'

@description('Key that encrypts the Graph token cache at rest (AutoResponder:Graph:TokenCacheKey, base64 of 32 bytes). Empty = no secret is created.')
@secure()
param graphTokenCacheKey string = ''

@description('Name of the secret that holds graphTokenCacheKey.')
param graphTokenCacheKeyName string = 'graph-token-cache-key'

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    // Purge protection can only be switched on; "false" must be expressed by omitting it.
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource graphClientSecretValue 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = if (!empty(graphClientSecret)) {
  parent: vault
  name: graphClientSecretName
  properties: {
    value: graphClientSecret
    contentType: 'text/plain'
  }
}

resource graphTokenCacheKeyValue 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = if (!empty(graphTokenCacheKey)) {
  parent: vault
  name: graphTokenCacheKeyName
  properties: {
    value: graphTokenCacheKey
    contentType: 'text/plain'
  }
}

output name string = vault.name
output id string = vault.id
output uri string = vault.properties.vaultUri
// Versionless secret URI for a Key Vault reference (the app picks up a new version on its own);
// empty when no secret was supplied. Not a secret itself.
output graphClientSecretUri string = graphClientSecretValue.?properties.secretUri ?? ''
// Versionless URI of the token cache key secret (empty when none was supplied). Not a secret itself.
output graphTokenCacheKeyUri string = graphTokenCacheKeyValue.?properties.secretUri ?? ''
