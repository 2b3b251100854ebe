using System.Buffers;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using Weir.Diagnostics;

namespace Weir.Middleware.Logging;

/// <summary>
/// Logs each byte the application receives once: a read returns the unconsumed bytes of earlier reads again, so
/// only what lies past them is new.
/// </summary>
internal sealed class LoggingPipeReader(PipeReader inner, ILogger logger, string connectionId) : PipeReader
{
    private ReadOnlySequence<byte> _lastBuffer;
    private long _alreadyLogged;

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        var result = await inner.ReadAsync(cancellationToken).ConfigureAwait(false);
        Log(result);
        return result;
    }

    public override bool TryRead(out ReadResult result)
    {
        if (!inner.TryRead(out result))
        {
            return false;
        }

        Log(result);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed)
    {
        Remember(consumed);
        inner.AdvanceTo(consumed);
    }

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        Remember(consumed);
        inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    private void Log(ReadResult result)
    {
        _lastBuffer = result.Buffer;
        var fresh = result.Buffer.Slice(Math.Min(_alreadyLogged, result.Buffer.Length));
        _alreadyLogged = result.Buffer.Length;
        if (!fresh.IsEmpty)
        {
            WeirLog.BytesRead(logger, connectionId, fresh.Length, HexDump.Format(fresh));
        }
    }

    private void Remember(SequencePosition consumed) => _alreadyLogged = _lastBuffer.Slice(consumed).Length;
}
