using System.Buffers;
using System.Buffers.Binary;
using Weir.Protocols;
using Weir.Protocols.Framing;

namespace LengthPrefixedRpc;

/// <summary>Reads and writes <see cref="RpcResponse"/>s in length-prefixed frames.</summary>
public sealed class RpcResponseCodec : IMessageReader<RpcResponse>, IMessageWriter<RpcResponse>
{
    private const int Header = 5;
    private const int LengthHeader = 4;

    private readonly LengthPrefixedFrameReader _frames = new(RpcFraming.Frames);

    /// <inheritdoc />
    public bool TryParseMessage(in ReadOnlySequence<byte> input, ref SequencePosition consumed, ref SequencePosition examined, out RpcResponse message)
    {
        message = default;
        if (!_frames.TryParseMessage(input, ref consumed, ref examined, out var payload))
        {
            return false;
        }

        if (payload.Length < Header)
        {
            throw new ProtocolException($"A response of {payload.Length} bytes is shorter than its {Header}-byte header.");
        }

        Span<byte> header = stackalloc byte[Header];
        payload.Slice(0, Header).CopyTo(header);
        message = new RpcResponse(BinaryPrimitives.ReadUInt32BigEndian(header), (RpcStatus)header[4], payload.Slice(Header));
        return true;
    }

    /// <inheritdoc />
    public void WriteMessage(RpcResponse message, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var payloadLength = Header + message.Body.Length;
        if (payloadLength > RpcFraming.Frames.MaximumFrameSize)
        {
            throw new ProtocolException($"A response of {payloadLength} bytes is larger than the maximum frame size.");
        }

        // Written in place, header and all: no intermediate copy of the body.
        var span = output.GetSpan(LengthHeader + Header);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)payloadLength);
        BinaryPrimitives.WriteUInt32BigEndian(span[LengthHeader..], message.Id);
        span[LengthHeader + 4] = (byte)message.Status;
        output.Advance(LengthHeader + Header);
        foreach (var segment in message.Body)
        {
            output.Write(segment.Span);
        }
    }
}
