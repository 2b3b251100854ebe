using System.Buffers;
using Weir.Protocols;
using Weir.Protocols.Framing;

namespace Weir.Tests.Protocols;

public sealed class FramingErrorTests
{
    [Fact]
    public async Task ALengthHeaderOverTheMaximumFrameSizeIsRefusedBeforeThePayloadArrives()
    {
        var framer = new LengthPrefixedFrameReader(new LengthPrefixedFraming { MaximumFrameSize = 1000 });

        var error = await Assert.ThrowsAsync<ProtocolException>(
            () => FramePipe.FeedInPiecesAsync([0, 0, 0x03, 0xE9], [4], framer));

        Assert.Contains("1001 bytes is larger than the maximum frame size of 1000 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFrameExactlyAtTheMaximumFrameSizeIsRead()
    {
        var framing = new LengthPrefixedFraming { HeaderSize = 2, MaximumFrameSize = 300 };
        var stream = FramePipe.Encode(new LengthPrefixedFrameWriter(framing), [new byte[300]]);

        var read = await FramePipe.FeedInPiecesAsync(stream, [100], new LengthPrefixedFrameReader(framing));

        Assert.Equal(300, Assert.Single(read).Length);
    }

    [Theory]
    [InlineData(1, new byte[] { 0 })]
    [InlineData(2, new byte[] { 0, 1 })]
    [InlineData(4, new byte[] { 0, 0, 0, 3 })]
    public async Task ALengthThatCountsTheHeaderButIsSmallerThanItIsMalformed(int headerSize, byte[] header)
    {
        var framer = new LengthPrefixedFrameReader(new LengthPrefixedFraming { HeaderSize = headerSize, LengthIncludesHeader = true });

        var error = await Assert.ThrowsAsync<ProtocolException>(() => FramePipe.FeedInPiecesAsync(header, [1], framer));

        Assert.Contains("Malformed frame header", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFourByteLengthBeyondWhatAnIntHoldsIsRefused()
    {
        var framer = new LengthPrefixedFrameReader(new LengthPrefixedFraming { ByteOrder = ByteOrder.LittleEndian, MaximumFrameSize = int.MaxValue });

        var error = await Assert.ThrowsAsync<ProtocolException>(
            () => FramePipe.FeedInPiecesAsync([0xFF, 0xFF, 0xFF, 0xFF], [4], framer));

        Assert.Contains("4294967295 bytes", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("len2-be")]
    [InlineData("lf")]
    [InlineData("crlf")]
    public async Task AStreamTruncatedInsideAFrameThrows(string framing)
    {
        var (reader, writer) = FramingCases.Create(framing);
        var stream = FramePipe.Encode(writer, ["first"u8.ToArray(), "second"u8.ToArray()]);

        var error = await Assert.ThrowsAsync<ProtocolException>(() => FramePipe.FeedInPiecesAsync(stream[..^1], [3], reader));

        Assert.Contains("ended in the middle of a message", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALineLongerThanTheMaximumFrameSizeIsRefusedWithoutWaitingForItsEnd()
    {
        var framer = new DelimitedFrameReader(new DelimitedFraming("\r\n"u8) { MaximumFrameSize = 10 });

        var error = await Assert.ThrowsAsync<ProtocolException>(
            () => FramePipe.FeedInPiecesAsync("0123456789A"u8.ToArray(), [11], framer));

        Assert.Contains("No delimiter within the maximum frame size of 10 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALineAtTheMaximumFrameSizeWaitsWhileItsLastByteMayStartTheDelimiter()
    {
        var framer = new DelimitedFrameReader(new DelimitedFraming("\r\n"u8) { MaximumFrameSize = 10 });

        var read = await FramePipe.FeedInPiecesAsync("0123456789\r\n"u8.ToArray(), [11, 1], framer);

        Assert.Equal("0123456789"u8.ToArray(), Assert.Single(read));
    }

    [Fact]
    public async Task ALineExactlyAtTheMaximumFrameSizeIsReadEvenWhenItsDelimiterIsSplit()
    {
        var framer = new DelimitedFrameReader(new DelimitedFraming("\r\n"u8) { MaximumFrameSize = 10 });

        var read = await FramePipe.FeedInPiecesAsync("0123456789\r\n"u8.ToArray(), [11], framer);

        Assert.Equal("0123456789"u8.ToArray(), Assert.Single(read));
    }

    [Fact]
    public void WritingAPayloadOverTheMaximumFrameSizeThrows()
    {
        var writer = new LengthPrefixedFrameWriter(new LengthPrefixedFraming { MaximumFrameSize = 4 });

        var error = Assert.Throws<ProtocolException>(() => writer.WriteMessage("12345"u8.ToArray().AsMemory(), new ArrayBufferWriter<byte>()));

        Assert.Contains("larger than the maximum frame size of 4 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WritingAPayloadTheHeaderCannotDescribeThrows()
    {
        var writer = new LengthPrefixedFrameWriter(new LengthPrefixedFraming { HeaderSize = 1, LengthIncludesHeader = true });

        Assert.Throws<ProtocolException>(() => writer.WriteMessage(new byte[255].AsMemory(), new ArrayBufferWriter<byte>()));
    }

    [Theory]
    [InlineData("\n", "a\nb")]
    [InlineData("\r\n", "a\r\nb")]
    [InlineData("aa", "xa")]
    [InlineData("abab", "xab")]
    public void WritingAPayloadThatWouldBeReadAsADifferentFrameThrows(string delimiter, string payload)
    {
        var writer = new DelimitedFrameWriter(new DelimitedFraming(System.Text.Encoding.ASCII.GetBytes(delimiter)));
        var bytes = System.Text.Encoding.ASCII.GetBytes(payload);

        Assert.Throws<ProtocolException>(() => writer.WriteMessage(bytes.AsMemory(), new ArrayBufferWriter<byte>()));
        Assert.Throws<ProtocolException>(() => writer.WriteMessage(Split(bytes), new ArrayBufferWriter<byte>()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(8)]
    public void AnUnsupportedHeaderSizeIsRefusedWhenTheFramerIsBuilt(int headerSize)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => new LengthPrefixedFrameReader(new LengthPrefixedFraming { HeaderSize = headerSize }));

        Assert.Equal("HeaderSize", error.ParamName);
    }

    [Fact]
    public void AnEmptyDelimiterIsRefused() =>
        Assert.Throws<ArgumentException>(() => new DelimitedFraming([]));

    private static ReadOnlySequence<byte> Split(byte[] bytes)
    {
        var first = new Segment(bytes.AsMemory(0, 1));
        var last = first.Append(bytes.AsMemory(1));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
