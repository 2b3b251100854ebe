using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Weir.Buffers;

namespace Weir.InMemory;

/// <summary>
/// An in-process transport: <see cref="BindAsync"/> listens on an endpoint and <see cref="ConnectAsync"/>
/// opens a connection to it, each end a pair of pipes. Use it to test connection handlers and middleware
/// without sockets, over the same <see cref="ConnectionContext"/> they see in production.
/// </summary>
/// <remarks>
/// <para>It mirrors TCP where that applies: completing <c>Transport.Output</c> completes the peer's input
/// (FIN) while the other direction keeps working; <see cref="ConnectionContext.Abort()"/> makes the peer's
/// input fail with <see cref="ConnectionResetException"/> and one's own with
/// <see cref="ConnectionAbortedException"/>; disposing a connection drains what it wrote, then completes the
/// peer's input and refuses the peer's further writes (its flushes report <c>IsCompleted</c>); unbinding stops
/// accepting and resets connections not yet accepted; connecting to an endpoint nobody listens on throws a
/// <see cref="SocketException"/> with <see cref="SocketError.ConnectionRefused"/>.</para>
/// <para>Any <see cref="EndPoint"/> works as an address, so a server configured with
/// <c>ListenLocalhost(5000, ...)</c> can run on this transport unchanged; an <see cref="InMemoryEndPoint"/> is
/// the natural choice otherwise. An <see cref="IPEndPoint"/> with port 0 is given a free port of its own,
/// reported by the listener. Connections carry <see cref="Weir.Diagnostics.IConnectionTransferFeature"/> and
/// <see cref="Weir.Diagnostics.IConnectionCloseReasonFeature"/>.</para>
/// <para>Pipes take their buffers from a <see cref="PinnedBlockMemoryPool"/> of the transport's own, as the socket
/// transport's do, so handlers see the same buffer sizes in tests as in production. Disposing the transport unbinds
/// every listener and releases the pool: dispose it after the connections it made.</para>
/// <example>
/// Testing a handler:
/// <code>
/// var transport = new InMemoryTransport();
/// await using var server = new ServerBuilder()
///     .Listen(new InMemoryEndPoint("echo"), transport, c => c.UseConnectionHandler&lt;EchoHandler&gt;())
///     .Build();
/// await server.StartAsync();
///
/// await using var connection = await transport.ConnectAsync(new InMemoryEndPoint("echo"));
/// await connection.Transport.Output.WriteAsync("hello"u8.ToArray());
/// var result = await connection.Transport.Input.ReadAsync();
/// Assert.Equal("hello", Encoding.ASCII.GetString(result.Buffer));
/// </code>
/// </example>
/// </remarks>
public sealed class InMemoryTransport : IConnectionListenerFactory, IConnectionFactory, IAsyncDisposable, IDisposable
{
    private const int FirstEphemeralPort = 49152;

    private readonly ConcurrentDictionary<EndPoint, InMemoryListener> _listeners = new();
    private readonly PinnedBlockMemoryPool _pool;
    private readonly ILogger _logger;
    private long _nextConnectionId;
    private int _nextPort = FirstEphemeralPort - 1;
    private int _disposed;

    /// <summary>Creates a transport with no endpoints bound.</summary>
    /// <param name="loggerFactory">Where to log a failing <c>ConnectionClosed</c> callback; none by default.</param>
    public InMemoryTransport(ILoggerFactory? loggerFactory = null)
    {
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<InMemoryTransport>();
        _pool = new PinnedBlockMemoryPool(logger: _logger);
    }

    internal PinnedBlockMemoryPool MemoryPool => _pool;

    /// <summary>Starts listening on <paramref name="endpoint"/>.</summary>
    /// <exception cref="AddressInUseException">Something already listens on <paramref name="endpoint"/>.</exception>
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        if (endpoint is IPEndPoint { Port: 0 } ephemeral)
        {
            while (true)
            {
                var port = Interlocked.Increment(ref _nextPort);
                if (port > IPEndPoint.MaxPort)
                {
                    throw new AddressInUseException($"The in-memory transport has no free port left for {endpoint}.");
                }

                var candidate = new IPEndPoint(ephemeral.Address, port);
                var listener = new InMemoryListener(this, candidate);
                if (_listeners.TryAdd(candidate, listener))
                {
                    return new ValueTask<IConnectionListener>(listener);
                }
            }
        }

        var bound = new InMemoryListener(this, endpoint);
        if (!_listeners.TryAdd(endpoint, bound))
        {
            throw new AddressInUseException($"The in-memory endpoint {endpoint} is already bound.");
        }

        return new ValueTask<IConnectionListener>(bound);
    }

    /// <summary>Opens a connection to the listener bound on <paramref name="endpoint"/>.</summary>
    /// <exception cref="SocketException">Nothing listens on <paramref name="endpoint"/> (<see cref="SocketError.ConnectionRefused"/>).</exception>
    public ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        if (!_listeners.TryGetValue(endpoint, out var listener))
        {
            throw Refused(endpoint);
        }

        var id = Interlocked.Increment(ref _nextConnectionId);
        var clientEndPoint = new InMemoryEndPoint($"client-{id}");
        var serverSide = new InMemoryConnection($"inmemory-{id}", listener.EndPoint, clientEndPoint, _pool);
        var clientSide = new InMemoryConnection($"inmemory-{id}-client", clientEndPoint, listener.EndPoint, _pool);
        InMemoryLink.Connect(serverSide, clientSide, _logger);

        if (!listener.TryEnqueue(serverSide))
        {
            // Unbound between the lookup and now.
            serverSide.Abort();
            throw Refused(endpoint);
        }

        return new ValueTask<ConnectionContext>(clientSide);
    }

    /// <summary>Unbinds every listener still bound and releases the buffer pool.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var listener in _listeners.Values)
        {
            await listener.UnbindAsync().ConfigureAwait(false);
        }

        _pool.Dispose();
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    internal void Unbind(InMemoryListener listener) =>
        _listeners.TryRemove(new KeyValuePair<EndPoint, InMemoryListener>(listener.EndPoint, listener));

    private static SocketException Refused(EndPoint endpoint) =>
        new((int)SocketError.ConnectionRefused, $"No in-memory listener is bound to {endpoint}.");
}
