using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Weir.Protocols;
using Weir.Protocols.Framing;

// These tests look at how a ValueTask completes before awaiting it once, on purpose.
#pragma warning disable CA2012

namespace Weir.Tests.Protocols;

public sealed class ProtocolWriterTests
{
    private static readonly LengthPrefixedFraming Framing = new();
    private static readonly LengthPrefixedFrameWriter FrameWriter = new(Framing);
    private static readonly LengthPrefixedFrameReader FrameReader = new(Framing);

    [Fact]
    public async Task ManyTasksWritingAtOnceDeliverEveryMessageWholeAndInOrderPerTask()
    {
        const int Tasks = 16;
        const int PerTask = 250;
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4096, resumeWriterThreshold: 2048));
        using var writer = new ProtocolWriter(pipe.Writer);
        var reading = FramePipe.ReadAllAsync(new ProtocolReader(pipe.Reader), FrameReader);

        var writers = Enumerable.Range(0, Tasks).Select(task => Task.Run(async () =>
        {
            for (var seq = 0; seq < PerTask; seq++)
            {
                await writer.WriteAsync(FrameWriter, Message(task, seq), TestContext.Current.CancellationToken);
            }
        }));
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await pipe.Writer.CompleteAsync();
        var messages = await reading.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(Tasks * PerTask, messages.Count);
        var next = new int[Tasks];
        foreach (var message in messages)
        {
            var (task, seq) = Parse(message);
            Assert.Equal(Message(task, seq).ToArray(), message);
            Assert.Equal(next[task]++, seq);
        }
    }

    [Fact]
    public async Task WriteManySendsEveryMessageInOneFlush()
    {
        var pipe = new Pipe();
        using var writer = new ProtocolWriter(pipe.Writer);
        ReadOnlyMemory<byte>[] messages = ["a"u8.ToArray(), "bb"u8.ToArray(), "ccc"u8.ToArray()];

        await writer.WriteManyAsync(FrameWriter, messages, TestContext.Current.CancellationToken);

        var read = await pipe.Reader.ReadAsync(TestContext.Current.CancellationToken);
        Assert.Equal(3 * 4 + 6, read.Buffer.Length);
    }

    [Fact]
    public async Task ABatchHoldsOffOtherWritersUntilItIsDisposed()
    {
        var pipe = new Pipe();
        using var writer = new ProtocolWriter(pipe.Writer);
        var batch = await writer.BeginBatchAsync(TestContext.Current.CancellationToken);
        batch.Write(FrameWriter, Bytes("first"));

        var other = writer.WriteAsync(FrameWriter, Bytes("other"), TestContext.Current.CancellationToken).AsTask();
        batch.Write(FrameWriter, Bytes("second"));
        Assert.False(other.IsCompleted);
        await batch.DisposeAsync();
        await other.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await pipe.Writer.CompleteAsync();

        var messages = await FramePipe.ReadAllAsync(new ProtocolReader(pipe.Reader), FrameReader);
        Assert.Equal(["first"u8.ToArray(), "second"u8.ToArray(), "other"u8.ToArray()], messages);
    }

    [Fact]
    public async Task DisposingACopyOfAnEndedBatchDoesNotLetTwoWritersIn()
    {
        var pipe = new Pipe();
        using var writer = new ProtocolWriter(pipe.Writer);
        var batch = await writer.BeginBatchAsync(TestContext.Current.CancellationToken);
        var copy = batch;
        await batch.DisposeAsync();

        var second = await writer.BeginBatchAsync(TestContext.Current.CancellationToken);
        await copy.DisposeAsync();
        var third = writer.BeginBatchAsync(TestContext.Current.CancellationToken).AsTask();

        Assert.False(third.IsCompleted);
        Assert.Throws<InvalidOperationException>(() => copy.Write(FrameWriter, Bytes("late")));
        await second.DisposeAsync();
        await (await third.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken)).DisposeAsync();
    }

    [Fact]
    public async Task ABatchWhoseFlushWasCanceledEndsWithoutWaitingForTheReader()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 16, resumeWriterThreshold: 8));
        using var writer = new ProtocolWriter(pipe.Writer);
        using var cancel = new CancellationTokenSource();

        var batch = await writer.BeginBatchAsync(cancel.Token);
        batch.Write(FrameWriter, Bytes("more than sixteen bytes"));
        var flush = batch.FlushAsync(cancel.Token).AsTask();
        Assert.False(flush.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => flush.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        await batch.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        var next = await writer.BeginBatchAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await next.DisposeAsync();
    }

    [Fact]
    public async Task AnUncontendedWriteThatFlushesSynchronouslyAllocatesNothing()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0));
        using var writer = new ProtocolWriter(pipe.Writer);
        ReadOnlyMemory<byte> payload = "payload"u8.ToArray();

        var allocatedPerWindow = new List<long>();
        for (var window = 0; window < 10; window++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 100; i++)
            {
                var write = writer.WriteAsync(FrameWriter, payload, TestContext.Current.CancellationToken);
                Assert.True(write.IsCompletedSuccessfully);
                await write;
            }

            allocatedPerWindow.Add(GC.GetAllocatedBytesForCurrentThread() - before);
            var read = await pipe.Reader.ReadAsync(TestContext.Current.CancellationToken);
            pipe.Reader.AdvanceTo(read.Buffer.End);
        }

        Assert.Contains(0, allocatedPerWindow);
    }

    [Fact]
    public async Task AFailingMessageWriterReleasesTheLock()
    {
        var pipe = new Pipe();
        using var writer = new ProtocolWriter(pipe.Writer);
        var tooSmall = new LengthPrefixedFrameWriter(new LengthPrefixedFraming { MaximumFrameSize = 1 });

        await Assert.ThrowsAsync<ProtocolException>(async () =>
            await writer.WriteAsync(tooSmall, Bytes("too long"), TestContext.Current.CancellationToken));
        var next = writer.WriteAsync(FrameWriter, Bytes("ok"), TestContext.Current.CancellationToken);

        await next.AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
    }

    private static ReadOnlyMemory<byte> Message(int task, int seq)
    {
        // Variable lengths make an interleaving visible: a torn frame would shift every later one.
        var message = new byte[8 + ((task * 31 + seq) % 50)];
        BinaryPrimitives.WriteInt32BigEndian(message, task);
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(4), seq);
        message.AsSpan(8).Fill((byte)task);
        return message;
    }

    private static ReadOnlyMemory<byte> Bytes(string text) => System.Text.Encoding.ASCII.GetBytes(text);

    private static (int Task, int Seq) Parse(byte[] message) =>
        (BinaryPrimitives.ReadInt32BigEndian(message), BinaryPrimitives.ReadInt32BigEndian(message.AsSpan(4)));
}
