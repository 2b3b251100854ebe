using System.Buffers;
using System.Buffers.Text;
using Weir.Protocols;

namespace RespServer;

/// <summary>
/// Parses RESP2 requests: arrays of bulk strings (<c>*2\r\n$3\r\nGET\r\n$1\r\nk\r\n</c>), and inline commands
/// (<c>GET k\r\n</c>, split on spaces, without quoting). One instance per connection: it reuses its argument array.
/// </summary>
public sealed class RespRequestReader : IMessageReader<RespRequest>
{
    // "*" or "$", a length of at most 10 digits and CRLF: anything longer without a CRLF is not a header.
    private const int LongestHeaderLine = 16;

    private readonly RespLimits _limits;
    private ReadOnlySequence<byte>[] _arguments = new ReadOnlySequence<byte>[8];

    /// <summary>Initializes a new instance.</summary>
    /// <param name="limits">The bounds on one request.</param>
    public RespRequestReader(RespLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _limits = limits;
    }

    /// <inheritdoc />
    public bool TryParseMessage(
        in ReadOnlySequence<byte> input,
        ref SequencePosition consumed,
        ref SequencePosition examined,
        out RespRequest message)
    {
        var reader = new SequenceReader<byte>(input);
        var complete = reader.TryPeek(out var first) && first == (byte)'*'
            ? TryParseArray(ref reader, out message)
            : TryParseInline(ref reader, out message);
        if (complete)
        {
            consumed = reader.Position;
            examined = consumed;
        }

        return complete;
    }

    private bool TryParseArray(ref SequenceReader<byte> reader, out RespRequest message)
    {
        message = default;
        reader.Advance(1);
        if (!TryReadLength(ref reader, "invalid multibulk length", out var count))
        {
            return false;
        }

        if (count > _limits.MaximumArguments)
        {
            throw new ProtocolException("Protocol error: invalid multibulk length");
        }

        if (count <= 0)
        {
            message = new RespRequest(_arguments, 0);
            return true;
        }

        EnsureCapacity((int)count);
        for (var i = 0; i < count; i++)
        {
            if (!reader.TryRead(out var marker))
            {
                return false;
            }

            if (marker != (byte)'$')
            {
                throw new ProtocolException($"Protocol error: expected '$', got '{Printable(marker)}'");
            }

            if (!TryReadLength(ref reader, "invalid bulk length", out var length))
            {
                return false;
            }

            if (length < 0 || length > _limits.MaximumBulkLength)
            {
                throw new ProtocolException("Protocol error: invalid bulk length");
            }

            if (reader.Remaining < length + 2)
            {
                return false;
            }

            _arguments[i] = reader.UnreadSequence.Slice(0, length);
            reader.Advance(length);
            if (!reader.IsNext("\r\n"u8, advancePast: true))
            {
                throw new ProtocolException("Protocol error: a bulk string does not end with CRLF");
            }
        }

        message = new RespRequest(_arguments, (int)count);
        return true;
    }

    private bool TryParseInline(ref SequenceReader<byte> reader, out RespRequest message)
    {
        message = default;
        if (!reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
        {
            if (reader.Remaining > _limits.MaximumInlineLength)
            {
                throw new ProtocolException("Protocol error: too big inline request");
            }

            return false;
        }

        if (line.Length > _limits.MaximumInlineLength)
        {
            throw new ProtocolException("Protocol error: too big inline request");
        }

        var words = new SequenceReader<byte>(line);
        var count = 0;
        while (!words.End)
        {
            words.AdvancePastAny((byte)' ', (byte)'\t', (byte)'\r');
            if (words.End)
            {
                break;
            }

            var start = words.Position;
            if (!words.TryAdvanceToAny(" \t\r"u8, advancePastDelimiter: false))
            {
                words.AdvanceToEnd();
            }

            if (count == _limits.MaximumArguments)
            {
                throw new ProtocolException("Protocol error: too many arguments in an inline request");
            }

            EnsureCapacity(count + 1);
            _arguments[count++] = line.Slice(start, words.Position);
        }

        message = new RespRequest(_arguments, count);
        return true;
    }

    private static bool TryReadLength(ref SequenceReader<byte> reader, string error, out long value)
    {
        value = 0;
        if (!reader.TryReadTo(out ReadOnlySpan<byte> line, "\r\n"u8, advancePastDelimiter: true))
        {
            if (reader.Remaining > LongestHeaderLine)
            {
                throw new ProtocolException($"Protocol error: {error}");
            }

            return false;
        }

        if (line.Length > LongestHeaderLine || !Utf8Parser.TryParse(line, out value, out var used) || used != line.Length)
        {
            throw new ProtocolException($"Protocol error: {error}");
        }

        return true;
    }

    private void EnsureCapacity(int count)
    {
        if (_arguments.Length < count)
        {
            Array.Resize(ref _arguments, Math.Max(count, _arguments.Length * 2));
        }
    }

    private static char Printable(byte value) => value is >= 0x20 and < 0x7F ? (char)value : '?';
}
