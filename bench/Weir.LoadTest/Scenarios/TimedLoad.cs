using System.Diagnostics;

namespace Weir.LoadTest.Scenarios;

/// <summary>
/// Runs workers through an unmeasured warm-up and a measured window, and reads the server's and this
/// process's counters at the window's edges, so warm-up and teardown never count.
/// </summary>
internal static class TimedLoad
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);

    public static async Task<RoundResult> RunAsync(
        ScenarioContext context,
        Func<LoadWindow, Task> startWorkers,
        CancellationToken cancellationToken)
    {
        var window = new LoadWindow();
        var workers = startWorkers(window);

        await DelayWatchingAsync(workers, context.Warmup, cancellationToken);
        var client = Process.GetCurrentProcess();
        var serverBefore = await context.Server.GetStatsAsync(collect: false, cancellationToken);
        var clientBefore = client.TotalProcessorTime;
        var before = window.Totals();
        var clock = Stopwatch.StartNew();
        window.StartMeasuring();

        await DelayWatchingAsync(workers, context.Duration, cancellationToken);
        var after = window.Totals();
        var elapsed = clock.Elapsed;
        client.Refresh();
        var clientAfter = client.TotalProcessorTime;
        var serverAfter = await context.Server.GetStatsAsync(collect: false, cancellationToken);
        window.Stop();

        try
        {
            await workers.WaitAsync(DrainTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"The load workers did not stop within {DrainTimeout.TotalSeconds} s: the server stopped answering.");
        }

        var latency = window.MergedLatency();
        var totals = window.Totals();
        return new RoundResult
        {
            Transport = context.Server.Transport,
            Elapsed = elapsed,
            Operations = after.Operations - before.Operations,
            Bytes = after.Bytes - before.Bytes,
            Errors = totals.Errors,
            Mismatches = totals.Mismatches,
            P50Micros = latency.Percentile(0.50),
            P99Micros = latency.Percentile(0.99),
            ServerCpu = serverAfter.CpuTime - serverBefore.CpuTime,
            ClientCpu = clientAfter - clientBefore,
            ServerAllocatedBytes = serverAfter.AllocatedBytes - serverBefore.AllocatedBytes,
        };
    }

    // A worker that dies early (server gone) ends the wait, so a broken run fails fast instead of idling.
    private static async Task DelayWatchingAsync(Task workers, TimeSpan delay, CancellationToken cancellationToken)
    {
        var finished = await Task.WhenAny(workers, Task.Delay(delay, cancellationToken));
        if (finished == workers)
        {
            await workers;
            throw new InvalidOperationException("The load workers stopped before the window ended.");
        }

        cancellationToken.ThrowIfCancellationRequested();
    }
}
