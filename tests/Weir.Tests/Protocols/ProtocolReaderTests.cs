using System.Buffers;
using System.IO.Pipelines;
using Weir.Protocols;
using Weir.Protocols.Framing;

// These tests look at how a ValueTask completes (synchronously or not) before awaiting it once, on purpose.
#pragma warning disable CA2012

namespace Weir.Tests.Protocols;

public sealed class ProtocolReaderTests
{
    private static readonly LengthPrefixedFraming Framing = new() { HeaderSize = 2 };
    private static readonly LengthPrefixedFrameReader Framer = new(Framing);
    private static readonly LengthPrefixedFrameWriter FrameWriter = new(Framing);

    [Fact]
    public async Task ABufferedMessageIsReadSynchronously()
    {
        var pipe = new Pipe();
        await WriteFramesAsync(pipe, "one"u8.ToArray(), "two"u8.ToArray(), "three"u8.ToArray());
        var reader = new ProtocolReader(pipe.Reader);

        foreach (var expected in new[] { "one", "two", "three" })
        {
            var read = reader.ReadAsync(Framer, cancellationToken: TestContext.Current.CancellationToken);
            Assert.True(read.IsCompletedSuccessfully);
            Assert.Equal(expected, System.Text.Encoding.ASCII.GetString((await read).Message.ToArray()));
            reader.Advance();
        }

        Assert.False(reader.ReadAsync(Framer, cancellationToken: TestContext.Current.CancellationToken).IsCompleted);
    }

