using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Weir.Diagnostics;
using Weir.Middleware.Limits;
using Weir.Tests.Middleware.Infrastructure;

namespace Weir.Tests.Middleware.Limits;

public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task ConnectionsBeyondTheLimitAreClosedAtOnceWithoutReachingTheHandler()
    {
        await using var services = TestServices.Create();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = 0;
        var pipeline = new ConnectionBuilder(services)
            .UseConnectionLimit(1)
            .Run(async _ =>
            {
                Interlocked.Increment(ref handled);
                await release.Task;
            })
            .Build();

        var first = new TestConnection("first");
        var second = new TestConnection("second");
        var running = pipeline(first);
        await pipeline(second).WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        Assert.Empty(await second.ReceiveToEndAsync());
        Assert.Equal(ConnectionCloseReason.LimitExceeded, second.CloseReason.Reason);
        Assert.Equal(ConnectionCloseReason.Unknown, first.CloseReason.Reason);
        Assert.Equal(1, handled);

        release.SetResult();
        await running.WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task AConnectionThatEndsFreesItsPlace()
    {
        await using var services = TestServices.Create();
        var handled = 0;
        var pipeline = new ConnectionBuilder(services)
            .UseConnectionLimit(1)
            .Run(_ =>
            {
                Interlocked.Increment(ref handled);
                return Task.CompletedTask;
            })
            .Build();

        await pipeline(new TestConnection("first"));
        var second = new TestConnection("second");
        await pipeline(second);

        Assert.Equal(2, handled);
        Assert.Equal(ConnectionCloseReason.Unknown, second.CloseReason.Reason);
    }

    [Fact]
    public async Task AConnectionWhoseHandlerThrowsFreesItsPlace()
    {
        await using var services = TestServices.Create();
        var calls = 0;
        var pipeline = new ConnectionBuilder(services)
            .UseConnectionLimit(1)
            .Run(_ => Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("boom") : Task.CompletedTask)
            .Build();

        await Assert.ThrowsAsync<InvalidOperationException>(() => pipeline(new TestConnection("first")));
        var second = new TestConnection("second");
        await pipeline(second);

        Assert.Equal(2, calls);
        Assert.Equal(ConnectionCloseReason.Unknown, second.CloseReason.Reason);
    }

    [Fact]
    public async Task RefusalsAreCountedAndLogged()
    {
        await using var services = TestServices.Create();
        using var rejected = new MetricCollector<long>(services.GetRequiredService<IMeterFactory>(), WeirMetrics.MeterName, "weir.rejected_connections");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pipeline = new ConnectionBuilder(services).UseConnectionLimit(1).Run(_ => release.Task).Build();

        var running = pipeline(new TestConnection("first"));
        await pipeline(new TestConnection("second"));
        await pipeline(new TestConnection("third"));
        release.SetResult();
        await running;

        Assert.Equal(2, rejected.GetMeasurementSnapshot().EvaluateAsCounter());
        var refusals = services.Logs().Where(r => r.Id.Id == 220).ToList();
        Assert.Equal(2, refusals.Count);
        Assert.Contains("second", refusals[0].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void ALimitBelowOneThrowsNamingTheSetting(long limit)
    {
        var builder = new ConnectionBuilder(TestServices.Create());

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => builder.UseConnectionLimit(limit));

        Assert.Equal("maxConnections", error.ParamName);
    }

    [Fact]
    public async Task OverRealSocketsTheConnectionBeyondTheLimitSeesTheServerCloseWhileTheFirstKeepsWorking()
    {
        await using var services = TestServices.Create();
        await using var server = await KestrelTestServer.StartAsync(services, b => b.UseConnectionLimit(1).Run(PipelineEcho.EchoAsync));
        var token = TestContext.Current.CancellationToken;

        using var first = new TcpClient();
        await first.ConnectAsync(server.EndPoint, token);
        var firstStream = first.GetStream();
        await firstStream.WriteAsync("ping"u8.ToArray(), token);
        var echo = new byte[4];
        await firstStream.ReadExactlyAsync(echo, token).AsTask().WaitAsync(TestTimeouts.HangGuard, token);

        using var second = new TcpClient();
        await second.ConnectAsync(server.EndPoint, token);
        var read = await second.GetStream().ReadAsync(new byte[16], token).AsTask().WaitAsync(TestTimeouts.HangGuard, token);

        Assert.Equal(0, read);
        Assert.Equal("ping"u8.ToArray(), echo);
        await firstStream.WriteAsync("pong"u8.ToArray(), token);
        await firstStream.ReadExactlyAsync(echo, token).AsTask().WaitAsync(TestTimeouts.HangGuard, token);
        Assert.Equal("pong"u8.ToArray(), echo);
        var closed = await server.NextClosedAsync();
        Assert.Equal(ConnectionCloseReason.LimitExceeded, closed.CloseReason.Reason);
    }
}
