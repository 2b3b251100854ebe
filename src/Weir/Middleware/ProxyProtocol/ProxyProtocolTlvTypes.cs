namespace Weir.Middleware.ProxyProtocol;

/// <summary>The registered PROXY v2 TLV types (section 2.2 of the specification).</summary>
public static class ProxyProtocolTlvTypes
{
    /// <summary>The application protocol the client negotiated (ALPN), e.g. <c>h2</c>.</summary>
    public const byte Alpn = 0x01;

    /// <summary>The host name the client asked for (SNI or Host), UTF-8.</summary>
    public const byte Authority = 0x02;

    /// <summary>A CRC-32C of the whole header; Weir checks it when present.</summary>
    public const byte Crc32C = 0x03;

    /// <summary>Padding, to be ignored.</summary>
    public const byte Noop = 0x04;

    /// <summary>An opaque connection identifier of at most 128 bytes.</summary>
    public const byte UniqueId = 0x05;

    /// <summary>TLS details of the client's connection to the proxy, with sub-TLVs.</summary>
    public const byte Ssl = 0x20;

    /// <summary>The network namespace the proxy accepted the connection in.</summary>
    public const byte NetNamespace = 0x30;
}
