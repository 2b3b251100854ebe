using System.ComponentModel;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Weir.Diagnostics;

namespace Weir.Sockets.Internal;

/// <summary>
/// A listening socket as an <see cref="IConnectionListener"/>. One <see cref="AcceptAsync"/> at a time; for
/// parallel accept loops set <see cref="SocketTransportOptions.AcceptSocketCount"/>, which puts several of these
/// behind one <see cref="ShardedSocketListener"/>.
/// </summary>
internal sealed class SocketAcceptor : IConnectionListener
{
    private const int DescriptorBackoffMilliseconds = 50;

    // Linux's SOL_SOCKET and SO_REUSEPORT: SO_REUSEPORT is not in the SocketOptionName enum.
    private const int SolSocket = 1;
    private const int SoReusePort = 15;

    private readonly SocketTransportOptions _options;
    private readonly SocketConnectionContextFactory _connections;
    private readonly ILogger _logger;
    private readonly IAcceptOperation _acceptOperation;
    private readonly CancellableAccept _accept;
    private readonly DescriptorReserve _descriptorReserve = new();
    private readonly Action<IConnectionListener> _onDisposed;
    private readonly bool _reusePort;
    private Socket? _listenSocket;
    private string? _unixPath;
    private int _unbound;
    private int _accepting;

    public SocketAcceptor(
        EndPoint endPoint,
        SocketTransportOptions options,
        SocketConnectionContextFactory connections,
        ILogger logger,
        bool reusePort,
        Action<IConnectionListener> onDisposed)
    {
        EndPoint = endPoint;
        _acceptOperation = connections.CreateAcceptOperation();
        _accept = new CancellableAccept(_acceptOperation);
        _options = options;
        _connections = connections;
        _logger = logger;
        _reusePort = reusePort;
        _onDisposed = onDisposed;
    }

    public EndPoint EndPoint { get; private set; }

    internal Socket? ListenSocket => _listenSocket;

    public void Bind()
    {
        var socket = CreateListenSocket(EndPoint);
        try
        {
            if (_reusePort)
            {
                // Before bind, or the kernel will not let the next socket share the port.
                socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
            }

            socket.Bind(EndPoint);
            socket.Listen(_options.Backlog);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw new AddressInUseException(ex.Message, ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _listenSocket = socket;
        _descriptorReserve.TryTake();
        if (EndPoint is UnixDomainSocketEndPoint unix)
        {
            _unixPath = unix.ToString();
        }
        else
        {
            EndPoint = socket.LocalEndPoint!;
        }

        WeirLog.SocketListenerBound(_logger, EndPoint);
    }

    // Pooled state machines: an accept that waits allocates nothing beyond the connection it returns.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        // The accept event args are reused, so two accepts at once would corrupt each other.
        if (Interlocked.Exchange(ref _accepting, 1) != 0)
        {
            throw new InvalidOperationException(
                "An accept is already in progress on this listener; set SocketTransportOptions.AcceptSocketCount for parallel accept loops.");
        }

        try
        {
            return await AcceptOneAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _accepting, 0);
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        Unbind();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }

    /// <summary>Unbinds and releases the accept awaitable, all synchronously, so a failed bind can clean up inline.</summary>
    public void Close()
    {
        Unbind();
        _acceptOperation.Dispose();
        _onDisposed(this);
    }

    private void Unbind()
    {
        if (Interlocked.Exchange(ref _unbound, 1) == 0 && _listenSocket is { } socket)
        {
            // Woken first, so an accept waiting on an event loop lets the socket go before it closes.
            _acceptOperation.OnListenerClosed();
            socket.Dispose();
            _descriptorReserve.Dispose();
            if (_unixPath is not null)
            {
                File.Delete(_unixPath);
            }

            WeirLog.ListenerUnbound(_logger, EndPoint);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ConnectionContext?> AcceptOneAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            // After descriptors ran out, accepting resumes only once the reserve is back (see DescriptorReserve).
            while (!_descriptorReserve.TryTake())
            {
                await Task.Delay(DescriptorBackoffMilliseconds, cancellationToken).ConfigureAwait(false);
            }

            SocketOperationResult result;
            try
            {
                result = await _accept.AcceptAsync(_listenSocket!, cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectDisposedException) when (Volatile.Read(ref _unbound) != 0)
            {
                return null;
            }

            if (!result.HasError)
            {
                var accepted = _acceptOperation.TakeAcceptedSocket();

                // It may have taken the last free descriptor; the next accept could then wait for a connection
                // with none to spare.
                if (_descriptorReserve.ReleaseIfExhausted())
                {
                    WeirLog.AcceptOutOfDescriptors(_logger, EndPoint, SocketError.TooManyOpenSockets, DescriptorBackoffMilliseconds);
                }

                try
                {
                    return StartConnection(accepted);
                }
                catch (Exception ex) when (ex is SocketException or Win32Exception)
                {
                    // The peer may have reset already (a socket option then fails), or the kernel refused a
                    // resource (an epoll watch): that connection is lost, the listener is not.
                    accepted.Dispose();
                    WeirLog.ConnectionSetupFailed(_logger, EndPoint, ex);
                    continue;
                }
            }

            if (Volatile.Read(ref _unbound) != 0)
            {
                return null;
            }

            switch (result.Error)
            {
                case SocketError.ConnectionAborted or SocketError.ConnectionReset:
                    // The peer gave up between the handshake and accept(): its problem, not the listener's.
                    WeirLog.SocketAcceptFailed(_logger, EndPoint, result.Error);
                    break;
                case SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable:
                    // EMFILE/ENFILE (or ENOBUFS): retrying at once would spin; a pause lets connections close. The
                    // reserve goes to the rest of the process meanwhile, before the log: a logger's first record
                    // may load an assembly, and that needs a descriptor too.
                    _descriptorReserve.Release();
                    WeirLog.AcceptOutOfDescriptors(_logger, EndPoint, result.Error, DescriptorBackoffMilliseconds);
                    await Task.Delay(DescriptorBackoffMilliseconds, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    throw new SocketException((int)result.Error);
            }
        }
    }

    private SocketConnection StartConnection(Socket socket)
    {
        if (socket.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
        {
            socket.NoDelay = _options.NoDelay;
            if (_options.KeepAlive)
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            }
        }

        var connection = _connections.Create(socket);
        connection.Start();
        return connection;
    }

    private Socket CreateListenSocket(EndPoint endPoint)
    {
        switch (endPoint)
        {
            case UnixDomainSocketEndPoint unix:
                RemoveStaleSocketFile(unix);
                return new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            case IPEndPoint ip:
                var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                if (ip.Address.Equals(IPAddress.IPv6Any))
                {
                    socket.DualMode = true;
                }

                return socket;
            default:
                throw new NotSupportedException(
                    $"The socket transport binds IPEndPoint and UnixDomainSocketEndPoint, not {endPoint.GetType().Name}.");
        }
    }

    private void RemoveStaleSocketFile(UnixDomainSocketEndPoint endPoint)
    {
        var path = endPoint.ToString();
        if (!File.Exists(path))
        {
            return;
        }

        // A file left by a dead process refuses connections and is removed; a live listener's file is kept, so
        // the bind below fails with "address in use" instead of stealing its address.
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(endPoint);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            File.Delete(path);
            WeirLog.StaleUnixSocketRemoved(_logger, path);
        }
    }
}
