using System.IO.Pipelines;
using System.Threading.Tasks.Sources;

namespace Weir.Sockets.Internal;

/// <summary>
/// A flush waiting for the other side to take bytes: the application's flush of <see cref="SocketOutput"/> waiting
/// for the peer, or the receive loop's commit to <see cref="SocketInput"/> waiting for the application. Made by the
/// first flush that has to wait, so a connection that never outpaces the other side carries none of it.
/// </summary>
/// <remarks>
/// <see cref="Start"/> and <see cref="TryEnd"/> are called under the owner's lock; the result is set after the
/// lock is released, because an inline continuation runs inside <c>SetResult</c>.
/// </remarks>
internal sealed class FlushWaiter : IValueTaskSource<FlushResult>
{
    private ManualResetValueTaskSourceCore<FlushResult> _source;
    private CancellationTokenRegistration _cancellation;

    public FlushWaiter(bool runContinuationsAsynchronously)
    {
        _source.RunContinuationsAsynchronously = runContinuationsAsynchronously;
    }

    public bool IsWaiting { get; private set; }

    public ValueTask<FlushResult> Start(Action<object?, CancellationToken>? onCanceled, object? state, CancellationToken cancellationToken)
    {
        _source.Reset();
        IsWaiting = true;
        if (onCanceled is not null && cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(onCanceled, state);
        }

        return new ValueTask<FlushResult>(this, _source.Version);
    }

    /// <summary>Ends the wait if there is one; the caller then sets its outcome, outside the lock.</summary>
    public bool TryEnd()
    {
        if (!IsWaiting)
        {
            return false;
        }

        IsWaiting = false;

        // Unregister, not Dispose: a callback running now would wait for the lock this caller holds.
        _cancellation.Unregister();
        _cancellation = default;
        return true;
    }

    public void SetResult(FlushResult result) => _source.SetResult(result);

    public void SetException(Exception error) => _source.SetException(error);

    public FlushResult GetResult(short token) => _source.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _source.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _source.OnCompleted(continuation, state, token, flags);
}
