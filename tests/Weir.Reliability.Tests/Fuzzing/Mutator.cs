namespace Weir.Reliability.Tests.Fuzzing;

/// <summary>
/// A seeded mutational input generator: valid messages from a corpus, bent by bit flips, interesting bytes and
/// numbers, insertions, deletions, duplications, splices and truncations; now and then plain random bytes.
/// </summary>
internal sealed class Mutator(Random random, IReadOnlyList<byte[]> corpus)
{
    private static readonly byte[] InterestingBytes =
        [0, 1, 0x7F, 0x80, 0xFF, (byte)'\r', (byte)'\n', (byte)'*', (byte)'$', (byte)'+', (byte)'-', (byte)'0', (byte)'9', (byte)' '];

    private static readonly byte[][] InterestingTokens =
    [
        "-1"u8.ToArray(), "0"u8.ToArray(), "2147483647"u8.ToArray(), "2147483648"u8.ToArray(), "4294967295"u8.ToArray(),
        "9223372036854775807"u8.ToArray(), "99999999999999999999"u8.ToArray(), "\r\n"u8.ToArray(), "*-1\r\n"u8.ToArray(),
        "$-1\r\n"u8.ToArray(), [0xFF, 0xFF, 0xFF, 0xFF], [0x7F, 0xFF, 0xFF, 0xFF], [0, 0, 0, 0],
    ];

    public byte[] Next()
    {
        if (random.Next(10) == 0)
        {
            var noise = new byte[random.Next(0, 512)];
            random.NextBytes(noise);
            return noise;
        }

        var input = new List<byte>(Pick());
        var mutations = random.Next(1, 6);
        for (var i = 0; i < mutations; i++)
        {
            Mutate(input);
        }

        return [.. input];
    }

    private byte[] Pick() => corpus[random.Next(corpus.Count)];

    private void Mutate(List<byte> input)
    {
        var at = random.Next(input.Count + 1);
        switch (random.Next(8))
        {
            case 0 when input.Count > 0:
                input[at % input.Count] ^= (byte)(1 << random.Next(8));
                break;
            case 1 when input.Count > 0:
                input[at % input.Count] = InterestingBytes[random.Next(InterestingBytes.Length)];
                break;
            case 2:
                input.Insert(at, (byte)random.Next(256));
                break;
            case 3 when input.Count > 0:
                input.RemoveRange(at % input.Count, Math.Min(random.Next(1, 16), input.Count - (at % input.Count)));
                break;
            case 4 when input.Count > 0:
                var start = at % input.Count;
                input.InsertRange(start, input.GetRange(start, Math.Min(random.Next(1, 64), input.Count - start)));
                break;
            case 5:
                input.InsertRange(at, InterestingTokens[random.Next(InterestingTokens.Length)]);
                break;
            case 6:
                input.InsertRange(at, Pick());
                break;
            default:
                input.RemoveRange(at, input.Count - at);
                break;
        }
    }
}
