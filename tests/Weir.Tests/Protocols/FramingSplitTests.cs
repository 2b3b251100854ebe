using System.IO.Pipelines;
using CsCheck;

namespace Weir.Tests.Protocols;

public sealed class FramingSplitTests
{
    private static readonly byte[][] Messages =
    [
        [], "a"u8.ToArray(), "hello"u8.ToArray(), Pattern(200), "xyz"u8.ToArray(), Pattern(17), [],
    ];

    [Theory]
    [MemberData(nameof(FramingCases.Names), MemberType = typeof(FramingCases))]
    public async Task AStreamSplitInTwoAtEveryByteReadsBackWhole(string framing)
    {
        var (reader, writer) = FramingCases.Create(framing);
        var stream = FramePipe.Encode(writer, Messages);

        for (var split = 0; split <= stream.Length; split++)
        {
            var read = await FramePipe.FeedInPiecesAsync(stream, [split], reader);
            Assert.Equal(Messages, read);
        }
    }

    [Theory]
    [MemberData(nameof(FramingCases.Names), MemberType = typeof(FramingCases))]
    public async Task AStreamFedByteByByteReadsBackWhole(string framing)
    {
        var (reader, writer) = FramingCases.Create(framing);
        var stream = FramePipe.Encode(writer, Messages);

        var read = await FramePipe.FeedInPiecesAsync(stream, Enumerable.Repeat(1, stream.Length), reader);

        Assert.Equal(Messages, read);
    }

    [Theory]
    [MemberData(nameof(FramingCases.Names), MemberType = typeof(FramingCases))]
    public async Task ManyMessagesInOnePieceAllReadBack(string framing)
    {
        var (reader, writer) = FramingCases.Create(framing);
        var messages = Enumerable.Range(0, 100).Select(i => Pattern(i % 40)).ToArray();
        var stream = FramePipe.Encode(writer, messages);

        var read = await FramePipe.FeedInPiecesAsync(stream, [stream.Length], reader);

        Assert.Equal(messages, read);
    }

    [Theory]
    [MemberData(nameof(FramingCases.Names), MemberType = typeof(FramingCases))]
    public async Task RandomMessagesInRandomPiecesRoundTrip(string framing)
    {
        var (reader, writer) = FramingCases.Create(framing);
        var payload = FramingCases.IsDelimited(framing)
            ? Gen.Byte[(byte)'a', (byte)'z'].Array[0, 64]
            : Gen.Byte.Array[0, FramingCases.LargestCommonPayload];
        var gen = Gen.Select(payload.Array[1, 60], Gen.Int[1, 300].Array[1, 40]);

        // 300 streams of up to 60 messages: several thousand messages per framing shape.
        await SeededSample.RunAsync(gen, seed: 20261125, iterations: 300, async sample =>
        {
            var (messages, pieces) = sample;
            var stream = FramePipe.Encode(writer, messages);
            var read = await FramePipe.FeedInPiecesAsync(stream, pieces, reader);
            Assert.Equal(messages, read);
        });
    }

    [Theory]
    [MemberData(nameof(FramingCases.Names), MemberType = typeof(FramingCases))]
    public async Task RandomMessagesThroughAConcurrentPipeRoundTrip(string framing)
    {
        var (reader, writer) = FramingCases.Create(framing);
        var payload = FramingCases.IsDelimited(framing)
            ? Gen.Byte[(byte)'0', (byte)'9'].Array[0, 100]
            : Gen.Byte.Array[0, FramingCases.LargestCommonPayload];
        var messages = payload.Array[2000].Generate(new PCG(1, 11), null!, out _);
        var stream = FramePipe.Encode(writer, messages);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1024, resumeWriterThreshold: 512, useSynchronizationContext: false));

        var reading = FramePipe.ReadAllAsync(new Weir.Protocols.ProtocolReader(pipe.Reader), reader);
        var random = new Random(7);
        for (var offset = 0; offset < stream.Length;)
        {
            var piece = Math.Min(random.Next(1, 700), stream.Length - offset);
            await pipe.Writer.WriteAsync(stream.AsMemory(offset, piece), TestContext.Current.CancellationToken);
            offset += piece;
        }

        await pipe.Writer.CompleteAsync();

        Assert.Equal(messages, await reading.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task EveryPayloadADelimitedWriterAcceptsReadsBackAsItself()
    {
        // A tiny alphabet makes payloads that hold, or run into, a self-overlapping delimiter common.
        var symbol = Gen.Byte[(byte)'a', (byte)'c'];
        var gen = Gen.Select(symbol.Array[1, 4], symbol.Array[0, 8].Array[1, 20]);

        await SeededSample.RunAsync(gen, seed: 4, iterations: 2000, async sample =>
        {
            var (delimiter, payloads) = sample;
            var framing = new Weir.Protocols.Framing.DelimitedFraming(delimiter);
            var writer = new Weir.Protocols.Framing.DelimitedFrameWriter(framing);
            var accepted = payloads.Where(p => Accepts(writer, p)).ToArray();

            var stream = FramePipe.Encode(writer, accepted);
            var read = await FramePipe.FeedInPiecesAsync(stream, [1, 2, 3], new Weir.Protocols.Framing.DelimitedFrameReader(framing));

            Assert.Equal(accepted, read);
        });
    }

    private static bool Accepts(Weir.Protocols.Framing.DelimitedFrameWriter writer, byte[] payload)
    {
        try
        {
            writer.WriteMessage(payload.AsMemory(), new System.Buffers.ArrayBufferWriter<byte>());
            return true;
        }
        catch (Weir.Protocols.ProtocolException)
        {
            return false;
        }
    }

    private static byte[] Pattern(int length) => Enumerable.Range(0, length).Select(i => (byte)('A' + (i % 26))).ToArray();
}
