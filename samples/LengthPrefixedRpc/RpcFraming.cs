using Weir.Protocols.Framing;

namespace LengthPrefixedRpc;

/// <summary>The frame both sides use: a 4-byte big-endian length of the payload, then the payload.</summary>
public static class RpcFraming
{
    /// <summary>Gets the frame shape, payloads up to 1 MiB.</summary>
    public static LengthPrefixedFraming Frames { get; } = new() { HeaderSize = 4, MaximumFrameSize = 1024 * 1024 };
}
