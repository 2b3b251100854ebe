using System.Net;

namespace Weir.Middleware.ProxyProtocol;

/// <summary>
/// The PROXY header a connection started with. Present only on connections that sent one; the connection's
/// <c>RemoteEndPoint</c> and <c>LocalEndPoint</c> already carry <see cref="SourceEndPoint"/> and
/// <see cref="DestinationEndPoint"/> when the header had them.
/// </summary>
public interface IProxyProtocolFeature
{
    /// <summary>Gets the protocol version: 1 (text) or 2 (binary).</summary>
    int Version { get; }

    /// <summary>Gets whether the connection was relayed for a client or opened by the proxy itself.</summary>
    ProxyProtocolCommand Command { get; }

    /// <summary>Gets the original client's endpoint, or <see langword="null"/> for LOCAL, UNKNOWN and UNSPEC headers.</summary>
    EndPoint? SourceEndPoint { get; }

    /// <summary>Gets the endpoint the client connected to, or <see langword="null"/> when the header had none.</summary>
    EndPoint? DestinationEndPoint { get; }

    /// <summary>Gets the proxy's own endpoint: the connection's remote endpoint before the header replaced it.</summary>
    EndPoint? ProxyEndPoint { get; }

    /// <summary>Gets the ALPN TLV's value (e.g. <c>h2</c>), or empty.</summary>
    ReadOnlyMemory<byte> ApplicationProtocol { get; }

    /// <summary>Gets the authority TLV (the host name the client asked for), or <see langword="null"/>.</summary>
    string? Authority { get; }

    /// <summary>Gets the unique-id TLV's value, or empty.</summary>
    ReadOnlyMemory<byte> UniqueId { get; }

    /// <summary>Gets every TLV of a v2 header in the order sent, the ones above included; empty for v1.</summary>
    IReadOnlyList<ProxyProtocolTlv> Tlvs { get; }
}
