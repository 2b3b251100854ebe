using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Weir.Middleware.Logging;
using Weir.Tests.Middleware.Infrastructure;

namespace Weir.Tests.Middleware.Logging;

public sealed class ConnectionLoggingTests
{
    [Fact]
    public async Task StartAndStopAreLoggedWithTheEndpoints()
    {
        await using var services = TestServices.Create(LogLevel.Information);
        var pipeline = new ConnectionBuilder(services).UseConnectionLogging().Run(PipelineEcho.EchoAsync).Build();
        var connection = new TestConnection("conn-1")
        {
            RemoteEndPoint = new IPEndPoint(IPAddress.Parse("192.0.2.7"), 40000),
            LocalEndPoint = new IPEndPoint(IPAddress.Loopback, 5000),
        };

        var running = pipeline(connection);
        await connection.Peer.Output.CompleteAsync();
        await running.WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        var logs = services.Logs();
        var started = Assert.Single(logs, r => r.Id.Id == 200);
        Assert.Contains("conn-1", started.Message, StringComparison.Ordinal);
        Assert.Contains("192.0.2.7:40000", started.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:5000", started.Message, StringComparison.Ordinal);
        Assert.Equal("Weir.Middleware.Logging.ConnectionLogging", started.Category);
        Assert.Single(logs, r => r.Id.Id == 201 && r.Message.Contains("conn-1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheLoggerNameCanBeChosen()
    {
        await using var services = TestServices.Create(LogLevel.Information);
        var pipeline = new ConnectionBuilder(services).UseConnectionLogging("MyServer.Connections").Run(_ => Task.CompletedTask).Build();

        await pipeline(new TestConnection());

        Assert.All(services.Logs(), r => Assert.Equal("MyServer.Connections", r.Category));
        Assert.NotEmpty(services.Logs());
    }

    [Fact]
    public async Task AHandlerFailureIsLoggedAndRethrown()
    {
        await using var services = TestServices.Create(LogLevel.Information);
        var pipeline = new ConnectionBuilder(services)
            .UseConnectionLogging()
            .Run(_ => throw new InvalidOperationException("handler broke"))
            .Build();

        await Assert.ThrowsAsync<InvalidOperationException>(() => pipeline(new TestConnection()));

        var failed = Assert.Single(services.Logs(), r => r.Id.Id == 202);
        Assert.Equal("handler broke", failed.Exception?.Message);
    }

    [Fact]
    public async Task AtTraceTheBytesEachWayAreLoggedAsHexAndText()
    {
        await using var services = TestServices.Create(LogLevel.Trace);
        var pipeline = new ConnectionBuilder(services).UseConnectionLogging().Run(async c =>
        {
            var result = await c.Transport.Input.ReadAtLeastAsync(5);
            c.Transport.Input.AdvanceTo(result.Buffer.End);
            var reply = c.Transport.Output.GetSpan(5);
            "world"u8.CopyTo(reply);
            c.Transport.Output.Advance(5);
            await c.Transport.Output.FlushAsync();
            await c.Transport.Output.WriteAsync("!\n"u8.ToArray());
        }).Build();
        var connection = new TestConnection();

        await connection.SendAsync("hello");
        await pipeline(connection).WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        var logs = services.Logs();
        var read = Assert.Single(logs, r => r.Id.Id == 203);
        Assert.Contains("68 65 6c 6c 6f", read.Message, StringComparison.Ordinal);
        Assert.Contains("|hello|", read.Message, StringComparison.Ordinal);
        var written = logs.Where(r => r.Id.Id == 204).Select(r => r.Message).ToList();
        Assert.Equal(2, written.Count);
        Assert.Contains("77 6f 72 6c 64", written[0], StringComparison.Ordinal);
        Assert.Contains("|world|", written[0], StringComparison.Ordinal);
        Assert.Contains("21 0a", written[1], StringComparison.Ordinal);
        Assert.Contains("|!.|", written[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task BytesLeftUnconsumedAreNotLoggedTwice()
    {
        await using var services = TestServices.Create(LogLevel.Trace);
        var firstSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pipeline = new ConnectionBuilder(services).UseConnectionLogging().Run(async c =>
        {
            var first = await c.Transport.Input.ReadAsync();
            c.Transport.Input.AdvanceTo(first.Buffer.Start, first.Buffer.End);
            firstSeen.SetResult();
            var second = await c.Transport.Input.ReadAtLeastAsync(6);
            c.Transport.Input.AdvanceTo(second.Buffer.End);
        }).Build();
        var connection = new TestConnection();

        await connection.SendAsync("abc");
        var running = pipeline(connection);
        await firstSeen.Task.WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);
        await connection.SendAsync("def");
        await running.WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        var reads = services.Logs().Where(r => r.Id.Id == 203).Select(r => r.Message).ToList();
        Assert.Equal(2, reads.Count);
        Assert.Contains("|abc|", reads[0], StringComparison.Ordinal);
        Assert.Contains("|def|", reads[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task LongWritesAreDumpedSixteenBytesALine()
    {
        await using var services = TestServices.Create(LogLevel.Trace);
        var payload = Enumerable.Range(0, 40).Select(i => (byte)('A' + (i % 26))).ToArray();
        var pipeline = new ConnectionBuilder(services).UseConnectionLogging().Run(async c => await c.Transport.Output.WriteAsync(payload)).Build();

        await pipeline(new TestConnection());

        var lines = Assert.Single(services.Logs(), r => r.Id.Id == 204).Message.Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("00000000  41 42", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("00000010", lines[2], StringComparison.Ordinal);
        Assert.EndsWith("|QRSTUVWXYZABCDEF|", lines[2], StringComparison.Ordinal);
        Assert.StartsWith("00000020", lines[3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task BelowTraceTheTransportIsNotWrapped()
    {
        await using var services = TestServices.Create(LogLevel.Debug);
        var connection = new TestConnection();
        var original = connection.Transport;
        object? seen = null;
        var pipeline = new ConnectionBuilder(services).UseConnectionLogging().Run(c =>
        {
            seen = c.Transport;
            return Task.CompletedTask;
        }).Build();

        await pipeline(connection);

        Assert.Same(original, seen);
        Assert.DoesNotContain(services.Logs(), r => r.Id.Id is 203 or 204);
    }

    [Fact]
    public async Task AtTraceTheOriginalTransportIsRestoredAfterThePipeline()
    {
        await using var services = TestServices.Create(LogLevel.Trace);
        var connection = new TestConnection();
        var original = connection.Transport;
        object? seen = null;
        var pipeline = new ConnectionBuilder(services).UseConnectionLogging().Run(c =>
        {
            seen = c.Transport;
            return Task.CompletedTask;
        }).Build();

        await pipeline(connection);

        Assert.NotSame(original, seen);
        Assert.Same(original, connection.Transport);
    }
}
