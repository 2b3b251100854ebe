using Weir.Protocols.Framing;

namespace LengthPrefixedRpc;

/// <summary>The frame both sides use: a 4-byte big-endian length of the payload, then the payload.</summary>
public static class RpcFraming
{
    /// <summary>
    /// Gets the frame shape, payloads up to 512 KiB: a whole frame must fit in the transport's read buffer
    /// (1 MiB by default) to ever be read.
    /// </summary>
    public static LengthPrefixedFraming Frames { get; } = new() { HeaderSize = 4, MaximumFrameSize = 512 * 1024 };
}
