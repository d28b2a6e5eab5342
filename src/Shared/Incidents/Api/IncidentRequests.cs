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

/// <summary>{"text", "nextSteps"?, "eta"?}</summary>
internal sealed record StatusUpdateRequest(string Text, string? NextSteps = null, DateTimeOffset? Eta = null)
{
    public static StatusUpdateRequest? Bind(RequestFields fields)
    {
        var text = fields.String("text", required: true);
        var nextSteps = fields.String("nextSteps", required: false);
        var eta = fields.DateTime("eta");
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
