using System.Diagnostics;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Weir.Buffers;
using Weir.Diagnostics;

namespace Weir.Middleware.Logging;

/// <summary>Logs a connection's start and end and, at Trace, every byte that crosses it.</summary>
internal sealed class ConnectionLoggingMiddleware(ConnectionDelegate next, ILogger logger)
{
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var started = Stopwatch.GetTimestamp();
        if (logger.IsEnabled(LogLevel.Information))
        {
            WeirLog.ConnectionStarted(logger, connection.ConnectionId, connection.RemoteEndPoint?.ToString(), connection.LocalEndPoint?.ToString());
        }

        // The wrappers cost a call per read and write, so they are there only when someone reads the dump.
        var transport = connection.Transport;
        if (logger.IsEnabled(LogLevel.Trace))
        {
            connection.Transport = new DuplexPipe(
                new LoggingPipeReader(transport.Input, logger, connection.ConnectionId),
                new LoggingPipeWriter(transport.Output, logger, connection.ConnectionId));
        }

        try
        {
            await next(connection).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            WeirLog.ConnectionFailed(logger, connection.ConnectionId, ElapsedMilliseconds(started), exception);
            throw;
        }
        finally
        {
            connection.Transport = transport;
        }

        var reason = connection.Features.Get<IConnectionCloseReasonFeature>()?.Reason ?? ConnectionCloseReason.Unknown;
        WeirLog.ConnectionStopped(logger, connection.ConnectionId, ElapsedMilliseconds(started), reason);
    }

    private static long ElapsedMilliseconds(long started) => (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
}
