using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Weir.Middleware.Logging;
using Weir.Tests.Server;

namespace Weir.Tests.Samples;

/// <summary>The first server of shared/DESIGN.md and the README, as written there but for port 0 in place of 5000.</summary>
public sealed class FirstServerTests
{
    [Fact]
    public async Task TheFirstServerOfTheDesignEchoes()
    {
        await using var services = new ServiceCollection().AddLogging().BuildServiceProvider();

        // The snippet, verbatim but for the port (and so without a cancellation token).
#pragma warning disable xUnit1051
        var server = new ServerBuilder(services)
            .UseSockets(s => s.ListenLocalhost(0, c => c
                .UseConnectionLogging()
                .UseConnectionHandler<EchoHandler>()))
            .Build();
        await server.StartAsync();
#pragma warning restore xUnit1051

        await using (server)
        {
            await using var client = new ClientBuilder().Build();
            await using var connection = await client.ConnectAsync(server.EndPoints[0], TestContext.Current.CancellationToken);
            await connection.SendAsync("first");
            Assert.Equal("first", await connection.ReceiveAsync(5));
            Assert.Equal(IPAddress.Loopback, ((IPEndPoint)server.EndPoints[0]).Address);
        }
    }
}
