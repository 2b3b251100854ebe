using System.IO.Pipelines;

namespace Weir.Middleware.Timeouts;

/// <summary>
/// Refreshes the connection's activity when the application reads or consumes. Only forwarding calls: the
/// <see cref="ValueTask{TResult}"/> of the inner reader is returned as is, so nothing is allocated per read.
/// </summary>
internal sealed class ActivityPipeReader(PipeReader inner, IdleConnection connection) : PipeReader
{
    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        connection.Touch();
        return inner.ReadAsync(cancellationToken);
    }

    public override bool TryRead(out ReadResult result)
    {
        connection.Touch();
        return inner.TryRead(out result);
    }

    public override void AdvanceTo(SequencePosition consumed)
    {
        connection.Touch();
        inner.AdvanceTo(consumed);
    }

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        connection.Touch();
        inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
}
