using AutoResponder.Http;

namespace AutoResponder.Incidents.Api;

// The incident actions' bodies, documented in the OpenAPI document. Each is bound in one place, its Bind, which both
// the API (JSON) and the console (forms) call: null with the problem on the fields, naming the field. The actor is
// always the signed-in caller, never a body field.

/// <summary>{"owner"?}: the owner defaults to the caller; naming someone else hands the incident over.</summary>
internal sealed record AcknowledgeRequest(string? Owner = null)
{
    public static AcknowledgeRequest? Bind(RequestFields fields)
    {
        var owner = fields.String("owner", required: false, maxLength: 200);
        return fields.Error is null ? new(owner) : null;
    }
}

/// <summary>
/// {"text", "nextSteps"?, "eta"?}: <c>eta</c> must not lie before now; up to <see cref="EtaClockSkew"/> (1 minute)
/// earlier is still accepted, for the sender's clock running behind ours.
/// </summary>
internal sealed record StatusUpdateRequest(string Text, string? NextSteps = null, DateTimeOffset? Eta = null)
{
    /// <summary>How far before now an ETA is still accepted: clock skew between the sender and us, not a past ETA.</summary>
    public static readonly TimeSpan EtaClockSkew = TimeSpan.FromMinutes(1);

    /// <param name="fields">The request's fields (JSON body or console form).</param>
    /// <param name="now">The app's clock (its <see cref="TimeProvider"/>): an ETA before it is refused.</param>
    public static StatusUpdateRequest? Bind(RequestFields fields, DateTimeOffset now)
    {
        var text = fields.String("text", required: true);
        var nextSteps = fields.String("nextSteps", required: false);
        var eta = fields.DateTime("eta");
        if (eta is { } at && at < now - EtaClockSkew)
            fields.Invalid("eta", $"'eta' must not be in the past: {at.UtcDateTime:yyyy-MM-dd HH:mm} UTC is before now " +
                $"({now.UtcDateTime:yyyy-MM-dd HH:mm} UTC). Give the time you expect the incident to be fixed.");
        return fields.Error is null ? new(text!, nextSteps, eta) : null;
    }
}

/// <summary>{"text"?}: a note on mitigate, resolve or close.</summary>
internal sealed record IncidentNoteRequest(string? Text = null)
{
    public static IncidentNoteRequest? Bind(RequestFields fields)
    {
        var text = fields.String("text", required: false);
        return fields.Error is null ? new(text) : null;
    }
}
