using Microsoft.AspNetCore.Connections;

namespace Weir.Hosting;

/// <summary>
/// A hosted Weir server: its endpoints and timeouts, bound from configuration (the <c>Weir</c> section by
/// convention), and, from code, the transport and each endpoint's pipeline.
/// </summary>
/// <example>
/// <code>
/// // appsettings.json
/// { "Weir": { "ShutdownTimeout": "00:00:10",
///             "Endpoints": { "Echo": { "Url": "tcp://127.0.0.1:5000", "MaxConnections": 1000, "IdleTimeout": "00:02:00" } } } }
///
/// builder.Services.AddWeirServer(builder.Configuration.GetSection("Weir"), weir => weir
///     .MapEndpoint("Echo", (c, endpoint) => c.UseConnectionHandler&lt;EchoHandler&gt;()));
/// </code>
/// </example>
public sealed class WeirServerOptions
{
    private readonly Dictionary<string, Action<IConnectionBuilder, WeirEndpointOptions>> _pipelines = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Action<ServerBuilder>> _serverCallbacks = [];
    private Func<IServiceProvider, IConnectionListenerFactory>? _transport;

    /// <summary>Gets or sets how long a stopping host lets connections finish before they are aborted.</summary>
    /// <remarks>Defaults to 30 seconds; the host's own shutdown timeout still applies. Must not be negative.</remarks>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets the configured endpoints by name; names are compared ignoring case.</summary>
    public IDictionary<string, WeirEndpointOptions> Endpoints { get; } =
        new Dictionary<string, WeirEndpointOptions>(StringComparer.OrdinalIgnoreCase);

    internal Func<IServiceProvider, IConnectionListenerFactory>? Transport => _transport;

    internal IReadOnlyDictionary<string, Action<IConnectionBuilder, WeirEndpointOptions>> Pipelines => _pipelines;

    internal IReadOnlyList<Action<ServerBuilder>> ServerCallbacks => _serverCallbacks;

    /// <summary>Sets the transport that the configured endpoints listen through, made from the host's services.</summary>
    /// <remarks>
    /// Defaults to Weir's socket transport with the host's <c>IOptions&lt;SocketTransportOptions&gt;</c>, made at
    /// start and disposed when the server stops. A transport set here is left to its owner.
    /// </remarks>
    public WeirServerOptions UseTransport(Func<IServiceProvider, IConnectionListenerFactory> transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
        return this;
    }

    /// <summary>Sets the pipeline of the endpoint configured as <c>Endpoints:&lt;name&gt;</c>; it receives that endpoint's options.</summary>
    public WeirServerOptions MapEndpoint(string name, Action<IConnectionBuilder, WeirEndpointOptions> configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        _pipelines[name] = configure;
        return this;
    }

    /// <summary>Configures the server directly, for listeners made in code rather than in configuration.</summary>
    public WeirServerOptions ConfigureServer(Action<ServerBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _serverCallbacks.Add(configure);
        return this;
    }
}
