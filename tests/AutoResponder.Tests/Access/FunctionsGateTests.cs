using System.Text;
using AutoResponder.Access;
using AutoResponder.Functions.Impact;
using AutoResponder.Functions.Incidents;
using AutoResponder.Http;
using AutoResponder.Impact;
using AutoResponder.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AutoResponder.Tests.Access;

/// <summary>The Function classes pass the same gate as the standalone host (the Functions runtime cannot run here; the classes can).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class FunctionsGateTests(AzuriteFixture azurite)
{
    private static HttpRequest Request(IServiceProvider services, string? bearer, string body = "{}")
    {
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.ContentType = "application/json";
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        if (bearer is not null) context.Request.Headers.Authorization = $"Bearer {bearer}";
        return context.Request;
    }

    [Fact]
    public async Task Function_routes_answer_401_403_and_act_as_the_token_holder()
    {
        await using var app = await TestApp.StartAsync(azurite);
        var tokens = app.Get<PersonalAccessTokens>();
        var viewer = (await tokens.CreateAsync("manager@shop.example", [Roles.Viewer], default)).Token;
        var responder = (await tokens.CreateAsync("alice@shop.example", [Roles.Responder], default)).Token;
        var id = (await app.Get<AutoResponder.Intake.AlertIngestor>().IngestAsync(
            [AutoResponder.Tests.Intake.AlertIngestorTests.Alert("checkout-down", app.Time.GetUtcNow())], default))[0].IncidentId!;
        var api = new IncidentApi(app.Get<AccessGate>(), app.Get<IncidentsEndpoint>());

        Assert.Equal(401, ((ApiResult)await api.Resolve(Request(app.Services, null), id, default)).StatusCode);
        Assert.Equal(403, ((ApiResult)await api.Resolve(Request(app.Services, viewer), id, default)).StatusCode);
        Assert.Equal(200, ((ApiResult)await api.Get(Request(app.Services, viewer), id, default)).StatusCode);
        Assert.Equal(200, ((ApiResult)await api.Resolve(Request(app.Services, responder, """{"actor":"ceo"}"""), id, default)).StatusCode);

        var details = await app.Get<AutoResponder.Incidents.IncidentStore>().GetDetailsAsync(id, default);
        Assert.Equal("alice@shop.example", details!.Timeline.Single(t => t.Kind == "resolved").Actor);
        Assert.Equal(401, ((ApiResult)await new ImpactApi(app.Get<AccessGate>(), app.Get<ImpactEndpoint>()).Get(Request(app.Services, null), id, default)).StatusCode);
    }
}
