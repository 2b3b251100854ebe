using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Weir.Diagnostics;
using Weir.Tests.Sockets;

namespace Weir.Tests.Server;

/// <summary>A server on <c>UseSockets</c>: Weir's socket transport, made for the server and owned by it.</summary>
public sealed class UseSocketsTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AServerOnUseSocketsEchoesOverAUnixSocket()
    {
        using var directory = new TempDirectory();
        var path = Path.Combine(directory.Path, "echo.sock");
        await using var server = new ServerBuilder()
            .UseSockets(s => s.ListenUnixSocket(path, c => c.UseConnectionHandler<EchoHandler>()))
            .Build();
        await server.StartAsync(Token);
        await using var client = new ClientBuilder().Build();

        await using var connection = await client.ConnectAsync(new UnixDomainSocketEndPoint(path), Token);
        await connection.SendAsync("unix");

        Assert.Equal("unix", await connection.ReceiveAsync(4));
    }

    [Fact]
    public async Task UseSocketsOptionsReachTheAcceptedSockets()
    {
        var noDelay = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new ServerBuilder()
            .UseSockets(o => o.NoDelay = false, s => s.ListenLocalhost(0, c => c.Run(connection =>
            {
                noDelay.TrySetResult(connection.Features.Get<IConnectionSocketFeature>()!.Socket.NoDelay);
                return Task.CompletedTask;
            })))
            .Build();
        await server.StartAsync(Token);
        await using var client = new ClientBuilder().Build();

        await using var connection = await client.ConnectAsync(server.EndPoints[0], Token);

        Assert.False(await noDelay.Task.WaitAsync(ConnectionExtensions.HangGuard, Token));
    }

    [Fact]
    public void AnOptionOutOfRangeFailsNamingIt()
    {
        var builder = new ServerBuilder();

        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => builder.UseSockets(o => o.Backlog = 0, s => s.ListenLocalhost(0, c => c.UseConnectionHandler<EchoHandler>())));

        Assert.Contains("Backlog", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AConnectionAskedToFinishByStopIsRecordedAsServerStopping()
    {
        var reason = new TaskCompletionSource<IConnectionCloseReasonFeature>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = new ServerBuilder()
            .UseSockets(s => s.ListenLocalhost(0, c => c.Run(async connection =>
            {
                var closing = connection.Features.Get<IConnectionLifetimeNotificationFeature>()!.ConnectionClosedRequested;
                running.TrySetResult();
                await Task.Delay(Timeout.Infinite, closing).ContinueWith(_ => { }, TaskScheduler.Default);
                reason.TrySetResult(connection.Features.Get<IConnectionCloseReasonFeature>()!);
            })))
            .Build();
        await server.StartAsync(Token);
        await using var client = new ClientBuilder().Build();
        await using var connection = await client.ConnectAsync(server.EndPoints[0], Token);
        await running.Task.WaitAsync(ConnectionExtensions.HangGuard, Token);

        await server.StopAsync(Token).WaitAsync(ConnectionExtensions.HangGuard, Token);

        Assert.Equal(ConnectionCloseReason.ServerStopping, (await reason.Task).Reason);
        Assert.Empty(await connection.Transport.Input.ReceiveToEndAsync());
    }

    [Fact]
    public async Task AConnectionAbortedByStopIsRecordedAsServerStoppingAndReset()
    {
        var feature = new TaskCompletionSource<IConnectionCloseReasonFeature>(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = new ServerBuilder()
            .UseSockets(s => s.ListenLocalhost(0, c => c.Run(async connection =>
            {
                feature.TrySetResult(connection.Features.Get<IConnectionCloseReasonFeature>()!);
                await connection.Transport.Input.ReceiveToEndAsync();
            })))
            .Build();
        await server.StartAsync(Token);
        await using var client = new ClientBuilder().Build();
        await using var connection = await client.ConnectAsync(server.EndPoints[0], Token);
        var closeReason = await feature.Task.WaitAsync(ConnectionExtensions.HangGuard, Token);

        await server.StopAsync(new CancellationToken(canceled: true)).WaitAsync(ConnectionExtensions.HangGuard, Token);

        Assert.Equal(ConnectionCloseReason.ServerStopping, closeReason.Reason);
        await Assert.ThrowsAsync<ConnectionResetException>(() => connection.Transport.Input.ReceiveToEndAsync());
    }

    [Fact]
    public async Task ABindFailureOnUseSocketsNamesTheEndpoint()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        var endPoint = (IPEndPoint)taken.LocalEndPoint!;
        await using var server = new ServerBuilder()
            .UseSockets(s => s.Listen(endPoint, c => c.UseConnectionHandler<EchoHandler>()))
            .Build();

        var error = await Assert.ThrowsAsync<IOException>(() => server.StartAsync(Token));

        Assert.Contains(endPoint.ToString(), error.Message, StringComparison.Ordinal);
    }
}
