using System.Buffers;

namespace Weir.Reliability.Tests.Fuzzing;

/// <summary>
/// One piece of a multi-segment sequence, on an array of exactly its own length: a parser that reads past the
/// input meets an index out of range instead of a neighbour's bytes.
/// </summary>
internal sealed class Segment : ReadOnlySequenceSegment<byte>
{
    private Segment(byte[] bytes, long runningIndex)
    {
        Memory = bytes;
        RunningIndex = runningIndex;
    }

    /// <summary>Cuts <paramref name="input"/> into random pieces (some empty), each copied to its own array.</summary>
    public static ReadOnlySequence<byte> Split(ReadOnlySpan<byte> input, Random random)
    {
        var first = new Segment(input[..Take(input.Length, random)].ToArray(), 0);
        var last = first;
        var offset = first.Memory.Length;
        while (offset < input.Length)
        {
            var length = Take(input.Length - offset, random);
            var next = new Segment(input.Slice(offset, length).ToArray(), offset);
            last.Next = next;
            last = next;
            offset += length;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private static int Take(int left, Random random) => random.Next(4) switch
    {
        0 => left,
        1 => Math.Min(left, random.Next(0, 3)),
        _ => Math.Min(left, random.Next(0, 64)),
    };
}
