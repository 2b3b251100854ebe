using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Weir.Sockets;

namespace Weir.Tests.Sockets;

public sealed class EndpointTests
{
    [Theory]
    [InlineData(EndpointKind.IPv4)]
    [InlineData(EndpointKind.IPv6)]
    [InlineData(EndpointKind.Unix)]
    public async Task ListenerAcceptsAConnectionThatEchoes(EndpointKind kind)
    {
        await using var harness = await TransportHarness.StartAsync(kind);
        var (client, server) = await harness.ConnectPairAsync();

        await client.SendAsciiAsync("ping");
        var received = await server.Transport.Input.ReadExactlyAsync(4);
        await server.Transport.Output.WriteAsync(received, TestContext.Current.CancellationToken);

        Assert.Equal("ping", await client.ReceiveAsciiAsync(4));
    }

    [Theory]
    [InlineData(EndpointKind.IPv4)]
    [InlineData(EndpointKind.IPv6)]
    public async Task PortZeroReportsTheRealPort(EndpointKind kind)
    {
        await using var harness = await TransportHarness.StartAsync(kind);

        var endPoint = Assert.IsType<IPEndPoint>(harness.Listener.EndPoint);
        Assert.NotEqual(0, endPoint.Port);
        var (client, _) = await harness.ConnectPairAsync();
        Assert.Equal(endPoint.Port, ((IPEndPoint)client.RemoteEndPoint!).Port);
    }

    [Fact]
    public async Task DualModeListenerOnIPv6AnyAcceptsIPv4Clients()
    {
        await using var transport = new SocketTransport();
        await using var listener = await transport.BindAsync(new IPEndPoint(IPAddress.IPv6Any, 0), TestContext.Current.CancellationToken);
        var port = ((IPEndPoint)listener.EndPoint).Port;

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptAsync(TestContext.Current.CancellationToken).AsTask();
        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), TestContext.Current.CancellationToken);
        await using var connection = await accept.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);

        Assert.NotNull(connection);
        var remote = Assert.IsType<IPEndPoint>(connection.RemoteEndPoint);
        Assert.True(remote.Address.IsIPv4MappedToIPv6);
    }

    [Fact]
    public async Task StaleUnixSocketFileIsRemovedOnBind()
    {
        using var directory = new TempDirectory();
        var endPoint = new UnixDomainSocketEndPoint(directory.File("stale.sock"));

        // .NET deletes the file of a socket it bound on dispose; a hard link outlives it, like a crashed process's file.
        var live = directory.File("live.sock");
        using (var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            dead.Bind(new UnixDomainSocketEndPoint(live));
            dead.Listen();
            await RunAsync("ln", $"{live} {endPoint}");
        }

        Assert.True(File.Exists(endPoint.ToString()));
        await using var transport = new SocketTransport();
        await using var listener = await transport.BindAsync(endPoint, TestContext.Current.CancellationToken);

        using var client = TransportHarness.CreateClientSocket(endPoint);
        var accept = listener.AcceptAsync(TestContext.Current.CancellationToken).AsTask();
        await client.ConnectAsync(endPoint, TestContext.Current.CancellationToken);
        await using var connection = await accept.WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
        Assert.NotNull(connection);
    }

    [Fact]
    public async Task LiveUnixSocketFileIsNotTakenOver()
    {
        using var directory = new TempDirectory();
        var endPoint = new UnixDomainSocketEndPoint(directory.File("live.sock"));
        using var live = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        live.Bind(endPoint);
        live.Listen();

        await using var transport = new SocketTransport();
        await Assert.ThrowsAsync<AddressInUseException>(
            async () => await transport.BindAsync(endPoint, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task UnbindDeletesTheUnixSocketFile()
    {
        using var directory = new TempDirectory();
        var endPoint = new UnixDomainSocketEndPoint(directory.File("gone.sock"));
        await using var transport = new SocketTransport();
        var listener = await transport.BindAsync(endPoint, TestContext.Current.CancellationToken);
        Assert.True(File.Exists(endPoint.ToString()));

        await listener.UnbindAsync(TestContext.Current.CancellationToken);

        Assert.False(File.Exists(endPoint.ToString()));
        await listener.DisposeAsync();
    }

    [Fact]
    public async Task BindingAPortInUseThrowsAddressInUse()
    {
        await using var transport = new SocketTransport();
        await using var first = await transport.BindAsync(new IPEndPoint(IPAddress.Loopback, 0), TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<AddressInUseException>(
            async () => await transport.BindAsync(first.EndPoint, TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(EndpointKind.IPv4, "t")]
    [InlineData(EndpointKind.IPv6, "t")]
    [InlineData(EndpointKind.Unix, "x")]
    public async Task ListenerPassesTheBacklogToListen(EndpointKind kind, string ssFamily)
    {
        await using var harness = await TransportHarness.StartAsync(kind, new SocketTransportOptions { Backlog = 37 });

        // For a listening socket, ss reports the backlog passed to listen() as its Send-Q.
        var local = harness.Listener.EndPoint switch
        {
            IPEndPoint ip => $"{(kind == EndpointKind.IPv6 ? "[::1]" : "127.0.0.1")}:{ip.Port}",
            var unix => unix.ToString()!,
        };
        var row = (await RunAsync("ss", $"-H -l -n -{ssFamily}"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Single(columns => columns.Contains(local));
        var sendQueue = kind == EndpointKind.Unix ? row[3] : row[2];
        Assert.Equal("37", sendQueue);
    }

    private static async Task<string> RunAsync(string file, string arguments)
    {
        using var process = System.Diagnostics.Process.Start(
            new System.Diagnostics.ProcessStartInfo(file, arguments) { RedirectStandardOutput = true })!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
        return output;
    }
}
