using System.Text.Json;

namespace AutoResponder.Alerts;

/// <summary>
/// Thrown by a parser when a payload is understood but cannot become an alert.
/// Status 400 = malformed or a required field missing; 422 = a field has an invalid value.
/// <see cref="Field"/> is a JSON path such as "data.essentials.severity" or "alerts[2].startsAt".
/// </summary>
internal sealed class AlertPayloadException(int status, string field, string detail) : Exception(detail)
{
    public int Status { get; } = status;
    public string Field { get; } = field;

    public static AlertPayloadException Missing(string field) => new(400, field, $"The field '{field}' is required.");
    public static AlertPayloadException Invalid(string field, string detail) => new(422, field, detail);
}

/// <summary>One monitoring source's payload format.</summary>
internal interface IAlertParser
{
    /// <summary>"azure-monitor", "alertmanager" (also covers Grafana), "generic".</summary>
    string Format { get; }
    /// <summary>True when the payload is this format (cheap structural check, no validation).</summary>
    bool CanParse(JsonElement root);
    /// <summary>Validates and normalises. Throws <see cref="AlertPayloadException"/> for bad input.</summary>
    IReadOnlyList<Alert> Parse(JsonElement root);
}
