using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Time.Testing;
using Weir.Diagnostics;
using Weir.Middleware.Timeouts;
using Weir.Tests.Middleware.Infrastructure;

namespace Weir.Tests.Middleware.Timeouts;

public sealed class IdleTimeoutTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task AConnectionWithNoBytesEitherWayForTheTimeoutIsClosed()
    {
        await using var services = TestServices.Create();
        var time = new FakeTimeProvider();
        var pipeline = new ConnectionBuilder(services).UseIdleTimeout(Timeout, time).Run(ReadUntilFailureAsync).Build();
        var connection = new TestConnection();
        var running = pipeline(connection);

        time.Advance(Timeout - Tick);
        Assert.False(connection.Aborted.Task.IsCompleted);

        time.Advance(Tick);
        await connection.Aborted.Task.WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);
        await running.WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        Assert.Equal(ConnectionCloseReason.Timeout, connection.CloseReason.Reason);
        Assert.Contains(services.Logs(), r => r.Id.Id == 230 && r.Message.Contains(connection.ConnectionId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReceivingBytesPostponesTheTimeout()
    {
        await using var services = TestServices.Create();
        var time = new FakeTimeProvider();
        var consumed = Channel.CreateUnbounded<int>();
        var pipeline = new ConnectionBuilder(services).UseIdleTimeout(Timeout, time).Run(async c =>
        {
            while (true)
            {
                var result = await c.Transport.Input.ReadAsync();
                c.Transport.Input.AdvanceTo(result.Buffer.End);
                await consumed.Writer.WriteAsync((int)result.Buffer.Length);
            }
        }).Build();
        var connection = new TestConnection();
        var running = pipeline(connection);

        time.Advance(TimeSpan.FromSeconds(6));
        await connection.SendAsync("x");
        await consumed.Reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(6));
        Assert.False(connection.Aborted.Task.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(4));
        await connection.Aborted.Task.WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<ConnectionAbortedException>(() => running.WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task BytesCountWhenTheyArriveNotWhenTheHandlerConsumesThem()
    {
        await using var services = TestServices.Create();
        var time = new FakeTimeProvider();
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pipeline = new ConnectionBuilder(services).UseIdleTimeout(Timeout, time).Run(async c =>
        {
            var result = await c.Transport.Input.ReadAsync();
            received.SetResult();
            await release.Task;
            c.Transport.Input.AdvanceTo(result.Buffer.End);
        }).Build();
        var connection = new TestConnection();
        var running = pipeline(connection);

        time.Advance(TimeSpan.FromSeconds(9));
        await connection.SendAsync("late");
        await received.Task.WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(2));

        Assert.False(connection.Aborted.Task.IsCompleted);
        release.SetResult();
        await running.WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task SendingBytesPostponesTheTimeout()
    {
        await using var services = TestServices.Create();
        var time = new FakeTimeProvider();
        var send = Channel.CreateUnbounded<byte[]>();
        var pipeline = new ConnectionBuilder(services).UseIdleTimeout(Timeout, time).Run(async c =>
        {
            await foreach (var bytes in send.Reader.ReadAllAsync())
            {
                await c.Transport.Output.WriteAsync(bytes);
            }
        }).Build();
        var connection = new TestConnection();
        var running = pipeline(connection);

        time.Advance(TimeSpan.FromSeconds(6));
        await send.Writer.WriteAsync("x"u8.ToArray(), TestContext.Current.CancellationToken);
        var sent = await connection.Peer.Input.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);
        connection.Peer.Input.AdvanceTo(sent.Buffer.End);
        time.Advance(TimeSpan.FromSeconds(6));
        Assert.False(connection.Aborted.Task.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(4));
        await connection.Aborted.Task.WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);
        send.Writer.Complete();
        await running.WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task OnlyTheIdleConnectionIsClosed()
    {
        await using var services = TestServices.Create();
        var time = new FakeTimeProvider();
        var pipeline = new ConnectionBuilder(services).UseIdleTimeout(Timeout, time).Run(PipelineEcho.EchoAsync).Build();
        var idle = new TestConnection("idle");
        var busy = new TestConnection("busy");
        var runningIdle = pipeline(idle);
        var runningBusy = pipeline(busy);

        time.Advance(TimeSpan.FromSeconds(5));
        await busy.SendAsync("still here");
        var echo = await busy.Peer.Input.ReadAtLeastAsync(10, TestContext.Current.CancellationToken).AsTask().WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);
        busy.Peer.Input.AdvanceTo(echo.Buffer.End);
        time.Advance(TimeSpan.FromSeconds(5));

        await idle.Aborted.Task.WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);
        Assert.False(busy.Aborted.Task.IsCompleted);
        Assert.Equal(ConnectionCloseReason.Timeout, idle.CloseReason.Reason);
        Assert.Equal(ConnectionCloseReason.Unknown, busy.CloseReason.Reason);

        await busy.Peer.Output.CompleteAsync();
        await runningBusy.WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<ConnectionAbortedException>(() => runningIdle.WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task OneTimerServesEveryConnectionOfThePipeline()
    {
        await using var services = TestServices.Create();
        var time = new CountingTimeProvider();
        var pipeline = new ConnectionBuilder(services).UseIdleTimeout(Timeout, time).Run(ReadUntilFailureAsync).Build();
        var connections = Enumerable.Range(0, 50).Select(i => new TestConnection($"c{i}")).ToList();
        var running = connections.Select(c => pipeline(c)).ToList();

        time.Fake.Advance(Timeout);
        await Task.WhenAll(running).WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);

        Assert.Equal(1, time.TimersCreated);
        Assert.All(connections, c => Assert.Equal(ConnectionCloseReason.Timeout, c.CloseReason.Reason));
    }

    [Fact]
    public async Task AConnectionThatEndsIsNoLongerWatched()
    {
        await using var services = TestServices.Create();
        var time = new FakeTimeProvider();
        var pipeline = new ConnectionBuilder(services).UseIdleTimeout(Timeout, time).Run(ReadUntilFailureAsync).Build();
        var connection = new TestConnection();
        var running = pipeline(connection);

        await connection.Peer.Output.CompleteAsync();
        await running.WaitAsync(TestTimeouts.HangGuard, TestContext.Current.CancellationToken);
        time.Advance(Timeout * 2);

        Assert.False(connection.Aborted.Task.IsCompleted);
        Assert.Equal(ConnectionCloseReason.Unknown, connection.CloseReason.Reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void ATimeoutThatIsNotPositiveThrowsNamingTheSetting(int seconds)
    {
        var builder = new ConnectionBuilder(TestServices.Create());

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => builder.UseIdleTimeout(TimeSpan.FromSeconds(seconds)));

        Assert.Equal("timeout", error.ParamName);
    }

    [Fact]
    public async Task OverRealSocketsAnIdleClientIsDisconnected()
    {
        await using var services = TestServices.Create();
        await using var server = await KestrelTestServer.StartAsync(
            services, b => b.UseIdleTimeout(TimeSpan.FromMilliseconds(200)).Run(PipelineEcho.EchoAsync));
        var token = TestContext.Current.CancellationToken;
        using var client = new TcpClient();
        await client.ConnectAsync(server.EndPoint, token);

        try
        {
            var read = await client.GetStream().ReadAsync(new byte[16], token).AsTask().WaitAsync(TestTimeouts.HangGuard, token);
            Assert.Equal(0, read);
        }
        catch (IOException)
        {
            // Kestrel's transport may reset rather than close an aborted connection; either way it is gone.
        }

        var closed = await server.NextClosedAsync();
        Assert.Equal(ConnectionCloseReason.Timeout, closed.CloseReason.Reason);
    }

    private static async Task ReadUntilFailureAsync(ConnectionContext connection)
    {
        try
        {
            while (true)
            {
                var result = await connection.Transport.Input.ReadAsync();
                connection.Transport.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (ConnectionAbortedException)
        {
        }
    }
}
