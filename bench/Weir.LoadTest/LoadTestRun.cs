using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Weir.LoadTest.Clients;
using Weir.LoadTest.Reporting;
using Weir.LoadTest.Scenarios;
using Weir.LoadTest.Servers;

namespace Weir.LoadTest;

/// <summary>
/// One comparison: both servers started once and warmed up, then every scenario round by round with the
/// transports alternating (A B A B), then the tables, the Markdown file and the chart.
/// </summary>
internal sealed class LoadTestRun(LoadTestOptions options, ProgressDisplay progress)
{
    private const string InlineModes =
        "Both servers in their inline modes: UnsafePreferInlineScheduling and " + EchoServerProcess.InlineCompletionsVariable + "=1";

    private const string AppOnThreadPool =
        "Weir's handlers on the thread pool, not on its event loops (RunApplicationOnEventLoop = false, EchoServer --app-on-thread-pool)";

    private readonly ProgressDisplay _progress = progress;
    private NativeClient? _native;
    private string _client = "";

    public async Task<int> ExecuteAsync(CancellationToken cancellationToken)
    {
        if (options.Client != "managed")
        {
            _progress.Phase("building the native load client (if its source changed)");
            _native = await NativeClient.BuildAsync(options.Pin, cancellationToken);
            if (_native is null && options.Client == "native")
            {
                Console.Error.WriteLine("--client native: no C compiler (cc) found to build native/weirload.c.");
                return 2;
            }
        }

        _client = _native is not null
            ? "native (native/weirload.c: one epoll thread in its own process; client CPU is the share of that one core)"
            : options.Client == "managed"
                ? "managed (C# in the harness process)"
                : "managed (C# in the harness process), because no C compiler (cc) was found for the native client";
        _progress.Line($"load client: {_client}");

        if (options.Inline)
        {
            _progress.Line(InlineModes);
        }

        if (options.WeirAppOnThreadPool)
        {
            _progress.Line(AppOnThreadPool);
        }

        var scenarios = ScenarioCatalog.All().Where(s => options.Scenarios.Contains(s.Name)).ToArray();
        var servers = new List<EchoServerProcess>();
        try
        {
            foreach (var transport in options.Transports)
            {
                _progress.Phase($"starting the {transport} echo server{(options.Inline ? " with --inline" : "")}");
                var server = await EchoServerProcess.StartAsync(transport, options, cancellationToken);
                servers.Add(server);
                _progress.Line($"{transport}: echo server pid {server.ProcessId} on {server.EndPoint}");
            }

            await WarmUpAsync(servers, cancellationToken);
            var summaries = new List<ScenarioSummary>();
            foreach (var scenario in scenarios)
            {
                var summary = new ScenarioSummary(scenario, options.Transports);
                for (var round = 1; round <= options.Rounds; round++)
                {
                    foreach (var server in servers)
                    {
                        _progress.Phase($"{scenario.Name}: round {round}/{options.Rounds}, {server.Transport}");
                        summary.Add(await scenario.RunAsync(Context(server, options.Warmup, options.Duration), cancellationToken));
                    }
                }

                summaries.Add(summary);
                _progress.Line(ResultTable.Render(summary));
            }

            return Report(summaries);
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    // Tiered JIT keeps improving a pinned .NET server for some seconds; none of that may count.
    private async Task WarmUpAsync(List<EchoServerProcess> servers, CancellationToken cancellationToken)
    {
        // Every path is warmed, not only the message path: a transport's accept and close code that is still
        // at tier 0 when the connection-rate rounds start would lose to one precompiled (ReadyToRun) in the
        // shared framework, and that measures the JIT, not the transport.
        var churn = TimeSpan.FromTicks(options.InitialWarmup.Ticks / 2);
        (IScenario Load, TimeSpan Duration)[] warmups =
        [
            (new PingPongScenario("warm-up messages", size: 64, connections: 64, depth: 4), options.InitialWarmup),
            (new ConnectionRateScenario("warm-up connections", size: 32, concurrency: 32), churn),
            (new StreamingScenario("warm-up stream", writeSize: 64 * 1024, connections: 4), churn),
        ];
        foreach (var server in servers)
        {
            foreach (var (load, duration) in warmups)
            {
                _progress.Phase($"{load.Name}: warming up {server.Transport} for {duration.TotalSeconds:0.#} s");
                var result = await load.RunAsync(Context(server, duration, TimeSpan.FromMilliseconds(100)), cancellationToken);
                if (result.Errors + result.Mismatches > 0)
                {
                    throw new InvalidOperationException(
                        $"The {server.Transport} server failed its {load.Name}: {result.Errors} errors, {result.Mismatches} mismatches.");
                }
            }
        }
    }

    private ScenarioContext Context(EchoServerProcess server, TimeSpan warmup, TimeSpan duration) =>
        new(server.EndPoint, server, warmup, duration, options.IdleConnections, _progress.Detail, _native);

    private int Report(List<ScenarioSummary> summaries)
    {
        var summaryTable = ResultTable.Summary(summaries);
        _progress.Line("## Summary");
        _progress.Line(summaryTable);

        var directory = options.OutputDirectory.Length > 0
            ? options.OutputDirectory
            : Path.Combine(RepositoryLayout.Root(), "bench", "results");
        Directory.CreateDirectory(directory);
        var markdown = new StringBuilder();
        markdown.AppendLine("# Weir vs Kestrel's socket transport: load comparison");
        markdown.AppendLine();
        markdown.AppendLine(CultureInfo.InvariantCulture, $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {MachineDescription()}.");
        markdown.AppendLine(CultureInfo.InvariantCulture,
            $"Rounds {options.Rounds}, {options.Duration.TotalSeconds:F1} s measured after {options.Warmup.TotalSeconds:F1} s warm-up each, initial warm-up {options.InitialWarmup.TotalSeconds:F0} s, {(options.Pin ? "server pinned to core 0 and client to core 1" : "not pinned")}, Weir with {options.AcceptSockets} accept socket(s){(options.Quick ? ", quick" : "")}.");
        markdown.AppendLine(CultureInfo.InvariantCulture, $"Load client: {_client}.");
        if (options.WeirEventLoops is { } loops)
        {
            markdown.AppendLine(CultureInfo.InvariantCulture, $"Weir's server with {loops} event loop(s) (--weir-event-loops).");
        }

        if (options.Inline)
        {
            markdown.AppendLine(CultureInfo.InvariantCulture, $"{InlineModes}.");
        }

        if (options.WeirAppOnThreadPool)
        {
            markdown.AppendLine(CultureInfo.InvariantCulture, $"{AppOnThreadPool}.");
        }

        markdown.AppendLine();
        markdown.AppendLine(summaryTable);
        foreach (var summary in summaries)
        {
            markdown.AppendLine(ResultTable.Render(summary));
        }

        // A run in another mode must not overwrite the default run's results unless told where to go.
        var name = (options.Inline, options.WeirAppOnThreadPool, options.OutputDirectory.Length) switch
        {
            (_, _, > 0) or (false, false, _) => "latest",
            (true, false, _) => "latest-inline",
            (false, true, _) => "latest-app-thread-pool",
            (true, true, _) => "latest-inline-app-thread-pool",
        };
        var markdownPath = Path.Combine(directory, name + ".md");
        var chartPath = Path.Combine(directory, name + ".svg");
        File.WriteAllText(markdownPath, markdown.ToString());
        File.WriteAllText(chartPath, BarChart.Render(summaries, $"Weir / Kestrel socket transport, echo server{(options.Inline ? ", inline modes" : "")}"));
        _progress.Line($"results: {markdownPath}, {chartPath}");

        var errors = summaries.Sum(s => s.Errors);
        var mismatches = summaries.Sum(s => s.Mismatches);
        _progress.Line($"load test: {errors} errors, {mismatches} byte mismatches");
        return errors + mismatches == 0 ? 0 : 1;
    }

    private static string MachineDescription()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var cores = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").Count(l => l.StartsWith("processor", StringComparison.Ordinal))
            : Environment.ProcessorCount;
        return $"{cores} cores{(cpu is null ? "" : $" ({cpu})")}, {RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }
}
