using System.Buffers;

namespace Weir.Middleware.ProxyProtocol;

/// <summary>
/// Tells a PROXY header from other data by its signature, then hands it to the parser of its version. Every
/// method is pure over the bytes received so far, so a header split anywhere across reads parses the same.
/// </summary>
internal static class ProxyHeaderParser
{
    public static ReadOnlySpan<byte> V1Signature => "PROXY "u8;

    public static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public static ProxyParseResult Parse(ReadOnlySequence<byte> buffer)
    {
        Span<byte> prefix = stackalloc byte[12];
        var length = (int)Math.Min(buffer.Length, prefix.Length);
        prefix = prefix[..length];
        buffer.Slice(0, length).CopyTo(prefix);

        if (V2Signature.StartsWith(prefix))
        {
            return length == V2Signature.Length ? ProxyHeaderV2Parser.Parse(buffer) : ProxyParseResult.NeedMoreData;
        }

        if (prefix.Length < V1Signature.Length)
        {
            return V1Signature.StartsWith(prefix) ? ProxyParseResult.NeedMoreData : ProxyParseResult.NotProxyProtocol;
        }

        return prefix.StartsWith(V1Signature) ? ProxyHeaderV1Parser.Parse(buffer) : ProxyParseResult.NotProxyProtocol;
    }
}
