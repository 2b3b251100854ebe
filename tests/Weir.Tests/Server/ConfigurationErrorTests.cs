using System.Net;
using Microsoft.AspNetCore.Connections;
using Weir.InMemory;

namespace Weir.Tests.Server;

public sealed class ConfigurationErrorTests
{
    [Fact]
    public void BuildWithoutAListenerFailsSayingSo()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ServerBuilder().Build());

        Assert.Contains("no listener", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BuildWithTwoListenersOnOneEndpointFailsNamingIt()
    {
        var transport = new InMemoryTransport();
        var builder = new ServerBuilder()
            .Listen(new InMemoryEndPoint("twice"), transport, c => c.UseConnectionHandler<EchoHandler>())
            .Listen(new InMemoryEndPoint("twice"), transport, c => c.UseConnectionHandler<EchoHandler>());

        var error = Assert.Throws<InvalidOperationException>(builder.Build);

        Assert.Contains("inmemory:twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoListenersOnPortZeroAreNotDuplicates()
    {
        var transport = TestTransport.KestrelSockets();
        await using var server = new ServerBuilder()
            .UseTransport(transport.ListenerFactory, t => t
                .ListenLocalhost(0, c => c.UseConnectionHandler<EchoHandler>())
                .ListenLocalhost(0, c => c.UseConnectionHandler<EchoHandler>()))
            .Build();

        await server.StartAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, server.EndPoints.Cast<IPEndPoint>().Select(e => e.Port).Distinct().Count());
    }

    [Fact]
    public void BuildWithAnEmptyPipelineFailsNamingTheEndpoint()
    {
        var builder = new ServerBuilder().Listen(new InMemoryEndPoint("empty"), new InMemoryTransport(), _ => { });

        var error = Assert.Throws<InvalidOperationException>(builder.Build);

        Assert.Contains("inmemory:empty", error.Message, StringComparison.Ordinal);
        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BuildWithAHandlerWhoseServiceIsMissingFailsNamingTheEndpointAndTheService()
    {
        var builder = new ServerBuilder()
            .Listen(new InMemoryEndPoint("greeter"), new InMemoryTransport(), c => c.UseConnectionHandler<GreetingHandler>());

        var error = Assert.Throws<InvalidOperationException>(builder.Build);

        Assert.Contains("inmemory:greeter", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(Greeting), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartFailsNamingAnEndpointTheTransportCannotBind()
    {
        var transport = TestTransport.KestrelSockets();
        await using var first = new ServerBuilder()
            .UseTransport(transport.ListenerFactory, t => t.ListenLocalhost(0, c => c.UseConnectionHandler<EchoHandler>()))
            .Build();
        await first.StartAsync(TestContext.Current.CancellationToken);
        var taken = (IPEndPoint)first.EndPoints[0];
        await using var second = new ServerBuilder()
            .UseTransport(transport.ListenerFactory, t => t.Listen(taken, c => c.UseConnectionHandler<EchoHandler>()))
            .Build();

        var error = await Assert.ThrowsAsync<IOException>(() => second.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(taken.ToString(), error.Message, StringComparison.Ordinal);
        Assert.IsType<AddressInUseException>(error.InnerException);
    }

    [Fact]
    public async Task AFailedStartUnbindsTheListenersItHadBound()
    {
        var transport = new InMemoryTransport();
        await using var squatter = await transport.BindAsync(new InMemoryEndPoint("taken"), TestContext.Current.CancellationToken);
        await using var server = new ServerBuilder()
            .Listen(new InMemoryEndPoint("free"), transport, c => c.UseConnectionHandler<EchoHandler>())
            .Listen(new InMemoryEndPoint("taken"), transport, c => c.UseConnectionHandler<EchoHandler>())
            .Build();

        var error = await Assert.ThrowsAsync<IOException>(() => server.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("inmemory:taken", error.Message, StringComparison.Ordinal);
        await using var rebound = await transport.BindAsync(new InMemoryEndPoint("free"), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task StartingTwiceFails()
    {
        var transport = new InMemoryTransport();
        await using var server = new ServerBuilder()
            .Listen(new InMemoryEndPoint("once"), transport, c => c.UseConnectionHandler<EchoHandler>())
            .Build();
        await server.StartAsync(TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAsync(TestContext.Current.CancellationToken));
    }
}
