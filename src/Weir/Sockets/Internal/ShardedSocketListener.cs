using System.Net;
using System.Threading.Tasks.Sources;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Weir.Diagnostics;

namespace Weir.Sockets.Internal;

/// <summary>
/// Several listening sockets on one TCP endpoint (<c>SO_REUSEPORT</c>), each with its own accept loop, seen by the
/// caller as one <see cref="IConnectionListener"/>.
/// </summary>
/// <remarks>
/// <code>
///   kernel ─hash(4-tuple)─▶ socket 0 ─accept loop─▶ ┐
///                        ─▶ socket 1 ─accept loop─▶ ├─▶ ready queue (≤ 1 per loop) ─▶ AcceptAsync
///                        ─▶ socket n ─accept loop─▶ ┘        or straight to a waiting AcceptAsync
/// </code>
/// A loop that finds the consumer waiting completes its accept directly; otherwise it queues the connection and
/// waits until it is taken. Unbinding closes every socket, disposes what was queued and never delivered, and
/// waits for every loop to end.
/// </remarks>
internal sealed class ShardedSocketListener : IConnectionListener, IValueTaskSource<ConnectionContext?>
{
    private static readonly Action<object?> CancelWaitCallback = static state => ((ShardedSocketListener)state!).CancelWait();

    private readonly AcceptShard[] _shards;
    private readonly Queue<(AcceptShard Shard, ConnectionContext? Connection, Exception? Error)> _ready;
    private readonly Lock _lock = new();
    private readonly ILogger _logger;
    private readonly Action<IConnectionListener> _onDisposed;
    private ManualResetValueTaskSourceCore<ConnectionContext?> _waiter;
    private CancellationTokenRegistration _waitRegistration;
    private CancellationToken _waitToken;
    private bool _waiting;
    private volatile bool _outstanding;
    private volatile bool _unbound;
    private int _liveShards;
    private Task? _loopsEnded;
    private int _disposed;

    private ShardedSocketListener(int count, ILogger logger, Action<IConnectionListener> onDisposed)
    {
        _shards = new AcceptShard[count];
        _liveShards = count;
        _ready = new Queue<(AcceptShard, ConnectionContext?, Exception?)>(count);
        _logger = logger;
        _onDisposed = onDisposed;
        EndPoint = new IPEndPoint(IPAddress.None, 0);
    }

    public EndPoint EndPoint { get; private set; }

    internal bool IsUnbound => _unbound;

    internal IReadOnlyList<AcceptShard> Shards => _shards;

    /// <summary>
    /// Binds <paramref name="count"/> sockets on <paramref name="endPoint"/>: the first as asked (port 0 gets a
    /// port from the kernel), the others on the port the first got; then starts their accept loops.
    /// </summary>
    public static ShardedSocketListener Bind(
        IPEndPoint endPoint,
        int count,
        SocketTransportOptions options,
        SocketConnectionContextFactory connections,
        ILogger logger,
        Action<IConnectionListener> onDisposed)
    {
        var listener = new ShardedSocketListener(count, logger, onDisposed);
        var bound = 0;
        try
        {
            EndPoint next = endPoint;
            for (; bound < count; bound++)
            {
                var acceptor = new SocketAcceptor(next, options, connections, logger, reusePort: true, onDisposed: static _ => { });
                acceptor.Bind();
                listener._shards[bound] = new AcceptShard(listener, acceptor, bound, logger);
                next = acceptor.EndPoint;
            }
        }
        catch
        {
            for (var i = 0; i < bound; i++)
            {
                listener._shards[i].Acceptor.Close();
            }

            throw;
        }

        listener.EndPoint = listener._shards[0].Acceptor.EndPoint;
        WeirLog.AcceptSocketsBound(logger, listener.EndPoint, count);
        foreach (var shard in listener._shards)
        {
            shard.Start();
        }

        return listener;
    }

