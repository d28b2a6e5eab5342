// Makes alerts reach AutoResponder:
//   * an action group (common alert schema) whose webhook receiver is wired AFTER deployment by the azd
//     hook infra/hooks/wire-action-group.sh (postprovision and postdeploy): the receiver's URL carries the
//     host key, which exists only once the Functions host has started with our code. Reading it here with
//     listKeys during provisioning failed intermittently ("InternalServerError from host runtime");
//   * sample metric alert rules on the app's own resources, routed to that action group, so the
//     path "Azure Monitor -> action group -> /api/alerts -> incident" is exercised end to end.
// Re-provisioning resets the receivers to what is declared here; the postprovision hook wires it again.

@description('Name of the function app that receives alerts.')
param functionAppName string

@description('Action group name.')
param actionGroupName string

@description('Action group short name (max 12 characters, shown in SMS/email).')
@maxLength(12)
param actionGroupShortName string = 'autorespond'

@description('Optional e-mail address that also receives the alerts (a channel that still works when the app is down).')
param alertEmailAddress string = ''

@description('Application Insights component watched by the sample failed-requests alert.')
param applicationInsightsName string

@description('Storage account watched by the sample availability alert.')
param storageAccountName string

@description('Tags applied to the action group and alert rules.')
param tags object = {}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: actionGroupShortName
    enabled: true
    webhookReceivers: [] // wired by infra/hooks/wire-action-group.sh once the app runs
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
