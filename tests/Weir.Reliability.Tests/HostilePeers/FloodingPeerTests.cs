using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Weir.Buffers;
using Weir.Reliability.Tests.Infrastructure;
using Weir.Sockets;

namespace Weir.Reliability.Tests.HostilePeers;

public sealed class FloodingPeerTests
{
    private const int MaxReadBufferSize = 256 * 1024;
    private const long Flood = 256L * 1024 * 1024;

    [Fact]
    public async Task APeerThatFloodsIsPausedAtTheReadBufferLimitAndLosesNothing()
    {
        var measure = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var buffered = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new SocketTransportOptions { MaxReadBufferSize = MaxReadBufferSize };
        await using var server = await ReliabilityServer.StartAsync(c => c.Run(async connection =>
        {
            // The application is busy: it reads nothing until told, then looks at what the transport holds for it.
            await measure.Task;
            var input = connection.Transport.Input;
            Assert.True(input.TryRead(out var pending));
            buffered.SetResult(pending.Buffer.Length);
            input.AdvanceTo(pending.Buffer.Start);

            long total = 0;
            while (true)
            {
                var result = await input.ReadAsync();
                total += result.Buffer.Length;
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            received.SetResult(total);
        }), options);

        using var client = await RawClient.ConnectAsync(server.EndPoint);
        long sent = 0;
        var flooding = Task.Run(async () =>
        {
            var chunk = new byte[64 * 1024];
            while (sent < Flood)
            {
                await client.SendAllAsync(chunk);
                Interlocked.Add(ref sent, chunk.Length);
            }
        }, Guard.Token);

        // Nothing has moved for a while: the transport stopped reading and the kernel's buffers are full.
        var last = -1L;
        var still = Stopwatch.StartNew();
        await Guard.UntilAsync(
            () =>
            {
                var now = Interlocked.Read(ref sent);
                if (now != last)
                {
                    last = now;
                    still.Restart();
                }

                return still.Elapsed > TimeSpan.FromSeconds(1);
            },
            () => $"the flood never stalled; {sent} bytes sent");
        var sentWhenPaused = Interlocked.Read(ref sent);
        var liveBlocks = server.Pool.LiveBlocks;
        Assert.False(flooding.IsCompleted);

        measure.SetResult();
        var held = await buffered.Task.Within();
        await flooding.Within(Guard.Long);
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal(Flood, await received.Task.Within(Guard.Long));
        Assert.InRange(held, MaxReadBufferSize / 2, MaxReadBufferSize + PinnedBlockMemoryPool.LargeBlockSize);
        Assert.InRange(liveBlocks * PinnedBlockMemoryPool.BlockSize, 0, 4 * MaxReadBufferSize);
        Report.Line($"flooding peer: paused after the peer had sent {sentWhenPaused} bytes; the transport held {held} bytes " +
            $"({liveBlocks} pool blocks) with MaxReadBufferSize {MaxReadBufferSize}; all {Flood} bytes arrived once the application read");
    }
}
