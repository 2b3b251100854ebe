using System.Buffers;
using RespServer;
using SharpFuzz;
using Weir.Protocols;
using Weir.Protocols.Framing;

namespace Weir.Fuzz;

/// <summary>
/// The fuzz targets: each parses one input to its end. A <see cref="ProtocolException"/> is the one allowed way
/// for bad input to end; any other exception is a crash that libFuzzer reports and minimises.
/// </summary>
internal static class FuzzTargets
{
    public static readonly IReadOnlyDictionary<string, ReadOnlySpanAction> All = new Dictionary<string, ReadOnlySpanAction>
    {
        ["length-prefixed"] = input => ParseAll(new LengthPrefixedFrameReader(new LengthPrefixedFraming { MaximumFrameSize = 4096 }), input),
        ["length-prefixed-u16le"] = input => ParseAll(
            new LengthPrefixedFrameReader(new LengthPrefixedFraming
            {
                HeaderSize = 2,
                ByteOrder = ByteOrder.LittleEndian,
                LengthIncludesHeader = true,
                MaximumFrameSize = 4096,
            }),
            input),
        ["delimited"] = input => ParseAll(new DelimitedFrameReader(new DelimitedFraming("\r\n"u8) { MaximumFrameSize = 4096 }), input),
        ["resp"] = input => ParseAll(new RespRequestReader(new RespLimits { MaximumBulkLength = 4096, MaximumInlineLength = 4096 }), input),
    };

    private static void ParseAll<T>(IMessageReader<T> reader, ReadOnlySpan<byte> input)
    {
        // Two segments, cut where the first byte says, so the multi-segment paths are fuzzed too.
        var cut = input.IsEmpty ? 0 : input[0] % (input.Length + 1);
        var first = new Segment(input[..cut].ToArray(), 0);
        var last = first.Append(input[cut..].ToArray());
        var remaining = new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        try
        {
            while (!remaining.IsEmpty)
            {
                var consumed = remaining.Start;
                var examined = remaining.End;
                if (!reader.TryParseMessage(remaining, ref consumed, ref examined, out _))
                {
                    return;
                }

                var before = remaining.Length;
                remaining = remaining.Slice(consumed);
                if (remaining.Length == before)
                {
                    throw new InvalidOperationException("A message was parsed without consuming any byte.");
                }
            }
        }
        catch (ProtocolException)
        {
            // Bad input, rejected as it should be.
        }
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes, long runningIndex)
        {
            Memory = bytes;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] bytes)
        {
            var next = new Segment(bytes, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
