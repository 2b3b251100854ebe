namespace Weir.Tests.Sockets;

/// <summary>The kinds of endpoint every transport semantics test runs on.</summary>
public enum EndpointKind
{
    IPv4,
    IPv6,
    Unix,
}
