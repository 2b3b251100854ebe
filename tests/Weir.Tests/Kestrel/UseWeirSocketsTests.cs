using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Weir.Diagnostics;
using Weir.Sockets;

namespace Weir.Tests.Kestrel;

/// <summary>UseWeirSockets, in process: Kestrel's connections come from Weir's transport, with its options.</summary>
public sealed class UseWeirSocketsTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task KestrelServesThroughWeirsTransport()
    {
        await using var app = await StartAsync(web => web.UseWeirSockets());
        using var client = new HttpClient();

        var body = await client.GetStringAsync(Address(app) + "/which", TestContext.Current.CancellationToken).WaitAsync(HangGuard, TestContext.Current.CancellationToken);

        Assert.Equal("weir", body);
    }

    [Fact]
    public async Task WithoutUseWeirSocketsKestrelKeepsItsOwnTransport()
    {
        await using var app = await StartAsync(_ => { });
        using var client = new HttpClient();

        var body = await client.GetStringAsync(Address(app) + "/which", TestContext.Current.CancellationToken).WaitAsync(HangGuard, TestContext.Current.CancellationToken);

        Assert.Equal("kestrel", body);
    }

    [Fact]
    public async Task TheTransportOptionsReachWeir()
    {
        SocketTransportOptions? seen = null;
        await using var app = await StartAsync(web => web.UseWeirSockets(o =>
        {
            o.MaxReadBufferSize = 64 * 1024;
            seen = o;
        }));
        using var client = new HttpClient();

        Assert.Equal("weir", await client.GetStringAsync(Address(app) + "/which", TestContext.Current.CancellationToken).WaitAsync(HangGuard, TestContext.Current.CancellationToken));
        Assert.Equal(64 * 1024, seen?.MaxReadBufferSize);
    }

    [Fact]
    public async Task RequestsRunOnTheThreadPoolUnlessTheOptionsSayOtherwise()
    {
        bool? defaultSeen = null;
        await using var app = await StartAsync(web => web.UseWeirSockets(o => defaultSeen = o.RunApplicationOnEventLoop));
        using var client = new HttpClient();

        // Several requests on one kept-alive connection: from the second on, the request arrives while Kestrel waits.
        for (var i = 0; i < 5; i++)
        {
            var thread = await client.GetStringAsync(Address(app) + "/thread", TestContext.Current.CancellationToken).WaitAsync(HangGuard, TestContext.Current.CancellationToken);
            Assert.DoesNotContain("Weir event loop", thread, StringComparison.Ordinal);
        }

        Assert.False(defaultSeen);
    }

    private static async Task<WebApplication> StartAsync(Action<IWebHostBuilder> configure)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        configure(builder.WebHost);
        var app = builder.Build();
        app.MapGet("/which", (HttpContext c) => c.Features.Get<IConnectionCloseReasonFeature>() is null ? "kestrel" : "weir");
        app.MapGet("/thread", () => Thread.CurrentThread.Name ?? "unnamed");
        await app.StartAsync(TestContext.Current.CancellationToken).WaitAsync(HangGuard, TestContext.Current.CancellationToken);
        return app;
    }

    private static string Address(WebApplication app) =>
        app.Urls.Single().Replace("0.0.0.0", IPAddress.Loopback.ToString(), StringComparison.Ordinal);
}
