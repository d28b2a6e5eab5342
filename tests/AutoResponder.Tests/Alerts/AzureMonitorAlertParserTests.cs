using System.Text.Json.Nodes;
using AutoResponder.Alerts;

namespace AutoResponder.Tests.Alerts;

public class AzureMonitorAlertParserTests
{
    private const string Sub = "/subscriptions/11111111-1111-1111-1111-111111111111";
    private const string DocAlertId = Sub + "/providers/Microsoft.AlertsManagement/alerts/12345678-1234-1234-1234-1234567890ab";
    private const string WcusAlertId = "/subscriptions/<subscription ID>/providers/Microsoft.AlertsManagement/alerts/b9569717-bc32-442f-add5-83a997729330";
    private const string WcusVm = "/subscriptions/<subscription id>/resourcegroups/pipelinealertrg/providers/microsoft.compute/virtualmachines/wcus-r2-gen2";

    private readonly AzureMonitorAlertParser _parser = new();

    private Alert ParseSample(string file) => Assert.Single(_parser.Parse(Samples.Load("AzureMonitor", file + ".json")));

    public static TheoryData<string, string, Severity, AlertStatus, string, string, string> SampleExpectations => new()
    {
        { "metric-static", WcusAlertId, Severity.Sev3, AlertStatus.Firing, "2019-03-22T13:58:24.3713213Z", WcusVm, "WCUS-R2-Gen2" },
        { "metric-resolved", WcusAlertId, Severity.Sev3, AlertStatus.Resolved, "2019-03-22T13:58:24.3713213Z", WcusVm, "WCUS-R2-Gen2" },
        { "metric-dynamic", DocAlertId, Severity.Sev3, AlertStatus.Firing, "2021-11-15T09:35:24.3468506Z",
            Sub + "/resourcegroups/test-rg/providers/microsoft.storage/storageaccounts/test-storageaccount", "test-metricAlertRule" },
        { "availability", Sub + "/providers/Microsoft.AlertsManagement/alerts/a1b2c3d4-0000-4000-8000-0000000000a1", Severity.Sev1, AlertStatus.Firing,
            "2019-03-22T13:46:12.1234567Z", Sub + "/resourcegroups/test-rg/providers/microsoft.insights/components/myapplication", "myAvailabilityTest-myApplication" },
        { "log-v1", DocAlertId, Severity.Sev3, AlertStatus.Firing, "2021-11-16T15:15:58.3302205Z",
            Sub + "/resourcegroups/test-rg/providers/microsoft.operationalinsights/workspaces/test-loganalyticsworkspace", "test-logAlertRule-v1-numResults" },
        { "log-v2", DocAlertId, Severity.Sev3, AlertStatus.Firing, "2021-11-16T11:47:41.4728231Z",
            Sub + "/resourcegroups/test-rg/providers/microsoft.operationalinsights/workspaces/test-loganalyticsworkspace", "test-logAlertRule-v2" },
        { "activitylog-administrative", DocAlertId, Severity.Sev4, AlertStatus.Firing, "2021-11-16T08:29:01.2932462Z",
            Sub + "/resourcegroups/test-rg/providers/microsoft.compute/virtualmachines/test-vm", "test-activityLogAlertRule" },
        { "activitylog-servicehealth", Sub + "/providers/Microsoft.AlertsManagement/alerts/1234abcd5678efgh1234abcd5678efgh1234abcd5678efgh1234abcd5678efgh",
            Severity.Sev4, AlertStatus.Firing, "2021-11-17T05:34:48.0623172Z", Sub, "test-ServiceHealthAlertRule" },
        { "activitylog-resourcehealth", DocAlertId, Severity.Sev4, AlertStatus.Firing, "2021-11-16T09:54:08.9938123Z",
            Sub + "/resourcegroups/test-rg/providers/microsoft.compute/virtualmachines/test-vm", "test-ResourceHealthAlertRule" },
        { "activitylog-autoscale", Sub + "/providers/Microsoft.AlertsManagement/alerts/a1b2c3d4-0000-4000-8000-0000000000c1", Severity.Sev4, AlertStatus.Firing,
            "2019-08-21T16:18:02.1234567Z", Sub + "/resourcegroups/testrg/providers/microsoft.compute/virtualmachinescalesets/testvmss", "test-autoscaleAlertRule" },
        { "activitylog-security", Sub + "/providers/Microsoft.AlertsManagement/alerts/a1b2c3d4-0000-4000-8000-0000000000d1", Severity.Sev1, AlertStatus.Firing,
            "2019-08-26T09:29:12Z", Sub + "/resourcegroups/test-rg/providers/microsoft.compute/virtualmachines/testvm", "test-securityAlertRule" },
        { "activitylog-recommendation", Sub + "/providers/Microsoft.AlertsManagement/alerts/a1b2c3d4-0000-4000-8000-0000000000e1", Severity.Sev4, AlertStatus.Firing,
            "2018-06-07T21:31:05.1234567Z", Sub + "/resourcegroups/myresourcegroup/providers/microsoft.compute/virtualmachines/myvm", "test-advisorRecommendationAlertRule" },
        { "activitylog-policy", Sub + "/providers/Microsoft.AlertsManagement/alerts/a1b2c3d4-0000-4000-8000-0000000000b1", Severity.Sev2, AlertStatus.Firing,
            "2019-08-25T11:13:01.456Z", Sub, "test-policyAuditAlertRule" },
        { "smart-detection", DocAlertId, Severity.Sev3, AlertStatus.Firing, "2021-10-28T19:09:09.1115084Z",
            Sub + "/resourcegroups/test-rg/providers/microsoft.insights/components/test-applicationinsights", "Dependency Latency Degradation - test-applicationInsights" },
        { "prometheus", Sub + "/providers/Microsoft.AlertsManagement/alerts/a1b2c3d4-0000-4000-8000-0000000000f1", Severity.Sev2, AlertStatus.Firing,
            "2023-02-14T10:21:33.555Z", Sub + "/resourcegroups/myresourcegroup/providers/microsoft.monitor/accounts/myazuremonitorworkspace", "myRuleGroup/SqlDown" },
    };