    [Fact]
    public async Task ReadingBufferedMessagesAllocatesNothing()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0));
        const int Count = 2000;
        for (var i = 0; i < Count; i++)
        {
            FrameWriter.WriteMessage("payload"u8.ToArray().AsMemory(), pipe.Writer);
        }

        await pipe.Writer.FlushAsync(TestContext.Current.CancellationToken);
        var reader = new ProtocolReader(pipe.Reader);

        // Several windows, because the JIT may allocate on this thread while it re-compiles the loop; a
        // per-message allocation would show in every window.
        var allocatedPerWindow = new List<long>();
        for (var window = 0; window < Count / 200; window++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var length = ReadBuffered(reader, 200);
            allocatedPerWindow.Add(GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.Equal(200 * 7, length);
        }

        Assert.Contains(0, allocatedPerWindow);
    }

    [Fact]
    public async Task AMessageIsASliceOfThePipesBufferUntilAdvance()
    {
        var pipe = new Pipe();
        await WriteFramesAsync(pipe, "abc"u8.ToArray());
        Assert.True(pipe.Reader.TryRead(out var raw));
        pipe.Reader.AdvanceTo(raw.Buffer.Start);
        var reader = new ProtocolReader(pipe.Reader);

        var result = await reader.ReadAsync(Framer, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Same(raw.Buffer.Start.GetObject(), result.Message.Start.GetObject());
        Assert.Equal(raw.Buffer.GetPosition(2), result.Message.Start);
    }

    [Fact]
    public async Task AMessageArrivingLaterCompletesThePendingRead()
    {
        var pipe = new Pipe();
        var reader = new ProtocolReader(pipe.Reader);

        var read = reader.ReadAsync(Framer, cancellationToken: TestContext.Current.CancellationToken);
        Assert.False(read.IsCompleted);
        await WriteFramesAsync(pipe, "late"u8.ToArray());

        var result = await read.AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal("late"u8.ToArray(), result.Message.ToArray());
    }

    [Fact]
    public async Task TheInputEndingBetweenMessagesCompletesTheRead()
    {
        var pipe = new Pipe();
        await WriteFramesAsync(pipe, "last"u8.ToArray());
        await pipe.Writer.CompleteAsync();
        var reader = new ProtocolReader(pipe.Reader);

        var first = await reader.ReadAsync(Framer, cancellationToken: TestContext.Current.CancellationToken);
        reader.Advance();
        var end = await reader.ReadAsync(Framer, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(first.HasMessage);
        Assert.True(end.IsCompleted);
        Assert.False(end.HasMessage);
    }

    [Fact]
    public async Task APeerClosingMidMessageThrowsProtocolException()
    {
        var pipe = new Pipe();
        var reader = new ProtocolReader(pipe.Reader);
        var read = reader.ReadAsync(Framer, cancellationToken: TestContext.Current.CancellationToken).AsTask();

        await pipe.Writer.WriteAsync(new byte[] { 0, 10, 1, 2, 3 }, TestContext.Current.CancellationToken);
        await pipe.Writer.CompleteAsync();

        var error = await Assert.ThrowsAsync<ProtocolException>(() => read.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.Contains("ended in the middle of a message", error.Message, StringComparison.Ordinal);
        Assert.Contains("5 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APeerClosingMidHeaderThrowsProtocolException()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(new byte[] { 0 }, TestContext.Current.CancellationToken);
        await pipe.Writer.CompleteAsync();
        var reader = new ProtocolReader(pipe.Reader);

        await Assert.ThrowsAsync<ProtocolException>(async () => await reader.ReadAsync(Framer, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AMessageOverTheMaximumMessageSizeThrowsWithoutWaitingForTheRest()
    {
        var pipe = new Pipe();
        var reader = new ProtocolReader(pipe.Reader);
        var read = reader.ReadAsync(new DelimitedFrameReader(DelimitedFraming.LineFeed), maximumMessageSize: 8, TestContext.Current.CancellationToken).AsTask();

        await pipe.Writer.WriteAsync("0123456789"u8.ToArray(), TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<ProtocolException>(() => read.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.Contains("maximum message size of 8 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMessageExactlyAtTheMaximumMessageSizeIsRead()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync("0123456\n0123"u8.ToArray(), TestContext.Current.CancellationToken);
        var reader = new ProtocolReader(pipe.Reader);

        var result = await reader.ReadAsync(new DelimitedFrameReader(DelimitedFraming.LineFeed), maximumMessageSize: 8, TestContext.Current.CancellationToken);

        Assert.Equal("0123456"u8.ToArray(), result.Message.ToArray());
    }

    [Fact]
    public async Task ReadingAgainBeforeAdvanceIsRefused()
    {
        var pipe = new Pipe();
        await WriteFramesAsync(pipe, "a"u8.ToArray(), "b"u8.ToArray());
        var reader = new ProtocolReader(pipe.Reader);
        await reader.ReadAsync(Framer, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Throws<InvalidOperationException>(() => reader.ReadAsync(Framer, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task CancelPendingReadReturnsACanceledResult()
    {
        var pipe = new Pipe();
        var reader = new ProtocolReader(pipe.Reader);
        var read = reader.ReadAsync(Framer, cancellationToken: TestContext.Current.CancellationToken);

        pipe.Reader.CancelPendingRead();
        var result = await read.AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.True(result.IsCanceled);
        Assert.False(result.HasMessage);
    }

    [Fact]
    public async Task AParserErrorLeavesThePipeUsableForCompletion()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, TestContext.Current.CancellationToken);
        var reader = new ProtocolReader(pipe.Reader);

        await Assert.ThrowsAsync<ProtocolException>(async () => await reader.ReadAsync(
            new LengthPrefixedFrameReader(new LengthPrefixedFraming { MaximumFrameSize = 100 }),
            cancellationToken: TestContext.Current.CancellationToken));

        await pipe.Reader.CompleteAsync();
    }

    [Fact]
    public async Task CreateReaderAndCreateWriterSpeakOverAConnection()
    {
        var client = new Pipe();
        var server = new Pipe();
        var connection = new Microsoft.AspNetCore.Connections.DefaultConnectionContext(
            "c1", new DuplexPipe(client.Reader, server.Writer), new DuplexPipe(server.Reader, client.Writer));
        using var writer = connection.CreateWriter();

        await WriteFramesAsync(client, "ping"u8.ToArray());
        var request = await connection.CreateReader().ReadAsync(Framer, cancellationToken: TestContext.Current.CancellationToken);
        await writer.WriteAsync(FrameWriter, request.Message, TestContext.Current.CancellationToken);

        var echoed = await new ProtocolReader(server.Reader).ReadAsync(Framer, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("ping"u8.ToArray(), echoed.Message.ToArray());
    }

    private static long ReadBuffered(ProtocolReader reader, int count)
    {
        long length = 0;
        for (var i = 0; i < count; i++)
        {
            var read = reader.ReadAsync(Framer);
            length += read.Result.Message.Length;
            reader.Advance();
        }

        return length;
    }

    private static async Task WriteFramesAsync(Pipe pipe, params byte[][] payloads)
    {
        foreach (var payload in payloads)
        {
            FrameWriter.WriteMessage(payload.AsMemory(), pipe.Writer);
        }

        await pipe.Writer.FlushAsync();
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
