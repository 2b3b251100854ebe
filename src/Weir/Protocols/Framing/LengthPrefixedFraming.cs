namespace Weir.Protocols.Framing;

/// <summary>
/// The shape of a length-prefixed frame: a 1, 2 or 4-byte unsigned length header followed by the payload.
/// The same instance describes both sides, for <see cref="LengthPrefixedFrameReader"/> and <see cref="LengthPrefixedFrameWriter"/>.
/// </summary>
public sealed class LengthPrefixedFraming
{
    /// <summary>Gets the size of the length header in bytes: 1, 2 or 4.</summary>
    /// <remarks>Defaults to 4.</remarks>
    public int HeaderSize { get; init; } = 4;

    /// <summary>Gets the byte order of the length header.</summary>
    /// <remarks>Defaults to <see cref="ByteOrder.BigEndian"/>, network byte order.</remarks>
    public ByteOrder ByteOrder { get; init; } = ByteOrder.BigEndian;

    /// <summary>Gets a value indicating whether the length counts the header's own bytes as well as the payload.</summary>
    /// <remarks>Defaults to <see langword="false"/>: the length is the payload's alone.</remarks>
    public bool LengthIncludesHeader { get; init; }

    /// <summary>
    /// Gets the largest payload accepted, in bytes. A peer announcing a longer frame is refused as soon as its
    /// header arrives, before any of the payload is buffered.
    /// </summary>
    /// <remarks>Defaults to 1 MiB. A large limit lets one peer make the server buffer that much.</remarks>
    public int MaximumFrameSize { get; init; } = 1024 * 1024;

    /// <summary>Gets the largest payload the header can describe.</summary>
    internal long LargestEncodablePayload =>
        HeaderSize switch
        {
            1 => byte.MaxValue,
            2 => ushort.MaxValue,
            _ => uint.MaxValue,
        } - (LengthIncludesHeader ? HeaderSize : 0);

    internal void Validate()
    {
        if (HeaderSize is not (1 or 2 or 4))
        {
            throw new ArgumentOutOfRangeException(nameof(HeaderSize), HeaderSize, "The length header must be 1, 2 or 4 bytes.");
        }

        if (ByteOrder is not (ByteOrder.BigEndian or ByteOrder.LittleEndian))
        {
            throw new ArgumentOutOfRangeException(nameof(ByteOrder), ByteOrder, "The byte order must be big or little endian.");
        }

        if (MaximumFrameSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaximumFrameSize), MaximumFrameSize, "The maximum frame size must be positive.");
        }
    }
}
