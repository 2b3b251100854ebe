using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Connections;
using Weir.Diagnostics;
using Weir.InMemory;

namespace Weir.Tests.Server;

/// <summary>A server built without a host still publishes the <c>Weir</c> meter, which dotnet-counters reads.</summary>
public sealed class ProcessWideMetricsTests
{
    [Fact]
    public async Task AServerWithoutAMeterFactoryPublishesItsConnectionsOnTheWeirMeter()
    {
        // A name of its own, so measurements from other tests' servers on the same process-wide meter do not count.
        var endPoint = new InMemoryEndPoint($"process-wide-{Guid.NewGuid():N}");
        var address = $"inmemory:{endPoint.Name}";
        var closed = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == WeirMetrics.MeterName && instrument.Name == "weir.connection.duration")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            string? reason = null;
            var ours = false;
            foreach (var tag in tags)
            {
                ours |= tag.Key == "server.address" && Equals(tag.Value, address);
                reason = tag.Key == ConnectionTags.CloseReason ? tag.Value as string : reason;
            }

            if (ours)
            {
                closed.TrySetResult(reason);
            }
        });
        listener.Start();

        await using var transport = new InMemoryTransport();
        await using var server = new ServerBuilder()
            .Listen(endPoint, transport, c => c.UseConnectionHandler<EchoHandler>())
            .Build();
        await server.StartAsync(TestContext.Current.CancellationToken);
        var connection = await transport.ConnectAsync(endPoint, TestContext.Current.CancellationToken);
        await connection.DisposeAsync();

        Assert.Equal("peer_closed", await closed.Task.WaitAsync(ConnectionExtensions.HangGuard, TestContext.Current.CancellationToken));
    }
}
