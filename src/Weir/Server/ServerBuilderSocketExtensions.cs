using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Weir.Sockets;

namespace Weir;

/// <summary>Listens through Weir's socket transport, made for the server and disposed with it.</summary>
public static class ServerBuilderSocketExtensions
{
    /// <summary>
    /// Adds listeners on a new <see cref="SocketTransport"/> with the default options: <paramref name="configure"/>
    /// names their endpoints (TCP over IPv4 or IPv6, Unix domain sockets) and pipelines.
    /// </summary>
    /// <remarks>The server owns the transport: it is disposed once the server has stopped.</remarks>
    /// <example>
    /// <code>
    /// var server = new ServerBuilder(services)
    ///     .UseSockets(s => s.ListenLocalhost(5000, c => c
    ///         .UseConnectionLogging()
    ///         .UseConnectionHandler&lt;EchoHandler&gt;()))
    ///     .Build();
    /// await server.StartAsync();
    /// </code>
    /// </example>
    public static ServerBuilder UseSockets(this ServerBuilder builder, Action<TransportListenBuilder> configure) =>
        builder.UseSockets(static _ => { }, configure);

    /// <summary>
    /// Adds listeners on a new <see cref="SocketTransport"/> whose options <paramref name="options"/> sets:
    /// <paramref name="configure"/> names their endpoints and pipelines.
    /// </summary>
    /// <remarks>The server owns the transport: it is disposed once the server has stopped. The transport logs
    /// through the builder's <see cref="ILoggerFactory"/>, if it has one.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public static ServerBuilder UseSockets(this ServerBuilder builder, Action<SocketTransportOptions> options, Action<TransportListenBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configure);
        var settings = new SocketTransportOptions();
        options(settings);
        var transport = new SocketTransport(settings, builder.ApplicationServices.GetService<ILoggerFactory>());
        return builder.UseTransport(transport, configure, ownsTransport: true);
    }
}
