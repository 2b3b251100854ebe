using System.Buffers;

namespace Weir.Protocols.Framing;

/// <summary>Writes payloads as delimited frames, the counterpart of <see cref="DelimitedFrameReader"/>.</summary>
public sealed class DelimitedFrameWriter : IMessageWriter<ReadOnlySequence<byte>>, IMessageWriter<ReadOnlyMemory<byte>>
{
    private readonly byte[] _delimiter;
    private readonly int _maximumFrameSize;

    /// <summary>Initializes a new instance for frames shaped by <paramref name="framing"/>.</summary>
    /// <param name="framing">The frame shape.</param>
    public DelimitedFrameWriter(DelimitedFraming framing)
    {
        ArgumentNullException.ThrowIfNull(framing);
        framing.Validate();
        _delimiter = framing.Delimiter.ToArray();
        _maximumFrameSize = framing.MaximumFrameSize;
    }

    /// <inheritdoc />
    /// <exception cref="ProtocolException">The payload is too large or holds the delimiter, so the peer would read it wrong.</exception>
    public void WriteMessage(ReadOnlySequence<byte> message, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (message.IsSingleSegment)
        {
            WriteMessage(message.First, output);
            return;
        }

        CheckSize(message.Length);
        var tail = message.Slice(Math.Max(0, message.Length - (_delimiter.Length - 1)));
        if (new SequenceReader<byte>(message).TryReadTo(out ReadOnlySequence<byte> _, _delimiter, advancePastDelimiter: false)
            || EndBleedsIntoDelimiter(tail.ToArray()))
        {
            throw HoldsDelimiter();
        }

        foreach (var segment in message)
        {
            output.Write(segment.Span);
        }

        output.Write(_delimiter);
    }

    /// <inheritdoc />
    /// <exception cref="ProtocolException">The payload is too large or holds the delimiter, so the peer would read it wrong.</exception>
    public void WriteMessage(ReadOnlyMemory<byte> message, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        CheckSize(message.Length);
        var span = message.Span;
        if (span.IndexOf(_delimiter) >= 0 || EndBleedsIntoDelimiter(span[Math.Max(0, span.Length - (_delimiter.Length - 1))..]))
        {
            throw HoldsDelimiter();
        }

        output.Write(message.Span);
        output.Write(_delimiter);
    }

    /// <summary>
    /// Whether the payload's last bytes and the delimiter together hold the delimiter earlier than where it
    /// was put (with <c>aa</c> as the delimiter, a payload ending in <c>a</c> would lose that byte to it).
    /// </summary>
    private bool EndBleedsIntoDelimiter(ReadOnlySpan<byte> tail)
    {
        if (tail.IsEmpty)
        {
            return false;
        }

        var joined = tail.Length + _delimiter.Length <= 256 ? stackalloc byte[tail.Length + _delimiter.Length] : new byte[tail.Length + _delimiter.Length];
        tail.CopyTo(joined);
        _delimiter.CopyTo(joined[tail.Length..]);
        return joined.IndexOf(_delimiter) < tail.Length;
    }

    private void CheckSize(long length)
    {
        if (length > _maximumFrameSize)
        {
            throw new ProtocolException(
                $"The payload of {length} bytes is larger than the maximum frame size of {_maximumFrameSize} bytes.");
        }
    }

    private static ProtocolException HoldsDelimiter() =>
        new("The payload holds the delimiter, so the peer would read it as more than one frame.");
}
