using System.Buffers;

namespace Weir.Protocols.Framing;

/// <summary>
/// Reads delimited frames. Each message is the payload before the delimiter, a slice of the input: nothing is copied.
/// </summary>
public sealed class DelimitedFrameReader : IMessageReader<ReadOnlySequence<byte>>
{
    private readonly byte[] _delimiter;
    private readonly int _maximumFrameSize;

    /// <summary>Initializes a new instance for frames shaped by <paramref name="framing"/>.</summary>
    /// <param name="framing">The frame shape.</param>
    public DelimitedFrameReader(DelimitedFraming framing)
    {
        ArgumentNullException.ThrowIfNull(framing);
        framing.Validate();
        _delimiter = framing.Delimiter.ToArray();
        _maximumFrameSize = framing.MaximumFrameSize;
    }

    /// <inheritdoc />
    public bool TryParseMessage(
        in ReadOnlySequence<byte> input,
        ref SequencePosition consumed,
        ref SequencePosition examined,
        out ReadOnlySequence<byte> message)
    {
        var reader = new SequenceReader<byte>(input);
        if (reader.TryReadTo(out message, _delimiter, advancePastDelimiter: true))
        {
            if (message.Length > _maximumFrameSize)
            {
                throw TooLarge();
            }

            consumed = reader.Position;
            examined = consumed;
            return true;
        }

        // Without a delimiter so far, the payload is at least every byte that cannot be the start of one.
        if (input.Length > _maximumFrameSize
            && input.Length - PartialDelimiterAtEnd(input) > _maximumFrameSize)
        {
            throw TooLarge();
        }

        message = default;
        return false;
    }

    /// <summary>The length of the longest end of <paramref name="input"/> that begins the delimiter.</summary>
    private int PartialDelimiterAtEnd(in ReadOnlySequence<byte> input)
    {
        var longest = (int)Math.Min(_delimiter.Length - 1, input.Length);
        if (longest == 0)
        {
            return 0;
        }

        var end = longest <= 256 ? stackalloc byte[longest] : new byte[longest];
        input.Slice(input.Length - longest).CopyTo(end);
        for (var length = longest; length > 0; length--)
        {
            if (end[^length..].SequenceEqual(_delimiter.AsSpan(0, length)))
            {
                return length;
            }
        }

        return 0;
    }

    private ProtocolException TooLarge() =>
        new($"No delimiter within the maximum frame size of {_maximumFrameSize} bytes.");
}
