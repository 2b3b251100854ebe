using System.Net;
using Microsoft.AspNetCore.Connections;
using Weir.InMemory;

namespace Weir.Tests.Server;

public sealed class TransportOwnershipTests
{
    [Fact]
    public async Task ATransportTheServerOwnsIsDisposedOnceItHasStopped()
    {
        var transport = new DisposableTransport();
        var server = new ServerBuilder()
            .UseTransport(transport, t => t.Listen(new InMemoryEndPoint("owned"), c => c.UseConnectionHandler<EchoHandler>()), ownsTransport: true)
            .Build();
        await server.StartAsync(TestContext.Current.CancellationToken);
        Assert.False(transport.Disposed);

        await server.StopAsync(TestContext.Current.CancellationToken);

        Assert.True(transport.Disposed);
    }

    [Fact]
    public void AFailedBuildDisposesTheTransportsTheBuilderOwns()
    {
        var transport = new DisposableTransport();
        var builder = new ServerBuilder()
            .UseTransport(transport, t => t
                .Listen(new InMemoryEndPoint("twice"), c => c.UseConnectionHandler<EchoHandler>())
                .Listen(new InMemoryEndPoint("twice"), c => c.UseConnectionHandler<EchoHandler>()), ownsTransport: true);

        Assert.Throws<InvalidOperationException>(builder.Build);

        Assert.True(transport.Disposed);
    }

    [Fact]
    public async Task ATransportTheCallerGaveIsLeftToTheCaller()
    {
        var transport = new DisposableTransport();
        var server = new ServerBuilder()
            .UseTransport(transport, t => t.Listen(new InMemoryEndPoint("given"), c => c.UseConnectionHandler<EchoHandler>()))
            .Build();
        await server.StartAsync(TestContext.Current.CancellationToken);

        await server.DisposeAsync();

        Assert.False(transport.Disposed);
    }

    private sealed class DisposableTransport : IConnectionListenerFactory, IAsyncDisposable
    {
        private readonly InMemoryTransport _inner = new();

        public bool Disposed { get; private set; }

        public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
            _inner.BindAsync(endpoint, cancellationToken);

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
