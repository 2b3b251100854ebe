using System.Globalization;
using Weir.LoadTest.Clients;

namespace Weir.LoadTest.Scenarios;

/// <summary>
/// <see cref="TimedLoad"/> for the native client: the client keeps the window itself and says when it starts
/// and ends, and the server's counters are read at those two lines; the client's own CPU comes from its
/// getrusage over the window.
/// </summary>
internal static class NativeTimedLoad
{
    private static readonly TimeSpan SetupTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(45);

    public static async Task<RoundResult> RunAsync(
        ScenarioContext context,
        NativeClient native,
        string[] arguments,
        CancellationToken cancellationToken)
    {
        string[] window =
        [
            "--warmup", context.Warmup.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            "--duration", context.Duration.TotalSeconds.ToString(CultureInfo.InvariantCulture),
        ];
        await using var client = native.Start(context.EndPoint, [.. arguments, .. window]);
        await client.ExpectAsync("measuring", context.Warmup + SetupTimeout, context.Progress, cancellationToken);
        var serverBefore = await context.Server.GetStatsAsync(collect: false, cancellationToken);
        await client.ExpectAsync("done", context.Duration + SetupTimeout, context.Progress, cancellationToken);
        var serverAfter = await context.Server.GetStatsAsync(collect: false, cancellationToken);
        var result = NativeResult.Parse(await client.ExpectAsync("result ", DrainTimeout, context.Progress, cancellationToken));

        return new RoundResult
        {
            Transport = context.Server.Transport,
            Elapsed = result.Elapsed,
            Operations = result.Operations,
            Bytes = result.Bytes,
            Errors = result.Errors,
            Mismatches = result.Mismatches,
            P50Micros = result.P50Micros,
            P99Micros = result.P99Micros,
            ServerCpu = serverAfter.CpuTime - serverBefore.CpuTime,
            ClientCpu = result.Cpu,
            ClientCores = 1,
            ServerAllocatedBytes = serverAfter.AllocatedBytes - serverBefore.AllocatedBytes,
        };
    }
}
