using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Weir.Diagnostics;

namespace Weir.InMemory;

/// <summary>
/// The "wire" between two <see cref="InMemoryConnection"/>s: one pump per direction copies a side's output
/// pipe into the other side's input pipe and carries FIN (completion), RST (abort) and close across.
/// </summary>
/// <remarks>
/// Each pump alone reads one output pipe and writes one input pipe, so no pipe end is used from two threads;
/// <see cref="Wake"/> only cancels pending reads and flushes so a pump looks at the connections' state again.
/// </remarks>
internal sealed class InMemoryLink
{
    private readonly InMemoryConnection _a;
    private readonly InMemoryConnection _b;
    private readonly ILogger _logger;

    private InMemoryLink(InMemoryConnection a, InMemoryConnection b, ILogger logger)
    {
        _a = a;
        _b = b;
        _logger = logger;
    }

    public static void Connect(InMemoryConnection a, InMemoryConnection b, ILogger logger)
    {
        var link = new InMemoryLink(a, b, logger);
        a.Link = link;
        b.Link = link;
        _ = link.RunAsync();
    }

    public void Wake()
    {
        _a.OutputPipe.Reader.CancelPendingRead();
        _a.InputPipe.Writer.CancelPendingFlush();
        _b.OutputPipe.Reader.CancelPendingRead();
        _b.InputPipe.Writer.CancelPendingFlush();
    }

    private async Task RunAsync()
    {
        // On the thread pool, so neither side's application continues inline on the other's thread or context.
        await Task.WhenAll(Task.Run(() => PumpAsync(_a, _b)), Task.Run(() => PumpAsync(_b, _a))).ConfigureAwait(false);
        FireClosed(_a);
        FireClosed(_b);
    }

    private void FireClosed(InMemoryConnection connection)
    {
        try
        {
            connection.FireClosed();
        }
        catch (AggregateException ex)
        {
            WeirLog.ConnectionClosedCallbackFailed(_logger, connection.ConnectionId, ex);
        }
    }

    private static async Task PumpAsync(InMemoryConnection from, InMemoryConnection to)
    {
        var reader = from.OutputPipe.Reader;
        var writer = to.InputPipe.Writer;
        Exception? peerError = null;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                if (ShouldStop(from, to, out peerError))
                {
                    break;
                }

                var buffer = result.Buffer;
                var length = buffer.Length;
                foreach (var segment in buffer)
                {
                    writer.Write(segment.Span);
                }

                reader.AdvanceTo(buffer.End);
                if (length > 0)
                {
                    from.AddBytesSent(length);
                    to.AddBytesReceived(length);
                    var flush = await writer.FlushAsync().ConfigureAwait(false);
                    if (ShouldStop(from, to, out peerError) || flush.IsCompleted)
                    {
                        break;
                    }
                }

                if (result.IsCompleted)
                {
                    to.TrySetCloseReason(ConnectionCloseReason.PeerClosed);
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            // The application completed its output with an error: like a socket, that resets the connection.
            from.Abort(new ConnectionAbortedException("The application completed its output with an error.", ex));
            ShouldStop(from, to, out peerError);
        }

        reader.Complete();
        writer.Complete(peerError);
    }

    private static bool ShouldStop(InMemoryConnection from, InMemoryConnection to, out Exception? peerError)
    {
        if (to.AbortReason is { } ownAbort)
        {
            peerError = ownAbort;
            return true;
        }

        if (from.AbortReason is { } peerAbort)
        {
            to.TrySetCloseReason(ConnectionCloseReason.PeerReset, peerAbort);
            peerError = new ConnectionResetException("The in-memory peer aborted the connection.", peerAbort);
            return true;
        }

        peerError = null;
        return to.IsDisposed;
    }
}
