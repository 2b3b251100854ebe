using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Weir.Middleware.Timeouts;
using Weir.Reliability.Tests.Infrastructure;

namespace Weir.Reliability.Tests.HostilePeers;

public sealed class SlowlorisTests
{
    private const int IdleTimeoutEventId = 230;
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan DripInterval = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task SlowlorisConnectionsAreClosedByTheIdleTimeoutWhileANormalClientKeepsGettingAnswers()
    {
        var count = LongRun.Size("slowloris connections", ci: 1000, full: 5000);
        await using var server = await ReliabilityServer.StartAsync(c => c.UseIdleTimeout(IdleTimeout).Run(Echo.RunAsync));
        using var normal = await RawClient.ConnectAsync(server.EndPoint);
        var unloaded = await MeasureAsync(normal, 200, () => true);

        using var allClosed = new CancellationTokenSource();
        var started = Stopwatch.StartNew();
        var slow = Enumerable.Range(0, count).Select(_ => Task.Run(() => DripAsync(server))).ToArray();
        var drips = Task.WhenAll(slow);
        _ = drips.ContinueWith(_ => allClosed.Cancel(), TaskScheduler.Default);
        var loaded = await MeasureAsync(normal, 200, () => drips.IsCompleted, () =>
            $"{slow.Count(t => t.IsCompleted)} of {count} closed; {server.Logs(IdleTimeoutEventId).Count} idle timeouts logged");
        await drips.Within(Guard.Long);
        var closedAfter = started.Elapsed;

        Assert.True(loaded.Count >= 200, "The normal client stopped getting answers.");
        await Guard.UntilAsync(
            () => server.Logs(IdleTimeoutEventId).Count >= count,
            () => $"{server.Logs(IdleTimeoutEventId).Count} of {count} idle timeouts logged");
        Report.Line($"slowloris: {count} connections dripping a byte every {DripInterval.TotalSeconds} s, idle timeout " +
            $"{IdleTimeout.TotalSeconds} s: all closed by the server after {closedAfter.TotalSeconds:0.0} s; drips sent {slow.Sum(t => t.Result)}");
        Report.Line($"slowloris: normal client round trips, unloaded: {Describe(unloaded)}; during the attack: {Describe(loaded)}");
    }

    /// <summary>Sends a byte every few seconds until the server closes; returns how many it sent.</summary>
    private static async Task<int> DripAsync(ReliabilityServer server)
    {
        using var client = await RawClient.ConnectAsync(server.EndPoint);
        var closed = client.DrainAsync();
        var sent = 0;
        while (true)
        {
            try
            {
                await client.SendAllAsync("x"u8.ToArray());
                sent++;
            }
            catch (SocketException)
            {
                // The server closed while this byte was on its way.
            }

            if (await Task.WhenAny(closed, Task.Delay(DripInterval, Guard.Token)) == closed)
            {
                await closed;
                return sent;
            }
        }
    }

    /// <summary>Round trips of a small message: at least <paramref name="minimum"/>, and on until <paramref name="done"/>.</summary>
    private static async Task<List<double>> MeasureAsync(Socket client, int minimum, Func<bool> done, Func<string>? describe = null)
    {
        var message = new byte[64];
        var latencies = new List<double>();
        var deadline = Stopwatch.StartNew();
        while (latencies.Count < minimum || !done())
        {
            Assert.True(deadline.Elapsed < Guard.Long, $"The attack did not end within {Guard.Long}: {describe?.Invoke()}");
            var started = Stopwatch.GetTimestamp();
            await client.SendAllAsync(message);
            await client.ReceiveExactlyAsync(message.Length).Within();
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return latencies;
    }

    private static string Describe(List<double> latencies)
    {
        latencies.Sort();
        return $"{latencies.Count} round trips, median {latencies[latencies.Count / 2]:0.000} ms, " +
            $"p99 {latencies[(int)(latencies.Count * 0.99)]:0.000} ms, max {latencies[^1]:0.000} ms";
    }
}
