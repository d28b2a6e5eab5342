using System.Text;
using AutoResponder.Access;
using AutoResponder.Functions.Impact;
using AutoResponder.Functions.Incidents;
using AutoResponder.Http;
using AutoResponder.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

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
        var api = new IncidentApi();

        Assert.Equal(401, ((ApiResult)await api.Resolve(Request(app.Services, null), TestFunctionContext.For(app.Services, ("id", id)))).StatusCode);
        Assert.Equal(403, ((ApiResult)await api.Resolve(Request(app.Services, viewer), TestFunctionContext.For(app.Services, ("id", id)))).StatusCode);
        Assert.Equal(200, ((ApiResult)await api.Get(Request(app.Services, viewer), TestFunctionContext.For(app.Services, ("id", id)))).StatusCode);
        Assert.Equal(200, ((ApiResult)await api.Resolve(Request(app.Services, responder, """{"actor":"ceo"}"""), TestFunctionContext.For(app.Services, ("id", id)))).StatusCode);

        var details = await app.Get<AutoResponder.Incidents.IncidentStore>().GetDetailsAsync(id, default);
        Assert.Equal("alice@shop.example", details!.Timeline.Single(t => t.Kind == "resolved").Actor);
        Assert.Equal(401, ((ApiResult)await new ImpactApi().Get(Request(app.Services, null), TestFunctionContext.For(app.Services, ("id", id)))).StatusCode);
    }

    [Fact]
    public async Task The_Function_export_route_streams_the_csv_to_ops_and_records_the_download()
    {
        await using var app = await TestApp.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["AutoResponder:Impact:Rules:0:Name"] = "all",
            ["AutoResponder:Impact:Rules:0:MatchAll"] = "true",
        });
        var now = app.Time.GetUtcNow();
        await AutoResponder.Tests.Impact.ImpactTestKit.SeedAsync(app, AutoResponder.Tests.Impact.ImpactRuleTests.Order("fn-1", now.AddMinutes(-3)));
        var id = await AutoResponder.Tests.Impact.ImpactTestKit.OpenIncidentAsync(app, now.AddMinutes(-1));
        await AutoResponder.Tests.Impact.ImpactTestKit.RunOutboxAsync(app, id);
        var tokens = app.Get<PersonalAccessTokens>();
        var ops = (await tokens.CreateAsync("olga@shop.example", [Roles.Ops], default)).Token;
        var viewer = (await tokens.CreateAsync("manager@shop.example", [Roles.Viewer], default)).Token;
        var api = new ImpactApi();

        async Task<HttpResponse> RunAsync(string? bearer)
        {
            var request = Request(app.Services, bearer);
            request.HttpContext.Response.Body = new MemoryStream();
            var result = await api.Export(request, TestFunctionContext.For(app.Services, ("id", id), ("snapshot", "0001")));
            await result.ExecuteResultAsync(new Microsoft.AspNetCore.Mvc.ActionContext(request.HttpContext, new Microsoft.AspNetCore.Routing.RouteData(),
                new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor()));
            return request.HttpContext.Response;
        }

        var refused = await RunAsync(viewer);
        Assert.Equal(403, refused.StatusCode);
        Assert.Equal(401, (await RunAsync(null)).StatusCode);
        var csv = await RunAsync(ops);
        Assert.Equal(200, csv.StatusCode);
        Assert.StartsWith("text/csv", csv.ContentType);
        Assert.StartsWith("attachment", csv.Headers.ContentDisposition.ToString());
        Assert.Contains("fn-1@example.com", Encoding.UTF8.GetString(((MemoryStream)csv.Body).ToArray()));

        var downloads = (await app.Get<AutoResponder.Incidents.IncidentStore>().GetDetailsAsync(id, default))!.Timeline
            .Where(t => t.Kind == AutoResponder.Incidents.TimelineKinds.ExportDownloaded).ToList();
        Assert.Equal("olga@shop.example", Assert.Single(downloads).Actor);
    }
}
