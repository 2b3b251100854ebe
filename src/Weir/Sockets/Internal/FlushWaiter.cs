using System.IO.Pipelines;
using System.Threading.Tasks.Sources;

namespace Weir.Sockets.Internal;

/// <summary>
/// A flush of a <see cref="SocketOutput"/> waiting for the peer to take bytes. Made by the first flush that has to
/// wait, so a connection that never outpaces its peer carries none of it. Callers hold the output's lock.
/// </summary>
internal sealed class FlushWaiter : IValueTaskSource<FlushResult>
{
    private ManualResetValueTaskSourceCore<FlushResult> _source;
    private CancellationTokenRegistration _cancellation;

    public FlushWaiter(bool runContinuationsAsynchronously)
    {
        _source.RunContinuationsAsynchronously = runContinuationsAsynchronously;
    }

    public bool IsWaiting { get; private set; }

    public ValueTask<FlushResult> Start(Action<object?, CancellationToken> onCanceled, object state, CancellationToken cancellationToken)
    {
        _source.Reset();
        IsWaiting = true;
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(onCanceled, state);
        }

        return new ValueTask<FlushResult>(this, _source.Version);
    }

    public void Complete(FlushResult result)
    {
        if (End())
        {
            _source.SetResult(result);
        }
    }

    public void Fail(Exception error)
    {
        if (End())
        {
            _source.SetException(error);
        }
    }

    public FlushResult GetResult(short token) => _source.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _source.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _source.OnCompleted(continuation, state, token, flags);

    private bool End()
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
}