    [Theory]
    [MemberData(nameof(SampleExpectations))]
    public void Parses_every_documented_sample(string file, string alertId, Severity severity, AlertStatus status, string startsAt, string service, string rule)
    {
        var alert = ParseSample(file);

        Assert.Equal("azure-monitor", alert.Source);
        Assert.Equal(alertId, alert.SourceAlertId);
        Assert.Equal("azmon:" + alertId, alert.Fingerprint);
        Assert.Equal(alert.Fingerprint, alert.DeduplicationKey);
        Assert.Equal(severity, alert.Severity);
        Assert.Equal(status, alert.Status);
        Assert.Equal(DateTimeOffset.Parse(startsAt), alert.StartsAt);
        Assert.Equal(service, alert.Service);
        Assert.Equal(rule, alert.Rule);
        Assert.StartsWith(rule, alert.Title);
    }

    [Theory]
    [InlineData("metric-static", "Percentage CPU Average GreaterThan 25: value 31.1105 [ResourceId=3efad9dc-3d50-4eac-9c87-8b3fd6f97e4e]")]
    [InlineData("metric-resolved", "Percentage CPU Average GreaterThan 25: value 7.727")]
    [InlineData("metric-dynamic", "Transactions Average GreaterThan 0.3: value 78.09 (dynamic threshold, Low sensitivity)")]
    [InlineData("availability", "Availability test 'myAvailabilityTest-myApplication': Failed Location Sum GreaterThan 2: value 5")]
    [InlineData("log-v1", "Log query 'Heartbeat' returned 1 result(s) (threshold Greater Than 0)")]
    [InlineData("log-v2", "Log query 'Heartbeat': Count GreaterThan 0: value 3.0 [Computer=test-computer]")]
    [InlineData("activitylog-administrative", "Activity log Administrative: Microsoft.Compute/virtualMachines/restart/action Succeeded by user-email@domain.com")]
    [InlineData("activitylog-servicehealth", "Service health Incident: Test Action Group - Test Service Health Alert (Azure Service Name, Global); stage Resolved; tracking ID ABC1-DEF")]
    [InlineData("activitylog-resourcehealth", "Resource health Available → Unavailable (Downtime, cause UserInitiated): Rebooted by user")]
    [InlineData("activitylog-autoscale", "from 9 instances count to 10 instances count")]
    [InlineData("activitylog-security", "Virus threat Quarantined on testVM, action Blocked")]
    [InlineData("activitylog-recommendation", "Microsoft.Advisor/generateRecommendations/action Active. Security recommendation, impact High")]
    [InlineData("activitylog-policy", "Activity log Policy: Microsoft.Authorization/policies/audit/action Succeeded")]
    [InlineData("smart-detection", "A degradation in the dependency duration over the last 24 hours: detected 0.45 sec, normal 0.27 sec (over the last 7 days)")]
    [InlineData("prometheus", "PromQL sql_up > 0 = 0 (for PT2M)")]
    public void Description_summarises_the_alert_context(string file, string expected)
    {
        Assert.Contains(expected, ParseSample(file).Description);
    }

    [Fact]
    public void Description_starts_with_the_rule_description()
    {
        Assert.StartsWith("Alert rule description\nTransactions Average", ParseSample("metric-dynamic").Description);
    }

