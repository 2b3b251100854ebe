using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Weir.Buffers;
using Weir.Reliability.Tests.Infrastructure;
using Weir.Sockets;

namespace Weir.Reliability.Tests.HostilePeers;

public sealed class NeverReadingPeerTests
{
    private const int MaxWriteBufferSize = 64 * 1024;
    private const int Chunk = 1024;
    private const long Attempted = 256L * 1024 * 1024;

    [Fact]
    public async Task APeerThatNeverReadsHoldsNoMoreThanTheWriteBufferAndSlowsNoOtherConnection()
    {
        long written = 0;
        long flushWaitingSince = 0;
        var writerEnded = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new SocketTransportOptions { MaxWriteBufferSize = MaxWriteBufferSize };
        await using var server = await ReliabilityServer.StartAsync(c => c.Run(async connection =>
        {
            var first = await connection.Transport.Input.ReadAsync();
            var role = first.Buffer.FirstSpan[0];
            connection.Transport.Input.AdvanceTo(first.Buffer.GetPosition(1));
            if (role == (byte)'E')
            {
                await Echo.RunAsync(connection);
                return;
            }

            // The writer for the peer that never reads: far more than any buffer on the way can take.
            var chunk = new byte[Chunk];
            try
            {
                while (written < Attempted)
                {
                    var flush = connection.Transport.Output.WriteAsync(chunk);
                    if (!flush.IsCompleted)
                    {
                        Volatile.Write(ref flushWaitingSince, Stopwatch.GetTimestamp());
                    }

                    await flush;
                    Volatile.Write(ref flushWaitingSince, 0);
                    written += Chunk;
                }

                writerEnded.TrySetResult(null);
            }
            catch (Exception ex)
            {
                writerEnded.TrySetResult(ex);
            }
        }), options);

        var idleBlocks = server.Pool.LiveBlocks;
        var stubborn = await RawClient.ConnectAsync(server.EndPoint, s => s.ReceiveBufferSize = 64 * 1024);
        await stubborn.SendAllAsync("N"u8.ToArray());

        // The flush has waited a while with nothing moving: the kernel's buffers and the pipe are full.
        await Guard.UntilAsync(
            () => Volatile.Read(ref flushWaitingSince) is var since && since != 0 && Stopwatch.GetElapsedTime(since) > TimeSpan.FromMilliseconds(500),
            () => $"the writer's flush never stayed waiting; {written} bytes written");
        var held = server.Pool.LiveBlocks - idleBlocks;
        var writtenWhenStuck = written;

        var others = Enumerable.Range(0, 20).Select(_ => Task.Run(() => ExchangeAsync(server))).ToArray();
        await Task.WhenAll(others).Within();
        var heldAfterOthers = server.Pool.LiveBlocks - idleBlocks;

        Assert.False(writerEnded.Task.IsCompleted);
        Assert.InRange(writtenWhenStuck, 0, Attempted / 2);
        Assert.InRange(held * PinnedBlockMemoryPool.BlockSize, 0, MaxWriteBufferSize + (4 * PinnedBlockMemoryPool.BlockSize));

        stubborn.Reset();
        Assert.IsType<ConnectionResetException>(await writerEnded.Task.Within());
        Report.Line($"never-reading peer: the writer stalled after {writtenWhenStuck} bytes (kernel buffers plus the pipe); " +
            $"the pool then held {held} blocks ({held * PinnedBlockMemoryPool.BlockSize} bytes) for it, " +
            $"{heldAfterOthers} after 20 other connections made 100 round trips each; MaxWriteBufferSize {MaxWriteBufferSize}");
    }

    private static async Task ExchangeAsync(ReliabilityServer server)
    {
        using var client = await RawClient.ConnectAsync(server.EndPoint);
        await client.SendAllAsync("E"u8.ToArray());
        var message = new byte[512];
        for (var i = 0; i < 100; i++)
        {
            message[0] = (byte)i;
            await client.SendAllAsync(message);
            Assert.Equal(message, await client.ReceiveExactlyAsync(message.Length));
        }

        client.Shutdown(SocketShutdown.Send);
        await client.DrainAsync();
    }
}
