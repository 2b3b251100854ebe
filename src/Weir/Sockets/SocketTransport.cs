using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Weir.Buffers;
using Weir.Sockets.Internal;

namespace Weir.Sockets;

/// <summary>
/// The socket transport: listens on and connects to TCP (IPv4, IPv6) and Unix domain socket endpoints, and hands
/// out each connection as a <see cref="ConnectionContext"/> whose <c>Transport</c> is a pair of pipes.
/// </summary>
/// <remarks>
/// One pinned memory pool and one set of I/O queues serve every listener and connection of the transport; dispose
/// the transport after the connections it made.
/// </remarks>
public sealed class SocketTransport :
    IConnectionListenerFactory, IConnectionListenerFactorySelector, IConnectionFactory, IAsyncDisposable, IDisposable
{
    private readonly SocketTransportOptions _options;
    private readonly ILogger _logger;
    private readonly PinnedBlockMemoryPool _pool;
    private readonly SocketConnectionContextFactory _connections;
    private readonly HashSet<IConnectionListener> _listeners = [];
    private readonly Lock _listenersLock = new();
    private bool _disposed;

    /// <summary>Creates a transport.</summary>
    /// <param name="options">The options; the defaults when <see langword="null"/>.</param>
    /// <param name="loggerFactory">Where the transport logs; nowhere when <see langword="null"/>.</param>
    public SocketTransport(SocketTransportOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        _options = options ?? new SocketTransportOptions();
        Validate(_options);
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Weir.Sockets");
        _pool = new PinnedBlockMemoryPool(logger: _logger);
        _connections = new SocketConnectionContextFactory(_options, _pool, _logger);
    }

    /// <summary>Creates a transport from the services' options (the constructor dependency injection uses).</summary>
    /// <param name="options">The options.</param>
    /// <param name="loggerFactory">Where the transport logs.</param>
    public SocketTransport(IOptions<SocketTransportOptions> options, ILoggerFactory loggerFactory)
        : this(options?.Value, loggerFactory)
    {
    }

    internal PinnedBlockMemoryPool MemoryPool => _pool;

    /// <inheritdoc />
    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint or UnixDomainSocketEndPoint;

    /// <inheritdoc />
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ObjectDisposedException.ThrowIf(_disposed, this);

        var plan = ListenerPlan.For(endpoint, _options, OperatingSystem.IsLinux());
        IConnectionListener listener;
        if (plan.SocketCount > 1)
        {
            listener = ShardedSocketListener.Bind(
                (IPEndPoint)endpoint, plan.SocketCount, _options, _connections, _logger, Forget);
        }
        else
        {
            var acceptor = new SocketAcceptor(endpoint, _options, _connections, _logger, plan.ReusePort, Forget);
            acceptor.Bind();
            listener = acceptor;
        }

        lock (_listenersLock)
        {
            _listeners.Add(listener);
        }

        return ValueTask.FromResult(listener);
    }

    /// <inheritdoc />
    public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ObjectDisposedException.ThrowIf(_disposed, this);

        var unix = endpoint is UnixDomainSocketEndPoint;
        var socket = unix
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (!unix)
            {
                socket.NoDelay = _options.NoDelay;
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, _options.KeepAlive);
            }

            await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var connection = _connections.Create(socket);
        connection.Start();
        return connection;
    }

    /// <summary>Unbinds every listener still bound, and releases the pool and the I/O queues.</summary>
    /// <returns>A task that completes when the listeners are closed.</returns>
    public async ValueTask DisposeAsync()
    {
        IConnectionListener[] listeners;
        lock (_listenersLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            listeners = [.. _listeners];
        }

        foreach (var listener in listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        _connections.Dispose();
        _pool.Dispose();
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private void Forget(IConnectionListener listener)
    {
        lock (_listenersLock)
        {
            _listeners.Remove(listener);
        }
    }

    private static void Validate(SocketTransportOptions options)
    {
        if (options.Backlog <= 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), options.Backlog, $"{nameof(SocketTransportOptions.Backlog)} must be positive.");
        }

        if (options.IOQueueCount < 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), options.IOQueueCount, $"{nameof(SocketTransportOptions.IOQueueCount)} must not be negative.");
        }

        if (options.EventLoopCount < 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), options.EventLoopCount, $"{nameof(SocketTransportOptions.EventLoopCount)} must not be negative.");
        }

        if (options.LingerTimeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), options.LingerTimeout, $"{nameof(SocketTransportOptions.LingerTimeout)} must not be negative.");
        }

        if (options.MaxReadBufferSize < 0 || options.MaxWriteBufferSize < 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                $"{nameof(SocketTransportOptions.MaxReadBufferSize)} and {nameof(SocketTransportOptions.MaxWriteBufferSize)} must not be negative.");
        }
    }
}