    [Fact]
    public void Fired_and_resolved_of_the_same_alert_share_the_fingerprint()
    {
        var fired = ParseSample("metric-static");
        var resolved = ParseSample("metric-resolved");

        Assert.Equal(fired.Fingerprint, resolved.Fingerprint);
        Assert.Equal(AlertStatus.Firing, fired.Status);
        Assert.Null(fired.EndsAt);
        Assert.Equal(AlertStatus.Resolved, resolved.Status);
        Assert.Equal(DateTimeOffset.Parse("2019-03-22T14:03:16.2246313Z"), resolved.EndsAt);
    }

    [Fact]
    public void Different_alerts_get_different_fingerprints()
    {
        Assert.NotEqual(ParseSample("metric-static").Fingerprint, ParseSample("prometheus").Fingerprint);
    }

    [Fact]
    public void Essentials_become_labels()
    {
        var alert = ParseSample("metric-static");

        Assert.Equal("Metric", alert.Labels["signalType"]);
        Assert.Equal("Platform", alert.Labels["monitoringService"]);
        Assert.Equal("3f2d4487-b0fc-4125-8bd5-7ad17384221e_PipeLineAlertRG_microsoft.insights_metricAlerts_WCUS-R2-Gen2_-117781227", alert.Labels["originAlertId"]);
        Assert.Equal("SingleResourceMultipleMetricCriteria", alert.Labels["conditionType"]);
        Assert.False(alert.Labels.ContainsKey("investigationLink"));
    }

    [Fact]
    public void Prometheus_alert_carries_its_labels_summary_and_investigation_link()
    {
        var alert = ParseSample("prometheus");

        Assert.Equal("myRuleGroup/SqlDown: alert on SQL availability", alert.Title);
        Assert.Equal("Prod", alert.Labels["Environment"]);
        Assert.Equal("myCluster1", alert.Labels["cluster"]);
        Assert.Equal("Prometheus", alert.Labels["monitoringService"]);
        Assert.Equal("microsoft.monitor/accounts", alert.Labels["targetResourceType"]);
        Assert.Equal("myResourceGroup", alert.Labels["targetResourceGroup"]);
        Assert.EndsWith("/prometheusRuleGroups/myRuleGroup", alert.Labels["alertRuleID"]);
        var link = Assert.Single(alert.Links);
        Assert.Equal("Investigate in Azure Monitor", link.Title);
        Assert.Equal(alert.Labels["investigationLink"], link.Url);
    }

    [Fact]
    public void Health_alerts_put_the_event_title_in_the_alert_title()
    {
        Assert.Equal("test-ServiceHealthAlertRule: Test Action Group - Test Service Health Alert", ParseSample("activitylog-servicehealth").Title);
        Assert.Equal("test-ResourceHealthAlertRule: Rebooted by user", ParseSample("activitylog-resourcehealth").Title);
        Assert.Equal("WCUS-R2-Gen2", ParseSample("metric-static").Title);
    }

    [Fact]
    public void Log_search_v1_links_to_its_search_results()
    {
        var links = ParseSample("log-v1").Links;

        // LinkToSearchResults and LinkToFilteredSearchResultsUI are the same URL in this sample: kept once.
        var link = Assert.Single(links);
        Assert.Equal("Search results", link.Title);
        Assert.StartsWith("https://portal.azure.com#@aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa/blade/Microsoft_Azure_Monitoring_Logs/LogsBlade", link.Url);
    }

    [Fact]
    public void Log_search_v2_links_to_search_and_filtered_results()
    {
        var links = ParseSample("log-v2").Links;

        Assert.Equal(["Search results", "Filtered search results"], links.Select(l => l.Title));
        Assert.Contains("ZAZBZiaGBlaG5lbKlnAAFRmnp6WNUZoqvTBAA", links[0].Url);
        Assert.Contains("OqZS%2FuX0L5d", links[1].Url);
    }

    [Fact]
    public void Service_falls_back_to_the_first_configuration_item()
    {
        var payload = Samples.Node("AzureMonitor", "metric-static.json");
        Essentials(payload).Remove("alertTargetIDs");

        var alert = Assert.Single(_parser.Parse(payload.ToElement()));

        Assert.Equal("wcus-r2-gen2", alert.Service);
    }

    [Fact]
    public void Unknown_extra_fields_are_accepted()
    {
        var payload = Samples.Node("AzureMonitor", "metric-static.json");
        payload["somethingNew"] = new JsonObject { ["nested"] = 1 };
        Essentials(payload)["futureField"] = "x";

        Assert.Single(_parser.Parse(payload.ToElement()));
    }

