using System.Diagnostics;
using System.Net.Sockets;
using Weir.LoadTest.Clients;

namespace Weir.LoadTest.Scenarios;

/// <summary>
/// Memory held per idle connection: opens many connections (each exchanges one byte, so the server has
/// really accepted and served it), then reads the server's managed heap after a full GC, and its resident
/// memory. The heap is the figure compared: resident memory only grows where the process has no freed pages
/// left from earlier scenarios to reuse, so its delta can read near zero.
/// </summary>
internal sealed class IdleScenario(string name) : IScenario
{
    private const int ConnectConcurrency = 64;
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(120);

    public string Name => name;

    public string Description => "idle connections held open: server memory per connection";

    public PrimaryMetric Primary => PrimaryMetric.BytesPerIdleConnection;

    public async Task<RoundResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var before = await SettleAsync(context, 0, cancellationToken);
        var clock = Stopwatch.StartNew();
        await using var held = context.Native is { } native
            ? await OpenNativeAsync(context, native, cancellationToken)
            : await OpenManagedAsync(context, cancellationToken);
        var after = await SettleAsync(context, held.Open, cancellationToken);
        return new RoundResult
        {
            Transport = context.Server.Transport,
            Elapsed = clock.Elapsed,
            Operations = held.Open,
            Errors = held.Errors,
            Mismatches = held.Mismatches,
            ResidentBytesPerConnection = (double)(after.ResidentBytes - before.ResidentBytes) / held.Open,
            HeapBytesPerConnection = (double)(after.HeapBytes - before.HeapBytes) / held.Open,
            ServerAllocatedBytes = after.AllocatedBytes - before.AllocatedBytes,
            ServerCpu = after.CpuTime - before.CpuTime,
        };
    }

    private static async Task<HeldConnections> OpenManagedAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var count = context.IdleConnections;
        var sockets = new Socket?[count];
        long errors = 0;
        ValueTask CloseAll()
        {
            foreach (var socket in sockets)
            {
                socket?.Dispose();
            }

            return ValueTask.CompletedTask;
        }

        try
        {
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, ConnectConcurrency).Select(_ => Task.Run(async () =>
            {
                int i;
                var probe = new byte[1] { 0x5a };
                var echo = new byte[1];
                while ((i = Interlocked.Increment(ref next)) < count)
                {
                    try
                    {
                        var socket = await Connections.ConnectAsync(context.EndPoint, cancellationToken);
                        sockets[i] = socket;
                        await Connections.SendAllAsync(socket, probe, cancellationToken);
                        if (!await Connections.ReceiveExactlyAsync(socket, echo, cancellationToken) || echo[0] != probe[0])
                        {
                            Interlocked.Increment(ref errors);
                        }
                    }
                    catch (SocketException)
                    {
                        Interlocked.Increment(ref errors);
                    }

                    if (i % 500 == 0)
                    {
                        context.Progress($"{i}/{count} connections open");
                    }
                }
            }, cancellationToken)));
        }
        catch
        {
            await CloseAll();
            throw;
        }

        return new HeldConnections(sockets.Count(s => s is not null), errors, 0, CloseAll);
    }

    // The client holds the connections until it is told to let go, after the server's figures are read.
    private static async Task<HeldConnections> OpenNativeAsync(ScenarioContext context, NativeClient native, CancellationToken cancellationToken)
    {
        var client = native.Start(context.EndPoint, NativeClient.Arguments("idle", ("--connections", context.IdleConnections)));
        try
        {
            var ready = NativeResult.Parse(await client.ExpectAsync("ready ", OpenTimeout, context.Progress, cancellationToken));
            return new HeldConnections(ready.Open, ready.Errors, ready.Mismatches, async () =>
            {
                try
                {
                    await client.ReleaseAsync();
                    await client.ExpectAsync("result ", SettleTimeout, context.Progress, CancellationToken.None);
                }
                finally
                {
                    await client.DisposeAsync();
                }
            });
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    // Waits, bounded, until the server counts the expected live connections, then takes its post-GC figures.
    private static async Task<Servers.ServerStats> SettleAsync(ScenarioContext context, long expected, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var stats = await context.Server.GetStatsAsync(collect: true, cancellationToken);
            if (stats.Connections == expected)
            {
                return stats;
            }

            if (deadline.Elapsed > SettleTimeout)
            {
                throw new InvalidOperationException(
                    $"The {context.Server.Transport} server reports {stats.Connections} live connections, expected {expected}.");
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
