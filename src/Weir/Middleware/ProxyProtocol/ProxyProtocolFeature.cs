using System.Net;

namespace Weir.Middleware.ProxyProtocol;

internal sealed class ProxyProtocolFeature : IProxyProtocolFeature
{
    public required int Version { get; init; }

    public required ProxyProtocolCommand Command { get; init; }

    public EndPoint? SourceEndPoint { get; init; }

    public EndPoint? DestinationEndPoint { get; init; }

    public EndPoint? ProxyEndPoint { get; set; }

    public ReadOnlyMemory<byte> ApplicationProtocol { get; init; }

    public string? Authority { get; init; }

    public ReadOnlyMemory<byte> UniqueId { get; init; }

    public IReadOnlyList<ProxyProtocolTlv> Tlvs { get; init; } = [];
}
