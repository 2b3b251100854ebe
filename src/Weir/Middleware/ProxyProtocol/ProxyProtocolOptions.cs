using System.Net;

namespace Weir.Middleware.ProxyProtocol;

/// <summary>Options of the PROXY protocol middleware (<c>UseProxyProtocol</c>).</summary>
public sealed class ProxyProtocolOptions
{
    /// <summary>Gets or sets whether every connection must start with a PROXY header.</summary>
    /// <remarks>
    /// Defaults to <see langword="true"/>: a connection without a header is closed. When <see langword="false"/>, a
    /// connection whose first bytes are not a PROXY signature passes through untouched; this suits protocols where
    /// the client speaks first, since the middleware waits for the first bytes to decide.
    /// </remarks>
    public bool Required { get; set; } = true;

    /// <summary>Gets the addresses of proxies allowed to send a header.</summary>
    /// <remarks>Defaults to empty. IPv4-mapped IPv6 peers are compared as IPv4.</remarks>
    public IList<IPAddress> TrustedProxies { get; } = [];

    /// <summary>Gets the networks whose hosts are allowed to send a header.</summary>
    /// <remarks>
    /// Defaults to the loopback networks <c>127.0.0.0/8</c> and <c>::1/128</c>; add your load balancer's network.
    /// A peer in neither list is closed when <see cref="Required"/>, and passed through with no header read when not.
    /// Trusting a network lets any host in it claim any client address, so keep it to your proxies. Peers without an
    /// IP address (Unix domain sockets, in-memory connections) are local by construction and always trusted.
    /// </remarks>
    public IList<IPNetwork> TrustedNetworks { get; } = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];

    /// <summary>Gets or sets how long a connection may take to deliver its complete header.</summary>
    /// <remarks>Defaults to 5 seconds. A connection still without a complete header then is closed as a timeout.</remarks>
    public TimeSpan HeaderTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
