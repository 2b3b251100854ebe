using System.Globalization;
using System.Text;
using Weir.LoadTest.Scenarios;

namespace Weir.LoadTest.Reporting;

/// <summary>Renders the per-scenario tables, as Markdown (which also reads well in a terminal).</summary>
internal static class ResultTable
{
    public static string Render(ScenarioSummary summary)
    {
        var scenario = summary.Scenario;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"### {scenario.Name}: {scenario.Description}");
        text.AppendLine();
        if (scenario.Primary == PrimaryMetric.BytesPerIdleConnection)
        {
            text.AppendLine("| transport | connections | heap B/conn | RSS B/conn | allocated B/conn | errors |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|");
            foreach (var transport in summary.Transports)
            {
                var rounds = summary.Rounds(transport);
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {transport} | {Median(rounds, r => r.Operations):N0} | {Cell(rounds, r => r.HeapBytesPerConnection, "N0")} | {Cell(rounds, r => r.ResidentBytesPerConnection, "N0")} | {Median(rounds, r => (double)r.ServerAllocatedBytes / r.Operations):N0} | {rounds.Sum(r => r.Errors)} |");
            }
        }
        else
        {
            var rate = scenario.Primary == PrimaryMetric.ConnectionsPerSecond ? "conn/s" : "msgs/s";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| transport | {rate} median (min–max) | MB/s | p50 µs | p99 µs | server CPU µs/op | server alloc B/op | client CPU µs/op | client CPU | errors | mismatches |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var transport in summary.Transports)
            {
                var rounds = summary.Rounds(transport);
                var clientLoad = Median(rounds, r => r.ClientUtilisation);
                var clientCell = clientLoad.ToString("P0", CultureInfo.InvariantCulture) + (clientLoad > 0.9 ? " (client-bound)" : "");
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {transport} | {Cell(rounds, r => r.OperationsPerSecond, "N0")} | {Median(rounds, r => r.MegabytesPerSecond):N1} | {Median(rounds, r => r.P50Micros):N0} | {Median(rounds, r => r.P99Micros):N0} | {Median(rounds, r => r.ServerCpuMicrosPerOperation):N2} | {Median(rounds, r => r.ServerAllocatedPerOperation):N1} | {Median(rounds, r => r.ClientCpuMicrosPerOperation):N2} | {clientCell} | {rounds.Sum(r => r.Errors)} | {rounds.Sum(r => r.Mismatches)} |");
            }
        }

        var ratios = summary.Ratios();
        if (ratios.Count > 0)
        {
            var spread = ScenarioSummary.SpreadOf(ratios);
            var what = scenario.Primary == PrimaryMetric.BytesPerIdleConnection ? "Kestrel/Weir bytes per connection" : "Weir/Kestrel";
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"**{what}: {spread.Median:F2}** (rounds: {string.Join(", ", ratios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))}; above 1 means Weir is ahead)");
        }

        return text.ToString();
    }

    public static string Summary(IReadOnlyList<ScenarioSummary> summaries)
    {
        var text = new StringBuilder();
        text.AppendLine("| scenario | primary figure | Weir | Kestrel | Weir ahead by (median ratio, min–max) |");
        text.AppendLine("|---|---|---:|---:|---:|");
        foreach (var summary in summaries)
        {
            var primary = summary.Scenario.Primary;
            var weir = ScenarioSummary.SpreadOf(Rounds(summary, "weir").Select(r => r.Value(primary))).Median;
            var kestrel = ScenarioSummary.SpreadOf(Rounds(summary, "kestrel").Select(r => r.Value(primary))).Median;
            var ratio = ScenarioSummary.SpreadOf(summary.Ratios());
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {summary.Scenario.Name} | {Label(primary)} | {weir:N1} | {kestrel:N1} | {ratio.Median:F2}× ({ratio.Min:F2}–{ratio.Max:F2}) |");
        }

        return text.ToString();
    }

    public static string Label(PrimaryMetric metric) => metric switch
    {
        PrimaryMetric.MessagesPerSecond => "msgs/s",
        PrimaryMetric.MegabytesPerSecond => "MB/s",
        PrimaryMetric.ConnectionsPerSecond => "conn/s",
        PrimaryMetric.BytesPerIdleConnection => "heap B/idle conn",
        _ => "",
    };

    private static IReadOnlyList<RoundResult> Rounds(ScenarioSummary summary, string transport) =>
        summary.Transports.Contains(transport) ? summary.Rounds(transport) : [];

    private static double Median(IEnumerable<RoundResult> rounds, Func<RoundResult, double> value) =>
        ScenarioSummary.SpreadOf(rounds.Select(value)).Median;

    private static string Cell(IEnumerable<RoundResult> rounds, Func<RoundResult, double> value, string format)
    {
        var spread = ScenarioSummary.SpreadOf(rounds.Select(value));
        return spread.Min == spread.Max
            ? spread.Median.ToString(format, CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{spread.Median.ToString(format, CultureInfo.InvariantCulture)} ({spread.Min.ToString(format, CultureInfo.InvariantCulture)}–{spread.Max.ToString(format, CultureInfo.InvariantCulture)})");
    }
}
