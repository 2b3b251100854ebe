using System.Buffers;
using System.Buffers.Binary;

namespace Weir.Protocols.Framing;

/// <summary>
/// Reads length-prefixed frames. Each message is the frame's payload, a slice of the input: nothing is copied.
/// </summary>
public sealed class LengthPrefixedFrameReader : IMessageReader<ReadOnlySequence<byte>>
{
    private readonly int _headerSize;
    private readonly bool _bigEndian;
    private readonly bool _lengthIncludesHeader;
    private readonly int _maximumFrameSize;

    /// <summary>Initializes a new instance for frames shaped by <paramref name="framing"/>.</summary>
    /// <param name="framing">The frame shape.</param>
    public LengthPrefixedFrameReader(LengthPrefixedFraming framing)
    {
        ArgumentNullException.ThrowIfNull(framing);
        framing.Validate();
        _headerSize = framing.HeaderSize;
        _bigEndian = framing.ByteOrder == ByteOrder.BigEndian;
        _lengthIncludesHeader = framing.LengthIncludesHeader;
        _maximumFrameSize = framing.MaximumFrameSize;
    }

    /// <inheritdoc />
    public bool TryParseMessage(
        in ReadOnlySequence<byte> input,
        ref SequencePosition consumed,
        ref SequencePosition examined,
        out ReadOnlySequence<byte> message)
    {
        if (input.Length < _headerSize)
        {
            message = default;
            return false;
        }

        Span<byte> header = stackalloc byte[4];
        header = header[.._headerSize];
        input.Slice(0, _headerSize).CopyTo(header);

        var length = ReadLength(header);
        if (_lengthIncludesHeader)
        {
            if (length < _headerSize)
            {
                throw new ProtocolException(
                    $"Malformed frame header: the length {length} is smaller than the {_headerSize}-byte header it counts.");
            }

            length -= _headerSize;
        }

        if (length > _maximumFrameSize)
        {
            throw new ProtocolException(
                $"The frame's payload of {length} bytes is larger than the maximum frame size of {_maximumFrameSize} bytes.");
        }

        if (input.Length - _headerSize < length)
        {
            message = default;
            return false;
        }

        message = input.Slice(_headerSize, length);
        consumed = message.End;
        examined = consumed;
        return true;
    }

    private long ReadLength(ReadOnlySpan<byte> header) =>
        _headerSize switch
        {
            1 => header[0],
            2 => _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(header) : BinaryPrimitives.ReadUInt16LittleEndian(header),
            _ => _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(header) : BinaryPrimitives.ReadUInt32LittleEndian(header),
        };
}
