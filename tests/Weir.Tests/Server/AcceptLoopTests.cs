using Microsoft.AspNetCore.Connections;
using Weir.InMemory;

namespace Weir.Tests.Server;

public sealed class AcceptLoopTests
{
    [Fact]
    public async Task AnAcceptThatThrowsIsLoggedAndAcceptingGoesOn()
    {
        var transport = new InMemoryTransport();
        var flaky = new FlakyListenerFactory(transport);
        flaky.FailAccepts(3);
        await using var services = TestServices.Create();
        await using var server = new ServerBuilder(services)
            .Listen(new InMemoryEndPoint("flaky"), flaky, c => c.UseConnectionHandler<EchoHandler>())
            .Build();

        await server.StartAsync(TestContext.Current.CancellationToken);
        await using var connection = await transport.ConnectAsync(new InMemoryEndPoint("flaky"), TestContext.Current.CancellationToken);
        await connection.SendAsync("after failures");

        Assert.Equal("after failures", await connection.ReceiveAsync(14));
        Assert.Equal(3, services.Logs(eventId: 104).Count);
        Assert.All(services.Logs(eventId: 104), r => Assert.IsType<IOException>(r.Exception));
    }

    [Fact]
    public async Task AListenerThatStopsOnItsOwnIsBoundAgain()
    {
        var transport = new InMemoryTransport();
        var flaky = new FlakyListenerFactory(transport);
        flaky.EndUnexpectedly();
        await using var services = TestServices.Create();
        await using var server = new ServerBuilder(services)
            .Listen(new InMemoryEndPoint("rebound"), flaky, c => c.UseConnectionHandler<EchoHandler>())
            .Build();

        await server.StartAsync(TestContext.Current.CancellationToken);
        await flaky.Rebound.WaitAsync(ConnectionExtensions.HangGuard, TestContext.Current.CancellationToken);
        await using var connection = await transport.ConnectAsync(new InMemoryEndPoint("rebound"), TestContext.Current.CancellationToken);
        await connection.SendAsync("rebound");

        Assert.Equal("rebound", await connection.ReceiveAsync(7));
        Assert.Single(services.Logs(eventId: 105));
        Assert.Equal(2, flaky.Binds);
    }
}
