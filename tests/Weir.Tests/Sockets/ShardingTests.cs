using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Weir.Sockets;
using Weir.Sockets.Internal;

namespace Weir.Tests.Sockets;

public sealed class ShardingTests
{
    private const int Sockets = 4;

    [Theory]
    [InlineData(EndpointKind.IPv4)]
    [InlineData(EndpointKind.IPv6)]
    public async Task SeveralAcceptSocketsDeliverEveryConnectionThroughOneListener(EndpointKind kind)
    {
        const int Connections = 100;
        await using var transport = new SocketTransport(new SocketTransportOptions { AcceptSocketCount = Sockets });
        await using var listener = await transport.BindAsync(LoopbackEndPoint(kind), TestContext.Current.CancellationToken);
        var port = ((IPEndPoint)listener.EndPoint).Port;

        Assert.NotEqual(0, port);
        Assert.Equal(Sockets, ShardingProbe.ListeningSocketsOnPort(port));
        var accepted = new List<ConnectionContext>();
        var echoes = new List<Task>();
        var server = AcceptAndEchoAsync(listener, Connections, accepted, echoes);
        var clients = new List<Socket>();
        try
        {
            for (var i = 0; i < Connections; i++)
            {
                var client = await ConnectAsync(listener.EndPoint);
                clients.Add(client);
                await client.SendAsciiAsync($"{i:D4}");
                Assert.Equal($"{i:D4}", await client.ReceiveAsciiAsync(4));
            }

            await server.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
            Assert.Equal(Connections, accepted.Distinct().Count());
        }
        finally
        {
            await CloseAsync(clients, accepted, echoes);
        }
    }

    [Fact]
    public async Task UnbindClosesEveryAcceptSocketAndLeavesLiveConnectionsAlone()
    {
        await using var transport = new SocketTransport(new SocketTransportOptions { AcceptSocketCount = Sockets });
        await using var listener = await transport.BindAsync(new IPEndPoint(IPAddress.Loopback, 0), TestContext.Current.CancellationToken);
        var port = ((IPEndPoint)listener.EndPoint).Port;
        var accepted = new List<ConnectionContext>();
        var echoes = new List<Task>();
        var server = AcceptAndEchoAsync(listener, 10, accepted, echoes);
        var clients = new List<Socket>();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                clients.Add(await ConnectAsync(listener.EndPoint));
            }

            await server.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
            var pending = listener.AcceptAsync(TestContext.Current.CancellationToken).AsTask();

            await listener.UnbindAsync(TestContext.Current.CancellationToken);

