using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Weir.Sockets;

namespace Weir;

/// <summary>
/// Configures and builds a <see cref="Client"/>: the transport it connects through and the middleware each
/// new connection runs through (TLS, logging, ...). Middleware is added as on a server, through this
/// builder's <see cref="IConnectionBuilder"/> face, so the same extension methods work on both.
/// </summary>
/// <remarks>
/// A client connection is used by the caller of <see cref="Client.ConnectAsync"/>, not by a handler at the end of
/// the pipeline, so the pipeline runs like this:
/// <code>
///  ConnectAsync ──▶ transport.ConnectAsync ──▶ raw connection
///       │
///       ▼
///  middleware 1 ──▶ middleware 2 (e.g. TLS handshake, replaces Transport) ──▶ terminal
///       .                  .                                                    │ signals "ready", then waits
///       .                  .                                                    │ for the caller to dispose
///  ConnectAsync returns the connection as the terminal saw it ◀─────────────────┘
///       │ caller reads and writes Transport ...
///       ▼
///  DisposeAsync ──▶ terminal returns ──▶ middleware 2 unwinds (TLS close_notify)
///               ──▶ middleware 1 unwinds (logs the close) ──▶ raw connection disposed ──▶ DisposeAsync returns
/// </code>
/// If a middleware throws or returns before the terminal is reached (a failed handshake), <c>ConnectAsync</c>
/// throws and the raw connection is disposed.
/// </remarks>
public sealed class ClientBuilder : IConnectionBuilder
{
    private readonly List<Func<ConnectionDelegate, ConnectionDelegate>> _components = [];
    private IConnectionFactory? _transport;
    private SocketTransportOptions? _socketOptions;

    /// <summary>Creates a builder with no services: nothing is logged.</summary>
    public ClientBuilder()
        : this(EmptyServiceProvider.Instance)
    {
    }

    /// <summary>Creates a builder whose middleware and logging take their services from <paramref name="services"/>.</summary>
    public ClientBuilder(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        ApplicationServices = services;
    }

    /// <summary>Gets the services middleware is resolved from.</summary>
    public IServiceProvider ApplicationServices { get; }

    /// <summary>Connects through <paramref name="transport"/> (sockets, the in-memory transport, ...).</summary>
    /// <remarks>The caller keeps ownership of <paramref name="transport"/>: the client does not dispose it.</remarks>
    public ClientBuilder UseTransport(IConnectionFactory transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
        _socketOptions = null;
        return this;
    }

    /// <summary>
    /// Connects through Weir's <see cref="SocketTransport"/>, made at <see cref="Build"/> with the options that
    /// <paramref name="options"/> sets; the client owns it and disposes it with itself. A builder given no transport
    /// connects this way with the default options.
    /// </summary>
    public ClientBuilder UseSockets(Action<SocketTransportOptions>? options = null)
    {
        var settings = new SocketTransportOptions();
        options?.Invoke(settings);
        _transport = null;
        _socketOptions = settings;
        return this;
    }

    /// <summary>Adds a middleware; the first added sees the connection first.</summary>
    public ClientBuilder Use(Func<ConnectionDelegate, ConnectionDelegate> middleware)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        _components.Add(middleware);
        return this;
    }

    /// <summary>Adds middleware through <see cref="IConnectionBuilder"/> extension methods, keeping the chain on this builder.</summary>
    public ClientBuilder Configure(Action<IConnectionBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(this);
        return this;
    }

    /// <summary>Builds the client; without a transport set, it connects through Weir's sockets (see <see cref="UseSockets"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A socket transport option is out of range; the message names it.</exception>
    public Client Build()
    {
        if (_transport is { } transport)
        {
            return new Client(transport, ownedTransport: null, [.. _components], ApplicationServices);
        }

        var sockets = new SocketTransport(_socketOptions ?? new SocketTransportOptions(), ApplicationServices.GetService<ILoggerFactory>());
        return new Client(sockets, ownedTransport: sockets, [.. _components], ApplicationServices);
    }

    IConnectionBuilder IConnectionBuilder.Use(Func<ConnectionDelegate, ConnectionDelegate> middleware) => Use(middleware);

    /// <summary>Builds the middleware with a terminal that ends the connection at once; <see cref="Build"/> is what clients use.</summary>
    ConnectionDelegate IConnectionBuilder.Build() => Client.Compose(_components, static _ => Task.CompletedTask);
}