    public ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ConnectionContext?>(cancellationToken);
        }

        (AcceptShard Shard, ConnectionContext? Connection, Exception? Error) entry;
        short version;
        lock (_lock)
        {
            // _outstanding: a completed wait not yet read; resetting the source under it would lose its result.
            if (_waiting || _outstanding)
            {
                throw new InvalidOperationException("An accept is already in progress on this listener.");
            }

            if (!_ready.TryDequeue(out entry))
            {
                // With every socket gone, the listener has finished: null, as from an unbound one, so a server rebinds.
                if (_unbound || _liveShards == 0)
                {
                    return ValueTask.FromResult<ConnectionContext?>(null);
                }

                _waiter.Reset();
                version = _waiter.Version;
                _waiting = true;
                _outstanding = true;
                _waitToken = cancellationToken;
                if (cancellationToken.CanBeCanceled)
                {
                    // Under the lock, so a cancellation of an earlier wait cannot be mistaken for this one's.
                    _waitRegistration = cancellationToken.UnsafeRegister(CancelWaitCallback, this);
                }

                return new ValueTask<ConnectionContext?>(this, version);
            }
        }

        entry.Shard.Release(delivered: true);
        return entry.Error is null
            ? ValueTask.FromResult(entry.Connection)
            : ValueTask.FromException<ConnectionContext?>(entry.Error);
    }

    public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        (AcceptShard Shard, ConnectionContext? Connection, Exception? Error)[] undelivered;
        bool wasWaiting;
        CancellationTokenRegistration registration;
        lock (_lock)
        {
            if (_unbound)
            {
                undelivered = [];
                wasWaiting = false;
                registration = default;
            }
            else
            {
                _unbound = true;
                undelivered = [.. _ready];
                _ready.Clear();
                wasWaiting = _waiting;
                _waiting = false;
                registration = _waitRegistration;
                _waitRegistration = default;
                _loopsEnded = Task.WhenAll(Array.ConvertAll(_shards, static shard => shard.Loop));
            }
        }

        registration.Unregister();
        if (wasWaiting)
        {
            _waiter.SetResult(null);
        }

        foreach (var shard in _shards)
        {
            await shard.Acceptor.UnbindAsync(cancellationToken).ConfigureAwait(false);
        }

        var disposed = 0;
        foreach (var (shard, connection, _) in undelivered)
        {
            shard.Release(delivered: false);
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                disposed++;
            }
        }

        if (disposed > 0)
        {
            WeirLog.UndeliveredConnectionsDisposed(_logger, EndPoint, disposed);
        }

        await _loopsEnded!.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await UnbindAsync().ConfigureAwait(false);
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var shard in _shards)
        {
            await shard.Acceptor.DisposeAsync().ConfigureAwait(false);
        }

        _onDisposed(this);
    }

    public ConnectionContext? GetResult(short token)
    {
        try
        {
            return _waiter.GetResult(token);
        }
        finally
        {
            _outstanding = false;
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _waiter.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _waiter.OnCompleted(continuation, state, token, flags);

    /// <summary>
    /// Hands what a loop accepted (a connection, or the error its accept threw) to the consumer: at once when it
    /// waits, else through the queue; <paramref name="taken"/> completes when it has been delivered.
    /// </summary>
    /// <returns><see langword="false"/> when the listener is unbound; the loop then disposes the connection itself.</returns>
    internal bool TryHandOver(AcceptShard shard, ConnectionContext? connection, Exception? error, out ValueTask<bool> taken)
    {
        CancellationTokenRegistration registration;
        lock (_lock)
        {
            if (_unbound)
            {
                taken = default;
                return false;
            }

            if (!_waiting)
            {
                taken = shard.PrepareWait();
                _ready.Enqueue((shard, connection, error));
                return true;
            }

            _waiting = false;
            _waitToken = default;
            registration = _waitRegistration;
            _waitRegistration = default;
        }

        registration.Unregister();
        taken = new ValueTask<bool>(true);
        if (error is null)
        {
            _waiter.SetResult(connection);
        }
        else
        {
            _waiter.SetException(error);
        }

        return true;
    }

    /// <summary>Called by a loop whose socket was closed from outside, once its last entry was taken.</summary>
    internal void ShardGone()
    {
        lock (_lock)
        {
            if (--_liveShards > 0 || !_waiting)
            {
                return;
            }

            _waiting = false;
            _waitToken = default;
            _waitRegistration.Unregister();
            _waitRegistration = default;
        }

        _waiter.SetResult(null);
    }

    private void CancelWait()
    {
        CancellationToken token;
        lock (_lock)
        {
            // A callback of an earlier wait may run late: only a wait whose own token fired is cancelled.
            if (!_waiting || !_waitToken.IsCancellationRequested)
            {
                return;
            }

            token = _waitToken;
            _waiting = false;
            _waitToken = default;
            _waitRegistration = default;
        }

        _waiter.SetException(new OperationCanceledException(token));
    }
}
