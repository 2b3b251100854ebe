using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Weir.Diagnostics;
using Weir.InMemory;
using Weir.Tests.Server;

namespace Weir.Tests.InMemory;

public sealed class InMemoryTransportTests
{
    private static readonly InMemoryEndPoint Here = new("here");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ConnectingToAnEndpointNobodyListensOnIsRefusedNamingIt()
    {
        var transport = new InMemoryTransport();

        var refused = await Assert.ThrowsAsync<SocketException>(() => transport.ConnectAsync(Here, Token).AsTask());

        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.Contains("inmemory:here", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BytesWrittenOnOneEndArriveAtTheOther()
    {
        var (transport, listener) = await BindAsync();
        await using var client = await transport.ConnectAsync(Here, Token);
        await using var server = await AcceptAsync(listener);

        await client.SendAsync("to server");
        await server.SendAsync("to client");

        Assert.Equal("to server", await server.ReceiveAsync(9));
        Assert.Equal("to client", await client.ReceiveAsync(9));
    }

    [Fact]
    public async Task CompletingOutputCompletesThePeersInputAndTheOtherDirectionKeepsWorking()
    {
        var (transport, listener) = await BindAsync();
        await using var client = await transport.ConnectAsync(Here, Token);
        await using var server = await AcceptAsync(listener);

        await client.SendAsync("request");
        await client.Transport.Output.CompleteAsync();

        Assert.Equal("request", await server.Transport.Input.ReceiveToEndAsync());
        await server.SendAsync("response");
        Assert.Equal("response", await client.ReceiveAsync(8));
    }

    [Fact]
    public async Task AbortResetsThePeerAndAbortsItsOwnInput()
    {
        var (transport, listener) = await BindAsync();
        await using var client = await transport.ConnectAsync(Here, Token);
        await using var server = await AcceptAsync(listener);

        server.Abort(new ConnectionAbortedException("enough"));

        await Assert.ThrowsAsync<ConnectionResetException>(() => client.Transport.Input.ReceiveToEndAsync());
        var own = await Assert.ThrowsAsync<ConnectionAbortedException>(() => server.Transport.Input.ReceiveToEndAsync());
        Assert.Equal("enough", own.Message);
        var flush = await client.Transport.Output.WriteAsync("late"u8.ToArray(), Token);
        Assert.True(flush.IsCompleted);
        Assert.Equal(ConnectionCloseReason.LocalAborted, server.Features.Get<IConnectionCloseReasonFeature>()!.Reason);
        Assert.Equal(ConnectionCloseReason.PeerReset, client.Features.Get<IConnectionCloseReasonFeature>()!.Reason);
    }

    [Fact]
    public async Task DisposingDrainsWhatWasWrittenThenCompletesThePeer()
    {
        var (transport, listener) = await BindAsync();
        await using var client = await transport.ConnectAsync(Here, Token);
        var server = await AcceptAsync(listener);

        // More than the pipes hold, so some of it is still on its way when the connection is disposed.
        await server.Transport.Output.WriteAsync(new byte[200_000], Token).AsTask().WaitAsync(ConnectionExtensions.HangGuard, Token);
        await server.DisposeAsync();

        Assert.Equal(200_000, (await client.Transport.Input.ReceiveToEndAsync()).Length);
        Assert.Equal(ConnectionCloseReason.PeerClosed, client.Features.Get<IConnectionCloseReasonFeature>()!.Reason);
    }

    [Fact]
    public async Task ConnectionClosedFiresOnBothEndsOnceBothAreDone()
    {
        var (transport, listener) = await BindAsync();
        var client = await transport.ConnectAsync(Here, Token);
        var server = await AcceptAsync(listener);
        var clientClosed = Fired(client.ConnectionClosed);
        var serverClosed = Fired(server.ConnectionClosed);

        await client.DisposeAsync();
        Assert.Equal(string.Empty, await server.Transport.Input.ReceiveToEndAsync());
        await server.DisposeAsync();

        await Task.WhenAll(clientClosed, serverClosed).WaitAsync(ConnectionExtensions.HangGuard, Token);
    }

    [Fact]
    public async Task UnbindingStopsAcceptingAndRefusesNewConnections()
    {
        var (transport, listener) = await BindAsync();
        var accepting = listener.AcceptAsync(Token).AsTask();

        await listener.UnbindAsync(Token);

        Assert.Null(await accepting.WaitAsync(ConnectionExtensions.HangGuard, Token));
        await Assert.ThrowsAsync<SocketException>(() => transport.ConnectAsync(Here, Token).AsTask());
    }

    [Fact]
    public async Task UnbindingResetsConnectionsNotYetAccepted()
    {
        var (transport, listener) = await BindAsync();
        await using var waiting = await transport.ConnectAsync(Here, Token);

        await listener.UnbindAsync(Token);

        await Assert.ThrowsAsync<ConnectionResetException>(() => waiting.Transport.Input.ReceiveToEndAsync());
    }

    [Fact]
    public async Task UnbindingLeavesAcceptedConnectionsAlone()
    {
        var (transport, listener) = await BindAsync();
        await using var client = await transport.ConnectAsync(Here, Token);
        await using var server = await AcceptAsync(listener);

        await listener.UnbindAsync(Token);
        await client.SendAsync("still");

        Assert.Equal("still", await server.ReceiveAsync(5));
    }

    [Fact]
    public async Task BindingAnEndpointTwiceFailsWithAddressInUse()
    {
        var (transport, _) = await BindAsync();

        var error = await Assert.ThrowsAsync<AddressInUseException>(() => transport.BindAsync(Here, Token).AsTask());

        Assert.Contains("inmemory:here", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnIPEndpointWithPortZeroGetsAPortOfItsOwn()
    {
        var transport = new InMemoryTransport();
        await using var first = await transport.BindAsync(new IPEndPoint(IPAddress.Loopback, 0), Token);
        await using var second = await transport.BindAsync(new IPEndPoint(IPAddress.Loopback, 0), Token);

        var firstPort = Assert.IsType<IPEndPoint>(first.EndPoint).Port;
        Assert.NotEqual(0, firstPort);
        Assert.NotEqual(firstPort, Assert.IsType<IPEndPoint>(second.EndPoint).Port);
        await using var client = await transport.ConnectAsync(first.EndPoint, Token);
        Assert.Equal(first.EndPoint, client.RemoteEndPoint);
    }

    [Fact]
    public async Task BytesAreCountedBothWays()
    {
        var (transport, listener) = await BindAsync();
        await using var client = await transport.ConnectAsync(Here, Token);
        await using var server = await AcceptAsync(listener);

        await client.SendAsync("12345");
        Assert.Equal("12345", await server.ReceiveAsync(5));
        await server.SendAsync("12");
        Assert.Equal("12", await client.ReceiveAsync(2));

        var clientBytes = client.Features.Get<IConnectionTransferFeature>()!;
        var serverBytes = server.Features.Get<IConnectionTransferFeature>()!;
        Assert.Equal((5, 2), (clientBytes.BytesSent, clientBytes.BytesReceived));
        Assert.Equal((2, 5), (serverBytes.BytesSent, serverBytes.BytesReceived));
    }

    private static async Task<(InMemoryTransport Transport, IConnectionListener Listener)> BindAsync()
    {
        var transport = new InMemoryTransport();
        return (transport, await transport.BindAsync(Here, Token));
    }

    private static async Task<ConnectionContext> AcceptAsync(IConnectionListener listener) =>
        (await listener.AcceptAsync(Token).AsTask().WaitAsync(ConnectionExtensions.HangGuard, Token))!;

    private static Task Fired(CancellationToken token)
    {
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(() => fired.TrySetResult());
        return fired.Task;
    }
}
