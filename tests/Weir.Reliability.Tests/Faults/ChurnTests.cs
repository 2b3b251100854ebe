using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Weir.Reliability.Tests.Infrastructure;

namespace Weir.Reliability.Tests.Faults;

public sealed class ChurnTests
{
    private const int Concurrency = 32;

    private enum Ending
    {
        Reset,
        HalfClose,
        Close,
    }

    [Fact]
    public async Task TenThousandConnectionsResetHalfClosedOrClosedLeakNoDescriptorAndNoBlock()
    {
        var count = LongRun.Size("churn connections", ci: 10_000, full: 100_000);
        await using var server = await ReliabilityServer.StartAsync(c => c.Run(Echo.RunAsync), logLevel: LogLevel.Warning);

        // The runtime opens some descriptors lazily on first use; a warm-up keeps them out of the count.
        await ChurnAsync(server, 300, seed: 1);
        await WaitUntilQuietAsync(server, int.MaxValue, null);
        var before = Descriptors.Sockets;
        var totalBefore = Descriptors.Open;
        var snapshot = Descriptors.Snapshot();

        var endings = await ChurnAsync(server, count, seed: 2);
        await EchoOnceAsync(server);
        await WaitUntilQuietAsync(server, before, snapshot);

        Report.Line($"churn: {count} connections (reset {endings[Ending.Reset]}, half-closed {endings[Ending.HalfClose]}, " +
            $"closed {endings[Ending.Close]}); socket descriptors before {before}, after {Descriptors.Sockets} " +
            $"(all descriptors {totalBefore}, {Descriptors.Open}); live blocks {server.Pool.LiveBlocks}");
        Assert.Empty(server.Logs(Echo.HandlerFailedEventId));
    }

    private static async Task<Dictionary<Ending, int>> ChurnAsync(ReliabilityServer server, int count, int seed)
    {
        var next = -1;
        var endings = new int[3];
        var workers = Enumerable.Range(0, Concurrency).Select(w => Task.Run(async () =>
        {
            var random = new Random(seed * 1000 + w);
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var ending = (Ending)random.Next(3);
                Interlocked.Increment(ref endings[(int)ending]);
                await RunOneAsync(server, ending, random);
            }
        }));
        await Task.WhenAll(workers).Within(Guard.Long);
        return new Dictionary<Ending, int>
        {
            [Ending.Reset] = endings[0],
            [Ending.HalfClose] = endings[1],
            [Ending.Close] = endings[2],
        };
    }

    private static async Task RunOneAsync(ReliabilityServer server, Ending ending, Random random)
    {
        var message = new byte[random.Next(1, 16 * 1024)];
        random.NextBytes(message);
        var client = await RawClient.ConnectAsync(server.EndPoint);
        try
        {
            await client.SendAllAsync(message);
            switch (ending)
            {
                case Ending.Reset:
                    // Mid-exchange: the echo is partly read, or not at all, when the RST goes out.
                    var partial = random.Next(0, message.Length);
                    if (partial > 0)
                    {
                        await client.ReceiveExactlyAsync(partial);
                    }

                    client.Reset();
                    return;
                case Ending.HalfClose:
                    client.Shutdown(SocketShutdown.Send);
                    var (bytes, reset) = await client.DrainAsync();
                    Assert.False(reset);
                    Assert.Equal(message.Length, bytes);
                    break;
                default:
                    Assert.Equal(message, await client.ReceiveExactlyAsync(message.Length));
                    break;
            }
        }
        finally
        {
            client.Dispose();
        }
    }

    private static async Task EchoOnceAsync(ReliabilityServer server)
    {
        using var client = await RawClient.ConnectAsync(server.EndPoint);
        await client.SendAllAsync("still serving"u8.ToArray());
        Assert.Equal("still serving"u8.ToArray(), await client.ReceiveExactlyAsync(13));
    }

    private static Task WaitUntilQuietAsync(ReliabilityServer server, int descriptors, IReadOnlyDictionary<string, string>? snapshot) =>
        Guard.UntilAsync(
            () => server.Pool.LiveBlocks == 0 && Descriptors.Sockets <= descriptors,
            () => $"{server.Pool.LiveBlocks} live blocks, {Descriptors.Sockets} socket descriptors open (at most {descriptors} expected); " +
                $"new: {(snapshot is null ? "" : Descriptors.Growth(snapshot))}");
}
