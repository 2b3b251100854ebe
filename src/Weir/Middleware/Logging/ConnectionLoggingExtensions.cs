using Microsoft.AspNetCore.Connections;

namespace Weir.Middleware.Logging;

/// <summary>Adds connection logging to a connection pipeline.</summary>
public static class ConnectionLoggingExtensions
{
    private const string DefaultLoggerName = "Weir.Middleware.Logging.ConnectionLogging";

    /// <summary>
    /// Logs each connection's start (with its endpoints, event 200) and stop (with its duration and close reason,
    /// event 201, or the exception that ended it, event 202) at Information, and at Trace the bytes each way as hex
    /// and text (events 203 and 204).
    /// </summary>
    /// <remarks>
    /// The byte dump wraps the transport only when Trace is enabled for the logger when the connection starts, so
    /// it costs nothing otherwise. Middleware placed before this one (PROXY protocol, TLS) decides which endpoints
    /// and which bytes (raw or decrypted) are logged.
    /// </remarks>
    /// <param name="builder">The pipeline.</param>
    /// <param name="loggerName">The logger category. Defaults to <c>Weir.Middleware.Logging.ConnectionLogging</c>.</param>
    public static IConnectionBuilder UseConnectionLogging(this IConnectionBuilder builder, string? loggerName = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var logger = MiddlewareServices.CreateLogger(builder, loggerName ?? DefaultLoggerName);
        return builder.Use(next => new ConnectionLoggingMiddleware(next, logger).OnConnectionAsync);
    }
}
