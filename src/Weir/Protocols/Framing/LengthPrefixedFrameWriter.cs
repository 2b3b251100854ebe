using System.Buffers;
using System.Buffers.Binary;

namespace Weir.Protocols.Framing;

/// <summary>Writes payloads as length-prefixed frames, the counterpart of <see cref="LengthPrefixedFrameReader"/>.</summary>
public sealed class LengthPrefixedFrameWriter : IMessageWriter<ReadOnlySequence<byte>>, IMessageWriter<ReadOnlyMemory<byte>>
{
    private readonly int _headerSize;
    private readonly bool _bigEndian;
    private readonly bool _lengthIncludesHeader;
    private readonly long _maximumFrameSize;

    /// <summary>Initializes a new instance for frames shaped by <paramref name="framing"/>.</summary>
    /// <param name="framing">The frame shape.</param>
    public LengthPrefixedFrameWriter(LengthPrefixedFraming framing)
    {
        ArgumentNullException.ThrowIfNull(framing);
        framing.Validate();
        _headerSize = framing.HeaderSize;
        _bigEndian = framing.ByteOrder == ByteOrder.BigEndian;
        _lengthIncludesHeader = framing.LengthIncludesHeader;
        _maximumFrameSize = Math.Min(framing.MaximumFrameSize, framing.LargestEncodablePayload);
    }

    /// <inheritdoc />
    /// <exception cref="ProtocolException">The payload is larger than the maximum frame size, or than the header can describe.</exception>
    public void WriteMessage(ReadOnlySequence<byte> message, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        WriteHeader(message.Length, output);
        foreach (var segment in message)
        {
            output.Write(segment.Span);
        }
    }

    /// <inheritdoc />
    /// <exception cref="ProtocolException">The payload is larger than the maximum frame size, or than the header can describe.</exception>
    public void WriteMessage(ReadOnlyMemory<byte> message, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        WriteHeader(message.Length, output);
        output.Write(message.Span);
    }

    private void WriteHeader(long payloadLength, IBufferWriter<byte> output)
    {
        if (payloadLength > _maximumFrameSize)
        {
            throw new ProtocolException(
                $"The payload of {payloadLength} bytes is larger than the maximum frame size of {_maximumFrameSize} bytes.");
        }

        var length = (uint)payloadLength + (uint)(_lengthIncludesHeader ? _headerSize : 0);
        var header = output.GetSpan(_headerSize);
        switch (_headerSize)
        {
            case 1:
                header[0] = (byte)length;
                break;
            case 2 when _bigEndian:
                BinaryPrimitives.WriteUInt16BigEndian(header, (ushort)length);
                break;
            case 2:
                BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)length);
                break;
            case 4 when _bigEndian:
                BinaryPrimitives.WriteUInt32BigEndian(header, length);
                break;
            default:
                BinaryPrimitives.WriteUInt32LittleEndian(header, length);
                break;
        }

        output.Advance(_headerSize);
    }
}
