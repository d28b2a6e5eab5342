using System.Text.Json;

namespace AutoResponder.Alerts;

/// <summary>
/// Entry point for alert intake: detects the payload format and normalises it into <see cref="Alert"/>s.
/// Formats are tried in order Azure Monitor, Alertmanager/Grafana, generic; the first whose
/// <see cref="IAlertParser.CanParse"/> is true parses the payload.
/// </summary>
internal sealed class AlertPayloadParser
{
    public const string UnrecognisedMessage =
        "Unrecognised alert payload: expected the Azure Monitor common alert schema, an Alertmanager/Grafana webhook " +
        "(version 4) or the generic form {title, severity, ...}";

    private readonly IReadOnlyList<IAlertParser> _parsers;
    private readonly TimeProvider _time;

    public AlertPayloadParser(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _parsers = [new AzureMonitorAlertParser(), new AlertmanagerAlertParser(), new GenericAlertParser(time)];
    }

    /// <summary>
    /// Parses one webhook body and checks every alert against <see cref="AlertLimits"/>. Throws
    /// <see cref="AlertPayloadException"/> (400/413/422) for bad input: the whole delivery is rejected.
    /// </summary>
    public IReadOnlyList<Alert> Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new AlertPayloadException(400, "$",
                $"The alert payload must be a JSON object, not {root.ValueKind}.");

        var parser = _parsers.FirstOrDefault(p => p.CanParse(root))
            // nothing of Azure Monitor or Alertmanager either: the generic form, lacking its one required field
            ?? throw new AlertPayloadException(400, LooksGeneric(root) ? "title" : "$", UnrecognisedMessage);
        var alerts = parser.Parse(root);
        AlertLimits.Check(alerts, parser.Format, _time.GetUtcNow());
        return alerts;
    }

    private static bool LooksGeneric(JsonElement root) =>
        !root.EnumerateObject().Any(p => p.Name.Equals("schemaId", StringComparison.OrdinalIgnoreCase)
            || p.Name.Equals("data", StringComparison.OrdinalIgnoreCase)
            || p.Name.Equals("alerts", StringComparison.OrdinalIgnoreCase));
}
