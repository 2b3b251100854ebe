using System.Net.Sockets;
using Weir.Buffers;
using Weir.Sockets;

namespace Weir.Tests.Sockets;

public sealed class BackpressureTests
{
    private const int Limit = 64 * 1024;

    [Theory]
    [InlineData(EndpointKind.IPv4)]
    [InlineData(EndpointKind.IPv6)]
    [InlineData(EndpointKind.Unix)]
    public async Task SlowReaderPausesSocketReadsAboveMaxReadBufferSize(EndpointKind kind)
    {
        await using var harness = await TransportHarness.StartAsync(kind, new SocketTransportOptions { MaxReadBufferSize = Limit });
        var (client, server) = await harness.ConnectPairAsync();

        // The application does not read. The peer sends until the kernel pushes back for good: the transport has
        // read up to its limit and the socket stays unwritable, because the transport stopped reading. (Whether the
        // transport has caught up is read from its counter, so a busy machine only makes the loop wait longer.)
        client.Blocking = false;
        var chunk = new byte[64 * 1024];
        long sent = 0;
        var guard = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            sent += client.Send(chunk, 0, chunk.Length, SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock
                && !client.Poll(TimeSpan.FromMilliseconds(200), SelectMode.SelectWrite)
                && server.BytesReceived >= Limit)
            {
                break;
            }

            Assert.True(error is SocketError.Success or SocketError.WouldBlock, error.ToString());
            Assert.True(sent < 1024L * 1024 * 1024, "The peer was never pushed back.");
            Assert.True(guard.Elapsed < TransportHarness.Guard, "The transport never read up to its limit.");
        }

        Assert.InRange(server.BytesReceived, Limit, Limit + PinnedBlockMemoryPool.LargeBlockSize);
        Assert.True(sent > server.BytesReceived);

        // Reading everything lets the transport resume until every byte has arrived.
        client.Blocking = true;
        client.Shutdown(SocketShutdown.Send);
        var input = server.Transport.Input;
        long total = 0;
        while (true)
        {
            var result = await input.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
            total += result.Buffer.Length;
            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        Assert.Equal(sent, total);
    }

    [Theory]
    [InlineData(EndpointKind.IPv4)]
    [InlineData(EndpointKind.IPv6)]
    [InlineData(EndpointKind.Unix)]
    public async Task SlowPeerMakesFlushWaitAboveMaxWriteBufferSize(EndpointKind kind)
    {
        await using var harness = await TransportHarness.StartAsync(kind, new SocketTransportOptions { MaxWriteBufferSize = Limit });
        var (client, server) = await harness.ConnectPairAsync();
        var output = server.Transport.Output;
        var chunk = new byte[16 * 1024];
        long written = 0;

        // The peer reads nothing: once the kernel's buffers are full, the pipe holds the rest and flushing waits.
        ValueTask<System.IO.Pipelines.FlushResult> flush;
        do
        {
            chunk.CopyTo(output.GetSpan(chunk.Length));
            output.Advance(chunk.Length);
            written += chunk.Length;
            flush = output.FlushAsync(TestContext.Current.CancellationToken);
            Assert.True(written < 1024L * 1024 * 1024, "FlushAsync never waited.");
        }
        while (flush.IsCompleted);

        var drained = DrainAsync(client, written);
        var result = await flush.AsTask().WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
        Assert.False(result.IsCompleted);
        Assert.Equal(written, await drained);
    }

    private static async Task<long> DrainAsync(Socket client, long expected)
    {
        var buffer = new byte[64 * 1024];
        long read = 0;
        while (read < expected)
        {
            var n = await client.ReceiveAsync(buffer, SocketFlags.None, TestContext.Current.CancellationToken).AsTask().WaitAsync(TransportHarness.Guard, TestContext.Current.CancellationToken);
            Assert.NotEqual(0, n);
            read += n;
        }

        return read;
    }
}
