using Weir.LoadTest.Scenarios;

namespace Weir.LoadTest;

/// <summary>The standard scenarios, in the order they run.</summary>
internal static class ScenarioCatalog
{
    public static IReadOnlyList<string> Names { get; } = All().Select(s => s.Name).ToArray();

    public static IEnumerable<IScenario> All()
    {
        yield return new PingPongScenario("small", size: 64, connections: 64, depth: 1);
        yield return new PingPongScenario("pipelined", size: 64, connections: 64, depth: 16);
        yield return new PingPongScenario("medium", size: 4096, connections: 16, depth: 1);
        yield return new StreamingScenario("streaming", writeSize: 64 * 1024, connections: 4);
        yield return new ConnectionRateScenario("connrate", size: 32, concurrency: 32);
        yield return new IdleScenario("idle");
    }
}
