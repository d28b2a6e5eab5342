using System.Net;
using System.Net.Sockets;
using System.Text;
using AutoResponder.Composition;
using AutoResponder.Http;
using AutoResponder.Intake;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AutoResponder.Tests.Http;

public sealed class StorageOutageTests
{
    [Fact]
    public async Task When_storage_is_unreachable_an_alert_gets_a_503_problem_so_the_sender_retries()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now
        var endpoint = $"http://127.0.0.1:{port}/devstoreaccount1";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
                "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
                $"BlobEndpoint={endpoint};QueueEndpoint={endpoint};TableEndpoint={endpoint};",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddAutoResponder(configuration).BuildServiceProvider();
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/json";
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes("""{"title":"Checkout down","service":"checkout"}"""));

        var result = await services.GetRequiredService<AlertsEndpoint>().PostAsync(context.Request, default);

        Assert.Equal(503, result.StatusCode);
        Assert.Contains("retry", ((ProblemBody)result.Body!).Detail);
    }
}
