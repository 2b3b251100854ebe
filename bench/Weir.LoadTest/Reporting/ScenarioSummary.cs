using Weir.LoadTest.Scenarios;

namespace Weir.LoadTest.Reporting;

/// <summary>All rounds of one scenario, per transport, and the Weir/Kestrel ratio of each round.</summary>
internal sealed class ScenarioSummary(IScenario scenario, IReadOnlyList<string> transports)
{
    private readonly Dictionary<string, List<RoundResult>> _rounds = transports.ToDictionary(t => t, _ => new List<RoundResult>());

    public IScenario Scenario { get; } = scenario;

    public IReadOnlyList<string> Transports { get; } = transports;

    public void Add(RoundResult result) => _rounds[result.Transport].Add(result);

    public IReadOnlyList<RoundResult> Rounds(string transport) => _rounds[transport];

    public long Errors => _rounds.Values.SelectMany(r => r).Sum(r => r.Errors);

    public long Mismatches => _rounds.Values.SelectMany(r => r).Sum(r => r.Mismatches);

    /// <summary>Weir's figure over Kestrel's, round by round; for memory, Kestrel's over Weir's, so above 1 is always Weir ahead.</summary>
    public IReadOnlyList<double> Ratios()
    {
        if (!_rounds.TryGetValue("weir", out var weir) || !_rounds.TryGetValue("kestrel", out var kestrel))
        {
            return [];
        }

        var lowerIsBetter = Scenario.Primary == PrimaryMetric.BytesPerIdleConnection;
        return weir.Zip(kestrel, (w, k) =>
        {
            var (a, b) = (w.Value(Scenario.Primary), k.Value(Scenario.Primary));
            return lowerIsBetter ? b / a : a / b;
        }).ToArray();
    }

    public static Spread SpreadOf(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0)
        {
            return new Spread(double.NaN, double.NaN, double.NaN);
        }

        var mid = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        return new Spread(median, sorted[0], sorted[^1]);
    }
}

/// <summary>A median with the smallest and largest value it came from.</summary>
internal readonly record struct Spread(double Median, double Min, double Max);
