using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Weir.Diagnostics;

namespace Weir.Sockets.Internal;

/// <summary>
/// One listening socket of a <see cref="ShardedSocketListener"/> and its accept loop: accept, hand the connection
/// over, wait until it is taken, accept again. So each loop holds at most one accepted, undelivered connection,
/// and a consumer that stops accepting leaves the rest in the kernel's queue.
/// </summary>
/// <remarks>
/// The loop is one long-lived async method, and the wait for the hand-over is this reusable value-task source, so
/// a steady stream of accepts allocates nothing beyond the connections themselves.
/// </remarks>
internal sealed class AcceptShard : IValueTaskSource<bool>
{
    private readonly ShardedSocketListener _owner;
    private readonly ILogger _logger;
    private ManualResetValueTaskSourceCore<bool> _taken;

    public AcceptShard(ShardedSocketListener owner, SocketAcceptor acceptor, int index, ILogger logger)
    {
        _owner = owner;
        Acceptor = acceptor;
        Index = index;
        _logger = logger;
    }

    public SocketAcceptor Acceptor { get; }

    public int Index { get; }

    /// <summary>Gets the accept loop; it ends when the socket is unbound.</summary>
    public Task Loop { get; private set; } = Task.CompletedTask;

    public void Start()
    {
        // The loop outlives the caller of BindAsync: it must not carry the caller's async-locals along.
        if (ExecutionContext.IsFlowSuppressed())
        {
            Loop = RunAsync();
            return;
        }

        using (ExecutionContext.SuppressFlow())
        {
            Loop = RunAsync();
        }
    }

    /// <summary>Readies the wait for the hand-over; called under the owner's lock, before the entry is visible.</summary>
    public ValueTask<bool> PrepareWait()
    {
        _taken.Reset();
        return new ValueTask<bool>(this, _taken.Version);
    }

    /// <summary>Ends the wait: <see langword="true"/> when the entry was delivered, <see langword="false"/> when unbound.</summary>
    public void Release(bool delivered) => _taken.SetResult(delivered);

    public bool GetResult(short token) => _taken.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _taken.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _taken.OnCompleted(continuation, state, token, flags);

    private async Task RunAsync()
    {
        while (true)
        {
            ConnectionContext? connection = null;
            Exception? error = null;
            try
            {
                connection = await Acceptor.AcceptAsync().ConfigureAwait(false);
                if (connection is null)
                {
                    return;
                }
            }
            catch (Exception ex)
            {
                if (_owner.IsUnbound)
                {
                    return;
                }

                // The consumer hears of it through its AcceptAsync, as it would from a single socket; the wait for
                // the hand-over keeps a socket that fails every time from spinning.
                error = ex;
                if (IsSocketGone(ex))
                {
                    // Closed under us: it stays out of the group, so the kernel sends its share to the others.
                    WeirLog.AcceptSocketGone(_logger, Acceptor.EndPoint, Index, ex);
                    await Acceptor.UnbindAsync().ConfigureAwait(false);
                }
                else
                {
                    WeirLog.AcceptShardFailed(_logger, Acceptor.EndPoint, Index, ex);
                }
            }

            if (!_owner.TryHandOver(this, connection, error, out var taken))
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                }

                return;
            }

            if (!await taken.ConfigureAwait(false))
            {
                return;
            }

            if (error is not null && IsSocketGone(error))
            {
                _owner.ShardGone();
                return;
            }
        }
    }

    private static bool IsSocketGone(Exception error) =>
        error is ObjectDisposedException
            or SocketException { SocketErrorCode: SocketError.OperationAborted or SocketError.NotSocket or SocketError.InvalidArgument };
}