    [Theory]
    [InlineData("alertId", "data.essentials.alertId")]
    [InlineData("alertRule", "data.essentials.alertRule")]
    [InlineData("severity", "data.essentials.severity")]
    [InlineData("monitorCondition", "data.essentials.monitorCondition")]
    [InlineData("firedDateTime", "data.essentials.firedDateTime")]
    public void Missing_required_essential_is_400_naming_it(string field, string path)
    {
        var payload = Samples.Node("AzureMonitor", "metric-static.json");
        Essentials(payload).Remove(field);

        var error = Assert.Throws<AlertPayloadException>(() => _parser.Parse(payload.ToElement()));

        Assert.Equal(400, error.Status);
        Assert.Equal(path, error.Field);
    }

    [Fact]
    public void Missing_essentials_is_400()
    {
        var payload = Samples.Node("AzureMonitor", "metric-static.json");
        payload["data"]!.AsObject().Remove("essentials");

        var error = Assert.Throws<AlertPayloadException>(() => _parser.Parse(payload.ToElement()));

        Assert.Equal((400, "data.essentials"), (error.Status, error.Field));
    }

    [Fact]
    public void Missing_data_is_400()
    {
        var error = Assert.Throws<AlertPayloadException>(() =>
            _parser.Parse(Samples.Parse("""{"schemaId":"azureMonitorCommonAlertSchema"}""")));

        Assert.Equal((400, "data"), (error.Status, error.Field));
    }

    [Theory]
    [InlineData("severity", "Sev9", "data.essentials.severity")]
    [InlineData("severity", "3", "data.essentials.severity")]
    [InlineData("monitorCondition", "Exploded", "data.essentials.monitorCondition")]
    [InlineData("firedDateTime", "yesterday", "data.essentials.firedDateTime")]
    [InlineData("resolvedDateTime", "later", "data.essentials.resolvedDateTime")]
    public void Invalid_essential_value_is_422_naming_it(string field, string value, string path)
    {
        var payload = Samples.Node("AzureMonitor", "metric-static.json");
        Essentials(payload)[field] = value;

        var error = Assert.Throws<AlertPayloadException>(() => _parser.Parse(payload.ToElement()));

        Assert.Equal(422, error.Status);
        Assert.Equal(path, error.Field);
    }

    [Fact]
    public void Non_common_schema_is_400_with_a_hint()
    {
        var payload = Samples.Node("AzureMonitor", "metric-static.json");
        payload["schemaId"] = "AzureMonitorMetricAlert";

        var error = Assert.Throws<AlertPayloadException>(() => _parser.Parse(payload.ToElement()));

        Assert.Equal((400, "schemaId"), (error.Status, error.Field));
        Assert.Contains("common alert schema", error.Message);
        Assert.Contains("AzureMonitorMetricAlert", error.Message);
    }

    private static JsonObject Essentials(JsonObject payload) => payload["data"]!["essentials"]!.AsObject();

    [Theory]
    [InlineData("costbudget-actual", "Test_actual_cost_budget", "Actual", "spent $11,111.00")]
    [InlineData("costbudget-forecasted", "Test_forcasted_budget", "Forecasted", "forecast for the period $1111.11")]
    public void Cost_budget_alerts_without_rule_severity_or_condition_are_accepted(string file, string budget, string thresholdType, string summary)
    {
        var alert = ParseSample(file);

        Assert.Equal(budget, alert.Rule);
        Assert.StartsWith(budget + ": ", alert.Title);
        Assert.Equal(SeverityMap.Default, alert.Severity);
        Assert.Equal(AlertStatus.Firing, alert.Status);
        Assert.Equal(Sub, alert.Service);
        Assert.Equal(thresholdType, alert.Labels["thresholdType"]);
        Assert.Equal("CostAlerts", alert.Labels["monitoringService"]);
        Assert.Contains(summary, alert.Description);
        Assert.Contains("budget $50.00", alert.Description);
    }

    [Fact]
    public void A_cost_budget_alert_through_the_payload_parser_passes_the_limits()
    {
        var parser = new AlertPayloadParser(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero)));
        Assert.Single(parser.Parse(Samples.Load("AzureMonitor", "costbudget-actual.json")));
    }

    [Theory]
    [InlineData("alertTargetIDs", "\"/subscriptions/x\"", "data.essentials.alertTargetIDs")]
    [InlineData("alertTargetIDs", "[42]", "data.essentials.alertTargetIDs[0]")]
    [InlineData("configurationItems", "{}", "data.essentials.configurationItems")]
    public void Documented_arrays_of_another_type_are_rejected_naming_the_field(string name, string json, string field)
    {
        var node = Samples.Node("AzureMonitor", "metric-static.json");
        node["data"]!["essentials"]![name] = JsonNode.Parse(json);

        var e = Assert.Throws<AlertPayloadException>(() => _parser.Parse(node.ToElement()));

        Assert.Equal((422, field), (e.Status, e.Field));
    }
}
