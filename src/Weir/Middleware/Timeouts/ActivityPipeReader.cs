using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace Weir.Middleware.Timeouts;

/// <summary>
/// Refreshes the connection's activity when the application reads or consumes, and when a pending read completes,
/// so bytes that arrive after a long wait count at once, not when the application gets round to consuming them.
/// A pending read is relayed through this object itself (an <see cref="IValueTaskSource{TResult}"/> reused for
/// every read, since a pipe allows one at a time), so nothing is allocated per read.
/// </summary>
internal sealed class ActivityPipeReader : PipeReader, IValueTaskSource<ReadResult>
{
    private readonly PipeReader _inner;
    private readonly IdleConnection _connection;
    private readonly Action _onReadCompleted;
    private ManualResetValueTaskSourceCore<ReadResult> _pendingRead;
    private ConfiguredValueTaskAwaitable<ReadResult>.ConfiguredValueTaskAwaiter _innerRead;

    public ActivityPipeReader(PipeReader inner, IdleConnection connection)
    {
        _inner = inner;
        _connection = connection;
        _onReadCompleted = OnReadCompleted;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        _connection.Touch();
        var read = _inner.ReadAsync(cancellationToken);
        if (read.IsCompleted)
        {
            return read;
        }

        _pendingRead.Reset();
        _innerRead = read.ConfigureAwait(false).GetAwaiter();
        _innerRead.UnsafeOnCompleted(_onReadCompleted);
        return new ValueTask<ReadResult>(this, _pendingRead.Version);
    }

    public override bool TryRead(out ReadResult result)
    {
        _connection.Touch();
        return _inner.TryRead(out result);
    }

    public override void AdvanceTo(SequencePosition consumed)
    {
        _connection.Touch();
        _inner.AdvanceTo(consumed);
    }

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        _connection.Touch();
        _inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => _inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => _inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => _inner.CompleteAsync(exception);

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _pendingRead.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _pendingRead.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _pendingRead.OnCompleted(continuation, state, token, flags);

    private void OnReadCompleted()
    {
        _connection.Touch();
        var read = _innerRead;
        _innerRead = default;
        try
        {
            _pendingRead.SetResult(read.GetResult());
        }
        catch (Exception exception)
        {
            _pendingRead.SetException(exception);
        }
    }
}
