using Microsoft.AspNetCore.Connections;
using Weir.Diagnostics;

namespace Weir.Middleware.Limits;

/// <summary>Adds a concurrent-connection limit to a connection pipeline.</summary>
public static class ConnectionLimitExtensions
{
    private const string LoggerCategory = "Weir.Middleware.Limits.ConnectionLimit";

    /// <summary>
    /// Lets at most <paramref name="maxConnections"/> connections run the rest of the pipeline at once. A connection
    /// beyond the limit is closed at once (a FIN, no bytes read), reported as
    /// <see cref="ConnectionCloseReason.LimitExceeded"/>, logged, and counted on <c>weir.rejected_connections</c>.
    /// </summary>
    /// <remarks>The limit counts the connections of this pipeline only; place it first so refused connections cost nothing.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxConnections"/> is less than 1.</exception>
    public static IConnectionBuilder UseConnectionLimit(this IConnectionBuilder builder, long maxConnections)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (maxConnections < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxConnections), maxConnections, "UseConnectionLimit: maxConnections must be at least 1.");
        }

        var logger = MiddlewareServices.CreateLogger(builder, LoggerCategory);
        var metrics = WeirMetrics.FromServices(builder.ApplicationServices);
        return builder.Use(next => new ConnectionLimitMiddleware(next, maxConnections, logger, metrics).OnConnectionAsync);
    }
}
