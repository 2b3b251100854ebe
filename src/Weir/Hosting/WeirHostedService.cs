using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Weir.Diagnostics;

namespace Weir.Hosting;

/// <summary>
/// Runs a Weir <see cref="Weir.Server"/> for the generic host: builds it from <see cref="WeirServerOptions"/>
/// and the host's services at start, stops it gracefully when the host stops. Registered by
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
            var transport = options.Transport!(_services);
            foreach (var (name, endpoint) in options.Endpoints)
            {
                var pipeline = options.Pipelines[name];
                builder.Listen(EndpointUrl.Parse(endpoint.Url), transport, c => pipeline(c, endpoint));
            }
        }

        foreach (var configure in options.ServerCallbacks)
        {
            configure(builder);
        }

        var server = builder.Build();
        await server.StartAsync(cancellationToken).ConfigureAwait(false);
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
}
