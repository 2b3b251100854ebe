using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Weir.Sockets;
using Weir.Sockets.Internal;

namespace Weir.Tests.Sockets;

/// <summary>A transport bound to a fresh endpoint of one kind, with raw-socket clients to talk to it.</summary>
internal sealed class TransportHarness : IAsyncDisposable
{
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private readonly string _directory;
    private readonly List<Socket> _clients = [];
    private readonly List<ConnectionContext> _connections = [];

    private TransportHarness(EndpointKind kind, SocketTransport transport, IConnectionListener listener, string directory)
    {
        Kind = kind;
        Transport = transport;
        Listener = listener;
        _directory = directory;
    }

    public EndpointKind Kind { get; }

    public SocketTransport Transport { get; }

    public IConnectionListener Listener { get; }

    public static EndPoint CreateEndPoint(EndpointKind kind, string directory) => kind switch
    {
        EndpointKind.IPv4 => new IPEndPoint(IPAddress.Loopback, 0),
        EndpointKind.IPv6 => new IPEndPoint(IPAddress.IPv6Loopback, 0),
        _ => new UnixDomainSocketEndPoint(Path.Combine(directory, "weir.sock")),
    };

    public static string CreateTempDirectory() => Directory.CreateTempSubdirectory("weir-").FullName;

    public static async Task<TransportHarness> StartAsync(
        EndpointKind kind, SocketTransportOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        var directory = CreateTempDirectory();

        // CI runs the socket tests a second time on the runtime's socket engine, which other systems use.
        if (Environment.GetEnvironmentVariable("WEIR_TEST_EVENT_LOOPS") == "0")
        {
            options ??= new SocketTransportOptions();
            options.EventLoopCount = 0;
        }

        var transport = new SocketTransport(options, loggerFactory);
        var listener = await transport.BindAsync(CreateEndPoint(kind, directory), TestContext.Current.CancellationToken);
        return new TransportHarness(kind, transport, listener, directory);
    }

    /// <summary>Two plain sockets connected over IPv4 loopback, for tests of the transport's socket-level parts.</summary>
    public static async Task<(Socket Sending, Socket Receiving)> ConnectedTcpPairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var sending = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await sending.ConnectAsync(listener.LocalEndPoint!, TestContext.Current.CancellationToken);
        var receiving = await listener.AcceptAsync(TestContext.Current.CancellationToken);
        return (sending, receiving);
    }

    public static Socket CreateClientSocket(EndPoint endPoint) => endPoint is UnixDomainSocketEndPoint
        ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
        : new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };

    public async Task<Socket> ConnectAsync()
    {
        var client = CreateClientSocket(Listener.EndPoint);
        _clients.Add(client);
        await client.ConnectAsync(Listener.EndPoint, TestContext.Current.CancellationToken).AsTask().WaitAsync(Guard, TestContext.Current.CancellationToken);
        return client;
    }

    public async Task<SocketConnection> AcceptAsync()
    {
        var connection = await Listener.AcceptAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Guard, TestContext.Current.CancellationToken);
        Assert.NotNull(connection);
        _connections.Add(connection);
        return Assert.IsType<SocketConnection>(connection);
    }

    public async Task<(Socket Client, SocketConnection Server)> ConnectPairAsync()
    {
        var accept = AcceptAsync();
        var client = await ConnectAsync();
        return (client, await accept);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        foreach (var connection in _connections)
        {
            await connection.DisposeAsync().AsTask().WaitAsync(Guard, TestContext.Current.CancellationToken);
        }

        await Listener.DisposeAsync();
        await Transport.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
