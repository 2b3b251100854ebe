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

        // Without a delimiter so far, the payload is at least every byte that cannot start one.
        if (input.Length - (_delimiter.Length - 1) > _maximumFrameSize)
        {
            throw TooLarge();
        }

        message = default;
        return false;
    }

    private ProtocolException TooLarge() =>
        new($"No delimiter within the maximum frame size of {_maximumFrameSize} bytes.");
}
