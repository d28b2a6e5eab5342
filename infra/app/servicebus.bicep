// Service Bus namespace for RCA reminders (scheduled messages on the `rca-reminders` queue,
// cancelled by sequence number) and the `incident-events` topic for downstream consumers.
// Local (SAS key) authentication is disabled; senders/receivers use Entra ID roles.

@description('Service Bus namespace name (6-50 characters).')
@minLength(6)
@maxLength(50)
param name string

@description('Azure region.')
param location string

@description('Tags applied to the namespace.')
param tags object = {}

@description('Queue that holds scheduled RCA reminder messages.')
param reminderQueueName string = 'rca-reminders'

@description('Topic that incident lifecycle events are published to.')
param incidentEventsTopicName string = 'incident-events'

// Standard is the smallest tier with topics (Basic has queues only).
resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource reminderQueue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: reminderQueueName
  properties: {
    lockDuration: 'PT1M'
    maxDeliveryCount: 10
    deadLetteringOnMessageExpiration: true
    // Reminders can be scheduled weeks ahead (RCA due dates); keep them for up to 90 days.
    defaultMessageTimeToLive: 'P90D'
    requiresDuplicateDetection: false
    requiresSession: false
  }
}

resource incidentEventsTopic 'Microsoft.ServiceBus/namespaces/topics@2024-01-01' = {
  parent: namespace
  name: incidentEventsTopicName
  properties: {
    defaultMessageTimeToLive: 'P14D'
    supportOrdering: true
  }
}

output name string = namespace.name
output id string = namespace.id
// serviceBusEndpoint looks like https://<name>.servicebus.windows.net:443/ — strip scheme and port
// so the FQDN follows the cloud (public, sovereign) instead of a hard-coded suffix.
output fullyQualifiedNamespace string = split(replace(namespace.properties.serviceBusEndpoint, 'https://', ''), ':')[0]
output reminderQueueName string = reminderQueue.name
output incidentEventsTopicName string = incidentEventsTopic.name
