using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Weir.InMemory;

namespace Weir.Tests.Server;

public sealed class ServerLoggingTests
{
    [Fact]
    public async Task AConnectionIsLoggedOnceWhenAcceptedAndOnceWhenClosedWithItsReason()
    {
        var transport = new InMemoryTransport();
        await using var services = TestServices.Create();
        await using var server = new ServerBuilder(services)
            .Listen(new InMemoryEndPoint("logged"), transport, c => c.UseConnectionHandler<EchoHandler>())
            .Build();
        await server.StartAsync(TestContext.Current.CancellationToken);

        var connection = await transport.ConnectAsync(new InMemoryEndPoint("logged"), TestContext.Current.CancellationToken);
        await connection.SendAsync("x");
        Assert.Equal("x", await connection.ReceiveAsync(1));
        await connection.DisposeAsync();
        await server.StopAsync(TestContext.Current.CancellationToken);

        var accepted = Assert.Single(services.Logs(eventId: 101));
        var closed = Assert.Single(services.Logs(eventId: 102));
        Assert.Contains("inmemory:logged", accepted.Message, StringComparison.Ordinal);
        Assert.Equal("PeerClosed", closed.GetStructuredStateValue("Reason"));
        Assert.Equal(accepted.GetStructuredStateValue("ConnectionId"), closed.GetStructuredStateValue("ConnectionId"));
    }

    [Fact]
    public async Task StartAndStopAreLoggedWithTheBoundEndpoint()
    {
        var transport = TestTransport.KestrelSockets();
        await using var services = TestServices.Create();
        var server = new ServerBuilder(services)
            .UseTransport(transport.ListenerFactory, t => t.ListenLocalhost(0, c => c.UseConnectionHandler<EchoHandler>()))
            .Build();

        await server.StartAsync(TestContext.Current.CancellationToken);
        await server.StopAsync(TestContext.Current.CancellationToken);

        var bound = Assert.Single(services.Logs(eventId: 100));
        Assert.Equal(LogLevel.Information, bound.Level);
        Assert.Contains(((IPEndPoint)server.EndPoints[0]).Port.ToString(System.Globalization.CultureInfo.InvariantCulture), bound.Message, StringComparison.Ordinal);
        Assert.Single(services.Logs(eventId: 107));
        Assert.Single(services.Logs(eventId: 111));
    }
}
