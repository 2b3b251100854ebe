using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Weir.Buffers;
using Weir.Diagnostics;

namespace Weir.Sockets.Internal;

/// <summary>
/// A connected socket as a <see cref="ConnectionContext"/>: a receive loop fills the input (<see cref="SocketInput"/>), each flush of the
/// output sends (<see cref="SocketOutput"/>), and the socket is closed once receiving and sending have ended.
/// </summary>
/// <remarks>
/// Partial files by concern: this one holds the lifetime (start, abort, dispose, close); <c>.Receive</c> the
/// receive loop; <c>.Send</c> what the output needs of the connection; <c>.Features</c> the feature collection.
/// </remarks>
internal sealed partial class SocketConnection : ConnectionContext, IDuplexPipe
{
    private readonly Socket _socket;
    private readonly PinnedBlockMemoryPool _pool;
    private readonly ILogger _logger;
    private readonly ISocketChannel _channel;
    private readonly bool _waitForData;
    private readonly TimeSpan _lingerTimeout;
    private readonly SocketInput _input;
    private readonly SocketOutput _output;
    private readonly ConnectionCloseReasonFeature _closeReason = new();
    private CancellationTokenSource? _connectionClosedSource;
    private CancellationToken? _connectionClosedOverride;
    private int _closed;

    // A plain object: Monitor's thin lock costs no more than the object, where a Lock is 40 bytes per connection.
    private readonly object _shutdownLock = new();

    private Task _receiving = Task.CompletedTask;
    private int _runningLoops;

    // Guarded by _shutdownLock. The first terminal error wins and is what the input and output complete with.
    private bool _socketClosed;
    private volatile bool _stoppingReceive;
    private volatile Exception? _terminalError;

    public SocketConnection(
        Socket socket, ISocketChannel channel, QueueSettings queue, bool waitForData, TimeSpan lingerTimeout, ILogger logger)
    {
        _socket = socket;
        _pool = queue.Pool;
        _logger = logger;
        _waitForData = waitForData;
        _lingerTimeout = lingerTimeout;
        _channel = channel;

        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;

        _input = new SocketInput(queue, _shutdownLock);
        _output = new SocketOutput(this, queue, _shutdownLock);

        // The connection is its own duplex pipe: one object fewer for every connection.
        Transport = this;
    }

    public override IDuplexPipe Transport { get; set; }

    PipeReader IDuplexPipe.Input => _input;

    PipeWriter IDuplexPipe.Output => _output;

    // Made on first use: a server that never asks pays neither for the source nor for cancelling it.
    public override CancellationToken ConnectionClosed
    {
        get => _connectionClosedOverride ?? ConnectionClosedSource().Token;
        set => _connectionClosedOverride = value;
    }

    public override EndPoint? LocalEndPoint { get; set; }

    public override EndPoint? RemoteEndPoint { get; set; }

    // The id is made on first use; checking first keeps a quiet logger from making one for every connection.
    private bool IsDebugLogging => _logger.IsEnabled(LogLevel.Debug);

    public void Start()
    {
        // Whichever of receiving and sending ends last closes the socket; no third task waits for the two.
        _runningLoops = 2;
        _receiving = ReceiveLoopAsync();
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        _closeReason.TrySetReason(ConnectionCloseReason.LocalAborted, abortReason);
        if (Terminate(abortReason, reset: true) && IsDebugLogging)
        {
            WeirLog.ConnectionAborted(_logger, ConnectionId, abortReason.Message);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        // Completing the application's ends sends what is left, then FIN.
        _input.Complete();
        _output.Complete();
        await _output.Ended.ConfigureAwait(false);

        // A peer still sending would get RST if the socket closed now, and lose the tail of what was sent to it.
        if (!_receiving.IsCompleted && _lingerTimeout > TimeSpan.Zero && PeerIsStillSending())
        {
            try
            {
                await _receiving.WaitAsync(_lingerTimeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // It kept sending: close below, with the RST it asked for.
            }
        }

        // Nobody reads any more, so the receive loop need not wait for the peer's FIN.
        lock (_shutdownLock)
        {
            if (!_receiving.IsCompleted)
            {
                _stoppingReceive = true;
                CloseSocket();
            }
        }

        await _receiving.ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Called once when receiving ends and once when sending ends; the second releases the socket.</summary>
    private void OnLoopEnded()
    {
        if (Interlocked.Decrement(ref _runningLoops) != 0)
        {
            return;
        }

        _channel.Dispose();
        lock (_shutdownLock)
        {
            CloseSocket();
        }

        // User callbacks run on the thread pool, away from the loops, and their exceptions are logged there.
        // Nobody can have registered on a token that was never made; one made later is born cancelled.
        Interlocked.Exchange(ref _closed, 1);
        if (Volatile.Read(ref _connectionClosedSource) is not null)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static c => c.FireConnectionClosed(), this, preferLocal: false);
        }
    }

    /// <summary>Ends the connection with <paramref name="error"/> unless it already ended with another.</summary>
    /// <param name="error">What both pipes complete with.</param>
    /// <param name="reset">Close with linger 0, so the peer sees RST rather than FIN.</param>
    /// <returns><see langword="true"/> if this call ended the connection.</returns>
    private bool Terminate(Exception error, bool reset)
    {
        lock (_shutdownLock)
        {
            if (_terminalError is not null)
            {
                return false;
            }

            _terminalError = error;

            // Closing now, not after the loops end, is what wakes an operation in flight.
            if (reset && !_socketClosed)
            {
                try
                {
                    _socket.LingerState = new LingerOption(true, 0);
                }
                catch (SocketException)
                {
                    // The socket may already be broken; closing it below still releases it.
                }
            }

            CloseSocket();
        }

        // End sending (a waiting flush throws the error) and wake a receive loop held by backpressure.
        _output.Fail(error);
        _input.CancelPendingCommit();
        return true;
    }

    /// <summary>Closes the socket once; callers hold <see cref="_shutdownLock"/>.</summary>
    private void CloseSocket()
    {
        if (!_socketClosed)
        {
            _socketClosed = true;
            _socket.Dispose();
            _channel.OnSocketClosed();
        }
    }

    private CancellationTokenSource ConnectionClosedSource()
    {
        if (Volatile.Read(ref _connectionClosedSource) is { } existing)
        {
            return existing;
        }

        var created = new CancellationTokenSource();
        if (Interlocked.CompareExchange(ref _connectionClosedSource, created, null) is { } other)
        {
            return other;
        }

        // Closed before anyone asked, and the closer saw no source to cancel: nothing is registered on this new
        // one yet, so cancelling it here runs no callback. (Both sides fence, so one of them always cancels.)
        if (Volatile.Read(ref _closed) == 1)
        {
            created.Cancel();
        }

        return created;
    }

    private void FireConnectionClosed()
    {
        try
        {
            ConnectionClosedSource().Cancel();
        }
        catch (AggregateException ex)
        {
            WeirLog.SocketConnectionClosedCallbackFailed(_logger, ConnectionId, ex);
        }
    }
}
