using System.Net;

namespace Weir.LoadTest.Scenarios;

/// <summary>A kind of load, run against one server for one measured window.</summary>
internal interface IScenario
{
    string Name { get; }

    /// <summary>What the load is, for the table's heading.</summary>
    string Description { get; }

    /// <summary>The figure a round is judged by, and whether more of it is better.</summary>
    PrimaryMetric Primary { get; }

    Task<RoundResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken);
}

/// <summary>The figure that a scenario's ratio compares.</summary>
internal enum PrimaryMetric
{
    MessagesPerSecond,
    MegabytesPerSecond,
    ConnectionsPerSecond,
    BytesPerIdleConnection,
}

/// <summary>
/// Where to send the load and how long to measure it; the load comes from <see cref="Native"/> when there is
/// one, else from this process.
/// </summary>
internal sealed record ScenarioContext(
    IPEndPoint EndPoint,
    Servers.EchoServerProcess Server,
    TimeSpan Warmup,
    TimeSpan Duration,
    int IdleConnections,
    Action<string> Progress,
    Clients.NativeClient? Native);
