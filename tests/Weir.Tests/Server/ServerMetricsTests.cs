using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Weir.Diagnostics;
using Weir.InMemory;

namespace Weir.Tests.Server;

public sealed class ServerMetricsTests
{
    [Fact]
    public async Task ActiveAndQueuedConnectionsRiseAndFallWithTheListenersTags()
    {
        var transport = TestTransport.KestrelSockets();
        await using var services = TestServices.Create();
        var metrics = WeirMetrics.FromServices(services);
        using var active = new MetricCollector<long>(metrics.Meter, "weir.active_connections");
        using var queued = new MetricCollector<long>(metrics.Meter, "weir.queued_connections");
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new ServerBuilder(services)
            .UseTransport(transport.ListenerFactory, t => t.ListenLocalhost(0, c => c.Run(async connection =>
            {
                running.TrySetResult();
                await connection.Transport.Input.ReceiveToEndAsync();
            })))
            .Build();
        await server.StartAsync(TestContext.Current.CancellationToken);
        var port = ((IPEndPoint)server.EndPoints[0]).Port;

        var connection = await transport.ConnectAsync(server.EndPoints[0], TestContext.Current.CancellationToken);
        await running.Task.WaitAsync(ConnectionExtensions.HangGuard, TestContext.Current.CancellationToken);
        Assert.Equal(1, active.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(0, queued.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal([1L, -1L], queued.GetMeasurementSnapshot().Select(m => m.Value));

        await connection.DisposeAsync();
        await active.WaitForMeasurementsAsync(2, ConnectionExtensions.HangGuard);
        Assert.Equal(0, active.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.All(active.GetMeasurementSnapshot(), m =>
        {
            Assert.Equal("tcp", m.Tags["network.transport"]);
            Assert.Equal("ipv4", m.Tags["network.type"]);
            Assert.Equal("127.0.0.1", m.Tags["server.address"]);
            Assert.Equal(port, m.Tags["server.port"]);
        });
    }

    [Fact]
    public async Task ConnectionDurationIsTaggedWithWhyTheConnectionClosed()
    {
        var transport = new InMemoryTransport();
        await using var services = TestServices.Create();
        using var duration = new MetricCollector<double>(WeirMetrics.FromServices(services).Meter, "weir.connection.duration");
        await using var server = new ServerBuilder(services)
            .Listen(new InMemoryEndPoint("echo"), transport, c => c.UseConnectionHandler<EchoHandler>())
            .Listen(new InMemoryEndPoint("thrower"), transport, c => c.Run(_ => throw new InvalidOperationException("no")))
            .Build();
        await server.StartAsync(TestContext.Current.CancellationToken);

        var echo = await transport.ConnectAsync(new InMemoryEndPoint("echo"), TestContext.Current.CancellationToken);
        await echo.DisposeAsync();
        await duration.WaitForMeasurementsAsync(1, ConnectionExtensions.HangGuard);
        await using var thrower = await transport.ConnectAsync(new InMemoryEndPoint("thrower"), TestContext.Current.CancellationToken);
        await duration.WaitForMeasurementsAsync(2, ConnectionExtensions.HangGuard);

        var measurements = duration.GetMeasurementSnapshot();
        Assert.Equal("peer_closed", measurements[0].Tags[ConnectionTags.CloseReason]);
        Assert.Equal("inmemory:echo", measurements[0].Tags["server.address"]);
        Assert.Equal("application_error", measurements[1].Tags[ConnectionTags.CloseReason]);
        Assert.All(measurements, m => Assert.True(m.Value >= 0));
    }

    [Fact]
    public async Task OverATransportWithoutCloseReasonsTheServerTagsWhatItSaw()
    {
        var transport = TestTransport.KestrelSockets();
        await using var services = TestServices.Create();
        using var duration = new MetricCollector<double>(WeirMetrics.FromServices(services).Meter, "weir.connection.duration");
        await using var server = new ServerBuilder(services)
            .UseTransport(transport.ListenerFactory, t => t.ListenLocalhost(0, c => c.Run(async connection =>
                await connection.Transport.Output.WriteAsync("bye"u8.ToArray()))))
            .Build();
        await server.StartAsync(TestContext.Current.CancellationToken);

        await using var connection = await transport.ConnectAsync(server.EndPoints[0], TestContext.Current.CancellationToken);
        Assert.Equal("bye", await connection.Transport.Input.ReceiveToEndAsync());
        await duration.WaitForMeasurementsAsync(1, ConnectionExtensions.HangGuard);

        Assert.Equal("local_closed", duration.LastMeasurement!.Tags[ConnectionTags.CloseReason]);
    }

    [Fact]
    public async Task BytesReceivedAndSentCountLiveAndClosedConnections()
    {
        var transport = new InMemoryTransport();
        await using var services = TestServices.Create();
        var metrics = WeirMetrics.FromServices(services);
        using var received = new MetricCollector<long>(metrics.Meter, "weir.connection.bytes_received");
        using var sent = new MetricCollector<long>(metrics.Meter, "weir.connection.bytes_sent");
        await using var server = new ServerBuilder(services)
            .Listen(new InMemoryEndPoint("echo"), transport, c => c.UseConnectionHandler<EchoHandler>())
            .Build();
        await server.StartAsync(TestContext.Current.CancellationToken);

        var first = await transport.ConnectAsync(new InMemoryEndPoint("echo"), TestContext.Current.CancellationToken);
        await first.SendAsync("0123456789");
        Assert.Equal("0123456789", await first.ReceiveAsync(10));
        Assert.Equal((10, 10), Observe(received, sent));

        await first.DisposeAsync();
        await using var second = await transport.ConnectAsync(new InMemoryEndPoint("echo"), TestContext.Current.CancellationToken);
        await second.SendAsync("abcde");
        Assert.Equal("abcde", await second.ReceiveAsync(5));

        Assert.Equal((15, 15), Observe(received, sent));
        Assert.Equal("inmemory:echo", received.LastMeasurement!.Tags["server.address"]);
    }

    private static (long Received, long Sent) Observe(MetricCollector<long> received, MetricCollector<long> sent)
    {
        received.RecordObservableInstruments();
        sent.RecordObservableInstruments();
        return (received.LastMeasurement!.Value, sent.LastMeasurement!.Value);
    }
}
