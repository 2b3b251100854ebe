using System.Net;
using Microsoft.AspNetCore.Connections;
using Weir.Middleware.Limits;
using Weir.Middleware.Logging;
using Weir.Middleware.ProxyProtocol;
using Weir.Middleware.Timeouts;
using Weir.Middleware.Tls;
using Weir.Tests.Middleware.Infrastructure;

namespace Weir.Tests.Middleware.Composition;

/// <summary>Every middleware in one pipeline, in the order docs/middleware.md recommends, between real peers.</summary>
public sealed class ComposedPipelineTests
{
    [Fact]
    public async Task OpensslThroughHaproxyIsAnsweredBehindEveryMiddleware()
    {
        await using var services = TestServices.Create();
        using var certificate = TestCertificates.CreateServer();
        EndPoint? clientSeen = null;
        await using var server = await KestrelTestServer.StartAsync(services, b => b
            .UseProxyProtocol()
            .UseConnectionLogging()
            .UseConnectionLimit(100)
            .UseIdleTimeout(TimeSpan.FromSeconds(30))
            .UseServerTls(certificate)
            .UseConnectionLogging("Decrypted")
            .Run(c =>
            {
                clientSeen = c.RemoteEndPoint;
                return PipelineEcho.ReplyToOneLineAsync(c);
            }));
        await using var haproxy = await HaproxyProcess.StartAsync(IPAddress.Loopback, server.EndPoint, "send-proxy-v2");

        var output = await OpensslClient.RunAsync(haproxy.EndPoint, "composed\n", "-servername", "localhost");

        Assert.Contains("echo: composed", output, StringComparison.Ordinal);
        await server.NextClosedAsync();
        var seen = Assert.IsType<IPEndPoint>(clientSeen);
        Assert.NotEqual(server.EndPoint.Port, seen.Port);
        Assert.NotEqual(haproxy.EndPoint.Port, seen.Port);
        var logs = services.Logs();
        var started = Assert.Single(logs, r => r.Id.Id == 200 && r.Category == "Weir.Middleware.Logging.ConnectionLogging");
        Assert.Contains(seen.ToString(), started.Message, StringComparison.Ordinal);

        // Logging before TLS sees the records on the wire (a handshake record first); after TLS, the plain text.
        var firstRaw = logs.First(r => r.Id.Id == 203 && r.Category == "Weir.Middleware.Logging.ConnectionLogging");
        Assert.Contains("00000000  16 03", firstRaw.Message, StringComparison.Ordinal);
        Assert.Contains(logs, r => r.Id.Id == 203 && r.Category == "Decrypted" && r.Message.Contains("|composed.|", StringComparison.Ordinal));
    }
}
