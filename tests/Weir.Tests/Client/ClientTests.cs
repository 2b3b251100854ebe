using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Weir.InMemory;
using Weir.Tests.Server;

namespace Weir.Tests.Client;

public sealed class ClientTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestTransport.Names), MemberType = typeof(TestTransport))]
    public async Task AClientWithoutMiddlewareTalksToAServer(string transportName)
    {
        var transport = TestTransport.Create(transportName);
        await using var server = new ServerBuilder()
            .Listen(transport.NewEndPoint(), transport.ListenerFactory, c => c.UseConnectionHandler<EchoHandler>())
            .Build();
        await server.StartAsync(Token);
        var client = new ClientBuilder().UseTransport(transport).Build();

        await using var connection = await client.ConnectAsync(server.EndPoints[0], Token);
        await connection.SendAsync("client");

        Assert.Equal("client", await connection.ReceiveAsync(6));
    }

    [Fact]
    public async Task MiddlewareRunsBeforeConnectReturnsAndUnwindsInReverseOnDispose()
    {
        var (transport, endPoint, server) = await StartEchoServerAsync();
        await using var _ = server;
        var events = new ConcurrentQueue<string>();
        WrappedPipe? wrapped = null;
        var client = new ClientBuilder()
            .UseTransport(transport)
            .Use(next => async connection =>
            {
                events.Enqueue("outer in");
                await next(connection);
                events.Enqueue("outer out");
            })
            .Configure(c => c.Use(next => async connection =>
            {
                events.Enqueue("inner in");
                await connection.Transport.Output.WriteAsync("hello:"u8.ToArray());
                connection.Transport = wrapped = new WrappedPipe(connection.Transport);
                await next(connection);
                events.Enqueue("inner out");
            }))
            .Build();

        var connection = await client.ConnectAsync(endPoint, Token);
        events.Enqueue("connected");
        Assert.Same(wrapped, connection.Transport);
        await connection.SendAsync("world");
        Assert.Equal("hello:world", await connection.ReceiveAsync(11));
        await connection.DisposeAsync();

        Assert.Equal(["outer in", "inner in", "connected", "inner out", "outer out"], events);
    }

    [Fact]
    public async Task AMiddlewareThatThrowsFailsConnectAndClosesTheConnection()
    {
        var transport = new InMemoryTransport();
        await using var listener = await transport.BindAsync(new InMemoryEndPoint("server"), Token);
        var client = new ClientBuilder()
            .UseTransport(transport)
            .Use(_ => _ => throw new InvalidOperationException("handshake failed"))
            .Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => client.ConnectAsync(listener.EndPoint, Token).AsTask());

        Assert.Equal("handshake failed", error.Message);
        var server = (await listener.AcceptAsync(Token))!;
        await Assert.ThrowsAsync<ConnectionResetException>(() => server.Transport.Input.ReceiveToEndAsync());
    }

    [Fact]
    public async Task AMiddlewareThatEndsWithoutPassingTheConnectionOnFailsConnect()
    {
        var (transport, endPoint, server) = await StartEchoServerAsync();
        await using var _ = server;
        var client = new ClientBuilder()
            .UseTransport(transport)
            .Use(_ => _ => Task.CompletedTask)
            .Build();

        await Assert.ThrowsAsync<ConnectionAbortedException>(() => client.ConnectAsync(endPoint, Token).AsTask());
    }

    [Fact]
    public async Task ConnectGivesUpWhenCancelledDuringTheMiddleware()
    {
        var (transport, endPoint, server) = await StartEchoServerAsync();
        await using var _ = server;
        var middlewareEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var client = new ClientBuilder()
            .UseTransport(transport)
            .Use(next => async connection =>
            {
                // A handshake that never completes until the connection goes away.
                await connection.Transport.Input.ReceiveToEndAsync().ContinueWith(_ => { }, TaskScheduler.Default);
                middlewareEnded.TrySetResult();
            })
            .Build();
        using var cancel = new CancellationTokenSource();

        var connecting = client.ConnectAsync(endPoint, cancel.Token).AsTask();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connecting);
        await middlewareEnded.Task.WaitAsync(ConnectionExtensions.HangGuard, Token);
    }

    [Fact]
    public async Task AClientWithoutATransportConnectsThroughWeirsSockets()
    {
        await using var server = new ServerBuilder()
            .UseSockets(s => s.ListenLocalhost(0, c => c.UseConnectionHandler<EchoHandler>()))
            .Build();
        await server.StartAsync(Token);
        await using var client = new ClientBuilder().Build();

        await using var connection = await client.ConnectAsync(server.EndPoints[0], Token);
        await connection.SendAsync("sockets by default");

        Assert.Equal("sockets by default", await connection.ReceiveAsync(18));
        Assert.NotNull(connection.Features.Get<IConnectionSocketFeature>());
    }

    [Fact]
    public async Task UseSocketsAppliesItsOptionsToTheClientsConnections()
    {
        await using var server = new ServerBuilder()
            .UseSockets(s => s.ListenLocalhost(0, c => c.UseConnectionHandler<EchoHandler>()))
            .Build();
        await server.StartAsync(Token);
        await using var client = new ClientBuilder().UseSockets(o => o.NoDelay = false).Build();

        await using var connection = await client.ConnectAsync(server.EndPoints[0], Token);

        Assert.False(connection.Features.Get<IConnectionSocketFeature>()!.Socket.NoDelay);
    }

    [Fact]
    public async Task ADisposedClientConnectsNoMoreThroughTheSocketsItMade()
    {
        var client = new ClientBuilder().UseSockets().Build();

        await client.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(
            async () => await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, 1), Token));
    }

    private static async Task<(InMemoryTransport Transport, InMemoryEndPoint EndPoint, Weir.Server Server)> StartEchoServerAsync()
    {
        var transport = new InMemoryTransport();
        var endPoint = new InMemoryEndPoint("echo");
        var server = new ServerBuilder()
            .Listen(endPoint, transport, c => c.UseConnectionHandler<EchoHandler>())
            .Build();
        await server.StartAsync(Token);
        return (transport, endPoint, server);
    }

    private sealed class WrappedPipe(IDuplexPipe inner) : IDuplexPipe
    {
        public PipeReader Input => inner.Input;

        public PipeWriter Output => inner.Output;
    }
}
