using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Weir.Diagnostics;
using Weir.Middleware.Limits;
using Weir.Middleware.Timeouts;
using Weir.Sockets;

namespace Weir.Hosting;

/// <summary>
/// Runs a Weir <see cref="Weir.Server"/> for the generic host: builds it from <see cref="WeirServerOptions"/>
/// and the host's services at start, stops it gracefully when the host stops. The configured endpoints listen
/// through Weir's <see cref="SocketTransport"/> (with the host's <see cref="SocketTransportOptions"/>) unless
/// <see cref="WeirServerOptions.UseTransport"/> names another, and each gets <c>UseConnectionLimit</c> and
/// <c>UseIdleTimeout</c> (on the host's <see cref="TimeProvider"/>, if it registers one) from its
/// <see cref="WeirEndpointOptions.MaxConnections"/> and <see cref="WeirEndpointOptions.IdleTimeout"/>, ahead of its
/// own pipeline. Registered by
/// <see cref="WeirServiceCollectionExtensions.AddWeirServer(IServiceCollection, Action{WeirServerOptions})"/>.
/// </summary>
public sealed class WeirHostedService : IHostedService, IAsyncDisposable
{
    private readonly IServiceProvider _services;
    private readonly IOptions<WeirServerOptions> _options;
    private readonly ILogger _logger;

    /// <summary>Creates the service; the server is built at <see cref="StartAsync"/>.</summary>
    public WeirHostedService(IServiceProvider services, IOptions<WeirServerOptions> options, ILogger<WeirHostedService> logger)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _services = services;
        _options = options;
        _logger = logger;
    }

    /// <summary>Gets the running server, or <see langword="null"/> before the host started; its endpoints show the bound ports.</summary>
    public Server? Server { get; private set; }

    /// <summary>Validates the options, builds the server and starts it.</summary>
    /// <exception cref="OptionsValidationException">A setting is invalid; the message names it.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = _options.Value;
        var builder = new ServerBuilder(_services);
        if (options.Endpoints.Count > 0)
        {
            var (transport, owned) = options.Transport is { } configured
                ? (configured(_services), false)
                : (new SocketTransport(_services.GetService<IOptions<SocketTransportOptions>>()?.Value, _services.GetService<ILoggerFactory>()), true);
            var time = _services.GetService<TimeProvider>() ?? TimeProvider.System;
            builder.UseTransport(transport, t => ListenOnEndpoints(t, options, time), owned);
        }

        foreach (var configure in options.ServerCallbacks)
        {
            configure(builder);
        }

        var server = builder.Build();
        try
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Releases the transport the server owns; the host will not stop a service that never started.
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        Server = server;
        WeirLog.HostedServerStarted(_logger, server.EndPoints.Count);
    }

    /// <summary>Stops the server: connections get until the host's token or <see cref="WeirServerOptions.ShutdownTimeout"/>, whichever is first.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Server is not { } server)
        {
            return;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.Value.ShutdownTimeout);
        await server.StopAsync(deadline.Token).ConfigureAwait(false);
    }

    /// <summary>Stops the server at once if the host did not.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Server is { } server)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static void ListenOnEndpoints(TransportListenBuilder listen, WeirServerOptions options, TimeProvider time)
    {
        foreach (var (name, endpoint) in options.Endpoints)
        {
            var pipeline = options.Pipelines[name];
            listen.Listen(EndpointUrl.Parse(endpoint.Url), c =>
            {
                // The limit comes first, so a refused connection costs nothing more.
                if (endpoint.MaxConnections is { } maxConnections)
                {
                    c.UseConnectionLimit(maxConnections);
                }

                if (endpoint.IdleTimeout is { } idleTimeout)
                {
                    c.UseIdleTimeout(idleTimeout, time);
                }

                pipeline(c, endpoint);
            });
        }
    }
}
