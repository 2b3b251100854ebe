using System.Buffers;
using Weir.Protocols;
using Weir.Protocols.Framing;
using Weir.Reliability.Tests.Infrastructure;

namespace Weir.Reliability.Tests.Fuzzing;

public sealed class FramerFuzzTests
{
    public static TheoryData<string> Framers => ["u32be", "u16le-with-header", "u8", "lf", "crlfcrlf", "long-delimiter"];

    [Theory]
    [MemberData(nameof(Framers))]
    public async Task MutatedInputsEndInFramesOrAProtocolExceptionAndNeverReadPastTheInput(string name)
    {
        var count = LongRun.Size($"fuzz inputs for the {name} framer", ci: 10_000, full: 1_000_000);
        var (reader, writer, largest) = Create(name);
        var random = new Random(name.Length * 7919);
        var mutator = new Mutator(random, Corpus(writer, largest, random));
        for (var i = 0; i < count; i++)
        {
            await FuzzHarness.RunAsync(() => reader, mutator.Next(), random, static frame => [frame]);
        }
    }

    [Theory]
    [MemberData(nameof(Framers))]
    public void ValidFramesSplitAnywhereComeBackWhole(string name)
    {
        var (reader, writer, largest) = Create(name);
        var random = new Random(name.Length);
        for (var round = 0; round < 500; round++)
        {
            var payloads = Enumerable.Range(0, random.Next(1, 5)).Select(_ => Payload(random, largest, name)).ToArray();
            var encoded = new ArrayBufferWriter<byte>();
            foreach (var payload in payloads)
            {
                writer.WriteMessage(payload, encoded);
            }

            var remaining = Segment.Split(encoded.WrittenSpan, random);
            foreach (var payload in payloads)
            {
                var consumed = remaining.Start;
                var examined = remaining.End;
                Assert.True(reader.TryParseMessage(remaining, ref consumed, ref examined, out var frame));
                Assert.Equal(payload, frame.ToArray());
                remaining = remaining.Slice(consumed);
            }

            Assert.True(remaining.IsEmpty);
        }
    }

    private static (IMessageReader<ReadOnlySequence<byte>> Reader, IMessageWriter<ReadOnlyMemory<byte>> Writer, int Largest) Create(string name)
    {
        switch (name)
        {
            case "u32be":
                var u32 = new LengthPrefixedFraming { MaximumFrameSize = 300 };
                return (new LengthPrefixedFrameReader(u32), new LengthPrefixedFrameWriter(u32), 300);
            case "u16le-with-header":
                var u16 = new LengthPrefixedFraming { HeaderSize = 2, ByteOrder = ByteOrder.LittleEndian, LengthIncludesHeader = true, MaximumFrameSize = 200 };
                return (new LengthPrefixedFrameReader(u16), new LengthPrefixedFrameWriter(u16), 200);
            case "u8":
                var u8 = new LengthPrefixedFraming { HeaderSize = 1, MaximumFrameSize = 100 };
                return (new LengthPrefixedFrameReader(u8), new LengthPrefixedFrameWriter(u8), 100);
            default:
                var delimiter = name switch
                {
                    "lf" => "\n"u8.ToArray(),
                    "crlfcrlf" => "\r\n\r\n"u8.ToArray(),
                    _ => "--weir-boundary--"u8.ToArray(),
                };
                var delimited = new DelimitedFraming(delimiter) { MaximumFrameSize = 200 };
                return (new DelimitedFrameReader(delimited), new DelimitedFrameWriter(delimited), 200);
        }
    }

    private static List<byte[]> Corpus(IMessageWriter<ReadOnlyMemory<byte>> writer, int largest, Random random)
    {
        var corpus = new List<byte[]>();
        for (var i = 0; i < 64; i++)
        {
            var encoded = new ArrayBufferWriter<byte>();
            for (var frames = random.Next(1, 4); frames > 0; frames--)
            {
                writer.WriteMessage(Payload(random, largest, "printable"), encoded);
            }

            corpus.Add(encoded.WrittenSpan.ToArray());
        }

        return corpus;
    }

    private static byte[] Payload(Random random, int largest, string framer)
    {
        // Delimited payloads are text without the delimiter's bytes; length-prefixed ones can be anything.
        var payload = new byte[random.Next(0, largest + 1)];
        random.NextBytes(payload);
        if (framer is "lf" or "crlfcrlf" or "long-delimiter" or "printable")
        {
            for (var i = 0; i < payload.Length; i++)
            {
                payload[i] = (byte)('a' + (payload[i] % 26));
            }
        }

        return payload;
    }
}
