using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Weir.InMemory;

namespace Weir.Tests.Server;

/// <summary>A transport the server tests run over: what to listen with, where, and how a client connects.</summary>
public sealed class TestTransport : IConnectionFactory
{
    private readonly IConnectionFactory _client;

    private TestTransport(string name, IConnectionListenerFactory listenerFactory, IConnectionFactory client, Func<EndPoint> endPoint)
    {
        Name = name;
        ListenerFactory = listenerFactory;
        _client = client;
        NewEndPoint = endPoint;
    }

    public string Name { get; }

    public IConnectionListenerFactory ListenerFactory { get; }

    /// <summary>Makes an endpoint to listen on, distinct from every other this transport made.</summary>
    public Func<EndPoint> NewEndPoint { get; }

    public static TheoryData<string> Names => ["InMemory", "KestrelSockets"];

    public static TestTransport Create(string name) => name switch
    {
        "InMemory" => InMemory(),
        "KestrelSockets" => KestrelSockets(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "No such test transport."),
    };

    public static TestTransport InMemory()
    {
        var transport = new InMemoryTransport();
        var next = 0;
        return new TestTransport("InMemory", transport, transport, () => new InMemoryEndPoint($"server-{Interlocked.Increment(ref next)}"));
    }

    /// <summary>Kestrel's own socket transport, bound on 127.0.0.1 port 0; clients are Kestrel socket connections too.</summary>
    public static TestTransport KestrelSockets() => new(
        "KestrelSockets",
        new SocketTransportFactory(Options.Create(new SocketTransportOptions()), NullLoggerFactory.Instance),
        new KestrelSocketClient(),
        () => new IPEndPoint(IPAddress.Loopback, 0));

    public ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        _client.ConnectAsync(endpoint, cancellationToken);

    public override string ToString() => Name;

    private sealed class KestrelSocketClient : IConnectionFactory, IDisposable
    {
        private readonly SocketConnectionContextFactory _contexts =
            new(new SocketConnectionFactoryOptions(), NullLogger.Instance);

        public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
        {
            var socket = endpoint is UnixDomainSocketEndPoint
                ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
                : new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(endpoint, cancellationToken);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            return _contexts.Create(socket);
        }

        public void Dispose() => _contexts.Dispose();
    }
}
