using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Weir.Sockets;
using Weir.Sockets.Internal;
using Weir.Tests.Samples;

namespace Weir.Tests.Sockets;

public sealed class ReusePortTests
{
    [Fact]
    public async Task ASecondListenerWithoutReusePortFailsWithAddressInUse()
    {
        await using var first = new SocketTransport(new SocketTransportOptions { ReusePort = true });
        await using var listener = await first.BindAsync(new IPEndPoint(IPAddress.Loopback, 0), TestContext.Current.CancellationToken);
        await using var second = new SocketTransport();

        await Assert.ThrowsAsync<AddressInUseException>(
            async () => await second.BindAsync(listener.EndPoint, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task TwoReusePortListenersOnOnePortBothReceiveConnections()
    {
        var options = new SocketTransportOptions { ReusePort = true };
        await using var first = new SocketTransport(options);
        await using var second = new SocketTransport(options);
        await using var firstListener = await first.BindAsync(new IPEndPoint(IPAddress.Loopback, 0), TestContext.Current.CancellationToken);
        await using var secondListener = await second.BindAsync(firstListener.EndPoint, TestContext.Current.CancellationToken);
        Assert.Equal(2, ShardingProbe.ListeningSocketsOnPort(((IPEndPoint)firstListener.EndPoint).Port));
        var arrivals = Channel.CreateUnbounded<(int Listener, ConnectionContext Connection)>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var loops = new[] { AcceptIntoAsync(firstListener, 0, arrivals.Writer, stop.Token), AcceptIntoAsync(secondListener, 1, arrivals.Writer, stop.Token) };
        var clients = new List<Socket>();
        var accepted = new List<ConnectionContext>();
        var perListener = new int[2];
        try
        {
            // The kernel picks a listener by a hash of the connection's addresses and ports; 200 tries make missing
            // one of two listeners far less likely than any other failure.
            for (var i = 0; i < 200 && (perListener[0] == 0 || perListener[1] == 0); i++)
            {
                var client = TransportHarness.CreateClientSocket(firstListener.EndPoint);
                clients.Add(client);
                await client.ConnectAsync(firstListener.EndPoint, TestContext.Current.CancellationToken).AsTask()
                    .WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
                var (listener, connection) = await arrivals.Reader.ReadAsync(TestContext.Current.CancellationToken).AsTask()
                    .WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
                accepted.Add(connection);
                perListener[listener]++;
            }

            Assert.All(perListener, count => Assert.NotEqual(0, count));
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(loops).WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
            foreach (var client in clients)
            {
                client.Dispose();
            }

            foreach (var connection in accepted)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task TwoServerProcessesOnOnePortBothReceiveConnections()
    {
        await using var first = SampleProcess.Start("EchoServer", "--port", "0", "--reuse-port");
        var port = PortOf(await first.ListeningOnAsync());
        await using var second = SampleProcess.Start("EchoServer", "--port", port.ToString(CultureInfo.InvariantCulture), "--reuse-port");
        Assert.Equal(port, PortOf(await second.ListeningOnAsync()));
        Assert.Equal(2, ShardingProbe.ListeningIPv4SocketsOnPort(port));
        var endPoint = new IPEndPoint(IPAddress.Loopback, port);
        var clients = new List<Socket>();
        var served = new int[2];
        try
        {
            // The kernel picks a process by a hash of the connection's addresses and ports; 200 tries make missing
            // one of two processes far less likely than any other failure.
            for (var i = 0; i < 200 && (served[0] == 0 || served[1] == 0); i++)
            {
                var client = TransportHarness.CreateClientSocket(endPoint);
                clients.Add(client);
                await client.ConnectAsync(endPoint, TestContext.Current.CancellationToken).AsTask()
                    .WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
                await client.SendAsciiAsync("ping");
                Assert.Equal("ping", await client.ReceiveAsciiAsync(4));

                // Echoed, so accepted: the server's end of it is a descriptor of exactly one of the two processes.
                var inode = ShardingProbe.EstablishedIPv4SocketInode(port, ((IPEndPoint)client.LocalEndPoint!).Port);
                Assert.NotNull(inode);
                var owner = ShardingProbe.ProcessOwnsSocket(first.Id, inode.Value) ? 0
                    : ShardingProbe.ProcessOwnsSocket(second.Id, inode.Value) ? 1
                    : -1;
                Assert.NotEqual(-1, owner);
                served[owner]++;
            }

            Assert.All(served, count => Assert.NotEqual(0, count));
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
    public async Task ASecondProcessWithoutReusePortFailsWithAddressInUse()
    {
        await using var transport = new SocketTransport(new SocketTransportOptions { ReusePort = true });
        await using var listener = await transport.BindAsync(new IPEndPoint(IPAddress.Loopback, 0), TestContext.Current.CancellationToken);
        var port = ((IPEndPoint)listener.EndPoint).Port.ToString(CultureInfo.InvariantCulture);

        await using var second = SampleProcess.Start("EchoServer", "--port", port);
        var (exitCode, errors) = await second.WaitForExitAsync();

        Assert.NotEqual(0, exitCode);
        Assert.Contains("address already in use", errors, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ReusePortIsRefusedOffLinuxNamingTheSetting()
    {
        var options = new SocketTransportOptions { ReusePort = true };

        var error = Assert.Throws<PlatformNotSupportedException>(
            () => ListenerPlan.For(new IPEndPoint(IPAddress.Loopback, 0), options, isLinux: false));

        Assert.Contains(nameof(SocketTransportOptions.ReusePort), error.Message, StringComparison.Ordinal);
    }

    private static async Task AcceptIntoAsync(
        IConnectionListener listener, int index, ChannelWriter<(int, ConnectionContext)> arrivals, CancellationToken stop)
    {
        try
        {
            while (await listener.AcceptAsync(stop) is { } connection)
            {
                await arrivals.WriteAsync((index, connection), stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The test is done with this listener.
        }
    }

    private static int PortOf(string endPoint) => IPEndPoint.Parse(endPoint).Port;
}
