using System.IO.Pipelines;
using System.Net.Security;

namespace Weir.Middleware.Tls;

/// <summary>
/// The application's side of the encrypted output. Writes go through the <see cref="SslStream"/>; completing it
/// sends TLS close_notify and then completes the raw transport's output, so the peer sees the half-close (FIN) the
/// application asked for. Completing with an error passes the error down instead.
/// </summary>
internal sealed class TlsPipeWriter(PipeWriter inner, SslStream stream, PipeWriter transportOutput) : PipeWriter
{
    private int _completed;

    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => inner.UnflushedBytes;

    public override void Advance(int bytes) => inner.Advance(bytes);

    public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(source, cancellationToken);

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => CompleteAsync(exception).AsTask().GetAwaiter().GetResult();

    public override async ValueTask CompleteAsync(Exception? exception = null)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return;
        }

        if (exception is null)
        {
            try
            {
                await inner.CompleteAsync().ConfigureAwait(false);
                await stream.ShutdownAsync().ConfigureAwait(false);
            }
            catch (Exception error) when (error is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // The transport is already gone; its owner learns why from the transport itself.
                exception = error;
            }
        }
        else
        {
            await inner.CompleteAsync(exception).ConfigureAwait(false);
        }

        await transportOutput.CompleteAsync(exception).ConfigureAwait(false);
    }
}
