using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Weir;

/// <summary>
/// Configures and builds a <see cref="Server"/>: which endpoints it listens on, through which transports, and
/// the connection pipeline (middleware, then a handler) of each.
/// </summary>
/// <example>
/// <code>
/// var server = new ServerBuilder(services)
///     .UseSockets(s => s
///         .ListenLocalhost(5000, c => c.UseConnectionLogging().UseConnectionHandler&lt;EchoHandler&gt;())
///         .ListenUnixSocket("/tmp/echo.sock", c => c.UseConnectionHandler&lt;EchoHandler&gt;()))
///     .Build();
/// await server.StartAsync();
/// </code>
/// <c>UseSockets</c> is Weir's socket transport, owned by the server; <c>UseTransport(transport, ...)</c> takes any
/// other <see cref="IConnectionListenerFactory"/> (the in-memory transport, Kestrel's) and leaves it to its owner.
/// </example>
public sealed class ServerBuilder
{
    private readonly List<ListenerDefinition> _listeners = [];
    private readonly List<object> _ownedTransports = [];

    /// <summary>Creates a builder with no services: handlers are constructed directly, nothing is logged or measured.</summary>
    public ServerBuilder()
        : this(EmptyServiceProvider.Instance)
    {
    }

    /// <summary>Creates a builder whose handlers, logger factory and meter factory come from <paramref name="services"/>.</summary>
    public ServerBuilder(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        ApplicationServices = services;
    }

    /// <summary>Gets the services that handlers are resolved from.</summary>
    public IServiceProvider ApplicationServices { get; }

    /// <summary>Adds a listener on <paramref name="endpoint"/> through <paramref name="transport"/>.</summary>
    /// <param name="endpoint">Where to listen; an <see cref="IPEndPoint"/> with port 0 gets a free port at start.</param>
    /// <param name="transport">The transport that binds the endpoint.</param>
    /// <param name="configure">Builds the connection pipeline: middleware, then a handler. Runs at <see cref="Build"/>.</param>
    public ServerBuilder Listen(EndPoint endpoint, IConnectionListenerFactory transport, Action<IConnectionBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(configure);
        _listeners.Add(new ListenerDefinition(endpoint, transport, configure));
        return this;
    }

    /// <summary>Adds listeners on <paramref name="transport"/>: <paramref name="configure"/> names their endpoints and pipelines.</summary>
    /// <remarks>The caller keeps ownership of <paramref name="transport"/>: the server does not dispose it.</remarks>
    public ServerBuilder UseTransport(IConnectionListenerFactory transport, Action<TransportListenBuilder> configure) =>
        UseTransport(transport, configure, ownsTransport: false);

    /// <summary>
    /// Adds listeners on <paramref name="transport"/>; with <paramref name="ownsTransport"/>, the server disposes the
    /// transport (if it is disposable) once it has stopped. For extensions that make the transport themselves.
    /// </summary>
    internal ServerBuilder UseTransport(IConnectionListenerFactory transport, Action<TransportListenBuilder> configure, bool ownsTransport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(configure);
        if (ownsTransport && transport is IAsyncDisposable or IDisposable)
        {
            _ownedTransports.Add(transport);
        }

        try
        {
            configure(new TransportListenBuilder(this, transport));
        }
        catch
        {
            ReleaseOwnedTransports();
            throw;
        }

        return this;
    }

    /// <summary>Builds every listener's pipeline and the server. Nothing is bound until <see cref="Server.StartAsync"/>.</summary>
    /// <exception cref="InvalidOperationException">
    /// No listener is configured, two listeners share an endpoint, a pipeline is empty, or configuring a pipeline
    /// failed (for example a handler whose services are missing). The message names the endpoint.
    /// </exception>
    public Server Build()
    {
        try
        {
            return BuildCore();
        }
        catch
        {
            // The server that would have disposed them does not exist.
            ReleaseOwnedTransports();
            throw;
        }
    }

    private Server BuildCore()
    {
        if (_listeners.Count == 0)
        {
            throw new InvalidOperationException(
                "The server has no listener: add one with UseSockets(...), UseTransport(transport, ...) or Listen(endpoint, transport, ...) before Build().");
        }

        var seen = new HashSet<EndPoint>();
        foreach (var listener in _listeners)
        {
            if (!IsEphemeral(listener.EndPoint) && !seen.Add(listener.EndPoint))
            {
                throw new InvalidOperationException(
                    $"The endpoint {listener.EndPoint} has more than one listener: listen on each endpoint once.");
            }
        }

        var built = new List<(EndPoint, IConnectionListenerFactory, ConnectionDelegate)>(_listeners.Count);
        foreach (var listener in _listeners)
        {
            var pipeline = new ServerConnectionBuilder(ApplicationServices, listener.EndPoint);
            try
            {
                listener.Configure(pipeline);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException(
                    $"Configuring the connection pipeline of the listener on {listener.EndPoint} failed: {ex.Message}", ex);
            }

            if (pipeline.Count == 0)
            {
                throw new InvalidOperationException(
                    $"The connection pipeline of the listener on {listener.EndPoint} is empty: add a handler with UseConnectionHandler<THandler>() or Run(...).");
            }

            built.Add((listener.EndPoint, listener.Transport, pipeline.Build()));
        }

        return new Server(ApplicationServices, built, [.. _ownedTransports]);
    }

    private void ReleaseOwnedTransports()
    {
        foreach (var transport in _ownedTransports)
        {
            if (transport is IDisposable disposable)
            {
                disposable.Dispose();
            }
            else
            {
                ((IAsyncDisposable)transport).DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }

        _ownedTransports.Clear();
    }

    private static bool IsEphemeral(EndPoint endPoint) => endPoint is IPEndPoint { Port: 0 };
}
