using System.Diagnostics;
using System.Net.Sockets;
using Weir.LoadTest.Clients;

namespace Weir.LoadTest.Scenarios;

/// <summary>
/// Connection churn: <c>concurrency</c> loops each connect, exchange <c>size</c> bytes, close, and go again.
/// The client closes first, so TIME_WAIT stays on the client (Linux reuses it on loopback).
/// </summary>
internal sealed class ConnectionRateScenario(string name, int size, int concurrency) : IScenario
{
    public string Name => name;

    public string Description => $"connect, {size} B exchange, close; {concurrency} at a time";

    public PrimaryMetric Primary => PrimaryMetric.ConnectionsPerSecond;

    public Task<RoundResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken) => context.Native is { } native
        ? NativeTimedLoad.RunAsync(context, native, NativeClient.Arguments("connrate", ("--concurrency", concurrency), ("--size", size)), cancellationToken)
        : TimedLoad.RunAsync(
            context,
            window => Task.WhenAll(Enumerable.Range(0, concurrency)
                .Select(i => Task.Run(() => RunLoopAsync(context, i, window), cancellationToken))),
            cancellationToken);

    private async Task RunLoopAsync(ScenarioContext context, int loop, LoadWindow window)
    {
        var counters = window.NewWorker();
        var message = new byte[size];
        var echo = new byte[size];
        new Random(loop).NextBytes(message);

        while (!window.Stopping)
        {
            var measuring = window.Measuring;
            var start = Stopwatch.GetTimestamp();
            try
            {
                using var socket = await Connections.ConnectAsync(context.EndPoint, CancellationToken.None);
                await Connections.SendAllAsync(socket, message, CancellationToken.None);
                if (!await Connections.ReceiveExactlyAsync(socket, echo, CancellationToken.None))
                {
                    counters.Error();
                    continue;
                }

                if (!echo.AsSpan().SequenceEqual(message))
                {
                    counters.Mismatch();
                    return;
                }

                socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
                counters.Error();
                continue;
            }

            counters.Completed(1, size, Stopwatch.GetTimestamp() - start, measuring);
        }
    }
}
