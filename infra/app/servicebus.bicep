// Service Bus namespace for RCA reminders: scheduled messages on the `rca-reminders` queue
// (AutoResponder:Reminders:QueueName), cancelled by sequence number, received by the reminder pump.
// No topic yet: the app publishes no incident events. Add one here when it does.
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

// Standard, not Basic: Basic caps message time-to-live at 14 days (reminders are kept up to 90) and
// has no topics for later event publishing.
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
    // The longest lock Service Bus allows: the pump locks 4 reminders at a time and handles them in turn.
    lockDuration: 'PT5M'
    // Backstop only: the pump dead-letters a failing reminder itself at AutoResponder:Reminders:MaxDeliveries
    // (default 5) and records it on the incident, so keep this above that setting.
    maxDeliveryCount: 10
    deadLetteringOnMessageExpiration: true
    // Reminders can be scheduled weeks ahead (RCA due dates); keep them for up to 90 days.
    defaultMessageTimeToLive: 'P90D'
    requiresDuplicateDetection: false
    requiresSession: false
  }
}

output name string = namespace.name
output id string = namespace.id
// serviceBusEndpoint looks like https://<name>.servicebus.windows.net:443/ — strip scheme and port
// so the FQDN follows the cloud (public, sovereign) instead of a hard-coded suffix.
output fullyQualifiedNamespace string = split(replace(namespace.properties.serviceBusEndpoint, 'https://', ''), ':')[0]
output reminderQueueName string = reminderQueue.name
