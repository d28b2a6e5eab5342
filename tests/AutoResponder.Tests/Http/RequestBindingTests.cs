using System.Text.Json;
using AutoResponder.ActionItems;
using AutoResponder.Http;
using AutoResponder.Incidents.Api;
using AutoResponder.OnCall;
using AutoResponder.Reminders;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace AutoResponder.Tests.Http;

/// <summary>
/// A request record is bound in one place (its Bind), from the API's JSON and the console's form alike: the same
/// values give the same record, the same bad value the same problem naming the same field.
/// </summary>
public sealed class RequestBindingTests
{
    private static RequestFields Json(params (string Name, string Value)[] fields) =>
        new(JsonSerializer.SerializeToElement(fields.ToDictionary(f => f.Name, f => f.Value)));

    private static RequestFields Form(params (string Name, string Value)[] fields) =>
        RequestFields.FromForm(new FormCollection(fields.ToDictionary(f => f.Name, f => new StringValues(f.Value))));

    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, (string, string)[], string?> Cases => new()
    {
        { "action-item", [("title", "Fix it"), ("owner", "alice"), ("dueAt", "2030-12-01T17:00")], "owner" },
        { "action-item", [("title", "Fix it"), ("owner", "alice@shop.example"), ("dueAt", "tomorrow")], "dueAt" },
        { "action-item", [("title", "Fix it"), ("owner", "alice@shop.example"), ("dueAt", "2030-12-01T17:00"), ("link", "ftp://x")], "link" },
        { "action-item", [("owner", "alice@shop.example"), ("dueAt", "2030-12-01T17:00")], "title" },
        { "action-item", [("title", "Fix it"), ("owner", "alice@shop.example"), ("dueAt", "2030-12-01T17:00")], null },
        { "action-item-status", [("status", "dropped")], "reason" },
        { "action-item-status", [("status", "maybe")], "status" },
        { "action-item-status", [("status", "done")], null },
        { "status", [("nextSteps", "x")], "text" },
        { "status", [("text", "Rolling back"), ("eta", "soon")], "eta" },
        { "status", [("text", "Rolling back"), ("eta", "2026-11-26T15:00")], null },
        { "status", [("text", "Rolling back"), ("eta", "2026-11-26T11:58")], "eta" }, // before now (12:00)
        { "status", [("text", "Rolling back"), ("eta", "2026-11-26T11:59:30Z")], null }, // within the minute of clock skew
        { "acknowledge", [("owner", new string('x', 201))], "owner" },
        { "acknowledge", [], null },
        { "postmortem", [("link", "wiki/rca")], "link" },
        { "postmortem", [("link", "https://wiki.example/rca")], null },
        { "responder", [("person", "bob@shop.example"), ("message", new string('m', 1001))], "message" },
    };

    private static (object? Record, string? Field, string? Detail) Bind(string kind, RequestFields fields)
    {
        object? record = kind switch
        {
            "action-item" => ActionItemRequest.Bind(fields),
            "action-item-status" => ActionItemStatusRequest.Bind(fields),
            "status" => StatusUpdateRequest.Bind(fields, Now),
            "acknowledge" => AcknowledgeRequest.Bind(fields),
            "postmortem" => PostmortemRequest.Bind(fields),
            "responder" => ResponderRequest.Bind(fields),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var problem = fields.Error?.Body as ProblemBody;
        return (record, problem?.Field, problem?.Detail);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_API_and_the_console_bind_a_request_the_same_way(string kind, (string, string)[] fields, string? badField)
    {
        var api = Bind(kind, Json(fields));
        var console = Bind(kind, Form(fields));

        Assert.Equal(badField, api.Field);
        Assert.Equal(api.Field, console.Field);
        Assert.Equal(api.Detail, console.Detail);
        Assert.Equal(api.Record, console.Record);
        Assert.Equal(badField is null, api.Record is not null);
    }
}
