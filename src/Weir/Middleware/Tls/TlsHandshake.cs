using System.Diagnostics;
using System.Net.Security;
using System.Security.Authentication;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Weir.Diagnostics;

namespace Weir.Middleware.Tls;

/// <summary>
/// Runs one side's handshake under the timeout, records it on <c>weir.active_tls_handshakes</c> and
/// <c>weir.tls_handshake.duration</c>, and turns every way it can fail into a logged, reported close.
/// </summary>
internal sealed class TlsHandshake(TimeSpan timeout, TimeProvider timeProvider, ILogger logger, WeirMetrics metrics)
{
    /// <returns><see langword="null"/> if the handshake completed; otherwise why not, already logged and reported.</returns>
    public async Task<Exception?> RunAsync<TState>(
        ConnectionContext connection, SslStream stream, TState state, Func<SslStream, TState, CancellationToken, Task> authenticate)
    {
        metrics.ActiveTlsHandshakes.Add(1);
        var started = timeProvider.GetTimestamp();
        using var timer = new CancellationTokenSource(timeout, timeProvider);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, connection.ConnectionClosed);
        try
        {
            await authenticate(stream, state, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException exception) when (timer.IsCancellationRequested)
        {
            Record(started, new TagList { { "error.type", "timeout" } });
            ConnectionClose.Report(connection, ConnectionCloseReason.Timeout, exception);
            WeirLog.TlsHandshakeTimedOut(logger, connection.ConnectionId, timeout);
            return new TimeoutException($"The TLS handshake did not finish within {timeout}.", exception);
        }
        catch (Exception exception) when (exception is AuthenticationException or IOException or OperationCanceledException
            or ObjectDisposedException or InvalidOperationException or ConnectionAbortedException)
        {
            Record(started, new TagList { { "error.type", exception.GetType().FullName } });
            ConnectionClose.Report(connection, ConnectionCloseReason.TlsHandshakeFailed, exception);
            WeirLog.TlsHandshakeFailed(logger, connection.ConnectionId, exception);
            return exception;
        }
        finally
        {
            metrics.ActiveTlsHandshakes.Add(-1);
        }

        Record(started, new TagList { { "tls.protocol.version", VersionName(stream.SslProtocol) } });
        if (logger.IsEnabled(LogLevel.Debug))
        {
            WeirLog.TlsHandshakeCompleted(
                logger, connection.ConnectionId, stream.SslProtocol, stream.NegotiatedCipherSuite.ToString(),
                stream.NegotiatedApplicationProtocol.ToString());
        }

        return null;
    }

    private void Record(long started, in TagList tags) =>
        metrics.TlsHandshakeDuration.Record(timeProvider.GetElapsedTime(started).TotalSeconds, tags);

    private static string VersionName(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls13 => "1.3",
        SslProtocols.Tls12 => "1.2",
        _ => protocol.ToString(),
    };
}
