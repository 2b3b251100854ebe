using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace Weir.Sockets.Internal;

/// <summary>
/// A <see cref="SocketAsyncEventArgs"/> that is its own reusable awaitable: one instance carries one operation at
/// a time for as long as its owner lives, so a steady stream of operations allocates nothing.
/// </summary>
/// <remarks>
/// The continuation of an asynchronous completion runs on the given scheduler. On Linux the runtime already
/// completes socket operations on a thread-pool thread, so the transport passes <see cref="PipeScheduler.Inline"/>
/// there and saves a hop; an <see cref="IOQueue"/> is used where completions arrive on I/O threads.
/// </remarks>
internal class SocketAwaitableEventArgs : SocketAsyncEventArgs, IValueTaskSource<SocketOperationResult>
{
    private static readonly Action<object?> CompleteOnScheduler = static state => ((SocketAwaitableEventArgs)state!).Complete();

    private readonly PipeScheduler _scheduler;
    private ManualResetValueTaskSourceCore<SocketOperationResult> _source;

    protected SocketAwaitableEventArgs(PipeScheduler scheduler)
        : base(unsafeSuppressExecutionContextFlow: true)
    {
        _scheduler = scheduler;
    }

    public SocketOperationResult GetResult(short token) => _source.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _source.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _source.OnCompleted(continuation, state, token, flags);

    /// <summary>Turns what <c>Socket.XxxAsync(this)</c> returned (<paramref name="pending"/>) into a value task.</summary>
    protected ValueTask<SocketOperationResult> Await(bool pending) =>
        pending
            ? new ValueTask<SocketOperationResult>(this, _source.Version)
            : new ValueTask<SocketOperationResult>(CurrentResult());

    /// <summary>Readies the awaitable for the next operation; call before starting it, since it may complete at once.</summary>
    protected void Prepare() => _source.Reset();

    protected override void OnCompleted(SocketAsyncEventArgs e)
    {
        if (ReferenceEquals(_scheduler, PipeScheduler.Inline))
        {
            Complete();
        }
        else
        {
            _scheduler.Schedule(CompleteOnScheduler, this);
        }
    }

    private void Complete() => _source.SetResult(CurrentResult());

    /// <summary>The outcome of the operation that just completed, for a caller that was called back rather than awaiting.</summary>
    public SocketOperationResult CurrentResult() =>
        SocketError == SocketError.Success ? new SocketOperationResult(BytesTransferred) : new SocketOperationResult(SocketError);
}
