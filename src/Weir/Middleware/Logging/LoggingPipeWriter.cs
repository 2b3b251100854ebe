using System.Buffers;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using Weir.Diagnostics;

namespace Weir.Middleware.Logging;

/// <summary>Logs each block of bytes the application writes, when it commits them with <c>Advance</c> or <c>WriteAsync</c>.</summary>
internal sealed class LoggingPipeWriter(PipeWriter inner, ILogger logger, string connectionId) : PipeWriter
{
    private Memory<byte> _lastMemory;

    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => inner.UnflushedBytes;

    public override Memory<byte> GetMemory(int sizeHint = 0) => _lastMemory = inner.GetMemory(sizeHint);

    // The span comes from the memory so that Advance knows which bytes were written.
    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void Advance(int bytes)
    {
        if (bytes > 0)
        {
            var written = new ReadOnlySequence<byte>(_lastMemory[..bytes]);
            WeirLog.BytesWritten(logger, connectionId, bytes, HexDump.Format(written));
        }

        inner.Advance(bytes);
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) =>
        inner.FlushAsync(cancellationToken);

    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        if (!source.IsEmpty)
        {
            WeirLog.BytesWritten(logger, connectionId, source.Length, HexDump.Format(new ReadOnlySequence<byte>(source)));
        }

        return inner.WriteAsync(source, cancellationToken);
    }

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
}
