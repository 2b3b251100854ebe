using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace Weir;

/// <summary>Adds listeners that share one transport; made by <see cref="ServerBuilder.UseTransport(IConnectionListenerFactory, Action{TransportListenBuilder})"/>.</summary>
public sealed class TransportListenBuilder
{
    private readonly ServerBuilder _server;

    internal TransportListenBuilder(ServerBuilder server, IConnectionListenerFactory transport)
    {
        _server = server;
        Transport = transport;
    }

    /// <summary>Gets the transport these listeners bind through.</summary>
    public IConnectionListenerFactory Transport { get; }

    /// <summary>Gets the services that handlers are resolved from.</summary>
    public IServiceProvider ApplicationServices => _server.ApplicationServices;

    /// <summary>Listens on <paramref name="endpoint"/>.</summary>
    /// <param name="endpoint">Where to listen.</param>
    /// <param name="configure">Builds the connection pipeline: middleware, then a handler.</param>
    public TransportListenBuilder Listen(EndPoint endpoint, Action<IConnectionBuilder> configure)
    {
        _server.Listen(endpoint, Transport, configure);
        return this;
    }

    /// <summary>Listens on <paramref name="address"/> and <paramref name="port"/> (0 for a free port, reported at start).</summary>
    public TransportListenBuilder Listen(IPAddress address, int port, Action<IConnectionBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        return Listen(new IPEndPoint(address, port), configure);
    }

    /// <summary>Listens on the IPv4 loopback address, 127.0.0.1. Add <c>Listen(IPAddress.IPv6Loopback, port, ...)</c> for ::1.</summary>
    public TransportListenBuilder ListenLocalhost(int port, Action<IConnectionBuilder> configure) =>
        Listen(IPAddress.Loopback, port, configure);

    /// <summary>
    /// Listens on every interface: on <see cref="IPAddress.IPv6Any"/> where the OS supports IPv6 (dual-mode
    /// transports accept IPv4 there too), else on <see cref="IPAddress.Any"/>.
    /// </summary>
    public TransportListenBuilder ListenAnyIP(int port, Action<IConnectionBuilder> configure) =>
        Listen(Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any, port, configure);

    /// <summary>Listens on a Unix domain socket at <paramref name="path"/>.</summary>
    public TransportListenBuilder ListenUnixSocket(string path, Action<IConnectionBuilder> configure)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Listen(new UnixDomainSocketEndPoint(path), configure);
    }
}