            Assert.Null(await pending.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken));
            Assert.Null(await listener.AcceptAsync(TestContext.Current.CancellationToken));
            Assert.Equal(0, ShardingProbe.ListeningSocketsOnPort(port));
            using var late = TransportHarness.CreateClientSocket(listener.EndPoint);
            await Assert.ThrowsAsync<SocketException>(
                async () => await late.ConnectAsync(listener.EndPoint, TestContext.Current.CancellationToken));
            foreach (var client in clients)
            {
                await client.SendAsciiAsync("live");
                Assert.Equal("live", await client.ReceiveAsciiAsync(4));
            }
        }
        finally
        {
            await CloseAsync(clients, accepted, echoes);
        }
    }

    [Fact]
    public async Task UnbindDisposesConnectionsAcceptedButNeverDelivered()
    {
        await using var transport = new SocketTransport(new SocketTransportOptions { AcceptSocketCount = Sockets });
        await using var listener = await transport.BindAsync(new IPEndPoint(IPAddress.Loopback, 0), TestContext.Current.CancellationToken);
        var clients = new List<Socket>();
        try
        {
            // Nobody accepts: each loop takes one connection from its queue and holds it, the rest wait in the kernel.
            for (var i = 0; i < 20; i++)
            {
                var client = await ConnectAsync(listener.EndPoint);
                clients.Add(client);
                await client.SendAsciiAsync("hold");
            }

            await listener.UnbindAsync(TestContext.Current.CancellationToken);

            // A connection leaked instead of disposed would leave its client waiting until the guard fires.
            foreach (var client in clients)
            {
                await ReceiveUntilClosedAsync(client);
            }

            Assert.Null(await listener.AcceptAsync(TestContext.Current.CancellationToken));
            Assert.Equal(0, transport.MemoryPool.LiveBlocks);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    [Fact]
    public async Task DisposeEndsEveryAcceptLoopAndClosesEverySocket()
    {
        await using var transport = new SocketTransport(new SocketTransportOptions { AcceptSocketCount = Sockets });
        var listener = await transport.BindAsync(new IPEndPoint(IPAddress.Loopback, 0), TestContext.Current.CancellationToken);
        var sharded = Assert.IsType<ShardedSocketListener>(listener);
        var port = ((IPEndPoint)listener.EndPoint).Port;
        var pending = listener.AcceptAsync(TestContext.Current.CancellationToken).AsTask();

        await listener.DisposeAsync().AsTask().WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);

        Assert.Null(await pending.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken));
        Assert.Equal(Sockets, sharded.Shards.Count);
        Assert.All(sharded.Shards, shard => Assert.True(shard.Loop.IsCompletedSuccessfully));
        Assert.Equal(0, ShardingProbe.ListeningSocketsOnPort(port));
    }

    [Fact]
    public async Task DisposingTheTransportDisposesAShardedListener()
    {
        var transport = new SocketTransport(new SocketTransportOptions { AcceptSocketCount = Sockets });
        var listener = await transport.BindAsync(new IPEndPoint(IPAddress.Loopback, 0), TestContext.Current.CancellationToken);
        var sharded = Assert.IsType<ShardedSocketListener>(listener);
        var port = ((IPEndPoint)listener.EndPoint).Port;

        await transport.DisposeAsync().AsTask().WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);

        Assert.All(sharded.Shards, shard => Assert.True(shard.Loop.IsCompletedSuccessfully));
        Assert.Equal(0, ShardingProbe.ListeningSocketsOnPort(port));
    }

    [Fact]
    public async Task AnAcceptSocketClosedFromOutsideReportsOnceAndTheOthersGoOnAccepting()
    {
        await using var transport = new SocketTransport(new SocketTransportOptions { AcceptSocketCount = 2 });
        await using var listener = await transport.BindAsync(new IPEndPoint(IPAddress.Loopback, 0), TestContext.Current.CancellationToken);
        var sharded = Assert.IsType<ShardedSocketListener>(listener);
        var port = ((IPEndPoint)listener.EndPoint).Port;

        sharded.Shards[1].Acceptor.ListenSocket!.Dispose();

        var error = await Assert.ThrowsAnyAsync<Exception>(
            () => listener.AcceptAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken));
        Assert.True(error is SocketException or ObjectDisposedException, error.ToString());
        await sharded.Shards[1].Loop.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
        Assert.Equal(1, ShardingProbe.ListeningSocketsOnPort(port));
        var accepted = new List<ConnectionContext>();
        var echoes = new List<Task>();
        var server = AcceptAndEchoAsync(listener, 20, accepted, echoes);
        var clients = new List<Socket>();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                var client = await ConnectAsync(listener.EndPoint);
                clients.Add(client);
                await client.SendAsciiAsync($"{i:D2}");
                Assert.Equal($"{i:D2}", await client.ReceiveAsciiAsync(2));
            }

            await server.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
        }
        finally
        {
            await CloseAsync(clients, accepted, echoes);
        }
    }

    [Fact]
    public async Task WhenEveryAcceptSocketIsClosedFromOutsideTheListenerReportsItHasFinished()
    {
        await using var transport = new SocketTransport(new SocketTransportOptions { AcceptSocketCount = 2 });
        await using var listener = await transport.BindAsync(new IPEndPoint(IPAddress.Loopback, 0), TestContext.Current.CancellationToken);
        var sharded = Assert.IsType<ShardedSocketListener>(listener);

        foreach (var shard in sharded.Shards)
        {
            shard.Acceptor.ListenSocket!.Dispose();
        }

        // Each socket reports its error once; then the listener says it has finished, as an unbound one does.
        var errors = 0;
        while (true)
        {
            try
            {
                var connection = await listener.AcceptAsync(TestContext.Current.CancellationToken).AsTask()
                    .WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
                Assert.Null(connection);
                break;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                errors++;
            }
        }

        Assert.Equal(2, errors);
    }

    [Fact]
    public async Task CancellingAWaitingAcceptLosesNoConnection()
    {
        await using var transport = new SocketTransport(new SocketTransportOptions { AcceptSocketCount = 2 });
        await using var listener = await transport.BindAsync(new IPEndPoint(IPAddress.Loopback, 0), TestContext.Current.CancellationToken);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var cancelled = listener.AcceptAsync(cancel.Token).AsTask();

        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken));
        using var client = await ConnectAsync(listener.EndPoint);
        await using var connection = await listener.AcceptAsync(TestContext.Current.CancellationToken).AsTask()
            .WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
        Assert.NotNull(connection);
        await client.SendAsciiAsync("x");
        Assert.Equal("x"u8.ToArray(), await connection.Transport.Input.ReadExactlyAsync(1));
    }

    [Fact]
    public async Task TwoWaitingAcceptsAtOnceAreRefused()
    {
        await using var transport = new SocketTransport(new SocketTransportOptions { AcceptSocketCount = 2 });
        await using var listener = await transport.BindAsync(new IPEndPoint(IPAddress.Loopback, 0), TestContext.Current.CancellationToken);
        var first = listener.AcceptAsync(TestContext.Current.CancellationToken).AsTask();

        await Assert.ThrowsAsync<InvalidOperationException>(
            async () => await listener.AcceptAsync(TestContext.Current.CancellationToken));

        using var client = await ConnectAsync(listener.EndPoint);
        await using var connection = await first.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
        Assert.NotNull(connection);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public async Task AnAcceptSocketCountBelowOneFailsAtBindNamingTheSetting(int count)
    {
        await using var transport = new SocketTransport(new SocketTransportOptions { AcceptSocketCount = count });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            async () => await transport.BindAsync(new IPEndPoint(IPAddress.Loopback, 0), TestContext.Current.CancellationToken));

        Assert.Contains(nameof(SocketTransportOptions.AcceptSocketCount), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SeveralAcceptSocketsAreRefusedOffLinuxNamingTheSetting()
    {
        var options = new SocketTransportOptions { AcceptSocketCount = 2 };

        var error = Assert.Throws<PlatformNotSupportedException>(
            () => ListenerPlan.For(new IPEndPoint(IPAddress.Loopback, 0), options, isLinux: false));

        Assert.Contains(nameof(SocketTransportOptions.AcceptSocketCount), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ListenerPlanFollowsTheOptions()
    {
        var tcp = new IPEndPoint(IPAddress.Loopback, 0);

        Assert.Equal(new ListenerPlan(1, ReusePort: false), ListenerPlan.For(tcp, new SocketTransportOptions(), isLinux: true));
        Assert.Equal(new ListenerPlan(1, ReusePort: true), ListenerPlan.For(tcp, new SocketTransportOptions { ReusePort = true }, isLinux: true));
        Assert.Equal(new ListenerPlan(3, ReusePort: true), ListenerPlan.For(tcp, new SocketTransportOptions { AcceptSocketCount = 3 }, isLinux: true));
        Assert.Equal(new ListenerPlan(1, ReusePort: false), ListenerPlan.For(tcp, new SocketTransportOptions(), isLinux: false));
    }

    [Fact]
    public async Task AUnixSocketEndpointGetsOneSocketWhateverTheCount()
    {
        using var directory = new TempDirectory();
        var endPoint = new UnixDomainSocketEndPoint(directory.File("sharded.sock"));
        await using var transport = new SocketTransport(new SocketTransportOptions { AcceptSocketCount = Sockets, ReusePort = true });
        await using var listener = await transport.BindAsync(endPoint, TestContext.Current.CancellationToken);

        Assert.IsType<SocketAcceptor>(listener);
        var accept = listener.AcceptAsync(TestContext.Current.CancellationToken).AsTask();
        using var client = await ConnectAsync(listener.EndPoint);
        await using var connection = await accept.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
        Assert.NotNull(connection);
    }

    private static IPEndPoint LoopbackEndPoint(EndpointKind kind) =>
        new IPEndPoint(kind == EndpointKind.IPv6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0);

    private static async Task<Socket> ConnectAsync(EndPoint endPoint)
    {
        var client = TransportHarness.CreateClientSocket(endPoint);
        try
        {
            await client.ConnectAsync(endPoint, TestContext.Current.CancellationToken).AsTask()
                .WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static async Task AcceptAndEchoAsync(
        IConnectionListener listener, int count, List<ConnectionContext> accepted, List<Task> echoes)
    {
        for (var i = 0; i < count; i++)
        {
            var connection = await listener.AcceptAsync(TestContext.Current.CancellationToken);
            Assert.NotNull(connection);
            accepted.Add(connection);
            echoes.Add(connection.Transport.Input.CopyToAsync(connection.Transport.Output, TestContext.Current.CancellationToken));
        }
    }

    private static async Task CloseAsync(List<Socket> clients, List<ConnectionContext> accepted, List<Task> echoes)
    {
        foreach (var client in clients)
        {
            client.Dispose();
        }

        await Task.WhenAll(echoes).WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
        foreach (var connection in accepted)
        {
            await connection.DisposeAsync().AsTask().WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
        }
    }

    private static async Task ReceiveUntilClosedAsync(Socket client)
    {
        try
        {
            await client.ReceiveToEndAsync();
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            // A connection closed with unread input, or never accepted, ends with a reset: closed all the same.
        }
    }
}
