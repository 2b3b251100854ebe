using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Weir.Protocols;
using Weir.Protocols.Framing;

namespace LengthPrefixedRpc;

/// <summary>Reads and writes <see cref="RpcRequest"/>s in length-prefixed frames.</summary>
public sealed class RpcRequestCodec : IMessageReader<RpcRequest>, IMessageWriter<RpcRequest>
{
    private const int FixedHeader = 5;
    private const int LengthHeader = 4;

    private readonly LengthPrefixedFrameReader _frames = new(RpcFraming.Frames);

    /// <inheritdoc />
    public bool TryParseMessage(in ReadOnlySequence<byte> input, ref SequencePosition consumed, ref SequencePosition examined, out RpcRequest message)
    {
        message = default;
        if (!_frames.TryParseMessage(input, ref consumed, ref examined, out var payload))
        {
            return false;
        }

        Span<byte> header = stackalloc byte[FixedHeader];
        if (payload.Length < FixedHeader)
        {
            throw new ProtocolException($"A request of {payload.Length} bytes is shorter than its {FixedHeader}-byte header.");
        }

        payload.Slice(0, FixedHeader).CopyTo(header);
        var methodLength = header[4];
        if (methodLength == 0 || payload.Length < FixedHeader + methodLength)
        {
            throw new ProtocolException($"A request's method name of {methodLength} bytes does not fit in it.");
        }

        var method = Encoding.ASCII.GetString(payload.Slice(FixedHeader, methodLength));
        message = new RpcRequest(BinaryPrimitives.ReadUInt32BigEndian(header), method, payload.Slice(FixedHeader + methodLength));
        return true;
    }

    /// <inheritdoc />
    public void WriteMessage(RpcRequest message, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(message.Method);
        var methodLength = message.Method.Length;
        if (methodLength is 0 or > byte.MaxValue || !Ascii.IsValid(message.Method))
        {
            throw new ArgumentException("A method name is 1 to 255 ASCII characters.", nameof(message));
        }

        var payloadLength = FixedHeader + methodLength + message.Body.Length;
        if (payloadLength > RpcFraming.Frames.MaximumFrameSize)
        {
            throw new ProtocolException($"A request of {payloadLength} bytes is larger than the maximum frame size.");
        }

        // Written in place, header and all: no intermediate copy of the body.
        var headerLength = LengthHeader + FixedHeader + methodLength;
        var span = output.GetSpan(headerLength);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)payloadLength);
        BinaryPrimitives.WriteUInt32BigEndian(span[LengthHeader..], message.Id);
        span[LengthHeader + 4] = (byte)methodLength;
        Encoding.ASCII.GetBytes(message.Method, span[(LengthHeader + FixedHeader)..]);
        output.Advance(headerLength);
        foreach (var segment in message.Body)
        {
            output.Write(segment.Span);
        }
    }
}
