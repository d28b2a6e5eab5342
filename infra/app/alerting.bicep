// Makes alerts reach AutoResponder without manual wiring:
//   * an action group whose webhook receiver POSTs the common alert schema to
//     https://<app host>/api/alerts?code=<host default function key>
//     (optionally as an Entra-secured webhook: the action group also sends a bearer token);
//   * sample metric alert rules on the app's own resources, routed to that action group, so the
//     path "Azure Monitor -> action group -> /api/alerts -> incident" is exercised end to end.
//
// The function key is read with listKeys on the app's host ("host/default"). The host default key
// is created by the Functions runtime when the app is created, before any code is deployed, so a
// single `azd up` can wire the action group. If the host is not up yet when this module runs (for
// example role assignments still propagating), the deployment fails on this module only: run
// `azd provision` again, or provision once with DEPLOY_ALERTING=false.

@description('Name of the function app that receives alerts.')
param functionAppName string

@description('Route of the alert intake function, relative to the host.')
param alertsRoute string = 'api/alerts'

@description('Action group name.')
param actionGroupName string

@description('Action group short name (max 12 characters, shown in SMS/email).')
@maxLength(12)
param actionGroupShortName string = 'autorespond'

@description('Send an Entra ID bearer token with each webhook call (secure webhook).')
param useAadAuth bool = false

@description('Secure webhook: object id of the Entra application (app registration) that protects the endpoint.')
param aadObjectId string = ''

@description('Secure webhook: identifier URI (App ID URI) of that application, e.g. api://autoresponder.')
param aadIdentifierUri string = ''

@description('Optional e-mail address that also receives the alerts (a channel that still works when the app is down).')
param alertEmailAddress string = ''

@description('Application Insights component watched by the sample failed-requests alert.')
param applicationInsightsName string

@description('Storage account watched by the sample availability alert.')
param storageAccountName string

@description('Tags applied to the action group and alert rules.')
param tags object = {}

resource functionApp 'Microsoft.Web/sites@2024-11-01' existing = {
  name: functionAppName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

// Microsoft.Web/sites/host is an action target, not a typed resource, so listKeys takes its id.
var hostDefaultKey = listKeys('${functionApp.id}/host/default', '2024-11-01').functionKeys.default

var webhookReceiver = union(
  {
    name: 'autoresponder'
    serviceUri: 'https://${functionApp.properties.defaultHostName}/${alertsRoute}?code=${hostDefaultKey}'
    useCommonAlertSchema: true
    useAadAuth: useAadAuth
  },
  useAadAuth
    ? {
        objectId: aadObjectId
        identifierUri: aadIdentifierUri
        tenantId: tenant().tenantId
      }
    : {}
)

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: actionGroupShortName
    enabled: true
    webhookReceivers: [
      webhookReceiver
    ]
    emailReceivers: empty(alertEmailAddress)
      ? []
      : [
          {
            name: 'fallback-email'
            emailAddress: alertEmailAddress
            useCommonAlertSchema: true
          }
        ]
  }
}

// Sample 1: requests that failed in the app itself (HTTP 5xx and unhandled exceptions).
// autoMitigate sends the "Resolved" notification too, which AutoResponder uses to close incidents.
resource failedRequestsAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-failed-requests-${functionAppName}'
  location: 'global'
  tags: tags
  properties: {
    description: 'More than 5 failed requests in 5 minutes on the AutoResponder function app.'
    severity: 2
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'FailedRequests'
          metricNamespace: 'microsoft.insights/components'
          metricName: 'requests/failed'
          operator: 'GreaterThan'
          threshold: 5
          timeAggregation: 'Count'
        }
      ]
    }
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

// Sample 2: the incident store's storage account losing availability.
resource storageAvailabilityAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-storage-availability-${storageAccountName}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Storage account availability below 99% over 15 minutes.'
    severity: 1
    enabled: true
    scopes: [
      storage.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'Availability'
          metricNamespace: 'Microsoft.Storage/storageAccounts'
          metricName: 'Availability'
          operator: 'LessThan'
          threshold: 99
          timeAggregation: 'Average'
        }
      ]
    }
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

output actionGroupId string = actionGroup.id
output actionGroupName string = actionGroup.name
output alertRuleNames array = [
  failedRequestsAlert.name
  storageAvailabilityAlert.name
]
