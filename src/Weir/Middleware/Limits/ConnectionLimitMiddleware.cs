using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Weir.Diagnostics;

namespace Weir.Middleware.Limits;

/// <summary>Counts the connections inside the rest of the pipeline and closes any beyond the limit at once.</summary>
internal sealed class ConnectionLimitMiddleware(ConnectionDelegate next, long limit, ILogger logger, WeirMetrics metrics)
{
    private long _active;

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        if (Interlocked.Increment(ref _active) > limit)
        {
            Interlocked.Decrement(ref _active);
            ConnectionClose.Report(connection, ConnectionCloseReason.LimitExceeded);
            metrics.RejectedConnections.Add(1);
            WeirLog.ConnectionLimitExceeded(logger, connection.ConnectionId, limit);
            await ConnectionClose.CompleteTransportAsync(connection).ConfigureAwait(false);
            return;
        }

        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
    }
}
