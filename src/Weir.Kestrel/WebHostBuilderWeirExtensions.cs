using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Weir.Sockets;

namespace Microsoft.AspNetCore.Hosting;

/// <summary>Makes Weir's socket transport Kestrel's transport.</summary>
public static class WebHostBuilderWeirExtensions
{
    /// <summary>
    /// Serves Kestrel's TCP endpoints through Weir's <see cref="SocketTransport"/> instead of Kestrel's own
    /// socket transport. HTTP/3 (QUIC) and named pipes keep their own transports.
    /// </summary>
    /// <remarks>
    /// Requests run on the thread pool (<see cref="SocketTransportOptions.RunApplicationOnEventLoop"/> is off
    /// unless the overload taking options turns it on): ASP.NET Core code may block, and a blocked event loop
    /// stalls every connection it serves.
    /// </remarks>
    /// <param name="hostBuilder">The web host builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IWebHostBuilder UseWeirSockets(this IWebHostBuilder hostBuilder) =>
        hostBuilder.UseWeirSockets(static _ => { });

    /// <summary>
    /// Serves Kestrel's TCP endpoints through Weir's <see cref="SocketTransport"/>, configured by
    /// <paramref name="configureOptions"/>.
    /// </summary>
    /// <param name="hostBuilder">The web host builder.</param>
    /// <param name="configureOptions">Sets Weir's transport options (backlog, buffer limits, scheduling).</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IWebHostBuilder UseWeirSockets(this IWebHostBuilder hostBuilder, Action<SocketTransportOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(hostBuilder);
        ArgumentNullException.ThrowIfNull(configureOptions);

        return hostBuilder.ConfigureServices(services =>
        {
            // Kestrel asks its transports from the last registered back, so registering after UseKestrel
            // (which WebApplication.CreateBuilder has already called) puts Weir first; Kestrel's named-pipe
            // transport stays registered for the endpoints Weir does not bind.
            services.TryAddSingleton(static sp => new SocketTransport(
                sp.GetRequiredService<IOptions<SocketTransportOptions>>(), sp.GetRequiredService<ILoggerFactory>()));
            services.AddSingleton<IConnectionListenerFactory>(sp => sp.GetRequiredService<SocketTransport>());

            // Application code behind Kestrel may block (a synchronous wait on a task, a lock around a database
            // call); on an event loop that would stall, or deadlock, every connection of the loop. Requests run
            // on the thread pool, as on Kestrel's own transport, unless the caller turns this back on.
            services.Configure<SocketTransportOptions>(static options => options.RunApplicationOnEventLoop = false);
            services.Configure(configureOptions);
        });
    }
}
