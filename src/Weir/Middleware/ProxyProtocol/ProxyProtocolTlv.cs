namespace Weir.Middleware.ProxyProtocol;

/// <summary>One type-length-value field of a PROXY v2 header.</summary>
/// <param name="Type">The type byte; see <see cref="ProxyProtocolTlvTypes"/> for the registered ones.</param>
/// <param name="Value">The value, as the proxy sent it.</param>
public readonly record struct ProxyProtocolTlv(byte Type, ReadOnlyMemory<byte> Value);
