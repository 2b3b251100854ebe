using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Weir.Sockets;

namespace Weir.Tests.Sockets;

/// <summary>Accept sharding seen from above: a Weir server and Kestrel get it from the options alone.</summary>
public sealed class ShardingServerTests
{
    [Fact]
    public async Task AWeirServerServesThroughSeveralAcceptSockets()
    {
        await using var transport = new SocketTransport(new SocketTransportOptions { AcceptSocketCount = 2 });
        await using var server = new ServerBuilder()
            .Listen(new IPEndPoint(IPAddress.Loopback, 0), transport, c => c.Run(async connection =>
                await connection.Transport.Input.CopyToAsync(connection.Transport.Output, connection.ConnectionClosed)))
            .Build();
        await server.StartAsync(TestContext.Current.CancellationToken).WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
        var endPoint = server.EndPoints.Single();
        var port = ((IPEndPoint)endPoint).Port;
        Assert.Equal(2, ShardingProbe.ListeningSocketsOnPort(port));

        var clients = new List<Socket>();
        try
        {
            for (var i = 0; i < 50; i++)
            {
                var client = TransportHarness.CreateClientSocket(endPoint);
                clients.Add(client);
                await client.ConnectAsync(endPoint, TestContext.Current.CancellationToken).AsTask()
                    .WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
                await client.SendAsciiAsync($"{i:D2}");
                Assert.Equal($"{i:D2}", await client.ReceiveAsciiAsync(2));
            }

        }
        finally
        {
            // Closed clients end their handlers, so the stop below has nothing to wait for.
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }

        using var deadline = new CancellationTokenSource(TransportHarness.Guard);
        await server.StopAsync(deadline.Token);

        Assert.Equal(0, ShardingProbe.ListeningSocketsOnPort(port));
    }

    [Fact]
    public async Task KestrelOnWeirServesThroughSeveralAcceptSockets()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.UseWeirSockets(options => options.AcceptSocketCount = 2);
        await using var app = builder.Build();
        app.MapGet("/", () => "sharded");
        await app.StartAsync(TestContext.Current.CancellationToken).WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
        var address = new Uri(app.Urls.Single());
        Assert.Equal(2, ShardingProbe.ListeningSocketsOnPort(address.Port));
        using var client = new HttpClient();
        client.DefaultRequestHeaders.ConnectionClose = true;

        // A new connection per request, so both accept sockets get some.
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("sharded", await client.GetStringAsync(address, TestContext.Current.CancellationToken)
                .WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken));
        }

        await app.StopAsync(TestContext.Current.CancellationToken).WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
        Assert.Equal(0, ShardingProbe.ListeningSocketsOnPort(address.Port));
    }
}
