using AutoResponder.Alerts;

namespace AutoResponder.Tests.Alerts;

public class SeverityMapTests
{
    [Theory]
    [InlineData("Sev0", Severity.Sev0)]
    [InlineData("Sev1", Severity.Sev1)]
    [InlineData("Sev2", Severity.Sev2)]
    [InlineData("Sev3", Severity.Sev3)]
    [InlineData("Sev4", Severity.Sev4)]
    [InlineData("sev2", Severity.Sev2)]
    public void Azure_monitor_accepts_sev_names(string value, Severity expected) =>
        Assert.Equal(expected, SeverityMap.FromAzureMonitor(value));

    [Theory]
    [InlineData("Sev5")]
    [InlineData("Sev9")]
    [InlineData("3")]
    [InlineData("critical")]
    [InlineData("")]
    [InlineData(null)]
    public void Azure_monitor_rejects_anything_else(string? value) => Assert.Null(SeverityMap.FromAzureMonitor(value));

    [Theory]
    [InlineData("critical", Severity.Sev1)]
    [InlineData("error", Severity.Sev2)]
    [InlineData("warning", Severity.Sev3)]
    [InlineData("info", Severity.Sev4)]
    [InlineData("p1", Severity.Sev0)]
    [InlineData("p2", Severity.Sev1)]
    [InlineData("p4", Severity.Sev3)]
    [InlineData(" Critical ", Severity.Sev1)]
    public void Prometheus_label_vocabulary(string value, Severity expected) =>
        Assert.Equal(expected, SeverityMap.FromPrometheusLabel(value));

    [Theory]
    [InlineData("p0")]
    [InlineData("p6")]
    [InlineData("sev5")]
    [InlineData("page")]
    public void Prometheus_label_unknown_values(string value) => Assert.Null(SeverityMap.FromPrometheusLabel(value));

    [Theory]
    [InlineData("error")]
    [InlineData("p1")]
    [InlineData("Sev9")]
    public void Generic_accepts_only_its_documented_words(string value) => Assert.Null(SeverityMap.FromGeneric(value));
}
