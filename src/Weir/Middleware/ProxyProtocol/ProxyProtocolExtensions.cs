using Microsoft.AspNetCore.Connections;
using Weir.Diagnostics;

namespace Weir.Middleware.ProxyProtocol;

/// <summary>Adds PROXY protocol (v1 and v2) support to a connection pipeline.</summary>
public static class ProxyProtocolExtensions
{
    private const string LoggerCategory = "Weir.Middleware.ProxyProtocol.ProxyProtocol";

    /// <summary>
    /// Reads a PROXY protocol header (v1 text or v2 binary) at the start of each connection, sets the connection's
    /// <c>RemoteEndPoint</c> and <c>LocalEndPoint</c> to the original client's and destination, and sets an
    /// <see cref="IProxyProtocolFeature"/> with the header's TLVs. The bytes after the header reach the rest of the
    /// pipeline untouched. A malformed, truncated or untrusted header closes the connection, reported as
    /// <see cref="ConnectionCloseReason.ProtocolError"/> (or <see cref="ConnectionCloseReason.Timeout"/>) and logged.
    /// </summary>
    /// <remarks>Place it first, so that logging, limits and TLS see the client's endpoints and the header is not fed to TLS.</remarks>
    /// <param name="builder">The pipeline.</param>
    /// <param name="options">The options; see <see cref="ProxyProtocolOptions"/> for defaults.</param>
    /// <param name="timeProvider">The clock for the header timeout. Defaults to <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="ProxyProtocolOptions.HeaderTimeout"/> is zero or negative.</exception>
    public static IConnectionBuilder UseProxyProtocol(this IConnectionBuilder builder, ProxyProtocolOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        if (options.HeaderTimeout <= TimeSpan.Zero && options.HeaderTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), options.HeaderTimeout, "UseProxyProtocol: ProxyProtocolOptions.HeaderTimeout must be positive (or infinite).");
        }

        var logger = MiddlewareServices.CreateLogger(builder, LoggerCategory);
        var time = timeProvider ?? TimeProvider.System;
        return builder.Use(next => new ProxyProtocolMiddleware(next, options, time, logger).OnConnectionAsync);
    }

    /// <summary>Reads PROXY protocol headers with the default <see cref="ProxyProtocolOptions"/>, changed by <paramref name="configure"/>.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="configure">Changes the defaults, if given.</param>
    public static IConnectionBuilder UseProxyProtocol(this IConnectionBuilder builder, Action<ProxyProtocolOptions>? configure = null)
    {
        var options = new ProxyProtocolOptions();
        configure?.Invoke(options);
        return builder.UseProxyProtocol(options);
    }
}
