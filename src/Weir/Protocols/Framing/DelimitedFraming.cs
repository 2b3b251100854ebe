namespace Weir.Protocols.Framing;

/// <summary>
/// The shape of a delimited frame: a payload followed by a delimiter such as <c>\n</c> or <c>\r\n</c>.
/// The same instance describes both sides, for <see cref="DelimitedFrameReader"/> and <see cref="DelimitedFrameWriter"/>.
/// </summary>
public sealed class DelimitedFraming
{
    private readonly byte[] _delimiter;

    /// <summary>Initializes a new instance with the bytes that end every frame.</summary>
    /// <param name="delimiter">The delimiter; at least one byte.</param>
    public DelimitedFraming(ReadOnlySpan<byte> delimiter)
    {
        if (delimiter.IsEmpty)
        {
            throw new ArgumentException("The delimiter must have at least one byte.", nameof(delimiter));
        }

        _delimiter = delimiter.ToArray();
    }

    /// <summary>Gets frames ending in a line feed, <c>\n</c>.</summary>
    public static DelimitedFraming LineFeed => new("\n"u8);

    /// <summary>Gets frames ending in a carriage return and line feed, <c>\r\n</c>.</summary>
    public static DelimitedFraming CarriageReturnLineFeed => new("\r\n"u8);

    /// <summary>Gets the bytes that end every frame.</summary>
    public ReadOnlyMemory<byte> Delimiter => _delimiter;

    /// <summary>Gets the largest payload accepted, in bytes, delimiter not counted.</summary>
    /// <remarks>Defaults to 64 KiB. A peer that sends more without a delimiter is refused.</remarks>
    public int MaximumFrameSize { get; init; } = 64 * 1024;

    internal void Validate()
    {
        if (MaximumFrameSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaximumFrameSize), MaximumFrameSize, "The maximum frame size must be positive.");
        }
    }
}
