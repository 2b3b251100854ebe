using Microsoft.AspNetCore.Connections;
using Weir.Diagnostics;

namespace Weir.Middleware.Timeouts;

/// <summary>Adds an idle timeout to a connection pipeline.</summary>
public static class IdleTimeoutExtensions
{
    private const string LoggerCategory = "Weir.Middleware.Timeouts.IdleTimeout";

    /// <summary>
    /// Closes a connection with no bytes either way for <paramref name="timeout"/>:
    /// the connection is aborted, reported as <see cref="ConnectionCloseReason.Timeout"/> and logged.
    /// </summary>
    /// <remarks>
    /// One heartbeat timer serves every connection of the pipeline; it ticks every quarter of the timeout (at most
    /// every second), so a connection closes between one timeout and one tick after its last activity. Activity is
    /// bytes arriving for a pending read, or the application reading, consuming, writing or flushing; a flush that
    /// waits on a slow peer counts from its start.
    /// </remarks>
    /// <param name="builder">The pipeline.</param>
    /// <param name="timeout">How long a connection may be idle; must be positive.</param>
    /// <param name="timeProvider">The clock and timer. Defaults to <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is zero, negative or infinite.</exception>
    public static IConnectionBuilder UseIdleTimeout(this IConnectionBuilder builder, TimeSpan timeout, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (timeout <= TimeSpan.Zero || timeout == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "UseIdleTimeout: timeout must be a positive, finite TimeSpan.");
        }

        var logger = MiddlewareServices.CreateLogger(builder, LoggerCategory);
        var heartbeat = new IdleHeartbeat(timeout, timeProvider ?? TimeProvider.System);
        return builder.Use(next => new IdleTimeoutMiddleware(next, heartbeat, logger).OnConnectionAsync);
    }
}
